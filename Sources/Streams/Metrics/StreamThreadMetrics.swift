import CoreMetrics

/// Publishes one stream thread's figures through swift-metrics, under the names Kafka
/// Streams users know, and makes the thread's part of a ``StatusSnapshot``.
///
/// Names are Kafka Streams' metric groups and names as the Prometheus JMX exporter writes
/// them (`stream-task-metrics` / `process-rate` becomes
/// `kafka_streams_stream_task_metrics_process_rate`); see ``StreamsMetricNames``. Tasks and
/// nodes count with plain integers on the per-record path; this type turns the counts into
/// counters, rates and latencies when the thread calls ``refresh(tasks:partitions:now:)``,
/// about once a second and after each commit. Confined to the stream thread.
package final class StreamThreadMetrics {
    package let threadName: String
    private let applicationId: String
    private let consumerClientId: String
    private let factory: any MetricsFactory
    private let refreshInterval: UInt64

    private let processTotal: Counter
    private let processRate: Gauge
    private let processLatencyAvg: Gauge
    private let processLatencyMax: Gauge
    private let commitTotal: Counter
    private let commitRate: Gauge
    private let commitLatencyAvg: Gauge
    private let commitLatencyMax: Gauge
    private let pollTotal: Counter
    private let pollRate: Gauge
    private let taskCreatedTotal: Counter
    private let taskClosedTotal: Counter
    private let recordsLagMax: Gauge
    private let recordSendTotal: Counter
    private let recordErrorTotal: Counter
    private var lastSent = 0
    private var lastErrors = 0
    private let destroyables: [() -> Void]

    private var commits = LatencySamples()
    private var polls = 0
    private var pollsInWindow = 0
    private var commitsInWindow = 0
    private var windowStart: UInt64
    private var processedInWindow = 0
    private var tasks: [TaskId: TaskHandles] = [:]
    private var published: [TaskId: TaskMetadata] = [:]
    /// The thread's process rate over the last full window.
    package private(set) var processRateValue: Double = 0

    /// - Parameters:
    ///   - applicationId: The application id (a dimension of every metric).
    ///   - threadName: `<applicationId>-StreamThread-<n>`.
    ///   - consumerClientId: The client id of the thread's consumer (the lag metrics' dimension).
    ///   - producerClientId: The client id of the thread's producer.
    ///   - factory: Where metrics go; `nil` for `MetricsSystem.factory`.
    ///   - refreshInterval: The shortest window rates are computed over.
    ///   - now: The monotonic clock now, in nanoseconds.
    package init(
        applicationId: String, threadName: String, consumerClientId: String, producerClientId: String,
        factory: (any MetricsFactory)?, refreshInterval: Duration, now: UInt64
    ) {
        self.applicationId = applicationId
        self.threadName = threadName
        self.consumerClientId = consumerClientId
        let factory = factory ?? MetricsSystem.factory
        self.factory = factory
        self.refreshInterval = max(1, refreshInterval.nanoseconds)
        windowStart = now
        let dimensions = [("application_id", applicationId), ("thread_id", threadName)]
        let names = StreamsMetricNames.Thread.self
        func counter(_ name: String) -> Counter { Counter(label: name, dimensions: dimensions, factory: factory) }
        func gauge(_ name: String) -> Gauge { Gauge(label: name, dimensions: dimensions, factory: factory) }
        processTotal = counter(names.processTotal)
        processRate = gauge(names.processRate)
        processLatencyAvg = gauge(names.processLatencyAvg)
        processLatencyMax = gauge(names.processLatencyMax)
        commitTotal = counter(names.commitTotal)
        commitRate = gauge(names.commitRate)
        commitLatencyAvg = gauge(names.commitLatencyAvg)
        commitLatencyMax = gauge(names.commitLatencyMax)
        pollTotal = counter(names.pollTotal)
        pollRate = gauge(names.pollRate)
        taskCreatedTotal = counter(names.taskCreatedTotal)
        taskClosedTotal = counter(names.taskClosedTotal)
        recordsLagMax = Gauge(
            label: StreamsMetricNames.Consumer.recordsLagMax,
            dimensions: [("application_id", applicationId), ("client_id", consumerClientId)], factory: factory)
        let producerDimensions = [("application_id", applicationId), ("client_id", producerClientId)]
        recordSendTotal = Counter(
            label: StreamsMetricNames.Producer.recordSendTotal, dimensions: producerDimensions, factory: factory)
        recordErrorTotal = Counter(
            label: StreamsMetricNames.Producer.recordErrorTotal, dimensions: producerDimensions, factory: factory)
        let counters = [
            processTotal, commitTotal, pollTotal, taskCreatedTotal, taskClosedTotal, recordSendTotal, recordErrorTotal,
        ]
        let gauges = [
            processRate, processLatencyAvg, processLatencyMax, commitRate, commitLatencyAvg, commitLatencyMax,
            pollRate, recordsLagMax,
        ]
        destroyables = counters.map { counter in { counter.destroy() } } + gauges.map { gauge in { gauge.destroy() } }
        for gauge in gauges { gauge.record(0) }
        for counter in counters { counter.increment(by: 0) }
    }

    /// The producer's running totals: records written and records that failed.
    package func recordProducer(sent: Int, errors: Int) {
        if sent > lastSent { recordSendTotal.increment(by: sent - lastSent) }
        if errors > lastErrors { recordErrorTotal.increment(by: errors - lastErrors) }
        lastSent = max(lastSent, sent)
        lastErrors = max(lastErrors, errors)
    }

    /// The thread polled its consumer (or, in memory, its inputs) once.
    package func recordPoll() {
        polls &+= 1
        pollsInWindow &+= 1
        pollTotal.increment()
    }

    /// A commit that started at `start` (monotonic nanoseconds) finished.
    package func recordCommit(since start: UInt64) {
        commits.add(since: start)
        commitsInWindow &+= 1
        commitTotal.increment()
    }

    /// A task was made.
    package func taskCreated(_ task: StreamTask) {
        taskCreatedTotal.increment()
        tasks[task.id] = TaskHandles(
            task: task.id, base: [("application_id", applicationId), ("thread_id", threadName)],
            consumerClientId: consumerClientId, factory: factory)
    }

    /// A task is closing: its last counts are published, then its metrics removed (as Kafka
    /// Streams removes a task's metrics when the task leaves the thread).
    package func taskClosed(_ task: StreamTask) {
        guard let handles = tasks.removeValue(forKey: task.id) else { return }
        let processed = handles.publishCounts(of: task)
        processTotal.increment(by: processed)
        processedInWindow += processed
        handles.destroy()
        published[task.id] = nil
        taskClosedTotal.increment()
    }

    /// Publishes every count, and the rates and latencies once a window has passed.
    /// - Parameters:
    ///   - tasks: The thread's tasks.
    ///   - partitions: The input partitions of each task with their positions and ends.
    ///   - now: The monotonic clock now, in nanoseconds.
    /// - Returns: The tasks' metadata for the thread's status.
    @discardableResult
    package func refresh(
        tasks current: [StreamTask], partitions: [TaskId: [PartitionStatus]], now: UInt64
    ) -> [TaskMetadata] {
        var lagMax: Int64 = 0
        for task in current {
            guard let handles = tasks[task.id] else { continue }
            let processed = handles.publishCounts(of: task)
            processTotal.increment(by: processed)
            processedInWindow += processed
            let status = partitions[task.id] ?? []
            handles.publishLag(status)
            lagMax = max(lagMax, status.compactMap(\.lag).max() ?? 0)
        }
        recordsLagMax.record(lagMax)
        let elapsed = now &- windowStart
        if elapsed >= refreshInterval {
            let seconds = Double(elapsed) / 1e9
            var taskSamples = LatencySamples()
            for task in current {
                guard let handles = tasks[task.id] else { continue }
                let samples = task.takeLatencySamples()
                handles.publishWindow(task: samples.task, nodes: samples.nodes, seconds: seconds)
                taskSamples.merge(samples.task)
            }
            processRateValue = Double(processedInWindow) / seconds
            processRate.record(processRateValue)
            processLatencyAvg.record(taskSamples.averageMillis)
            processLatencyMax.record(taskSamples.maxMillis)
            let commitSamples = commits.take()
            commitRate.record(Double(commitsInWindow) / seconds)
            commitLatencyAvg.record(commitSamples.averageMillis)
            commitLatencyMax.record(commitSamples.maxMillis)
            pollRate.record(Double(pollsInWindow) / seconds)
            processedInWindow = 0
            commitsInWindow = 0
            pollsInWindow = 0
            windowStart = now
        }
        var metadata: [TaskMetadata] = []
        for task in current.sorted(by: { $0.id < $1.id }) {
            let handles = tasks[task.id]
            metadata.append(
                TaskMetadata(
                    taskId: task.id, state: .running, partitions: partitions[task.id] ?? [],
                    processedRecords: task.processedRecords, processRate: handles?.rate ?? 0,
                    processLatencyAvgMs: handles?.latencyAvgMs ?? 0, droppedRecords: task.skippedRecords + task.lateRecords))
        }
        return metadata
    }

    /// Removes the thread's metrics (the thread has stopped); call after closing its tasks.
    package func close() {
        for handles in tasks.values { handles.destroy() }
        tasks = [:]
        for destroy in destroyables { destroy() }
    }
}

