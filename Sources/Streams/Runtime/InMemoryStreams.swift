import Dispatch
import Foundation
import Synchronization
import Logging

/// Runs a topology over an ``InMemoryCluster``: Kafka Streams' `KafkaStreams`, in memory.
///
/// It makes one task per input partition of every sub-topology, reads each partition in
/// offset order from the committed offset of the consumer group `applicationId`, batches
/// output records like a producer, and commits processed offsets only after the outputs they
/// caused are written (at-least-once). It runs on the caller's thread: call
/// ``runUntilIdle()`` whenever input has arrived. With ``StreamsConfig/numStreamThreads`` above
/// one, the tasks are dealt to that many stream threads that process in parallel during the
/// call. Each stream thread processes its partitions' records earliest timestamp first across
/// all of them, so a task behind a repartition topic sees its records in event-time order when
/// the inputs' timestamps are event times (different threads advance independently).
///
/// ```swift
/// let streams = try InMemoryStreams(topology: topology, cluster: cluster,
///                                   config: StreamsConfig(applicationId: "zmart"))
/// try streams.start()
/// try streams.runUntilIdle()
/// try streams.close()
/// ```
public final class InMemoryStreams {
    /// The lifecycle of the application (it never goes through `rebalancing`).
    public typealias State = StreamsState

    /// The topology being run.
    public let topology: Topology
    /// The cluster it reads and writes.
    public let cluster: InMemoryCluster
    /// Its settings.
    public let config: StreamsConfig
    private let clock: @Sendable () -> Int64
    private let threads: [StreamThread]
    /// Keeps the threads within ``StreamsConfig/maxThreadSkew`` of each other; `nil` with one.
    private let alignment: ThreadTimeAlignment?
    private var tasks: [StreamTask] { threads.flatMap(\.tasks) }
    private var lastCommit: Int64 = 0
    /// The repartition topics, as named on the cluster.
    private let repartitionTopics: Set<TopicName>

    /// The current lifecycle state.
    public private(set) var state: State = .created {
        didSet {
            if oldValue != state {
                postStatus()
                onStateChange?(state, oldValue)
            }
        }
    }

    /// The latest status, for a status page or a health check on another thread: posted when
    /// the state changes, after commits, and between rounds once per
    /// ``StreamsConfig/metricsRefreshInterval``.
    public let statusBoard: StatusBoard
    private var lastStatus: UInt64 = 0
    private var threadStatus: [ThreadMetadata] = []

    /// Called on every state change with the new and the old state.
    public var onStateChange: ((_ new: State, _ old: State) -> Void)?

    /// Records lost because they were deleted (by retention or `deleteRecords`) before they
    /// were processed.
    public var lostRecords: Int64 { threads.reduce(0) { $0 + $1.lostRecords } }

    /// Creates the runtime; nothing runs until ``start()``.
    /// - Parameters:
    ///   - topology: The topology.
    ///   - cluster: The cluster with the topology's topics.
    ///   - config: Settings; checked here.
    ///   - clock: Wall-clock time in milliseconds since the epoch.
    /// - Throws: ``StreamsError`` for an invalid configuration.
    public init(
        topology: Topology, cluster: InMemoryCluster, config: StreamsConfig,
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) throws {
        try config.validate()
        self.topology = topology
        self.cluster = cluster
        self.config = config
        self.clock = clock
        let resolve = topology.resolver(applicationId: config.applicationId)
        repartitionTopics = Set(topology.internalTopics.filter(topology.sourceTopics.contains).map(resolve))
        let alignment = config.numStreamThreads > 1
            ? config.maxThreadSkew.map { ThreadTimeAlignment(threads: config.numStreamThreads, maxSkew: $0) } : nil
        self.alignment = alignment
        self.threads = (0..<config.numStreamThreads).map {
            StreamThread(index: $0, cluster: cluster, config: config, alignment: alignment)
        }
        statusBoard = StatusBoard(applicationId: config.applicationId, topology: topology.describe())
    }

    /// Publishes every thread's metrics and posts the status; between rounds, at most once per
    /// refresh interval unless `force`.
    private func refreshMetrics(force: Bool) {
        let now = monotonicNanos()
        guard force || now &- lastStatus >= config.metricsRefreshInterval.nanoseconds else { return }
        lastStatus = now
        threadStatus = threads.map { $0.refreshMetrics(now: now) }
        postStatus()
    }

    private func postStatus() {
        statusBoard.post(
            StatusSnapshot(
                applicationId: config.applicationId, state: state, capturedAt: clock(), threads: threadStatus,
                processedRecords: processedRecords,
                processRate: threads.reduce(0) { $0 + $1.metrics.processRateValue },
                producedRecords: sentRecords.values.reduce(0, +), skippedRecords: skippedRecords,
                deadLetteredRecords: deadLetteredRecords, lostRecords: Int(lostRecords),
                droppedOutputRecords: 0, commits: commits))
    }

