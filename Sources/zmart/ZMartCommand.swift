import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Prometheus
import ServiceLifecycle
import Streams
import StreamsStatus
import Synchronization
import ZMart

@main
struct ZMartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zmart",
        abstract: "Runs ZMart's purchase stream: masks card numbers, then derives patterns, rewards and purchases.",
        discussion: """
            With no arguments, starts an embedded Kafka-protocol cluster (librdkafka's mock cluster, \
            3 brokers), generates 100,000 purchases into its `transactions` topic, runs the ZMart \
            application on it until every purchase is processed, and prints the topology, the \
            record count of each output topic read back from Kafka, sample records, the throughput \
            and the cluster's bootstrap address. --bootstrap-servers runs against an existing \
            cluster instead; --in-memory uses the in-memory runtime.

            --input FILE reads one purchase per line: the key, a TAB, then the purchase as one JSON \
            object (firstName, lastName, customerId, creditCardNumber, itemPurchased, department, \
            employeeId, quantity, price, purchaseDate as ISO-8601, zipCode, storeId). Malformed \
            lines are reported on stderr by number and reason, counted and skipped.
            """)

    @Option(help: "Purchases to generate (default 100000); with --input, the most lines to read.")
    var records: Int?

    @Option(help: "Seed of the purchase generator.")
    var seed: UInt64 = 42

    @Option(help: "Partitions of every topic (on the embedded cluster, more if the input needs them).")
    var partitions: Int32 = 4

    @Option(help: "Run against this existing Kafka cluster (host:port,...) instead of the embedded one.")
    var bootstrapServers: String?

    @Flag(help: "Use the in-memory runtime instead of Kafka.")
    var inMemory = false

    @Option(help: "Application instances sharing the partitions (Kafka runtimes).")
    var instances = 1

    @Option(help: "Stream threads that process the partitions in parallel.")
    var threads = 1

    @Option(help: "Read purchases from FILE (key TAB JSON per line) instead of generating them.")
    var input: String?

    @Option(help: "Write each output topic to DIR/<topic>.tsv (key TAB JSON per line).")
    var output: String?

    @Option(help: "Write --records generated purchases (--seed) to FILE as input lines, then exit.")
    var generateInput: String?

    @Flag(help: "Print the topology as text, Mermaid and Graphviz DOT (or one rendering with --format), then exit.")
    var describe = false

    @Option(help: "With --describe, print only this rendering of the topology: text, mermaid, dot or svg.")
    var format: DescribeFormat?

    @Flag(help: "Print a machine-readable JSON summary instead of the report.")
    var json = false

    @Flag(help: "Print only the one-line summary.")
    var quiet = false

    @Option(help: "Log level of the runtime's logs on stderr: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "error"

    @Flag(help: "Print a benchmark line: engine, records, seconds, rate, output counts, peak RSS.")
    var bench = false

    @Flag(help: "Run stateful ZMart: running reward totals, top sellers per zip code and hour, fraud alerts.")
    var stateful = false

    @Option(help: "With --stateful: print this customer's reward points at the end of the run.")
    var customer: String?

    @Option(help: "With --stateful: keep the state stores on RocksDB in DIR (default: in memory).")
    var stateDir: String?

    @Option(help: "With --bench on Kafka: ZMart's runs, each between two runs of the pass-through; the medians are compared.")
    var benchRounds = 3

    @Option(help: ArgumentHelp(
        "Serve a status page, /metrics (Prometheus), /health and /topology on PORT (0: any free port).",
        discussion: "On Kafka the application keeps running once the input is processed, until Ctrl-C."))
    var statusPort: Int?

    @Option(help: "The address the status server listens on (an IP literal).")
    var statusHost = "127.0.0.1"

    @Option(help: "Seconds between progress lines (default 1 on a terminal, 5 otherwise; 0: none).")
    var progressEvery: Double?

    @Option(help: "Processing guarantee on Kafka: at-least-once or exactly-once (Kafka transactions).")
    var guarantee: Guarantee = .atLeastOnce

    @Option(help: "With --guarantee exactly-once: the instance's process id (its transactional ids); a restart with the same id fences what the last one left open.")
    var processId: String?

    @Option(help: "Milliseconds between commits (default: 30000 at-least-once, 100 exactly-once).")
    var commitIntervalMs: Int?

    @Option(help: "On an existing cluster: the consumers' session timeout in seconds (how long a dead member holds its partitions).")
    var sessionTimeout: Double?

    @Flag(help: "On an existing cluster: create the topics and write the input, then exit.")
    var produceOnly = false

    @Flag(help: "On an existing cluster: write no input; process what the input topic holds until all is committed, and report every output record.")
    var resume = false

    func validate() throws {
        if let records, records < 0 { throw ValidationError("--records must not be negative") }
        if partitions < 1 { throw ValidationError("--partitions must be at least 1") }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        if instances < 1 { throw ValidationError("--instances must be at least 1") }
        if inMemory && (bootstrapServers != nil || instances != 1) {
            throw ValidationError("--in-memory cannot be combined with --bootstrap-servers or --instances")
        }
        if let bootstrapServers, bootstrapServers.allSatisfy({ $0 == " " || $0 == "," }) {
            throw ValidationError("--bootstrap-servers needs at least one host:port")
        }
        if Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        if benchRounds < 1 { throw ValidationError("--bench-rounds must be at least 1") }
        if stateDir != nil && !stateful { throw ValidationError("--state-dir needs --stateful") }
        if customer != nil && !stateful { throw ValidationError("--customer needs --stateful") }
        if let statusPort, !(0...65535).contains(statusPort) {
            throw ValidationError("--status-port must be between 0 and 65535, not \(statusPort)")
        }
        if let progressEvery, progressEvery < 0 || !progressEvery.isFinite {
            throw ValidationError("--progress-every must be a number of seconds, 0 or more")
        }
        if format != nil && !describe {
            throw ValidationError("--format needs --describe")
        }
        if guarantee == .exactlyOnce && inMemory {
            throw ValidationError("--guarantee exactly-once needs Kafka (not --in-memory)")
        }
        if processId != nil && guarantee != .exactlyOnce {
            throw ValidationError("--process-id needs --guarantee exactly-once")
        }
        if let commitIntervalMs, commitIntervalMs < 1 { throw ValidationError("--commit-interval-ms must be at least 1") }
        if let sessionTimeout, !(sessionTimeout >= 1 && sessionTimeout <= 3600) {
            throw ValidationError("--session-timeout must be between 1 and 3600 seconds")
        }
        if (produceOnly || resume || sessionTimeout != nil) && bootstrapServers == nil {
            throw ValidationError("--produce-only, --resume and --session-timeout need --bootstrap-servers")
        }
        if produceOnly && resume { throw ValidationError("--produce-only and --resume exclude each other") }
        if let input, !FileManager.default.isReadableFile(atPath: input) {
            throw ValidationError("cannot read input file \(input)")
        }
    }

    func run() async throws {
        tuneAllocator()
        if let generateInput {
            let count = try ZMartRun.writeInputFile(
                to: URL(fileURLWithPath: generateInput), records: records ?? 100_000, seed: seed)
            if !quiet { print("wrote \(count) purchases to \(generateInput)") }
            return
        }
        if describe {
            let description = try ZMartTopology.make().describe()
            if let format {
                print(format.render(description), terminator: "")
                return
            }
            print(description.description)
            print("Mermaid:\n" + description.mermaid)
            print("Graphviz DOT:\n" + description.dot, terminator: "")
            return
        }
        var options = ZMartRun.Options()
        options.records = records
        options.seed = seed
        options.partitions = partitions
        options.threads = threads
        options.input = input.map { URL(fileURLWithPath: $0) }
        options.outputDirectory = output.map { URL(fileURLWithPath: $0, isDirectory: true) }
        options.stateful = stateful
        options.watchedCustomer = customer
        options.stateDirectory = stateDir.map { URL(fileURLWithPath: $0, isDirectory: true) }
        // A stateful benchmark also times rebuilding the stores from their changelogs.
        options.measureRestoration = stateful && bench
        var logger = Logger(label: "zmart")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .error
        options.logger = logger
        // The status page and the progress line read the application's status; both start
        // before the run (a port in use fails here) and follow the application once it runs.
        let relay = StatusRelay(
            applicationId: "zmart", topology: try (stateful ? ZMartTopology.makeStateful() : ZMartTopology.make()).describe())
        var statusServer: StatusServer?
        if let statusPort {
            let registry = PrometheusCollectorRegistry()
            options.metricsFactory = PrometheusMetricsFactory(registry: registry)
            let server = StatusServer(source: relay, registry: registry, host: statusHost, port: statusPort, logger: logger)
            try server.start()
            statusServer = server
            var stderr = StandardError()
            print("status page at \(server.url)", to: &stderr)
        }
        defer { statusServer?.stop() }
        let terminal = ProgressReporter.stdoutIsTerminal
        let progressSeconds = quiet ? 0 : progressEvery ?? (terminal ? 1 : 5)
        let progress = progressSeconds > 0
            ? ProgressReporter(source: relay, interval: .milliseconds(Int64(progressSeconds * 1000)), terminal: terminal && !json)
            : nil
        progress?.start()
        defer { progress?.stop() }
        options.onStatus = { source in relay.attach(source) }
        let summary: ZMartRun.Summary
        var passthrough: ZMartKafkaRun.Passthrough?
        var runtimeOnly: ZMartKafkaRun.Passthrough?
        var application: ZMartKafkaRun.Passthrough?
        var bootstrap: String?
        let topology = try stateful ? ZMartTopology.makeStateful() : ZMartTopology.make()
        if inMemory {
            summary = try ZMartRun(options: options).run()
        } else {
            var kafka = ZMartKafkaRun.KafkaOptions()
            kafka.bootstrapServers = bootstrapServers
            kafka.instances = instances
            kafka.guarantee = guarantee == .exactlyOnce ? .exactlyOnce : .atLeastOnce
            kafka.processId = processId
            kafka.commitInterval = commitIntervalMs.map { .milliseconds($0) }
            kafka.sessionTimeout = sessionTimeout.map { .milliseconds(Int64($0 * 1000)) }
            kafka.produceOnly = produceOnly
            kafka.resume = resume
            // The pass-through ceiling is the stateless benchmark's yardstick; a stateful
            // benchmark measures its own run and its restoration.
            kafka.passthrough = bench && !stateful
            kafka.benchRounds = benchRounds
            let address = Locked<String?>(nil)
            kafka.onClusterReady = { servers in
                address.set(servers)
                if !quiet && !json && !bench {
                    print("Kafka cluster at \(servers)\n")
                    fflush(nil)
                } else if json {
                    // stdout is for the JSON summary only.
                    var stderr = StandardError()
                    print("Kafka cluster at \(servers)", to: &stderr)
                }
            }
            // SIGINT and SIGTERM stop the run gracefully: the instances commit what they have
            // processed and the summary shows what got through.
            let stop = Atomic<Bool>(false)
            kafka.stopRequested = { stop.load(ordering: .relaxed) }
            if let statusServer {
                // A long-running application: once the input is processed it stays in the
                // group, idle, with its status page up, until Ctrl-C.
                kafka.holdAfterProcessing = true
                let url = statusServer.url
                kafka.onProcessed = {
                    var stderr = StandardError()
                    print("every input record is processed; the application keeps running, status page at \(url) (Ctrl-C stops it)", to: &stderr)
                }
            }
            let run = try ZMartKafkaRun(options: options, kafka: kafka)
            let job = BlockingJob { try run.run() } onShutdown: { stop.store(true, ordering: .relaxed) }
            let group = ServiceGroup(
                configuration: .init(
                    services: [.init(service: job, successTerminationBehavior: .gracefullyShutdownGroup)],
                    gracefulShutdownSignals: [.sigint, .sigterm], logger: logger))
            try await group.run()
            let result = try job.result()
            summary = result.summary
            passthrough = result.passthrough
            runtimeOnly = result.runtimeOnly
            application = result.application
            bootstrap = address.get()
        }

        progress?.stop()
        var stderr = StandardError()
        for line in summary.malformedLines {
            print("line \(line.line): skipped malformed purchase: \(line.reason)", to: &stderr)
        }
        if summary.lostRecords > 0 {
            print("ERROR: \(summary.lostRecords) records were lost (deleted before they were processed)", to: &stderr)
        }
        let counts = options.outputTopics.map { ($0.rawValue, summary.outputCounts[$0.rawValue] ?? 0) }
        let mb = Double(summary.peakRSSBytes) / 1_048_576
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else if !quiet && !bench {
            let source = input.map { "from \($0)" } ?? "generated (seed \(seed))"
            let runtime = inMemory ? "the in-memory runtime" : bootstrapServers == nil ? "the embedded Kafka cluster" : "Kafka"
            let instanceText = inMemory ? "" : ", \(instances) instance\(instances == 1 ? "" : "s")"
            print("ZMart on \(runtime): \(summary.records) purchases \(source), \(summary.partitions) partitions\(instanceText), \(threads) stream thread\(threads == 1 ? "" : "s") each\n")
            print(topology.describe().description, terminator: "")
            print("Output topics:")
            for (topic, count) in counts { print("  \(topic.padding(toLength: 10, withPad: " ", startingAt: 0)) \(count)") }
            print("\nSample records (key TAB value):")
            for (topic, _) in counts {
                for sample in summary.samples[topic] ?? [] { print("  \(topic): \(sample)") }
            }
            if stateful {
                let closed = summary.outputCounts[ZMartTopology.topSellers.rawValue] ?? 0
                print("\nTop sellers: \(closed) zip-code hours closed (top five items of each in topic top-sellers)")
                for sample in summary.samples[ZMartTopology.topSellers.rawValue] ?? [] { print("  \(sample)") }
                if let late = summary.lateRecords, late > 0 {
                    print("Late purchases: \(late) arrived after their hour's window closed (5-minute grace) and are not in the top sellers")
                }
                let alerts = summary.outputCounts[ZMartTopology.fraudAlerts.rawValue] ?? 0
                print("Fraud alerts: \(alerts) (one card in two zip codes within ten minutes)")
                for sample in summary.samples[ZMartTopology.fraudAlerts.rawValue] ?? [] { print("  \(sample)") }
            }
            if let customer {
                print("\nReward points of \(customer): \(Self.points(in: summary.watchedCustomerReward).map(String.init) ?? "none (no purchase)")")
            }
            print("\nMalformed lines skipped: \(summary.malformed)")
            print(String(
                format: "Throughput: %d records in %.3f s = %.0f records/s; peak RSS %.1f MB",
                summary.records, summary.seconds, summary.recordsPerSecond, mb))
            if let bootstrap { print("Bootstrap servers: \(bootstrap)") }
        } else if quiet && !bench {
            print(String(
                format: "records=%d malformed=%d %@ seconds=%.3f rps=%.0f", summary.records, summary.malformed,
                counts.map { "\($0.0)=\($0.1)" }.joined(separator: " "), summary.seconds, summary.recordsPerSecond))
            if let customer {
                print("customer=\(customer) points=\(Self.points(in: summary.watchedCustomerReward).map(String.init) ?? "none")")
            }
        }
        if bench, let passthrough {
            let runs = (passthrough.runs ?? []).map { String(format: "%.0f", $0) }.joined(separator: ",")
            print(String(
                format: "engine=librdkafka-passthrough records=%d seconds=%.3f rps=%.0f runs_rps=%@ peak_rss_mb=%.1f",
                passthrough.records, passthrough.seconds, passthrough.recordsPerSecond, runs, mb))
        }
        if bench, let runtimeOnly, let passthrough {
            print(String(
                format: "engine=swift-kafka-bytes records=%d seconds=%.3f rps=%.0f peak_rss_mb=%.1f of_passthrough=%.2f",
                runtimeOnly.records, runtimeOnly.seconds, runtimeOnly.recordsPerSecond, mb,
                runtimeOnly.recordsPerSecond / max(passthrough.recordsPerSecond, 1)))
        }
        if bench {
            // On Kafka, the median of ZMart's runs against the median of the pass-through's.
            let rate = application?.recordsPerSecond ?? summary.recordsPerSecond
            let seconds = application?.seconds ?? summary.seconds
            let runs = (application?.runs).map { " runs_rps=" + $0.map { String(format: "%.0f", $0) }.joined(separator: ",") } ?? ""
            let ratio = passthrough.map { String(format: " of_passthrough=%.2f", rate / max($0.recordsPerSecond, 1)) } ?? ""
            var state = ""
            if let stores = summary.stores {
                state = " stores=\(stores)"
                if let restored = summary.restoredRecords, let restoreSeconds = summary.restoreSeconds {
                    state += String(
                        format: " restored=%d restore_seconds=%.3f restore_rps=%.0f", restored, restoreSeconds,
                        restoreSeconds > 0 ? Double(restored) / restoreSeconds : 0)
                }
            }
            print(String(
                format: "engine=%@%@ records=%d seconds=%.3f rps=%.0f %@ malformed=%d threads=%d peak_rss_mb=%.1f%@%@%@",
                summary.engine, stateful ? "-stateful" : "", summary.records, seconds, rate,
                counts.map { "\($0.0)=\($0.1)" }.joined(separator: " "), summary.malformed, summary.threads, mb, state,
                runs, ratio))
        }
        if summary.lostRecords > 0 { throw ExitCode(3) }
        if summary.interrupted == true {
            print("interrupted: the counts above are those of the records processed before the stop", to: &stderr)
            throw ExitCode(130)
        }
    }
}