/// One task's metrics and the counts last published, for increments.
private final class TaskHandles {
    let processTotal: Counter
    let processRate: Gauge
    let processLatencyAvg: Gauge
    let processLatencyMax: Gauge
    let droppedTotal: Counter
    let deadLetterTotal: Counter
    let restoreTotal: Counter
    var lastRestored = 0
    let factory: any MetricsFactory
    let dimensions: [(String, String)]
    let consumerDimensions: [(String, String)]
    var nodes: [String: NodeHandles] = [:]
    var consumed: [TopicName: TopicCounters] = [:]
    var produced: [String: TopicCounters] = [:]
    var lag: [String: Gauge] = [:]
    var lastProcessed = 0
    var processedAtWindowStart = 0
    var lastDropped = 0
    var lastDeadLettered = 0
    var rate: Double = 0
    var latencyAvgMs: Double = 0

    init(task: TaskId, base: [(String, String)], consumerClientId: String, factory: any MetricsFactory) {
        self.factory = factory
        dimensions = base + [("task_id", task.description)]
        consumerDimensions = [base[0], ("client_id", consumerClientId)]
        let names = StreamsMetricNames.Task.self
        processTotal = Counter(label: names.processTotal, dimensions: dimensions, factory: factory)
        processRate = Gauge(label: names.processRate, dimensions: dimensions, factory: factory)
        processLatencyAvg = Gauge(label: names.processLatencyAvg, dimensions: dimensions, factory: factory)
        processLatencyMax = Gauge(label: names.processLatencyMax, dimensions: dimensions, factory: factory)
        droppedTotal = Counter(label: names.droppedRecordsTotal, dimensions: dimensions, factory: factory)
        deadLetterTotal = Counter(label: names.deadLetterRecordsTotal, dimensions: dimensions, factory: factory)
        restoreTotal = Counter(label: names.restoreTotal, dimensions: dimensions, factory: factory)
        for gauge in [processRate, processLatencyAvg, processLatencyMax] { gauge.record(0) }
        // Present from the start at 0, as Kafka Streams registers them with the task.
        droppedTotal.increment(by: 0)
        deadLetterTotal.increment(by: 0)
        restoreTotal.increment(by: 0)
    }

