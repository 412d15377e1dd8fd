import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The `zmart` command end to end: the built binary, run as a user runs it.
@Suite("zmart command", .serialized)
struct ZMartCommandTests {
    static let binary: URL = {
        // The test bundle and the zmart executable are built into the same folder.
        let me = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0])
        return me.deletingLastPathComponent().appendingPathComponent("zmart")
    }()

    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs the binary with stdout and stderr sent to files, and waits with waitpid.
    /// (Foundation's `Process.waitUntilExit` can spin forever off the main thread on Linux.)
    func run(_ arguments: [String]) throws -> Output {
        try run(arguments, whileRunning: nil)
    }

    /// Runs the binary; `whileRunning` gets its pid and the path of its stderr while it runs.
    func run(
        _ arguments: [String], executable: String = Self.binary.path, whileRunning: ((pid_t, String) throws -> Void)?
    ) throws -> Output {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zmart-run-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outPath = folder.appendingPathComponent("stdout").path
        let errPath = folder.appendingPathComponent("stderr").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        do {
            try whileRunning?(pid, errPath)
        } catch {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            throw error
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exited = (status & 0x7f) == 0
        return Output(
            status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f),
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    static func purchaseJSON(card: String, customer: String, quantity: String = "2", price: String = "12.5") -> String {
        #"{"firstName":"Ada","lastName":"Lovelace","customerId":"\#(customer)","creditCardNumber":"\#(card)","itemPurchased":"lamp","department":"home","employeeId":"E-1","quantity":\#(quantity),"price":\#(price),"purchaseDate":"2026-11-25T08:00:00Z","zipCode":"90210","storeId":"S-1"}"#
    }

    static let cards = ["5105-1051-0510-5100", "4111 1111 1111 1111", "378282246310005", "6011000990139424", "3530111333300000"]

    /// An input file with good lines and every kind of bad line; returns it and the numbers
    /// of the bad lines.
    func writeInput(in folder: URL) throws -> (file: URL, bad: [Int]) {
        let lines = [
            "C-1\t" + Self.purchaseJSON(card: Self.cards[0], customer: "C-1"),  // 1
            "no tab on this line " + Self.cards[1],  // 2: no TAB
            "C-2\t" + Self.purchaseJSON(card: Self.cards[1], customer: "C-2"),  // 3
            "C-3\t{\"firstName\":\"" + Self.cards[2],  // 4: truncated JSON
            "",  // 5: empty line
            Self.cards[3] + "\t" + Self.purchaseJSON(card: Self.cards[3], customer: "C-4"),  // 6: card as key
            "C-5\t" + Self.purchaseJSON(card: Self.cards[4], customer: "C-5", quantity: "\"two\""),  // 7: wrong type
            "C-6\t{\"firstName\":\"Ada\",\"creditCardNumber\":\"" + Self.cards[0] + "\"}",  // 8: missing fields
            "C-7\t" + Self.purchaseJSON(card: Self.cards[2], customer: "C-7") + "\r",  // 9: CRLF
            "C-8\t",  // 10: nothing after the TAB
            "C-10\t" + Self.purchaseJSON(card: Self.cards[1], customer: "C-10", quantity: "10", price: "1e308"),  // 11: amount overflows
            "C-9\t" + Self.purchaseJSON(card: Self.cards[4], customer: "C-9"),  // 12: no final newline
        ]
        let file = folder.appendingPathComponent("input.tsv")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        return (file, [2, 4, 5, 7, 8, 10, 11])
    }

    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zmart-test-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    func assertNoRawCard(_ text: String, _ what: String) {
        for card in Self.cards {
            let digits = card.filter(\.isNumber)
            #expect(!text.contains(card), "raw card number in \(what)")
            #expect(!text.contains(digits), "raw card digits in \(what)")
            #expect(!text.contains(String(digits.prefix(8))), "card prefix in \(what)")
        }
    }

    /// The runtimes the command offers: the embedded Kafka cluster (the default) and memory.
    static let runtimes: [[String]] = [[], ["--in-memory"]]

    @Test(arguments: runtimes)
    func malformedLinesAreReportedCountedAndSkipped(runtime: [String]) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (input, bad) = try writeInput(in: folder)
        let outputs = folder.appendingPathComponent("out")
        let result = try run(runtime + ["--input", input.path, "--output", outputs.path, "--json", "--partitions", "3"])
        #expect(result.status == 0, "stderr: \(result.stderr)")

        let summary = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(summary["malformed"] as? Int == bad.count)
        let lines = (summary["malformedLines"] as? [[String: Any]] ?? []).compactMap { $0["line"] as? Int }
        #expect(lines == bad)
        let counts = try #require(summary["outputCounts"] as? [String: Int])
        #expect(counts == ["patterns": 5, "rewards": 5, "purchases": 5])

        for line in bad {
            #expect(result.stderr.contains("line \(line): skipped malformed purchase: "))
        }
        #expect(result.stderr.contains("line 7: skipped malformed purchase: ") && result.stderr.contains("quantity"))
        #expect(result.stderr.contains("line 11: skipped malformed purchase: ") && result.stderr.contains("not a finite amount"))
        assertNoRawCard(result.stdout, "stdout")
        assertNoRawCard(result.stderr, "stderr")

        for topic in ["patterns", "rewards", "purchases"] {
            let text = try String(contentsOf: outputs.appendingPathComponent("\(topic).tsv"), encoding: .utf8)
            let records = text.split(separator: "\n")
            #expect(records.count == 5, "\(topic).tsv")
            for record in records {
                let parts = record.split(separator: "\t", omittingEmptySubsequences: false)
                #expect(parts.count == 2)
                #expect((try? JSONSerialization.jsonObject(with: Data(parts[1].utf8))) is [String: Any])
            }
            assertNoRawCard(text, "\(topic).tsv")
        }
        if runtime.isEmpty {
            // On Kafka, the lines the deserializer rejected (4, 7, 8, 11) went to the dead-letter
            // topic, card numbers masked.
            let dead = try String(contentsOf: outputs.appendingPathComponent("transactions-dlq.tsv"), encoding: .utf8)
            #expect(dead.split(separator: "\n").count == 4)
            #expect(dead.contains("C-5\t") && dead.contains("C-10\t"))
            assertNoRawCard(dead, "transactions-dlq.tsv")
        }
        let purchases = try String(contentsOf: outputs.appendingPathComponent("purchases.tsv"), encoding: .utf8)
        #expect(purchases.contains("xxxx-xxxx-xxxx-5100"))
        #expect(purchases.contains("xxxx xxxx xxxx 1111"))
        #expect(purchases.contains("xxxxxxxxxxxx9424\t") || purchases.contains("xxxxxxxxxxxx9424"))
    }

    @Test(arguments: runtimes)
    func defaultRunPrintsTopologyCountsSamplesAndThroughput(runtime: [String]) throws {
        let result = try run(runtime + ["--records", "3000", "--seed", "7"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("Topologies:"))
        #expect(result.stdout.contains("Processor: masking (stores: [])"))
        for topic in ["patterns", "rewards", "purchases"] {
            #expect(result.stdout.contains("  \(topic.padding(toLength: 10, withPad: " ", startingAt: 0)) 3000"))
            #expect(result.stdout.contains("  \(topic): C-"))
        }
        #expect(result.stdout.contains("Throughput: 3000 records in "))
        if runtime.isEmpty {
            #expect(result.stdout.contains("ZMart on the embedded Kafka cluster"))
            #expect(result.stdout.contains("Bootstrap servers: 127.0.0.1:"))
        } else {
            #expect(result.stdout.contains("ZMart on the in-memory runtime"))
        }
    }

    @Test(arguments: runtimes)
    func sameSeedSameOutputs(runtime: [String]) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["a", "b"] {
            let result = try run(runtime + ["--records", "2000", "--seed", "99", "--partitions", "1", "--quiet", "--output", folder.appendingPathComponent(name).path])
            #expect(result.status == 0)
        }
        for topic in ["patterns", "rewards", "purchases"] {
            let a = try Data(contentsOf: folder.appendingPathComponent("a/\(topic).tsv"))
            let b = try Data(contentsOf: folder.appendingPathComponent("b/\(topic).tsv"))
            // A Bool, not `a == b` inside #expect: a failure would diff 100 KB byte by byte.
            let same = a == b
            #expect(same, "\(topic).tsv differs between two runs with the same seed")
            #expect(!a.isEmpty)
        }
    }

    @Test func describePrintsTextMermaidAndDot() throws {
        let result = try run(["--describe"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Sub-topology: 0"))
        #expect(result.stdout.contains("flowchart TD"))
        #expect(result.stdout.contains("digraph topology {"))
    }

    @Test func describeFormatSVGPrintsOnlyAnSVGDocument() throws {
        let result = try run(["--describe", "--format", "svg"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let svg = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"))
        #expect(svg.hasSuffix("</svg>"))
        #expect(svg.components(separatedBy: "<svg").count == 2, "one document")
        #expect(svg.contains("id=\"node-masking\""))
        #expect(!svg.contains("Topologies:") && !svg.contains("flowchart") && !svg.contains("digraph"))
    }

    @Test(arguments: [
        ("mermaid", "flowchart TD\n", ["Topologies:", "digraph", "<svg"]),
        ("dot", "digraph topology {", ["Topologies:", "flowchart", "<svg"]),
        ("text", "Topologies:\n", ["flowchart", "digraph", "<svg"]),
    ])
    func describeFormatPrintsOnlyThatRendering(format: String, start: String, absent: [String]) throws {
        let result = try run(["--describe", "--format", format])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.hasPrefix(start))
        #expect(result.stdout.contains("masking"))
        for other in absent { #expect(!result.stdout.contains(other), "\(other) in --format \(format)") }
    }

    @Test func badDescribeFormatNamesTheValidOnes() throws {
        let result = try run(["--describe", "--format", "png"])
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        for format in ["text", "mermaid", "dot", "svg"] {
            #expect(result.stderr.contains("'\(format)'"), "stderr: \(result.stderr)")
        }
        let withoutDescribe = try run(["--format", "svg"])
        #expect(withoutDescribe.status != 0)
        #expect(withoutDescribe.stderr.contains("--format needs --describe"))
    }

    @Test func benchPrintsItsLineLast() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (input, _) = try writeInput(in: folder)
        let result = try run(["--in-memory", "--input", input.path, "--bench"])
        #expect(result.status == 0)
        let last = try #require(result.stdout.split(separator: "\n").last.map(String.init))
        let pattern = #/^engine=swift-inmemory records=9 seconds=[0-9.]+ rps=[0-9]+ patterns=5 rewards=5 purchases=5 malformed=7 threads=1 peak_rss_mb=[0-9.]+$/#
        #expect(last.wholeMatch(of: pattern) != nil, "\(last)")
    }

    @Test func benchOnKafkaPrintsThePassthroughAndTheApplication() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("input.tsv")
        #expect(try run(["--generate-input", input.path, "--records", "2000", "--quiet"]).status == 0)
        let result = try run(["--input", input.path, "--bench", "--bench-rounds", "2"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count >= 3)
        // Two ZMart runs, each between two pass-through runs: three of those.
        let passthrough = #/^engine=librdkafka-passthrough records=2000 seconds=[0-9.]+ rps=([0-9]+) runs_rps=([0-9]+),([0-9]+),([0-9]+) peak_rss_mb=[0-9.]+$/#
        let runtimeOnly = #/^engine=swift-kafka-bytes records=2000 seconds=[0-9.]+ rps=[0-9]+ peak_rss_mb=[0-9.]+ of_passthrough=[0-9.]+$/#
        let application = #/^engine=swift-kafka records=2000 seconds=[0-9.]+ rps=([0-9]+) patterns=2000 rewards=2000 purchases=2000 malformed=0 threads=1 peak_rss_mb=[0-9.]+ runs_rps=([0-9]+),([0-9]+) of_passthrough=([0-9.]+)$/#
        let ceiling = try #require(lines[lines.count - 3].wholeMatch(of: passthrough), "\(lines[lines.count - 3])")
        #expect(lines[lines.count - 2].wholeMatch(of: runtimeOnly) != nil, "\(lines[lines.count - 2])")
        let app = try #require(lines[lines.count - 1].wholeMatch(of: application), "\(lines[lines.count - 1])")
        // Each rate is the median of its runs, and the ratio is theirs.
        let ceilingRuns = [ceiling.2, ceiling.3, ceiling.4].compactMap { Double($0) }.sorted()
        #expect(abs(Double(ceiling.1)! - ceilingRuns[1]) <= 1)
        let appRuns = [app.2, app.3].compactMap { Double($0) }
        #expect(abs(Double(app.1)! - (appRuns[0] + appRuns[1]) / 2) <= 1)
        #expect(abs(Double(app.4)! - Double(app.1)! / Double(ceiling.1)!) <= 0.006)
    }

    @Test func twoInstancesShareTheWorkAndEveryPurchaseArrives() throws {
        let result = try run(["--records", "4000", "--partitions", "4", "--instances", "2", "--json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        // At-least-once: a rebalance may repeat a few records, never lose one.
        let counts = try #require(summary["outputCounts"] as? [String: Int])
        for topic in ["patterns", "rewards", "purchases"] { #expect((counts[topic] ?? 0) >= 4000, "\(topic)") }
        #expect(summary["lostRecords"] as? Int == 0)
        let perInstance = try #require(summary["processedPerInstance"] as? [Int])
        #expect(perInstance.count == 2)
        #expect(perInstance.allSatisfy { $0 > 0 }, "both instances process: \(perInstance)")
        #expect(perInstance.reduce(0, +) >= 4000)
    }

    @Test func sigintStopsAKafkaRunGracefullyAndReportsWhatGotThrough() throws {
        let result = try run(["--records", "400000", "--json"]) { pid, stderr in
            // Interrupt as soon as the cluster is up (its address goes to stderr with --json)…
            let deadline = ContinuousClock.now + .seconds(60)
            while !((try? String(contentsOfFile: stderr, encoding: .utf8)) ?? "").contains("Kafka cluster at") {
                guard ContinuousClock.now < deadline else { throw POSIXError(.ETIMEDOUT) }
                usleep(20_000)
            }
            kill(pid, SIGINT)
        }
        // …and the run ends on its own: exit status 130, a summary of what got through.
        #expect(result.status == 130, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("interrupted"))
        let json = try #require(result.stdout.split(separator: "\n").last.map(String.init))
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(summary["interrupted"] as? Bool == true)
        let counts = try #require(summary["outputCounts"] as? [String: Int])
        let records = try #require(summary["records"] as? Int)
        #expect(records < 400_000)
        // Every processed purchase reached all three outputs.
        #expect(Set(counts.values).count == 1)
        #expect((counts["purchases"] ?? .max) <= records)
    }

    /// GETs a URL and waits for the answer (URLSession calls back on threads of its own, so the
    /// wait holds no thread the callback needs); returns the status code and the body.
    static func get(_ url: String) -> (status: Int, body: String) {
        final class Answer: Sendable {
            let value = Mutex<(status: Int, body: String)>((0, ""))
        }
        let answer = Answer()
        let done = DispatchSemaphore(value: 0)
        var request = URLRequest(url: URL(string: url)!)
        request.timeoutInterval = 20
        URLSession.shared.dataTask(with: request) { data, response, _ in
            let page = ((response as? HTTPURLResponse)?.statusCode ?? 0, data.map { String(decoding: $0, as: UTF8.self) } ?? "")
            answer.value.withLock { $0 = page }
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + 30)
        return answer.value.withLock { $0 }
    }

    @Test func statusPortServesTheLiveApplicationUntilInterrupted() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (file, bad) = try writeInput(in: folder)
        let good = 12 - bad.count
        var pages: [String: (status: Int, body: String)] = [:]
        let result = try run(["--input", file.path, "--status-port", "0", "--progress-every", "0.2", "--json"]) { pid, stderr in
            func log() -> String { (try? String(contentsOfFile: stderr, encoding: .utf8)) ?? "" }
            let deadline = ContinuousClock.now + .seconds(90)
            while !log().contains("every input record is processed") {
                guard ContinuousClock.now < deadline else { throw POSIXError(.ETIMEDOUT) }
                usleep(20_000)
            }
            let line = try #require(log().split(separator: "\n").first { $0.hasPrefix("status page at ") })
            let base = String(line.dropFirst("status page at ".count))
            #expect(base.hasPrefix("http://127.0.0.1:"))
            // A progress line with no lag comes while the application idles.
            func idleLine() -> Bool {
                guard let marker = log().range(of: "every input record is processed") else { return false }
                return log()[marker.upperBound...].contains("lag=0 ")
            }
            while !idleLine() {
                guard ContinuousClock.now < deadline else { throw POSIXError(.ETIMEDOUT) }
                usleep(20_000)
            }
            for path in ["health", "metrics", "status.json", "", "topology?format=svg"] {
                pages[path] = Self.get(base + path)
            }
            kill(pid, SIGINT)
        }
        // Ctrl-C is how a long-running application ends: a clean stop, not an interruption.
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let seen = pages
        #expect(seen["health"]?.status == 200)
        #expect(seen["health"]?.body.contains("running") == true)
        let metrics = try #require(seen["metrics"]?.body)
        // Every line that reached Kafka was processed once (well-formed or dead-lettered).
        let processed = metrics.split(separator: "\n")
            .filter { $0.hasPrefix("kafka_streams_stream_thread_metrics_process_total{") }
            .compactMap { Double($0.split(separator: " ").last!) }.reduce(0, +)
        let json = try #require(result.stdout.split(separator: "\n").last.map(String.init))
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let records = try #require(summary["records"] as? Int)
        #expect(records >= good)
        #expect(processed == Double(records), "metrics: \(metrics.prefix(2000))")
        #expect(metrics.contains("kafka_streams_stream_task_metrics_dead_letter_records_total"))
        #expect(metrics.contains("kafka_consumer_consumer_fetch_manager_metrics_records_lag{"))
        let status = try #require(seen["status.json"]?.body)
        #expect(status.contains("\"state\":\"running\""))
        #expect(seen[""]?.status == 200)
        #expect(seen["topology?format=svg"]?.body.contains("masking") == true)
        for (path, page) in seen { assertNoRawCard(page.body, "/\(path)") }
        assertNoRawCard(result.stderr, "stderr")
        assertNoRawCard(result.stdout, "stdout")
        #expect(result.stderr.contains("progress: state="))
    }

    @Test func onATerminalProgressIsOneLineRewrittenInPlace() throws {
        // `script` runs zmart with a pseudo-terminal as stdout and copies what it wrote.
        let command = "\(Self.binary.path) --records 30000 --progress-every 0.1"
        let result = try run(["-qec", command, "/dev/null"], executable: "/usr/bin/script", whileRunning: nil)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("\r\u{1B}[Kprogress: state="))
        // Rewritten, never a line of its own, and cleared before the report.
        #expect(!result.stdout.contains("progress: state=running processed=0 rate=0/s lag=0 skipped=0\n"))
        #expect(!result.stdout.split(whereSeparator: \.isNewline).contains { $0.hasPrefix("progress:") })
        #expect(result.stdout.contains("Throughput:"))
        #expect(!result.stderr.contains("progress:"))
    }

    @Test func statefulZMartGivesTheSameTotalsTopSellersAndAlertsOnBothRuntimes() throws {
        var lines: [[String]] = []
        for runtime in Self.runtimes {
            let result = try run(["--stateful", "--records", "3000", "--seed", "7", "--quiet", "--customer", "C-000042"] + runtime)
            #expect(result.status == 0, "stderr: \(result.stderr)")
            lines.append(result.stdout.split(separator: "\n").map(String.init))
        }
        // The counts (without the timing) and the customer's points agree.
        func stable(_ output: [String]) -> [String] {
            output.map { line in line.split(separator: " ").filter { !$0.hasPrefix("seconds=") && !$0.hasPrefix("rps=") }.joined(separator: " ") }
        }
        #expect(stable(lines[0]) == stable(lines[1]))
        let summary = try #require(lines[0].first)
        #expect(summary.contains("rewards=3000"))
        #expect(summary.contains("top-sellers="))
        #expect(summary.contains("fraud-alerts="))
        #expect(lines[0].contains { $0.hasPrefix("customer=C-000042 points=") && !$0.hasSuffix("points=none") })
        let report = try run(["--stateful", "--records", "3000", "--seed", "7", "--in-memory", "--customer", "C-000042"])
        #expect(report.stdout.contains("Top sellers:"))
        #expect(report.stdout.contains("Fraud alerts:"))
        #expect(report.stdout.contains("Reward points of C-000042:"))
        #expect(try run(["--customer", "C-1"]).status != 0)
    }

    @Test func statefulBenchRunsOnRocksDBOrMemoryAndTimesTheRestoration() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let line = #/^engine=swift-(inmemory|kafka)-stateful records=2000 seconds=[0-9.]+ rps=[0-9]+ (patterns=2000 rewards=2000 purchases=2000 top-sellers=[0-9]+ fraud-alerts=[0-9]+) malformed=0 threads=1 peak_rss_mb=[0-9.]+ stores=(memory|rocksdb) restored=([0-9]+) restore_seconds=[0-9.]+ restore_rps=[0-9]+$/#
        var counts: Set<String> = []
        for runtime in Self.runtimes {
            for stores in ["memory", "rocksdb"] {
                let state = folder.appendingPathComponent("state-\(runtime.joined())-\(stores)")
                let extra = stores == "rocksdb" ? ["--state-dir", state.path] : []
                let result = try run(["--stateful", "--bench", "--records", "2000", "--seed", "7"] + runtime + extra)
                #expect(result.status == 0, "stderr: \(result.stderr)")
                let last = try #require(result.stdout.split(separator: "\n").last.map(String.init))
                let match = try #require(last.wholeMatch(of: line), "\(last)")
                #expect(match.3 == stores)
                // Every store is rebuilt from its changelog: at least one record per customer.
                #expect(Int(match.4)! >= 100, "\(last)")
                counts.insert(String(match.2))
                if stores == "rocksdb" {
                    // The run's own databases, one folder per task and store.
                    let files = FileManager.default.enumerator(atPath: state.path)?.compactMap { $0 as? String } ?? []
                    #expect(files.contains { $0.hasSuffix("/reward-points") }, "\(files.prefix(5))")
                }
            }
        }
        // Both engines, both runtimes: the same outputs.
        #expect(counts.count == 1, "\(counts)")
        #expect(try run(["--state-dir", folder.path]).stderr.contains("--state-dir needs --stateful"))
    }

    @Test func statefulOutputsAreTheSameOnBothRuntimesWithNoPurchaseLate() throws {
        // The runtimes process their partitions' records in timestamp order, and the loaders
        // stamp each purchase with its time: the windowed top sellers see every purchase, and
        // both runtimes give the same records on every output.
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let topics = ["patterns", "rewards", "purchases", "top-sellers", "fraud-alerts"]
        var outputs: [[String: [String]]] = []
        for runtime in Self.runtimes {
            let directory = folder.appendingPathComponent("out\(runtime.joined())")
            let result = try run(
                ["--stateful", "--records", "8000", "--seed", "23", "--partitions", "6", "--json", "--output", directory.path]
                    + runtime)
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(summary["lateRecords"] as? Int == 0, "\(runtime)")
            var files: [String: [String]] = [:]
            for topic in topics {
                let text = try String(contentsOf: directory.appendingPathComponent("\(topic).tsv"), encoding: .utf8)
                files[topic] = text.split(separator: "\n").map(String.init).sorted()
            }
            #expect(files["top-sellers"]?.isEmpty == false)
            outputs.append(files)
        }
        for topic in topics {
            #expect(outputs[0][topic] == outputs[1][topic], "\(topic)")
        }
    }

    @Test func badArgumentsAreRejected() throws {
        #expect(try run(["--partitions", "0"]).status != 0)
        let missing = try run(["--input", "/nonexistent/file.tsv"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("cannot read input file"))
    }
}
