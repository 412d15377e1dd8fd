import Dispatch
import Foundation
import Logging
import Streams
import Synchronization

/// Runs a topology on a Kafka cluster: Kafka Streams' `KafkaStreams`, for Swift.
///
/// Every instance started with the same ``Streams/StreamsConfig/applicationId`` joins one
/// consumer group and shares the input partitions with the others; when an instance stops or
/// dies, the others take its partitions over. Each stream thread
/// (``Streams/StreamsConfig/numStreamThreads``) is a dedicated OS thread with its own consumer
/// and producer, so librdkafka's blocking calls never run on Swift's cooperative pool. It runs
/// one task per input partition (per partition group when a sub-topology reads several
/// co-partitioned topics), each partition in offset order.
///
/// The guarantee is at-least-once by default: an input offset is committed only after every
/// output record it caused has been acknowledged by the brokers, and a task whose partition is
/// revoked in a rebalance flushes and commits before the partition is given up. Under
/// ``ProcessingGuarantee/exactlyOnce`` (Kafka Streams' `exactly_once_v2`) each stream thread
/// writes through a transactional producer: its outputs, changelog writes and input offsets
/// commit in one Kafka transaction per commit interval, a transaction that cannot commit is
/// aborted and its tasks are rebuilt from the committed changelogs and offsets, and a newer
/// instance with the same ``KafkaConfig/processId`` fences an older one.
///
/// ```swift
/// let streams = try KafkaStreams(
///     topology: topology, config: StreamsConfig(applicationId: "zmart"),
///     kafka: KafkaConfig(bootstrapServers: "localhost:9092"))
/// try streams.start()
/// // …
/// streams.close()
/// ```
///
/// In a Swift service, run it in a `ServiceGroup` (it is a `Service`): SIGTERM and SIGINT then
/// close it gracefully.
public final class KafkaStreams: Sendable {
    /// The lifecycle of an application instance, as in Kafka Streams.
    public typealias State = StreamsState

    /// The topology being run.
    public let topology: Topology
    /// The runtime-independent settings.
    public let config: StreamsConfig
    /// The Kafka settings.
    public let kafka: KafkaConfig
    /// Names this instance among the application's: its threads are
    /// `<clientId>-StreamThread-<n>`, and its clients' ids and metrics carry them. The
    /// application id for the first instance made in a process, then `<applicationId>-2`,
    /// `-3`, … for more instances of the same application in that process.
    public let clientId: String
    let clock: @Sendable () -> Int64
    let shared = Mutex(Shared())
    /// Instances made per application id in this process, for unique client ids.
    private static let instancesMade = Mutex<[String: Int]>([:])
    /// Serializes listener calls so they arrive in the order the changes happened.
    private let listenerLock = Mutex(())
    private let finished = DispatchGroup()

    struct Shared {
        var state: State = .created
        var listener: (@Sendable (State, State) -> Void)?
        var threads: [KafkaStreamThread] = []
        var threadStates: [Int: KafkaStreamThread.Phase] = [:]
        var failure: (any Error & Sendable)?
        /// Partitions of each sub-topology's input topics, once started.
        var partitionCounts: [Int: Int32] = [:]
        var running = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        /// Where the instances are, with ``KafkaConfig/applicationServer``.
        var directory: InstanceDirectory?
        /// Whether the instance stops as if it died (no goodbye to the directory either).
        var crashed = false
    }

    /// Creates an instance; nothing connects until ``start()``.
    /// - Parameters:
    ///   - topology: The topology.
    ///   - config: Application id, threads, commit interval, deserialization handler, logger.
    ///   - kafka: Bootstrap servers, guarantee, production handler, client properties.
    ///   - clock: Wall-clock time in milliseconds since the epoch (for punctuation).
    /// - Throws: ``Streams/StreamsError`` for an invalid configuration or a librdkafka older
    ///   than ``LibrdkafkaVersion/minimum``.
    public init(
        topology: Topology, config: StreamsConfig, kafka: KafkaConfig,
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) throws {
        try config.validate()
        try kafka.validate()
        try LibrdkafkaVersion.check()
        self.topology = topology
        self.config = config
        self.kafka = kafka
        self.clock = clock
        let made = Self.instancesMade.withLock { made in
            made[config.applicationId, default: 0] += 1
            return made[config.applicationId]!
        }
        clientId = made == 1 ? config.applicationId : "\(config.applicationId)-\(made)"
        processId = kafka.processId ?? UUID().uuidString.lowercased()
    }