    /// Publishes the counts that grew; returns how many records the task processed since.
    func publishCounts(of task: StreamTask) -> Int {
        let processed = task.processedRecords
        let delta = processed - lastProcessed
        if delta > 0 { processTotal.increment(by: delta) }
        lastProcessed = processed
        let dropped = task.skippedRecords + task.lateRecords
        if dropped > lastDropped { droppedTotal.increment(by: dropped - lastDropped) }
        lastDropped = dropped
        let deadLettered = task.deadLetteredRecords
        if deadLettered > lastDeadLettered { deadLetterTotal.increment(by: deadLettered - lastDeadLettered) }
        lastDeadLettered = deadLettered
        if task.restoredRecords > lastRestored { restoreTotal.increment(by: task.restoredRecords - lastRestored) }
        lastRestored = task.restoredRecords
        for (node, records) in task.nodeProcessed {
            let handles = nodes[node] ?? makeNode(node)
            handles.publish(processed: records)
        }
        let names = StreamsMetricNames.Topic.self
        for (topic, records, bytes) in task.consumedByTopic {
            let counters = consumed[topic] ?? TopicCounters(
                records: names.recordsConsumedTotal, bytes: names.bytesConsumedTotal,
                dimensions: dimensions + [("topic", topic.rawValue)], factory: factory)
            counters.publish(records: records, bytes: bytes)
            consumed[topic] = counters
        }
        for (node, topic, records, bytes) in task.produced {
            let key = "\(node)\u{0}\(topic.rawValue)"
            let counters = produced[key] ?? TopicCounters(
                records: names.recordsProducedTotal, bytes: names.bytesProducedTotal,
                dimensions: dimensions + [("processor_node_id", node), ("topic", topic.rawValue)], factory: factory)
            counters.publish(records: records, bytes: bytes)
            produced[key] = counters
        }
        return delta
    }

