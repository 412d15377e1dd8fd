/// The status page: one self-contained HTML document (inline CSS and JavaScript, nothing
/// fetched from elsewhere, so it works offline and behind any firewall).
///
/// It loads `/topology.svg` once into `#topology`, then reads `/status.json` every second and
/// shows the state, the totals, a chart of the rate over the last 60 readings, the tasks and
/// the lag of every input partition. When a reading fails it says "disconnected" and keeps
/// the last figures. Every string from the server goes into the page as text
/// (`textContent`), never as markup; the topology picture is parsed as SVG and stripped of
/// scripts and event handlers before it is shown.
///
/// The ids are stable (the browser test reads them): `#app`, `#state`, `#connection`,
/// `#processed`, `#rate`, `#produced`, `#skipped`, `#dead-lettered`, `#lost`,
/// `#dropped-outputs`, `#commits`, `#lag-total` (each figure also carries its raw value in
/// `data-value`), `#topology`, `#chart`, `#tasks` (rows with `data-task="0_3"`) and `#lag`
/// (rows with `data-partition="topic-3"`).
enum StatusPage {
    /// The page.
    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Kafka Streams status</title>
        <style>
          :root { --ink: #1d2330; --muted: #667085; --line: #d9dee7; --panel: #ffffff; --back: #f3f5f9; }
          * { box-sizing: border-box; }
          body { margin: 0; padding: 20px 28px; background: var(--back); color: var(--ink);
                 font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
          header { display: flex; align-items: center; gap: 14px; flex-wrap: wrap; margin-bottom: 16px; }
          h1 { font-size: 22px; margin: 0; font-weight: 600; }
          h2 { font-size: 13px; margin: 0 0 10px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
          .badge { display: inline-block; padding: 3px 12px; border-radius: 999px; color: #fff; font-weight: 600;
                   background: #868e96; }
          .state-running { background: #2b8a3e; }
          .state-rebalancing { background: #e8590c; }
          .state-created { background: #4263eb; }
          .state-pendingShutdown { background: #f08c00; }
          .state-notRunning { background: #495057; }
          .state-error { background: #c92a2a; }
          .connection { color: var(--muted); }
          .connection.bad { color: #c92a2a; font-weight: 600; }
          .totals { display: grid; grid-template-columns: repeat(9, minmax(0, 1fr)); gap: 10px; margin-bottom: 16px; }
          .figure { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
          .figure .label { color: var(--muted); font-size: 12px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
          .figure .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; white-space: nowrap; }
          .row { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 16px; margin-bottom: 16px; }
          .panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px;
                   margin-bottom: 16px; min-width: 0; }
          .row .panel { margin-bottom: 0; }
          #topology { overflow: auto; max-height: 620px; }
          #topology svg { max-width: 100%; height: auto; display: block; }
          #chart { width: 100%; height: 180px; display: block; }
          #chart-max, #chart-now { fill: var(--muted); font-size: 11px; }
          table { width: 100%; border-collapse: collapse; }
          th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
          th { color: var(--muted); font-weight: 600; font-size: 12px; }
          td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
          td.empty { color: var(--muted); }
        </style>
        </head>
        <body>
        <header>
          <h1 id="app">…</h1>
          <span id="state" class="badge">unknown</span>
          <span id="connection" class="connection">connecting…</span>
          <span id="updated" class="connection"></span>
        </header>
        <section class="totals">
          <div class="figure"><div class="label">processed</div><div class="value" id="processed">–</div></div>
          <div class="figure"><div class="label">rate, records/s</div><div class="value" id="rate">–</div></div>
          <div class="figure"><div class="label">produced</div><div class="value" id="produced">–</div></div>
          <div class="figure"><div class="label">skipped</div><div class="value" id="skipped">–</div></div>
          <div class="figure"><div class="label">dead-lettered</div><div class="value" id="dead-lettered">–</div></div>
          <div class="figure"><div class="label">lost</div><div class="value" id="lost">–</div></div>
          <div class="figure"><div class="label">dropped outputs</div><div class="value" id="dropped-outputs">–</div></div>
          <div class="figure"><div class="label">commits</div><div class="value" id="commits">–</div></div>
          <div class="figure"><div class="label">total lag</div><div class="value" id="lag-total">–</div></div>
        </section>
        <section class="row">
          <div class="panel"><h2>Topology</h2><div id="topology">loading…</div></div>
          <div class="panel">
            <h2>Rate, records/s, last 60 readings</h2>
            <svg id="chart" viewBox="0 0 400 180" preserveAspectRatio="none" role="img" aria-label="processing rate">
              <line x1="0" y1="170" x2="400" y2="170" stroke="#d9dee7" stroke-width="1"/>
              <polyline id="chart-line" fill="none" stroke="#1c7ed6" stroke-width="2" points=""/>
              <text id="chart-max" x="4" y="12"></text>
            </svg>
          </div>
        </section>
        <section class="panel">
          <h2>Tasks</h2>
          <table>
            <thead><tr><th>thread</th><th>task</th><th>state</th><th>partitions</th>
              <th class="num">processed</th><th class="num">rate, records/s</th><th class="num">latency, ms</th></tr></thead>
            <tbody id="tasks"></tbody>
          </table>
        </section>
        <section class="panel">
          <h2>Lag per partition</h2>
          <table>
            <thead><tr><th>topic</th><th class="num">partition</th><th class="num">position</th>
              <th class="num">committed</th><th class="num">end</th><th class="num">lag</th></tr></thead>
            <tbody id="lag"></tbody>
          </table>
        </section>
        <script>
        (function () {
          'use strict';
          const HISTORY = 60;
          const STATES = ['created', 'rebalancing', 'running', 'pendingShutdown', 'notRunning', 'error'];
          const rates = [];
          let topologyState = 'missing';

          const byId = (id) => document.getElementById(id);
          const number = (value) => (value === null || value === undefined) ? NaN : Number(value);
          function count(value) {
            const n = number(value);
            if (value === null || value === undefined) return '–';
            if (!isFinite(n)) return String(n);
            return Math.round(n).toString().replace(/\\B(?=(\\d{3})+(?!\\d))/g, ',');
          }
          function decimal(value, digits) {
            const n = number(value);
            if (value === null || value === undefined) return '–';
            return isFinite(n) ? n.toFixed(digits) : String(n);
          }
          function figure(id, shown, raw) {
            const element = byId(id);
            element.textContent = shown;
            element.setAttribute('data-value', String(raw));
          }
          function row(attribute, key, cells) {
            const tr = document.createElement('tr');
            tr.setAttribute(attribute, key);
            for (const [value, numeric] of cells) {
              const td = document.createElement('td');
              td.textContent = value;
              if (numeric) td.className = 'num';
              tr.appendChild(td);
            }
            return tr;
          }
          function emptyRow(columns, message) {
            const tr = document.createElement('tr');
            const td = document.createElement('td');
            td.colSpan = columns;
            td.className = 'empty';
            td.textContent = message;
            tr.appendChild(td);
            return tr;
          }
          function lagOf(partition) {
            if (partition.position === null || partition.position === undefined) return null;
            if (partition.endOffset === null || partition.endOffset === undefined) return null;
            return Math.max(0, partition.endOffset - partition.position);
          }

          function render(status) {
            byId('app').textContent = status.applicationId;
            document.title = status.applicationId + ' · status';
            const state = byId('state');
            state.textContent = status.state;
            state.className = 'badge' + (STATES.includes(status.state) ? ' state-' + status.state : '');

            const threads = status.threads || [];
            const tasks = [];
            for (const thread of threads) {
              for (const task of thread.activeTasks || []) tasks.push([thread, task]);
            }
            const partitions = [];
            for (const [, task] of tasks) for (const partition of task.partitions || []) partitions.push(partition);
            partitions.sort((a, b) => a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition);
            let lagTotal = 0;
            for (const partition of partitions) lagTotal += lagOf(partition) || 0;

            figure('processed', count(status.processedRecords), status.processedRecords);
            figure('rate', decimal(status.processRate, 1), status.processRate);
            figure('produced', count(status.producedRecords), status.producedRecords);
            figure('skipped', count(status.skippedRecords), status.skippedRecords);
            figure('dead-lettered', count(status.deadLetteredRecords), status.deadLetteredRecords);
            figure('lost', count(status.lostRecords), status.lostRecords);
            figure('dropped-outputs', count(status.droppedOutputRecords), status.droppedOutputRecords);
            figure('commits', count(status.commits), status.commits);
            figure('lag-total', count(lagTotal), lagTotal);

            const taskRows = tasks.map(([thread, task]) => row('data-task', task.taskId, [
              [thread.threadName, false], [task.taskId, false], [task.state, false],
              [(task.partitions || []).map((p) => p.topic + '-' + p.partition).join(', '), false],
              [count(task.processedRecords), true], [decimal(task.processRate, 1), true],
              [decimal(task.processLatencyAvgMs, 3), true],
            ]));
            byId('tasks').replaceChildren(...(taskRows.length ? taskRows : [emptyRow(7, 'no tasks')]));

            const lagRows = partitions.map((p) => row('data-partition', p.topic + '-' + p.partition, [
              [p.topic, false], [String(p.partition), true], [count(p.position), true],
              [count(p.committedOffset), true], [count(p.endOffset), true], [count(lagOf(p)), true],
            ]));
            byId('lag').replaceChildren(...(lagRows.length ? lagRows : [emptyRow(6, 'no partitions')]));

            const rate = number(status.processRate);
            rates.push(isFinite(rate) ? rate : 0);
            while (rates.length > HISTORY) rates.shift();
            drawChart();

            const when = new Date(Number(status.capturedAt));
            byId('updated').textContent = status.capturedAt > 0 ? 'as of ' + when.toLocaleTimeString() : '';
          }

          function drawChart() {
            const top = Math.max(1, ...rates);
            const step = 400 / (HISTORY - 1);
            const offset = HISTORY - rates.length;
            const points = rates.map((rate, index) =>
              ((offset + index) * step).toFixed(1) + ',' + (170 - rate / top * 150).toFixed(1));
            byId('chart-line').setAttribute('points', points.join(' '));
            byId('chart-max').textContent = 'max ' + decimal(top, 1) + ' /s';
          }

          // The picture comes from the server's own renderer, but it is parsed as SVG and
          // cleaned all the same: drawing only, no scripts, no handlers, no embedded HTML.
          function showTopology(source) {
            const parsed = new DOMParser().parseFromString(source, 'image/svg+xml');
            const svg = parsed.documentElement;
            if (!svg || svg.localName !== 'svg' || parsed.getElementsByTagName('parsererror').length) {
              throw new Error('not an SVG picture');
            }
            for (const element of Array.from(svg.querySelectorAll('script, foreignObject'))) element.remove();
            for (const element of [svg, ...svg.querySelectorAll('*')]) {
              for (const attribute of Array.from(element.attributes)) {
                const name = attribute.name.toLowerCase();
                const value = attribute.value.trim().toLowerCase();
                if (name.startsWith('on') || ((name === 'href' || name.endsWith(':href')) && value.startsWith('javascript:'))) {
                  element.removeAttribute(attribute.name);
                }
              }
            }
            byId('topology').replaceChildren(document.importNode(svg, true));
          }

          function loadTopology() {
            if (topologyState !== 'missing') return;
            topologyState = 'loading';
            fetch('/topology.svg', { cache: 'no-store' })
              .then((response) => {
                if (!response.ok) throw new Error('HTTP ' + response.status);
                return response.text();
              })
              .then((source) => { showTopology(source); topologyState = 'shown'; })
              .catch((error) => {
                topologyState = 'missing';
                byId('topology').textContent = 'topology picture unavailable: ' + error.message;
              });
          }

          function refresh() {
            loadTopology();
            const options = { cache: 'no-store' };
            if (typeof AbortSignal !== 'undefined' && AbortSignal.timeout) options.signal = AbortSignal.timeout(3000);
            fetch('/status.json', options)
              .then((response) => {
                if (!response.ok) throw new Error('HTTP ' + response.status);
                return response.json();
              })
              .then((status) => {
                render(status);
                const connection = byId('connection');
                connection.textContent = 'live';
                connection.className = 'connection';
              })
              .catch(() => {
                const connection = byId('connection');
                connection.textContent = 'disconnected';
                connection.className = 'connection bad';
              })
              .finally(() => setTimeout(refresh, 1000));
          }

          refresh();
        })();
        </script>
        </body>
        </html>

        """
}