    /// Commits made.
    public private(set) var commits = 0

    /// The state store `name` of the task that reads `partition` (of the store's
    /// sub-topology), for tests and queries.
    package func stateStore(named name: String, partition: Int32) -> (any StateStore)? {
        tasks.first { $0.id.partition == partition && $0.stateStores[name] != nil }?.stateStores[name]
    }

    /// The tasks, by id.
    public var taskIds: [TaskId] { tasks.map(\.id) }

    /// Records processed by all tasks.
    public var processedRecords: Int { tasks.reduce(0) { $0 + $1.processedRecords } }

    /// Records skipped by the deserialization handler.
    public var skippedRecords: Int { tasks.reduce(0) { $0 + $1.skippedRecords } }

    /// Records dropped because they arrived after all their windows had closed (past the
    /// grace period, by stream time); also counted in `dropped_records_total`.
    public var lateRecords: Int { tasks.reduce(0) { $0 + $1.lateRecords } }

    /// Records the deserialization handler sent to a dead-letter topic.
    public var deadLetteredRecords: Int { tasks.reduce(0) { $0 + $1.deadLetteredRecords } }

    /// Output records written per topic.
    public var sentRecords: [TopicName: Int] {
        threads.reduce(into: [:]) { total, thread in total.merge(thread.producer.sent, uniquingKeysWith: +) }
    }

    /// Creates and initializes the tasks and positions them at the committed offsets.
    /// - Throws: ``StreamsError`` if a source or sink topic is missing, the source topics of a
    ///   sub-topology differ in partition count, or a processor fails to initialize.
    public func start() throws {
        guard state == .created else {
            throw StreamsError(.illegalState, "start() called in state \(state)")
        }
        do {
            try makeTasks()
            for task in tasks { try task.initialize() }
            lastCommit = clock()
            state = .running
        } catch {
            state = .error
            throw error
        }
    }

    private func makeTasks() throws {
        let applicationId = config.applicationId
        // Changelogs are compacted, as Kafka Streams creates them: the log of a store holds
        // about its keys, however many writes it has seen.
        let changelogs = Set(topology.stores.values.filter(\.loggingEnabled).map(\.changelogTopic))
        for topic in topology.internalTopics {
            let name = TopicName("\(applicationId)-\(topic.rawValue)")
            if !cluster.hasTopic(name) {
                // Internal topics get as many partitions as the largest source topic.
                let widest = try topology.sourceTopics.filter { !topology.internalTopics.contains($0) }
                    .map { try cluster.partitionCount(of: $0) }.max() ?? 1
                try cluster.createTopic(
                    name, partitions: widest, cleanupPolicy: changelogs.contains(topic) ? .compact : .delete)
            }
        }
        for topic in topology.sinkTopics(applicationId: applicationId) where !cluster.hasTopic(topic) {
            throw StreamsError(.unknownTopic, "output topic \(topic) does not exist: create it before starting")
        }
        var taskCount = 0
        for subtopology in 0..<topology.subtopologyCount {
            let topics = topology.sourceTopics(ofSubtopology: subtopology, applicationId: applicationId)
            var counts: [Int32] = []
            for topic in topics {
                guard cluster.hasTopic(topic) else {
                    throw StreamsError(.unknownTopic, "input topic \(topic) does not exist: create it before starting")
                }
                counts.append(try cluster.partitionCount(of: topic))
            }
            guard let count = counts.first, counts.allSatisfy({ $0 == count }) else {
                throw StreamsError(
                    .invalidTopology,
                    "topics \(topics.map(\.rawValue).joined(separator: ", ")) of sub-topology \(subtopology) are not co-partitioned: partition counts \(counts)")
            }
            for partition in 0..<count {
                // Tasks are dealt to the stream threads in turn, as Kafka Streams assigns them.
                let thread = threads[taskCount % threads.count]
                taskCount += 1
                let task = try StreamTask(
                    topology: topology, subtopology: subtopology, partition: partition,
                    applicationId: applicationId, logger: thread.threadLogger, wallClock: clock,
                    collector: thread.producer, deserializationHandler: config.deserializationErrorHandler)
                try task.restoreStores(listener: config.restoreListener, using: cluster.changelogReader())
                try thread.add(
                    task,
                    inputs: topics.map { topic in
                        (topic, cluster.committedOffset(group: applicationId, topic: topic, partition: partition) ?? 0)
                    })
            }
        }
    }