/// The values of `--guarantee`.
enum Guarantee: String, CaseIterable, ExpressibleByArgument {
    case atLeastOnce = "at-least-once"
    case exactlyOnce = "exactly-once"
}

/// The renderings `--describe --format` prints.
enum DescribeFormat: String, CaseIterable, ExpressibleByArgument {
    case text, mermaid, dot, svg

    /// The description in this format, ending with a newline.
    func render(_ description: TopologyDescription) -> String {
        switch self {
        case .text: description.description
        case .mermaid: description.mermaid
        case .dot: description.dot
        case .svg: description.svg
        }
    }
}

extension ZMartCommand {
    /// The running total in a stateful `rewards` record's JSON.
    static func points(in reward: String?) -> Int? {
        guard let reward, let total = try? JSONDecoder().decode(RewardTotal.self, from: Data(reward.utf8)) else { return nil }
        return total.totalRewardPoints
    }
}

/// Keeps freed memory in the process instead of returning it to the kernel at once: the
/// in-memory topics free and allocate log segments continuously, and with glibc's defaults
/// every fresh segment costs page faults (about a tenth of the run time). An application
/// setting, like a JVM's -Xms; the library itself leaves the allocator alone.
func tuneAllocator() {
    #if canImport(Glibc)
    // glibc's mallopt is in <malloc.h>, which the Glibc module does not import; look it up.
    // Its options M_TRIM_THRESHOLD (-1), M_TOP_PAD (-2), M_MMAP_THRESHOLD (-3) are macros.
    typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
    let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
    _ = mallopt(-1, 256 << 20)
    _ = mallopt(-2, 64 << 20)
    _ = mallopt(-3, 256 << 20)
    #endif
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}

