import CoreMetrics
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Streams
import StreamsRocksDB
import Synchronization

/// Runs ZMart in memory over generated purchases or an input file, as the `zmart` command
/// does: input is produced into `transactions` in batches while the application processes it,
/// and the outputs are drained as they appear (counted, sampled, optionally written to files).
public struct ZMartRun {
    /// What to run.
    public struct Options: Sendable {
        /// Purchases to generate; with an input file, the most lines to read (`nil`: all).
        public var records: Int?
        /// Seed of the purchase generator.
        public var seed: UInt64 = 42
        /// Partitions of every topic.
        public var partitions: Int32 = 4
        /// Stream threads processing the partitions' tasks in parallel.
        public var threads = 1
        /// A file of `key TAB purchase-JSON` lines to read instead of generating.
        public var input: URL?
        /// A folder that receives `<topic>.tsv` for each output topic.
        public var outputDirectory: URL?
        /// Sample records kept per output topic.
        public var samplesPerTopic = 3
        /// Where the runtime logs.
        public var logger = Logger(label: "zmart")
        /// Runs stateful ZMart (``ZMartTopology/makeStateful(hour:grace:fraudWindow:)``):
        /// running reward totals, top sellers per zip code and hour, fraud alerts.
        public var stateful = false
        /// A customer whose running reward total the summary reports (stateful runs).
        public var watchedCustomer: String?
        /// Where stateful ZMart keeps its stores on RocksDB (Kafka Streams' `state.dir`); in
        /// memory when `nil`.
        public var stateDirectory: URL?
        /// After a stateful run, rebuilds every store from its changelog in a fresh instance
        /// (empty stores: a new machine) and reports how fast (``Summary/restoredRecords``).
        public var measureRestoration = false
        /// The output topics of the chosen topology.
        public var outputTopics: [TopicName] { stateful ? ZMartTopology.statefulOutputTopics : ZMartTopology.outputTopics }
        /// Where the runtime's metrics go; `nil` for `MetricsSystem.factory`.
        public var metricsFactory: (any MetricsFactory)?
        /// Called once the application has started, with what reports its status (for a
        /// status page or a progress line).
        public var onStatus: (@Sendable (any StatusReporting) -> Void)?

        /// Creates options with defaults: 100,000 generated purchases, seed 42, 4 partitions.
        public init() {}
    }

    /// A malformed input line: its number and what was wrong, never its content.
    public struct MalformedLine: Codable, Sendable, Hashable {
        /// The line number, from 1.
        public let line: Int
        /// What was wrong.
        public let reason: String
    }

    /// What a run did.
    public struct Summary: Codable, Sendable {
        /// The runtime, `swift-inmemory`.
        public var engine = "swift-inmemory"
        /// Input records produced into `transactions` (well-formed lines, or generated).
        public var records = 0
        /// Input lines skipped as malformed, by the reader or by the deserializer.
        public var malformed = 0
        /// The malformed lines, in order.
        public var malformedLines: [MalformedLine] = []
        /// Seconds from the first record read to the last output written.
        public var seconds = 0.0
        /// Input records per second over `seconds`.
        public var recordsPerSecond = 0.0
        /// Records written to each output topic.
        public var outputCounts: [String: Int64] = [:]
        /// A few output records per topic, as `key TAB value`.
        public var samples: [String: [String]] = [:]
        /// Records deleted before they were read (0 unless something is wrong).
        public var lostRecords: Int64 = 0
        /// Partitions of each topic.
        public var partitions: Int32 = 0
        /// Stream threads (of each instance, on Kafka).
        public var threads = 1
        /// Input records processed by each application instance (on Kafka; at-least-once may
        /// process a record twice after a rebalance).
        public var processedPerInstance: [Int]?
        /// The process's peak resident set size in bytes.
        public var peakRSSBytes = 0
        /// Whether the run was asked to stop (SIGINT, SIGTERM) before the end of its input;
        /// the counts are then those of what got through.
        public var interrupted: Bool?
        /// The watched customer's last `rewards` record (stateful runs with a watched customer).
        public var watchedCustomerReward: String?
        /// Records dropped by windowed aggregations because their windows had closed (past the
        /// grace period); on Kafka, `dropped_records_total` in the metrics counts them.
        public var lateRecords: Int?
        /// Where the state stores lived: `memory` or `rocksdb` (stateful runs).
        public var stores: String?
        /// Records a fresh instance read back from the changelogs to rebuild the stores
        /// (with ``Options/measureRestoration``).
        public var restoredRecords: Int?
        /// Seconds that rebuilding took, from the first changelog read to the last store whole.
        public var restoreSeconds: Double?
    }