    /// Processes every record available now, flushes the outputs, runs wall-clock
    /// punctuations and commits when the commit interval has passed (or a processor asked).
    /// - Returns: The number of records read.
    /// - Throws: The first processing error; the state becomes ``State/error`` and nothing past
    ///   the failed record is committed.
    @discardableResult
    public func runUntilIdle() throws -> Int {
        guard state == .running else {
            throw StreamsError(.illegalState, "runUntilIdle() called in state \(state)")
        }
        do {
            var total = 0
            while true {
                let round = try runThreads()
                total += round
                try punctuateAndMaybeCommit()
                refreshMetrics(force: false)
                if round == 0 { return total }
            }
        } catch {
            state = .error
            config.logger.error("stream processing failed", metadata: ["error": "\(error)"])
            throw error
        }
    }

    /// Every stream thread processes its tasks' available records, in parallel when there are
    /// several.
    private func runThreads() throws -> Int {
        let maxPollRecords = config.maxPollRecords
        if threads.count == 1 { return try threads[0].runUntilIdle(maxPollRecords: maxPollRecords) }
        let results = ThreadResults(count: threads.count)
        let threads = self.threads
        let run: @Sendable (Int) -> Void = { index in
            results.set(index, Result { try threads[index].runUntilIdle(maxPollRecords: maxPollRecords) })
        }
        if let alignment {
            // Aligned threads wait for each other, so each needs its own OS thread: a pool as
            // wide as the cores would run some only after others finished.
            alignment.reset()
            let done = DispatchGroup()
            for index in threads.indices {
                done.enter()
                Thread {
                    run(index)
                    done.leave()
                }.start()
            }
            done.wait()
        } else {
            DispatchQueue.concurrentPerform(iterations: threads.count, execute: run)
        }
        return try results.all().reduce(0, +)
    }

    private func punctuateAndMaybeCommit() throws {
        let now = clock()
        var commitAsked = false
        for thread in threads where try thread.punctuate(now: now) { commitAsked = true }
        if commitAsked || now - lastCommit >= config.commitInterval.milliseconds {
            try commit()
        }
    }

    /// Writes buffered outputs, then commits the offsets of every processed record.
    /// - Throws: ``StreamsError`` if the outputs cannot be written.
    public func commit() throws {
        let start = monotonicNanos()
        var offsets: [TopicPartition: Int64] = [:]
        for thread in threads {
            // Stores first, then outputs: both must be written before the offsets say so.
            for task in thread.tasks { try task.flushStores() }
            try thread.producer.flush()
            offsets.merge(thread.positions) { _, new in new }
        }
        cluster.commit(group: config.applicationId, offsets: offsets)
        // Repartition topics are the application's own: what it has committed is never read
        // again, so it goes (Kafka Streams purges them with DeleteRecords too). Without this
        // a stateful run holds every record of every repartition topic in memory.
        for (partition, offset) in offsets where repartitionTopics.contains(partition.topic) {
            try cluster.deleteRecords(topic: partition.topic, partition: partition.partition, before: offset)
        }
        lastCommit = clock()
        commits += 1
        for thread in threads { thread.metrics.recordCommit(since: start) }
        refreshMetrics(force: true)
    }

    /// Wall-clock punctuation at the current time, then a commit: lets a caller with a virtual
    /// clock drive time.
    package func punctuateNow() throws {
        try punctuateAndMaybeCommit()
    }

    /// Finishes: flushes outputs, commits, and closes every processor.
    /// - Throws: ``StreamsError`` if the final commit fails; the processors are closed anyway.
    public func close() throws {
        guard state == .running || state == .created || state == .error else { return }
        let wasRunning = state == .running
        state = .pendingShutdown
        defer {
            refreshMetrics(force: true)
            for thread in threads { thread.close() }
            if state == .pendingShutdown { state = .notRunning }
        }
        if wasRunning {
            do {
                try commit()
            } catch {
                state = .error
                throw error
            }
            let cluster = self.cluster
            for task in tasks {
                task.writeCheckpoints { topic, partition in try cluster.endOffset(of: topic, partition: partition) }
            }
        }
    }
}

@available(*, unavailable, message: "an in-memory runtime runs on the thread that drives it")
extension InMemoryStreams: Sendable {}

/// What each stream thread's round ended with.
private final class ThreadResults: Sendable {
    private let results: Mutex<[Result<Int, any Error>?]>
    init(count: Int) { results = Mutex(Array(repeating: nil, count: count)) }
    func set(_ index: Int, _ result: Result<Int, any Error>) { results.withLock { $0[index] = result } }
    /// The counts, or the first thread's error.
    func all() throws -> [Int] {
        try results.withLock { $0 }.map { try $0!.get() }
    }
}