    /// This instance's process id (``KafkaConfig/processId``, or a random one): under
    /// exactly-once its stream threads' transactional ids are `<applicationId>-<processId>-<n>`.
    public let processId: String

    /// How often the threads commit: ``Streams/StreamsConfig/commitInterval`` when set,
    /// otherwise Kafka Streams' default for the guarantee (30 s, or 100 ms under exactly-once).
    var commitInterval: Duration {
        config.commitIntervalIsSet || !kafka.processingGuarantee.isExactlyOnce ? config.commitInterval : .milliseconds(100)
    }

    /// The current lifecycle state.
    public var state: State { shared.withLock { $0.state } }

    /// The error that stopped the instance, once ``state`` is ``State/error``.
    public var failure: (any Error)? { shared.withLock { $0.failure } }

    /// Sets the listener called on every state change with the new and the old state.
    ///
    /// It is called on the thread that made the change (often a stream thread), one call at a
    /// time and in order; it must return quickly and must not call ``close(timeout:)``.
    public func setStateListener(_ listener: @escaping @Sendable (_ new: State, _ old: State) -> Void) {
        shared.withLock { $0.listener = listener }
    }

    /// Checks the cluster and the topics, then starts the stream threads, which join the
    /// group; the state becomes ``State/rebalancing`` and then ``State/running``.
    ///
    /// This call blocks (it talks to the cluster); from async code use `run()`.
    /// - Throws: ``Streams/StreamsError``: the cluster cannot be reached within
    ///   ``KafkaConfig/startupTimeout``, an input or output topic is missing, the inputs of a
    ///   sub-topology are not co-partitioned, or a client cannot be configured.
    public func start() throws {
        try shared.withLock { shared in
            guard shared.state == .created else {
                throw StreamsError(.illegalState, "start() called in state \(shared.state)")
            }
        }
        let logger = config.logger
        do {
            try prepareTopics()
            var threads: [KafkaStreamThread] = []
            for index in 0..<config.numStreamThreads {
                threads.append(try KafkaStreamThread(index: index, streams: self))
            }
            shared.withLock { shared in
                shared.threads = threads
                shared.running = threads.count
                for thread in threads { shared.threadStates[thread.index] = .starting }
            }
            transition(to: .rebalancing)
            logger.info(
                "starting",
                metadata: [
                    "bootstrapServers": .string(kafka.bootstrapServers),
                    "threads": .stringConvertible(threads.count),
                    "guarantee": .string(kafka.processingGuarantee.description),
                    "librdkafka": .string(LibrdkafkaVersion.current),
                ])
            for thread in threads {
                finished.enter()
                let worker = Thread { [finished] in
                    thread.run()
                    finished.leave()
                }
                worker.name = thread.name
                worker.start()
            }
        } catch {
            fail(error, logMessage: "could not start")
            throw error
        }
    }