/// A value shared with a callback that may run on another thread.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func set(_ new: Value) { lock.withLock { value = new } }
    func get() -> Value { lock.withLock { value } }
}

/// Blocking work run as a service on its own thread (off Swift's cooperative pool), so that a
/// service group's signal handling can ask it to stop.
final class BlockingJob<Output: Sendable>: Service, Sendable {
    private let work: @Sendable () throws -> Output
    private let onShutdown: @Sendable () -> Void
    private let outcome = Mutex<Result<Output, any Error>?>(nil)

    init(_ work: @escaping @Sendable () throws -> Output, onShutdown: @escaping @Sendable () -> Void) {
        self.work = work
        self.onShutdown = onShutdown
    }

    func run() async throws {
        let work = self.work
        let result: Result<Output, any Error> = await withGracefulShutdownHandler {
            await withCheckedContinuation { continuation in
                let thread = Thread { continuation.resume(returning: Result { try work() }) }
                thread.name = "zmart-run"
                thread.start()
            }
        } onGracefulShutdown: { [onShutdown] in
            onShutdown()
        }
        outcome.withLock { $0 = result }
    }

    /// What the work returned or threw.
    func result() throws -> Output {
        guard let result = outcome.withLock({ $0 }) else {
            throw StreamsError(.illegalState, "the run did not finish")
        }
        return try result.get()
    }
}