    private func makeNode(_ node: String) -> NodeHandles {
        let handles = NodeHandles(dimensions: dimensions + [("processor_node_id", node)], factory: factory)
        nodes[node] = handles
        return handles
    }

    /// Rates and latencies over a window of `seconds`.
    func publishWindow(task: LatencySamples, nodes samples: [String: LatencySamples], seconds: Double) {
        rate = Double(lastProcessed - processedAtWindowStart) / seconds
        processedAtWindowStart = lastProcessed
        processRate.record(rate)
        if task.count > 0 {
            latencyAvgMs = task.averageMillis
            processLatencyAvg.record(task.averageMillis)
            processLatencyMax.record(task.maxMillis)
        }
        for (name, handles) in nodes {
            handles.publishWindow(samples[name] ?? LatencySamples(), seconds: seconds)
        }
    }

    /// Records-lag per input partition, as the consumer's fetch metrics name it.
    func publishLag(_ partitions: [PartitionStatus]) {
        for partition in partitions {
            guard let value = partition.lag else { continue }
            let key = "\(partition.topic)-\(partition.partition)"
            let gauge = lag[key] ?? {
                let gauge = Gauge(
                    label: StreamsMetricNames.Consumer.recordsLag,
                    dimensions: consumerDimensions + [("topic", partition.topic), ("partition", String(partition.partition))],
                    factory: factory)
                lag[key] = gauge
                return gauge
            }()
            gauge.record(value)
        }
    }

    func destroy() {
        for counter in [processTotal, droppedTotal, deadLetterTotal, restoreTotal] { counter.destroy() }
        for gauge in [processRate, processLatencyAvg, processLatencyMax] { gauge.destroy() }
        for node in nodes.values { node.destroy() }
        for counters in consumed.values { counters.destroy() }
        for counters in produced.values { counters.destroy() }
        for gauge in lag.values { gauge.destroy() }
    }
}

/// Records and bytes through one topic: two counters and the totals last published.
private final class TopicCounters {
    let records: Counter
    let bytes: Counter
    var last = TopicCount()

    init(records: String, bytes: String, dimensions: [(String, String)], factory: any MetricsFactory) {
        self.records = Counter(label: records, dimensions: dimensions, factory: factory)
        self.bytes = Counter(label: bytes, dimensions: dimensions, factory: factory)
    }

    /// Publishes running totals.
    func publish(records total: Int, bytes totalBytes: Int) {
        records.increment(by: total - last.records)
        bytes.increment(by: totalBytes - last.bytes)
        last = TopicCount(records: total, bytes: totalBytes)
    }

    func destroy() {
        records.destroy()
        bytes.destroy()
    }
}

/// One processor node's metrics in one task.
private final class NodeHandles {
    let processTotal: Counter
    let processRate: Gauge
    let processLatencyAvg: Gauge
    let processLatencyMax: Gauge
    var lastProcessed = 0
    var processedAtWindowStart = 0

    init(dimensions: [(String, String)], factory: any MetricsFactory) {
        let names = StreamsMetricNames.ProcessorNode.self
        processTotal = Counter(label: names.processTotal, dimensions: dimensions, factory: factory)
        processRate = Gauge(label: names.processRate, dimensions: dimensions, factory: factory)
        processLatencyAvg = Gauge(label: names.processLatencyAvg, dimensions: dimensions, factory: factory)
        processLatencyMax = Gauge(label: names.processLatencyMax, dimensions: dimensions, factory: factory)
        for gauge in [processRate, processLatencyAvg, processLatencyMax] { gauge.record(0) }
    }

    func publish(processed: Int) {
        if processed > lastProcessed { processTotal.increment(by: processed - lastProcessed) }
        lastProcessed = processed
    }

    func publishWindow(_ samples: LatencySamples, seconds: Double) {
        processRate.record(Double(lastProcessed - processedAtWindowStart) / seconds)
        processedAtWindowStart = lastProcessed
        if samples.count > 0 {
            processLatencyAvg.record(samples.averageMillis)
            processLatencyMax.record(samples.maxMillis)
        }
    }

    func destroy() {
        processTotal.destroy()
        for gauge in [processRate, processLatencyAvg, processLatencyMax] { gauge.destroy() }
    }
}