    /// Checks that the inputs and outputs exist, co-partitioned, and creates internal topics.
    private func prepareTopics() throws {
        let admin = try KafkaAdminClient(properties: kafka.common, logger: config.logger)
        let timeout = kafka.startupTimeout
        do {
            _ = try admin.brokers(timeout: timeout)
        } catch {
            throw StreamsError(
                .timeout,
                "cannot reach the Kafka cluster at \(kafka.bootstrapServers) within \(timeout)",
                underlying: error)
        }
        let applicationId = config.applicationId
        let external = topology.sourceTopics.filter { !topology.internalTopics.contains($0) }
        var inputs = try describe(external, admin: admin, what: "input")
        let internalTopics = topology.internalTopics.map { TopicName("\(applicationId)-\($0.rawValue)") }
        if !internalTopics.isEmpty {
            let widest = inputs.values.max() ?? 1
            let brokers = try admin.brokers(timeout: timeout).count
            try admin.createTopics(
                internalTopics.map {
                    NewTopic(name: $0.rawValue, partitions: widest, replicationFactor: Int16(min(3, brokers)))
                }, timeout: timeout)
            try admin.waitForTopics(internalTopics.map(\.rawValue), timeout: timeout)
            inputs.merge(try describe(internalTopics, admin: admin, what: "internal")) { old, _ in old }
        }
        _ = try describe(topology.sinkTopics(applicationId: applicationId), admin: admin, what: "output")
        if let endpoint = kafka.applicationServer {
            let topic = InstanceDirectory.topic(applicationId: applicationId)
            try admin.createTopics(
                [NewTopic(name: topic.rawValue, partitions: 1, replicationFactor: Int16(min(3, try admin.brokers(timeout: timeout).count)))],
                timeout: timeout)
            try admin.waitForTopics([topic.rawValue], timeout: timeout)
            let directory = try InstanceDirectory(
                applicationId: applicationId, clientId: clientId, endpoint: endpoint, kafka: kafka, logger: config.logger)
            shared.withLock { $0.directory = directory }
        }
        for subtopology in 0..<topology.subtopologyCount {
            let topics = topology.sourceTopics(ofSubtopology: subtopology, applicationId: applicationId)
            let counts = topics.map { inputs[$0] ?? 0 }
            guard let first = counts.first, counts.allSatisfy({ $0 == first }) else {
                throw StreamsError(
                    .invalidTopology,
                    "topics \(topics.map(\.rawValue).joined(separator: ", ")) of sub-topology \(subtopology) are not co-partitioned: partition counts \(counts)")
            }
            shared.withLock { $0.partitionCounts[subtopology] = first }
        }
    }

    private func describe(_ topics: [TopicName], admin: KafkaAdminClient, what: String) throws -> [TopicName: Int32] {
        var counts: [TopicName: Int32] = [:]
        for topic in topics {
            do {
                let description = try admin.describeTopics([topic.rawValue], timeout: kafka.startupTimeout)
                counts[topic] = Int32(description.first?.partitions.count ?? 0)
            } catch let error as StreamsError where error.code == .unknownTopic {
                throw StreamsError(.unknownTopic, "\(what) topic \(topic) does not exist: create it before starting")
            }
        }
        return counts
    }

    /// Asks the stream threads to finish: each completes its current batch, commits, closes
    /// its tasks and leaves the group. Returns at once; see ``close(timeout:)`` and
    /// ``waitUntilStopped()``.
    public func requestShutdown() {
        let neverStarted = state == .created
        transition(to: .pendingShutdown)
        if neverStarted {
            transition(to: .notRunning)
            return
        }
        for thread in threads { thread.requestStop() }
    }

    /// Closes the instance gracefully and waits for it: in-flight records are finished, outputs
    /// flushed, offsets committed and the group left. This call blocks; from async code use
    /// ``shutdown()``.
    /// - Parameter timeout: How long to wait for the stream threads.
    /// - Returns: Whether every stream thread finished within the timeout.
    @discardableResult
    public func close(timeout: Duration = .seconds(60)) -> Bool {
        requestShutdown()
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        return finished.wait(timeout: .now() + seconds) == .success
    }

    /// Closes the instance gracefully, like ``close(timeout:)``, without blocking a thread:
    /// for async code, where a blocking wait would hold one of Swift's cooperative threads.
    public func shutdown() async {
        requestShutdown()
        await waitUntilStopped()
    }