    /// The topology's text description.
    public let topology: Topology
    let options: Options

    /// Prepares a run.
    /// - Throws: ``StreamsError`` if the options are invalid.
    public init(options: Options) throws {
        guard options.partitions >= 1 else {
            throw StreamsError(.invalidConfiguration, "partitions must be at least 1, not \(options.partitions)")
        }
        guard options.threads >= 1 else {
            throw StreamsError(.invalidConfiguration, "threads must be at least 1, not \(options.threads)")
        }
        if let records = options.records, records < 0 {
            throw StreamsError(.invalidConfiguration, "records must not be negative, not \(records)")
        }
        self.options = options
        self.topology = try options.stateful ? ZMartTopology.makeStateful(stores: options.storeSupplier()) : ZMartTopology.make()
    }

    /// Runs to the end of the input.
    /// - Returns: What the run did.
    /// - Throws: I/O errors reading the input or writing outputs, or a processing error.
    public func run() throws -> Summary {
        let cluster = InMemoryCluster()
        let partitions = options.partitions
        // Memory stays bounded however long the input: after each batch, input records below
        // the committed offsets and output records already drained are deleted (Kafka's
        // DeleteRecords, as Kafka Streams purges its repartition topics). A record deleted
        // before it was read would be reported as lost.
        for topic in [ZMartTopology.transactions] + options.outputTopics {
            try cluster.createTopic(topic, partitions: partitions)
        }
        let failures = FailureLog()
        var config = StreamsConfig(applicationId: "zmart")
        config.logger = options.logger
        config.numStreamThreads = options.threads
        config.metricsFactory = options.metricsFactory
        config.deserializationErrorHandler = DeserializationErrorHandler { failure in
            failures.add(failure.metadata, reason: failure.error.message)
            return .continue
        }
        let streams = try InMemoryStreams(topology: topology, cluster: cluster, config: config)
        try streams.start()
        options.onStatus?(streams.statusBoard)

        let producer = InMemoryProducer(cluster: cluster)
        let drain = try OutputDrain(
            cluster: cluster, partitions: partitions, topics: options.outputTopics, directory: options.outputDirectory,
            samples: options.samplesPerTopic, watchedCustomer: options.watchedCustomer)
        var summary = Summary()
        summary.partitions = partitions
        summary.threads = options.threads
        let feed = FeedState(partitions: partitions)
        let batch = 8192
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let clock = ContinuousClock()

        // With stores, commits are further apart than batches, as Kafka Streams' commit
        // interval is longer than a poll: a store cache then writes a customer's total to its
        // changelog once per commit rather than once per update. Until a commit, the input
        // stays (at most this many records); without stores, nothing gains from keeping it.
        let commitEvery = options.stateful ? 65_536 : batch
        var sinceCommit = 0
        func pump(last: Bool = false) throws {
            try producer.flush()
            try streams.runUntilIdle()
            sinceCommit += batch
            if last || sinceCommit >= commitEvery {
                sinceCommit = 0
                try streams.commit()
                for partition in 0..<partitions {
                    let committed = cluster.committedOffset(
                        group: config.applicationId, topic: ZMartTopology.transactions, partition: partition)
                    try cluster.deleteRecords(
                        topic: ZMartTopology.transactions, partition: partition, before: committed ?? 0)
                }
            }
            try drain.drain()
        }
        func produce(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, line: Int) throws {
            if feed.started == nil { feed.started = clock.now }
            let partition = try producer.sendReturningPartition(
                topic: ZMartTopology.transactions, key: key, value: value,
                timestamp: ZMartInput.purchaseTime(value) ?? now)
            feed.lineOfOffset[Int(partition)].append(Int32(truncatingIfNeeded: line))
            feed.records += 1
            if producer.pendingRecords >= batch { try pump() }
        }

        if options.input != nil {
            // The clock starts with the first read of the input, not with the first record.
            feed.started = clock.now
        }
        try ZMartInput.forEach(options) { event in
            switch event {
            case .record(let line, let key, let value):
                try produce(key: key, value: value, line: line)
            case .malformed(let line):
                feed.malformed.append(line)
            }
        }
        summary.malformedLines = feed.malformed
        try pump(last: true)
        if options.stateful { summary.lateRecords = streams.lateRecords }
        try streams.close()
        try drain.finish()
        summary.watchedCustomerReward = drain.watchedReward
        let elapsed = feed.started.map { clock.now - $0 } ?? .zero
        summary.records = feed.records
        let lineOfOffset = feed.lineOfOffset

        // Records the deserializer rejected are malformed lines too: find their numbers.
        for failure in failures.entries {
            let lines = lineOfOffset[Int(failure.metadata.partition)]
            let line = Int(failure.metadata.offset) < lines.count ? Int(lines[Int(failure.metadata.offset)]) : 0
            summary.malformedLines.append(MalformedLine(line: line, reason: failure.reason))
        }
        summary.malformedLines.sort { $0.line < $1.line }
        summary.malformed = summary.malformedLines.count
        summary.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        summary.recordsPerSecond = summary.seconds > 0 ? Double(summary.records) / summary.seconds : 0
        summary.outputCounts = Dictionary(uniqueKeysWithValues: drain.counts.map { ($0.key.rawValue, $0.value) })
        summary.samples = Dictionary(uniqueKeysWithValues: drain.samples.map { ($0.key.rawValue, $0.value) })
        summary.lostRecords = drain.lost + streams.lostRecords
        if options.stateful {
            summary.stores = options.stateDirectory == nil ? "memory" : "rocksdb"
            if options.measureRestoration {
                let (records, seconds) = try measureRestoration(cluster: cluster, config: config)
                summary.restoredRecords = records
                summary.restoreSeconds = seconds
            }
        }
        summary.peakRSSBytes = peakResidentSetBytes()
        return summary
    }