    /// Waits until every stream thread has stopped (after ``requestShutdown()``, ``close(timeout:)``
    /// or an error), without blocking a thread.
    public func waitUntilStopped() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = shared.withLock { shared -> Bool in
                // Nothing runs: never started, or every stream thread has finished.
                if shared.running == 0 && shared.state != .rebalancing && shared.state != .running {
                    return true
                }
                shared.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Stops every stream thread as if the process died: nothing is committed, nothing is
    /// flushed, the group is not told. For fault tests (package access only).
    package func simulateCrash() {
        shared.withLock { $0.crashed = true }
        transition(to: .pendingShutdown)
        for thread in threads { thread.requestCrash() }
    }

    /// Asks every stream thread to commit at its next turn instead of waiting for the commit
    /// interval (as a processor's `context.commit()` does for its task).
    public func requestCommit() {
        for thread in threads { thread.requestCommit() }
    }

    /// Blocks until the state is `state` or the deadline passes.
    /// - Returns: Whether the state was reached.
    @discardableResult
    public func waitForState(_ wanted: State, timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let current = state
            if current == wanted { return true }
            if current == .error || current == .notRunning { return false }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return state == wanted
    }

    // MARK: Progress

    /// Records processed by this instance's tasks.
    public var processedRecords: Int { threads.reduce(0) { $0 + $1.counters.processed.load(ordering: .relaxed) } }
    /// Records windowed aggregations dropped because all their windows had closed (past the
    /// grace period), as of the threads' last metrics refresh (about once a second and at
    /// every commit); also in `dropped_records_total`.
    public var lateRecords: Int { threads.reduce(0) { $0 + $1.counters.late.load(ordering: .relaxed) } }
    /// Records skipped by the deserialization handler, dead-lettered ones included.

    public var skippedRecords: Int { threads.reduce(0) { $0 + $1.counters.skipped.load(ordering: .relaxed) } }
    /// Records the deserialization handler sent to a dead-letter topic.
    public var deadLetteredRecords: Int {
        threads.reduce(0) { $0 + $1.counters.deadLettered.load(ordering: .relaxed) }
    }
    /// Transactions aborted under exactly-once (a record that could not be written, partitions
    /// lost in a rebalance), whose input was processed again from the committed offsets.
    public var abortedTransactions: Int {
        threads.reduce(0) { $0 + $1.counters.abortedTransactions.load(ordering: .relaxed) }
    }
    /// Input records lost because the cluster deleted them before they were processed (an
    /// offset gap, e.g. by retention): each loss is also logged as critical.
    public var lostRecords: Int { threads.reduce(0) { $0 + $1.counters.lost.load(ordering: .relaxed) } }
    /// Output records acknowledged by the brokers.
    public var producedRecords: Int { threads.reduce(0) { $0 + $1.counters.produced.load(ordering: .relaxed) } }
    /// Output records that could not be written and that the production handler let go.
    public var droppedOutputRecords: Int {
        threads.reduce(0) { $0 + $1.counters.droppedOutputs.load(ordering: .relaxed) }
    }
    /// Commits made.
    public var commits: Int { threads.reduce(0) { $0 + $1.counters.commits.load(ordering: .relaxed) } }
    /// When this instance processed its first record, if it has.
    public var firstRecordTime: DispatchTime? {
        let nanos = threads.map { $0.counters.firstRecordNanos.load(ordering: .relaxed) }.filter { $0 > 0 }.min()
        return nanos.map { DispatchTime(uptimeNanoseconds: $0) }
    }
    /// When this instance's last commit finished (its outputs acknowledged, its offsets
    /// committed), if it has committed.
    public var lastCommitTime: DispatchTime? {
        let nanos = threads.map { $0.counters.lastCommitNanos.load(ordering: .relaxed) }.max() ?? 0
        return nanos > 0 ? DispatchTime(uptimeNanoseconds: nanos) : nil
    }
    /// The input partitions this instance owns now.
    public var assignedPartitions: [TopicPartition] { threads.flatMap { $0.assignedPartitions }.sorted() }

    /// The stream threads and their tasks, as of their last metrics refresh (about once per
    /// ``Streams/StreamsConfig/metricsRefreshInterval`` and after every commit): Kafka Streams'
    /// `metadataForLocalThreads()`.
    public var localThreadsMetadata: [ThreadMetadata] { threads.map(\.metadata) }

    var threads: [KafkaStreamThread] { shared.withLock { $0.threads } }

    /// Partitions of a sub-topology's input, once started.
    func partitionCount(ofSubtopology id: Int) -> Int32? { shared.withLock { $0.partitionCounts[id] } }

    // MARK: Thread reports

    /// A stream thread's phase changed.
    func threadPhaseChanged(_ index: Int, _ phase: KafkaStreamThread.Phase) {
        let target: State? = shared.withLock { shared in
            shared.threadStates[index] = phase
            guard shared.state == .rebalancing || shared.state == .running else { return nil }
            return shared.threadStates.values.allSatisfy { $0 == .running } ? .running : .rebalancing
        }
        if let target { transition(to: target) }
        if phase == .running, let directory = shared.withLock({ $0.directory }) {
            directory.publish(assignedPartitions, at: clock())
        }
    }

    /// A stream thread stopped; `error` if it failed.
    func threadFinished(_ index: Int, error: (any Error)?) {
        if let error {
            fail(error, logMessage: "a stream thread failed; shutting the instance down")
            for thread in threads where thread.index != index { thread.requestStop() }
        }
        let (last, waiters) = shared.withLock { shared -> (Bool, [CheckedContinuation<Void, Never>]) in
            shared.running -= 1
            guard shared.running == 0 else { return (false, []) }
            defer { shared.waiters = [] }
            return (true, shared.waiters)
        }
        guard last else { return }
        let (directory, crashed) = shared.withLock { ($0.directory, $0.crashed) }
        if crashed { directory?.abandon() } else { directory?.withdraw() }
        if state != .error { transition(to: .notRunning) }
        config.logger.info("stopped", metadata: ["state": .string(state.description)])
        for waiter in waiters { waiter.resume() }
    }

    private func fail(_ error: any Error, logMessage: Logger.Message) {
        config.logger.error(logMessage, metadata: ["error": .string(String(describing: error))])
        let sendable = (error as? StreamsError) ?? StreamsError(.processing, String(describing: error))
        shared.withLock { if $0.failure == nil { $0.failure = sendable } }
        transition(to: .error)
    }

    /// Moves to `new` if the lifecycle allows it, and tells the listener.
    private func transition(to new: State) {
        listenerLock.withLock { _ in
            let change: (State, (@Sendable (State, State) -> Void)?)? = shared.withLock { shared in
                let old = shared.state
                guard old != new, Self.allowed(from: old, to: new) else { return nil }
                shared.state = new
                return (old, shared.listener)
            }
            guard let (old, listener) = change else { return }
            config.logger.info("state changed", metadata: ["from": .string(old.description), "to": .string(new.description)])
            listener?(new, old)
        }
    }

    /// Kafka Streams' state machine.
    static func allowed(from old: State, to new: State) -> Bool {
        switch (old, new) {
        case (.created, .rebalancing), (.created, .pendingShutdown), (.created, .error): true
        case (.rebalancing, .running), (.rebalancing, .pendingShutdown), (.rebalancing, .error): true
        case (.running, .rebalancing), (.running, .pendingShutdown), (.running, .error): true
        case (.pendingShutdown, .notRunning), (.pendingShutdown, .error): true
        default: false
        }
    }
}

extension KafkaStreams: StatusReporting {
    /// The application id.
    public var applicationId: String { config.applicationId }

    /// The topology's description.
    public var topologyDescription: TopologyDescription { topology.describe() }

    /// The instance's status: state, threads, tasks with the lag of every input partition,
    /// and totals. Cheap; callable from any thread.
    public func statusSnapshot() -> StatusSnapshot {
        let threads = self.threads
        return StatusSnapshot(
            applicationId: config.applicationId, state: state, capturedAt: clock(),
            threads: threads.map(\.metadata), processedRecords: processedRecords,
            processRate: threads.reduce(0) { $0 + $1.processRate }, producedRecords: producedRecords,
            skippedRecords: skippedRecords, deadLetteredRecords: deadLetteredRecords, lostRecords: lostRecords,
            droppedOutputRecords: droppedOutputRecords, commits: commits)
    }
}