    /// Starts a second instance of the application over the same cluster, with empty stores
    /// (RocksDB ones in a fresh folder), which rebuilds them from the changelogs; returns the
    /// records it read and the seconds spent restoring (see ``RestoreTiming``).
    private func measureRestoration(cluster: InMemoryCluster, config: StreamsConfig) throws -> (Int, Double) {
        var options = self.options
        let fresh = options.stateDirectory?.appendingPathComponent("restore-\(UInt64.random(in: 0...UInt64.max))")
        options.stateDirectory = fresh
        defer { if let fresh { try? FileManager.default.removeItem(at: fresh) } }
        let timing = RestoreTiming()
        var config = config
        config.restoreListener = StateRestoreListener(
            onRestoreStart: { timing.started($0) },
            onRestoreEnd: { timing.ended($0) })
        let topology = try ZMartTopology.makeStateful(stores: options.storeSupplier())
        let streams = try InMemoryStreams(topology: topology, cluster: cluster, config: config)
        try streams.start()
        try streams.close()
        return timing.result
    }
}

extension ZMartRun.Options {
    /// The stores' engine for ``ZMartTopology/makeStateful(hour:grace:fraudWindow:stores:)``:
    /// RocksDB in ``stateDirectory``, or in memory (`nil`).
    public func storeSupplier() -> (@Sendable (String) -> KeyValueBytesStoreSupplier)? {
        guard let directory = stateDirectory else { return nil }
        return { name in RocksDBStores.persistentKeyValueStore(name, directory: directory) }
    }
}

/// How long restoring took and the records restored: the time during which some store was
/// being restored (the union of each store's start-to-end interval), so opening stores and
/// making tasks between two restorations do not count, and restorations that overlap (on
/// Kafka, one restore consumer reads every changelog partition at once) count once.
package final class RestoreTiming: Sendable {
    private struct State {
        var open: [String: ContinuousClock.Instant] = [:]
        var intervals: [(start: ContinuousClock.Instant, end: ContinuousClock.Instant)] = []
        var records = 0
    }
    private let state = Mutex(State())

    private static func key(_ progress: RestoreProgress) -> String {
        "\(progress.task) \(progress.store) \(progress.changelog)"
    }

    package init() {}

    /// A store's restoration began (at `now`).
    package func started(_ progress: RestoreProgress, at now: ContinuousClock.Instant = .now) {
        state.withLock { $0.open[Self.key(progress)] = now }
    }

    /// A store's restoration ended (at `now`), with `progress.restored` records.
    package func ended(_ progress: RestoreProgress, at now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            if let start = state.open.removeValue(forKey: Self.key(progress)) {
                state.intervals.append((start, now))
            }
            state.records += progress.restored
        }
    }

    /// Records restored and the seconds it took.
    package var result: (records: Int, seconds: Double) {
        state.withLock { state in
            var total = Duration.zero
            var current: (start: ContinuousClock.Instant, end: ContinuousClock.Instant)?
            for interval in state.intervals.sorted(by: { $0.start < $1.start }) {
                if let open = current, interval.start <= open.end {
                    current = (open.start, max(open.end, interval.end))
                } else {
                    if let open = current { total += open.end - open.start }
                    current = interval
                }
            }
            if let open = current { total += open.end - open.start }
            return (state.records, Double(total.components.seconds) + Double(total.components.attoseconds) / 1e18)
        }
    }
}

/// What the feeding loop updates per input line, in a class rather than in local vars: the
/// closures that feed records capture it, and captured vars would be checked for exclusive
/// access at run time on every line. Used by one thread, with no overlapping accesses.
private final class FeedState {
    /// When the clock started: the first read of the input file, or the first record.
    @exclusivity(unchecked) var started: ContinuousClock.Instant?
    /// Input records produced.
    @exclusivity(unchecked) var records = 0
    /// Line numbers of the records in each partition of `transactions`, by offset.
    @exclusivity(unchecked) var lineOfOffset: [[Int32]]
    /// Lines skipped by the reader.
    @exclusivity(unchecked) var malformed: [ZMartRun.MalformedLine] = []

    init(partitions: Int32) {
        lineOfOffset = Array(repeating: [], count: Int(partitions))
    }
}

/// A file read with POSIX `read` into the caller's buffer.
final class InputFile {
    private let descriptor: Int32
    private let path: String

    init(url: URL) throws {
        path = url.path
        descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw StreamsError(.invalidConfiguration, "cannot open input file \(path): errno \(errno)")
        }
    }

    deinit { close(descriptor) }

    /// Fills `buffer` from its start; returns the bytes read, 0 at the end.
    func read(into buffer: inout [UInt8]) throws -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count >= 0 { return count }
            if errno != EINTR {
                throw StreamsError(.invalidConfiguration, "cannot read input file \(path): errno \(errno)")
            }
        }
    }
}

/// Deserialization failures reported by the handler (which may run on any thread).
private final class FailureLog: Sendable {
    struct Entry: Sendable {
        let metadata: RecordMetadata
        let reason: String
    }
    private let list = Mutex<[Entry]>([])
    func add(_ metadata: RecordMetadata, reason: String) {
        list.withLock { $0.append(Entry(metadata: metadata, reason: reason)) }
    }
    var entries: [Entry] { list.withLock { $0 } }
}

#if os(Linux)
private let RUSAGE_SELF_WHO = __rusage_who_t(RUSAGE_SELF.rawValue)
#else
private let RUSAGE_SELF_WHO = RUSAGE_SELF
#endif

/// The process's peak resident set size, from `getrusage` (Linux reports kilobytes).
public func peakResidentSetBytes() -> Int {
    var usage = rusage()
    guard getrusage(RUSAGE_SELF_WHO, &usage) == 0 else { return 0 }
    #if os(Linux)
    return usage.ru_maxrss * 1024
    #else
    return usage.ru_maxrss
    #endif
}

extension ZMartRun {
    /// Writes generated purchases as an input file: `key TAB purchase-JSON` per line.
    /// - Parameters:
    ///   - url: The file; replaced if it exists.
    ///   - records: How many purchases.
    ///   - seed: The generator's seed.
    /// - Returns: The number of lines written.
    /// - Throws: I/O or encoding errors.
    @discardableResult
    public static func writeInputFile(to url: URL, records: Int, seed: UInt64) throws -> Int {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw StreamsError(.invalidConfiguration, "cannot create input file \(url.path)")
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var generator = PurchaseGenerator(seed: seed)
        let encoder = FastJSONEncoder()
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        for _ in 0..<records {
            let (key, purchase) = generator.nextRecord()
            buffer.append(contentsOf: key.utf8)
            buffer.append(0x09)
            try encoder.encode(purchase, into: &buffer)
            buffer.append(0x0A)
            if buffer.count >= 1 << 20 {
                try handle.write(contentsOf: buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: buffer)
        return records
    }
}
