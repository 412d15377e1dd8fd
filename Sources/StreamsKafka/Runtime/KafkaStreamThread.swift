import Dispatch
import Foundation
import Logging
import Streams
import Synchronization

/// One stream thread of a ``KafkaStreams`` instance: a consumer in the application's group, a
/// producer, and the tasks of the partitions the group gave it.
///
/// `@unchecked Sendable`: everything but ``counters``, ``assignedPartitions`` and the stop
/// flag is used only by the OS thread that runs ``run()`` (the consumer's rebalance callback
/// runs inside its poll, on that thread). It is made on the thread that calls
/// ``KafkaStreams/start()`` and handed over once, when the worker thread starts.
final class KafkaStreamThread: @unchecked Sendable {
    /// Where the thread is in its group membership.
    enum Phase: Sendable, Hashable {
        case starting, running, rebalancing, stopped
    }

    /// Progress counters, read by other threads.
    final class Counters: Sendable {
        let processed = Atomic<Int>(0)
        let skipped = Atomic<Int>(0)
        let deadLettered = Atomic<Int>(0)
        let lost = Atomic<Int>(0)
        let produced = Atomic<Int>(0)
        let droppedOutputs = Atomic<Int>(0)
        let commits = Atomic<Int>(0)
        /// Transactions aborted (exactly-once), whose records were processed again.
        let abortedTransactions = Atomic<Int>(0)
        /// Records dropped as late by windowed aggregations, as of the last metrics refresh.
        let late = Atomic<Int>(0)
        /// `DispatchTime` uptime of the first record processed, 0 before.
        let firstRecordNanos = Atomic<UInt64>(0)
        /// `DispatchTime` uptime when the last commit finished, 0 before.
        let lastCommitNanos = Atomic<UInt64>(0)
    }

    /// The way from an input partition to the task that reads it.
    private final class Route {
        let partition: TopicPartition
        let task: StreamTask
        let source: Int
        // Confined to the stream thread with no overlapping access: exclusivity is not
        // checked at run time (a check per access on the per-record path).
        /// The next offset expected; nil until known.
        @exclusivity(unchecked) var next: Int64?
        /// The offset last committed.
        @exclusivity(unchecked) var committed: Int64?
        /// Records polled and not processed yet.
        @exclusivity(unchecked) var polled = PolledRecords()
        /// Since when (`monotonicNanos`) the thread has held back other partitions' records
        /// for this one's, which the cluster has and the consumer has not fetched yet.
        @exclusivity(unchecked) var awaitedSince: UInt64?
        /// The next offset at which the thread stopped waiting for this partition's fetch (see
        /// ``KafkaStreamThread/maxFetchWaitNanos``): it does not wait there again.
        @exclusivity(unchecked) var gaveUpAt: Int64?
        /// Whether the topic is an input of the application's, not one of its repartition
        /// topics: only an input's fetch is waited for (see ``KafkaStreamThread/awaitsFetch(_:now:)``).
        let isInput: Bool
        init(partition: TopicPartition, task: StreamTask, source: Int, next: Int64?, isInput: Bool) {
            self.partition = partition
            self.task = task
            self.source = source
            self.isInput = isInput
            self.next = next
            committed = next
        }
    }

    let index: Int
    let name: String
    let counters = Counters()
    /// The instance; held strongly while the thread runs (a running application stays alive
    /// even if its owner lets go of it) and dropped when it finishes.
    private var owner: KafkaStreams?
    private var streams: KafkaStreams { owner! }
    private let logger: Logger
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let collector: KafkaRecordCollector
    private let stopRequested = Atomic<Bool>(false)
    private let commitRequested = Atomic<Bool>(false)
    private let crashRequested = Atomic<Bool>(false)
    /// Whether `consumer` may still be woken; cleared (under the lock) before it is released.
    private let consumerOpen = Mutex(true)
    private let waker: ConsumerWaker
    private let assigned = Mutex<[TopicPartition]>([])
    /// Which sub-topology reads each topic (by its name on the cluster).
    private let subtopologyOf: [TopicName: Int]

    private var tasks: [TaskId: StreamTask] = [:]
    /// Late records of the tasks this thread no longer has.
    private var lateOfClosedTasks = 0
    private var routes: [TopicPartition: Route] = [:]
    @exclusivity(unchecked) private var lastRoute: Route?
    /// The routes whose polled records are not all processed (each is in `routes`, unless
    /// ``forgetReleasedRecords()`` is due).
    @exclusivity(unchecked) private var holding: [Route] = []
    /// The records and bytes held in `holding`, and since when (`monotonicNanos`) some are.
    @exclusivity(unchecked) private var heldRecords = 0
    @exclusivity(unchecked) private var heldBytes = 0
    @exclusivity(unchecked) private var heldSince: UInt64 = 0
    /// Which partition's held record is processed next (see ``processHeld(caughtUp:for:)``).
    @exclusivity(unchecked) private var order = EarliestFirst()
    /// Polled records are held, and the next poll does not wait, until this many bytes are
    /// held, a poll finds nothing more fetched, or ``maxHoldNanos`` have passed.
    static let holdBytes = 8 << 20
    static let maxHoldNanos: UInt64 = 50_000_000
    /// The longest the thread holds back records for a partition whose next records the
    /// cluster has and the consumer has not fetched (Kafka Streams' `max.task.idle.ms`, for a
    /// fetch known to be due); and the most bytes it holds meanwhile.
    static let maxFetchWaitNanos: UInt64 = 1_000_000_000
    static let maxHeldWhileWaiting = 32 << 20
    /// Whether the last ``processHeld(caughtUp:for:)`` held back for a partition's fetch.
    @exclusivity(unchecked) private var awaitingFetch = false
    /// Whether the last ``processHeld(caughtUp:for:)`` stopped at the end of its slice, with records
    /// it would have gone on with: the next goes on at once.
    @exclusivity(unchecked) private var draining = false
    /// An error raised inside the rebalance callback, thrown after the poll returns.
    private var callbackError: (any Error)?
    private var failed = false
    @exclusivity(unchecked) private var sawFirstRecord = false
    private var lastCommit: Int64 = 0
    /// The thread's metrics.
    private let metrics: StreamThreadMetrics
    private var lastMetrics: UInt64 = 0
    private let metricsInterval: UInt64
    /// The thread's part of the instance's status, refreshed with its metrics.
    private let status: Mutex<ThreadMetadata>
    private var phase: Phase = .starting
    /// Under exactly-once: outputs, changelog writes and offsets go in one transaction per commit.
    private let exactlyOnce: Bool
    /// Whether a transaction is open (exactly-once).
    private var inTransaction = false
    /// Transactions aborted since the last one that committed (exactly-once): past
    /// ``maxAbortsInARow`` the cause is not passing, and the thread fails with it.
    private var abortsInARow = 0
    private static let maxAbortsInARow = 10
    /// A commit under way (exactly-once): its transaction's records are in flight, and the
    /// thread processes on, its outputs held back, until the brokers acknowledge them.
    private var pendingCommit: PendingCommit?
    /// Past this many bytes held back, a commit under way waits for its records.
    private static let maxHeldBytes = 16 << 20

    private struct PendingCommit {
        /// The next offset of every partition that advanced in the transaction.
        var offsets: [TopicPartition: Int64]
        /// When the commit started (`monotonicNanos`).
        var start: UInt64
        /// When its records must be acknowledged by.
        var deadline: ContinuousClock.Instant
    }

    init(index: Int, streams: KafkaStreams) throws {
        self.index = index
        owner = streams
        let applicationId = streams.config.applicationId
        name = "\(streams.clientId)-StreamThread-\(index + 1)"
        var logger = streams.config.logger
        logger[metadataKey: "thread"] = .string("StreamThread-\(index + 1)")
        self.logger = logger
        var subtopologyOf: [TopicName: Int] = [:]
        for subtopology in 0..<streams.topology.subtopologyCount {
            for topic in streams.topology.sourceTopics(ofSubtopology: subtopology, applicationId: applicationId) {
                subtopologyOf[topic] = subtopology
            }
        }
        self.subtopologyOf = subtopologyOf

        // Kafka Streams' own producer default: batches wait up to 100 ms to fill (commits flush
        // them anyway), which costs the brokers and the client far fewer requests.
        // Under exactly-once a commit (each 100 ms) ends once the transaction's records are
        // written, the thread processing on meanwhile (`startCommit`): a shorter linger ends
        // it sooner, at little cost in requests.
        var producerProperties = ["linger.ms": streams.kafka.processingGuarantee.isExactlyOnce ? "20" : "100"].merging(streams.kafka.common) { _, new in new }
            .merging(streams.kafka.producerProperties) { _, new in new }
        let threadName = name
        exactlyOnce = streams.kafka.processingGuarantee.isExactlyOnce
        if exactlyOnce {
            // Kafka Streams' exactly_once_v2 scheme: one transactional producer per thread,
            // its id stable across restarts of the instance (processId), so that a restart
            // fences what its dead predecessor left open.
            producerProperties["transactional.id"] = "\(applicationId)-\(streams.processId)-\(index + 1)"
            producerProperties["enable.idempotence"] = "true"
            producerProperties["transaction.timeout.ms"] = String(streams.kafka.transactionTimeout.milliseconds)
        }
        producerProperties["client.id"] = producerProperties["client.id"].map { "\($0)-\(threadName)-producer" } ?? "\(threadName)-producer"
        producer = try KafkaProducer(properties: producerProperties, logger: logger)
        collector = KafkaRecordCollector(
            producer: producer, handler: streams.kafka.productionErrorHandler, counters: counters, logger: logger)

        // A sub-topology that reads several topics needs the same partition of each on one
        // member (its task joins them). The range assignor gives every member the same
        // partition numbers of equally partitioned topics; cooperative-sticky, the default
        // otherwise, does not promise that, so such topologies use range (eager) rebalancing.
        var defaults: [String: String] = [:]
        if (0..<streams.topology.subtopologyCount).contains(where: {
            streams.topology.sourceTopics(ofSubtopology: $0, applicationId: applicationId).count > 1
        }) {
            defaults["partition.assignment.strategy"] = "range"
        }
        var consumerProperties = defaults.merging(streams.kafka.common) { _, new in new }
            .merging(streams.kafka.consumerProperties) { _, new in new }
        if exactlyOnce { consumerProperties["isolation.level"] = "read_committed" }
        consumerProperties["client.id"] = consumerProperties["client.id"].map { "\($0)-\(threadName)-consumer" } ?? "\(threadName)-consumer"
        // Filled in below: the callback needs `self`, which exists only once every stored
        // property is set.
        let box = CallbackBox()
        consumer = try KafkaConsumer(
            groupId: applicationId, properties: consumerProperties, logger: logger,
            onRebalance: { event in box.thread?.rebalance(event) })
        waker = consumer.waker
        metricsInterval = streams.config.metricsRefreshInterval.nanoseconds
        metrics = StreamThreadMetrics(
            applicationId: applicationId, threadName: threadName,
            consumerClientId: consumerProperties["client.id"] ?? "\(threadName)-consumer",
            producerClientId: producerProperties["client.id"] ?? "\(threadName)-producer", factory: streams.config.metricsFactory, refreshInterval: streams.config.metricsRefreshInterval,
            now: monotonicNanos())
        status = Mutex(ThreadMetadata(threadName: threadName, threadState: "\(Phase.starting)", activeTasks: []))
        box.thread = self
    }

    /// Work other threads asked to run on this one, between batches (interactive queries:
    /// stores belong to this thread).
    private let jobs = Mutex<[@Sendable ([TaskId: StreamTask]) -> Void]>([])

    /// Runs `body` on this thread with its tasks, between two batches, and waits for it.
    /// - Throws: `.timeout` if the thread does not get to it in time (it is restoring,
    ///   rebalancing or stopped).
    func perform<T: Sendable>(
        timeout: Duration, _ body: @escaping @Sendable ([TaskId: StreamTask]) throws -> T
    ) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<T, any Error>?>(nil)
        jobs.withLock {
            $0.append { tasks in
                outcome.withLock { $0 = Result { try body(tasks) } }
                done.signal()
            }
        }
        wakeIfPolling()
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        guard done.wait(timeout: .now() + seconds) == .success, let result = outcome.withLock({ $0 }) else {
            throw StreamsError(.timeout, "stream thread \(name) did not answer within \(timeout)")
        }
        return try result.get()
    }

    /// Runs the jobs other threads queued.
    private func runJobs() {
        let pending = jobs.withLock { jobs -> [@Sendable ([TaskId: StreamTask]) -> Void] in
            defer { jobs = [] }
            return jobs
        }
        for job in pending { job(tasks) }
    }

    /// Reads changelogs to rebuild state stores; made on first use, as Kafka Streams' restore
    /// consumer (it reads assigned partitions, outside the group).
    private var restoreConsumer: KafkaConsumer?

    /// The restore consumer, made on first use. Its fetch queue is larger than librdkafka's
    /// defaults: restoring reads as fast as the brokers send, and librdkafka 2.0.2 waits a
    /// whole second before fetching again once a small queue is full.
    private func restoreClient() throws -> KafkaConsumer {
        if let restoreConsumer { return restoreConsumer }
        var properties = ["queued.min.messages": "1000000", "queued.max.messages.kbytes": "262144"]
            .merging(streams.kafka.common) { _, new in new }
            .merging(streams.kafka.consumerProperties) { _, new in new }
        properties["client.id"] = "\(name)-restore-consumer"
        properties["enable.auto.commit"] = "false"
        // Only committed changelog data is state: what an aborted transaction wrote never was.
        properties["isolation.level"] = "read_committed"
        // It never joins its group (it assigns partitions itself). librdkafka before 2.3
        // aborts when a cooperative-sticky consumer that got no assignment is destroyed
        // (librdkafka issue 4312); an assignor without state has nothing to destroy.
        properties["partition.assignment.strategy"] = "range"
        let made = try KafkaConsumer(
            groupId: "\(streams.config.applicationId)-restore", properties: properties, logger: logger,
            onRebalance: { _ in })
        restoreConsumer = made
        return made
    }

    /// Rebuilds stores from their changelog partitions, all at once: one assignment of every
    /// partition to the restore consumer, each read from its checkpoint (or its start) to the
    /// end it has now. A partition is done when the consumer's position reaches that end,
    /// which also steps over offsets that hold no record (transaction markers).
    private func restore(_ restorations: [ChangelogRestoration]) throws {
        guard !restorations.isEmpty else { return }
        let consumer = try restoreClient()
        let timeout = streams.kafka.startupTimeout
        let partitions = restorations.map(\.changelog)
        let lows = try consumer.offsets(.earliest, of: partitions, timeout: timeout)
        let highs = try consumer.offsets(.latest, of: partitions, timeout: timeout)
        var pending: [TopicPartition: (restoration: ChangelogRestoration, end: Int64)] = [:]
        var starts: [TopicPartition: Int64] = [:]
        for restoration in restorations {
            let partition = restoration.changelog
            let low = max(lows[partition] ?? 0, 0)
            let high = max(highs[partition] ?? 0, low)
            let start = min(max(low, restoration.from ?? low), high)
            restoration.begin(start: start, end: high)
            if high > start {
                pending[partition] = (restoration, high)
                starts[partition] = start
            } else {
                try restoration.finish()
            }
        }
        guard !pending.isEmpty else { return }
        try consumer.assign(starts)
        defer { try? consumer.assign([:]) }
        let deadline = ContinuousClock.now + timeout
        var last: (partition: TopicPartition, restoration: ChangelogRestoration, end: Int64)?
        while !pending.isEmpty {
            guard ContinuousClock.now < deadline else {
                let left = pending.keys.sorted().prefix(5).map(\.description).joined(separator: ", ")
                throw StreamsError(
                    .timeout, "restoring state stores did not finish within \(timeout): \(pending.count) changelog partitions left (\(left))")
            }
            _ = try consumer.poll(maxRecords: 10_000, timeout: .milliseconds(50)) { record in
                let target: (partition: TopicPartition, restoration: ChangelogRestoration, end: Int64)
                if let last, last.partition.partition == record.partition, last.partition.topic == record.topic {
                    target = last
                } else {
                    let partition = TopicPartition(topic: record.topic, partition: record.partition)
                    guard let found = pending[partition] else { return }
                    target = (partition, found.restoration, found.end)
                    last = target
                }
                guard record.offset < target.end else { return }
                try target.restoration.apply(key: record.key, value: record.value)
            }
            for (partition, position) in try consumer.positions(Array(pending.keys)) {
                guard let done = pending[partition], position >= done.end else { continue }
                pending[partition] = nil
                if last?.partition == partition { last = nil }
                try done.restoration.finish()
            }
        }
    }

    /// The thread's part of the instance's status, as of its last metrics refresh.
    var metadata: ThreadMetadata { status.withLock { $0 } }

    /// The thread's process rate over its last metrics window.
    var processRate: Double { status.withLock { $0.activeTasks.reduce(0) { $0 + $1.processRate } } }

    /// Publishes the metrics and refreshes the thread's status.
    private func refreshMetrics() {
        counters.late.store(lateOfClosedTasks + tasks.values.reduce(0) { $0 + $1.lateRecords }, ordering: .relaxed)
        let now = monotonicNanos()
        lastMetrics = now
        var partitions: [TaskId: [PartitionStatus]] = [:]
        for (partition, route) in routes {
            let ends = consumer.cachedWatermarks(topic: partition.topic, partition: partition.partition)
            partitions[route.task.id, default: []].append(
                PartitionStatus(
                    topic: partition.topic.rawValue, partition: partition.partition, position: route.next,
                    committedOffset: route.committed, endOffset: ends?.high))
        }
        for key in partitions.keys { partitions[key]!.sort { ($0.topic, $0.partition) < ($1.topic, $1.partition) } }
        metrics.recordProducer(
            sent: counters.produced.load(ordering: .relaxed), errors: producer.failedDeliveries)
        let tasks = metrics.refresh(tasks: Array(self.tasks.values), partitions: partitions, now: now)
        let phase = self.phase
        status.withLock { $0 = ThreadMetadata(threadName: name, threadState: "\(phase)", activeTasks: tasks) }
    }

    /// Records the thread's phase (for its status) and tells the instance.
    private func phaseChanged(_ phase: Phase) {
        self.phase = phase
        status.withLock { $0.threadState = "\(phase)" }
        streams.threadPhaseChanged(index, phase)
    }

    /// Whether the thread owns `task` now (one of its input partitions is assigned here).
    func ownsTask(_ task: TaskId) -> Bool {
        assigned.withLock { partitions in
            partitions.contains { $0.partition == task.partition && subtopologyOf[$0.topic] == task.subtopology }
        }
    }

    /// The input partitions the thread owns now.
    var assignedPartitions: [TopicPartition] { assigned.withLock { $0 } }

    /// Asks the thread to commit after its current batch.
    func requestCommit() {
        commitRequested.store(true, ordering: .relaxed)
        wakeIfPolling()
    }

    /// Interrupts a poll that waits for records, while the consumer is open.
    private func wakeIfPolling() {
        consumerOpen.withLock { open in if open { waker.wake() } }
    }

    /// Makes the thread stop as if its process died: no commit, no close, no goodbye to the
    /// group. For fault tests.
    func requestCrash() {
        crashRequested.store(true, ordering: .relaxed)
        stopRequested.store(true, ordering: .relaxed)
    }

    /// Asks the thread to finish after its current batch.
    func requestStop() {
        stopRequested.store(true, ordering: .relaxed)
        wakeIfPolling()
    }

    /// The thread's body: poll, process, punctuate, commit; until asked to stop or failed.
    func run() {
        var failure: (any Error)?
        do {
            if exactlyOnce {
                // Before the first assignment: fences an older producer with this id and
                // aborts what it left open, so restoration reads settled changelogs.
                try retrying("initializing transactions", within: streams.kafka.startupTimeout) {
                    try producer.initTransactions(timeout: $0)
                }
                try beginTransaction()
            }
            try consumer.subscribe(Array(Set(subtopologyOf.keys.map(\.rawValue))).sorted())
            lastCommit = streams.clock()
            let interval = streams.commitInterval.milliseconds
            // How long one call processes held records: the loop commits, punctuates and polls
            // between calls.
            let slice = UInt64(max(min(interval, 100), 1)) * 1_000_000
            let maxRecords = streams.config.maxPollRecords
            let pollTimeout = streams.kafka.pollTimeout
            while !stopRequested.load(ordering: .relaxed) {
                let count: Int
                let polled: Int
                do {
                    // While records are held, the poll only takes what is already fetched.
                    let timeout: Duration = heldRecords == 0 ? pollTimeout : awaitingFetch ? .milliseconds(5) : .zero
                    polled = try consumer.poll(maxRecords: maxRecords, timeout: timeout) { record in
                        self.hold(record)
                    }
                    count = callbackError == nil ? try processHeld(caughtUp: polled == 0, for: slice) : 0
                } catch let error as StreamsError
                    where exactlyOnce && (error.code == .transactionAborted || Self.failedWithItsTransaction(error))
                {
                    // An output could not be sent because the transaction had failed: abort it
                    // and read the input again from the committed offsets.
                    try abortAndRewind(error)
                    continue
                }
                if let error = callbackError { throw error }
                runJobs()
                metrics.recordPoll()
                if count > 0 { counters.processed.add(count, ordering: .relaxed) }
                producer.poll(timeoutMilliseconds: 0)
                // A commit under way finishes once its records are acknowledged; with no
                // input to process meanwhile, the thread waits for them.
                if pendingCommit != nil { try finishCommit(waiting: count == 0 && polled == 0 && heldRecords == 0) }
                let now = streams.clock()
                var commitAsked = commitRequested.exchange(false, ordering: .relaxed)
                for task in tasks.values {
                    try task.punctuateWallClock(now: now)
                    if task.takeCommitRequest() { commitAsked = true }
                }
                if commitAsked {
                    try commit()
                } else if pendingCommit == nil && now - lastCommit >= interval {
                    if exactlyOnce {
                        try startCommit()
                        try finishCommit(waiting: false)
                    } else {
                        try commit()
                    }
                } else if monotonicNanos() &- lastMetrics >= metricsInterval {
                    refreshMetrics()
                }
            }
            if crashRequested.load(ordering: .relaxed) {
                consumerOpen.withLock { $0 = false }
                consumer.abandon()
                producer.abandon()
                try? restoreConsumer?.close()
                metrics.close()
                finish(error: nil)
                return
            }
            // Graceful: finish what is in flight and commit before leaving the group.
            try commit()
            writeCheckpoints(Array(tasks.values))
        } catch {
            failure = error
            failed = true
            if exactlyOnce && inTransaction && producer.fatalError == nil {
                // Nothing of the failed batch may become visible; the next owner of the
                // partitions reads them again from the committed offsets.
                try? producer.abortTransaction(timeout: streams.kafka.flushTimeout)
                inTransaction = false
            }
        }
        refreshMetrics()
        closeTasks(tasks.keys.map { $0 })
        metrics.close()
        try? restoreConsumer?.close()
        restoreConsumer = nil
        consumerOpen.withLock { $0 = false }
        do {
            // Leaving the group runs the final revocation on this thread; after a failure it
            // commits nothing (`failed`), so the partitions are processed again by their new owner.
            try consumer.close()
        } catch {
            logger.warning("closing the consumer failed", metadata: ["error": .string(String(describing: error))])
        }
        if callbackError != nil, failure == nil { failure = callbackError }
        do { try producer.close(timeout: streams.kafka.flushTimeout) } catch {
            logger.warning("closing the producer failed", metadata: ["error": .string(String(describing: error))])
        }
        finish(error: failure)
    }

    /// Reports the thread stopped and lets go of the instance.
    private func finish(error: (any Error)?) {
        assigned.withLock { $0 = [] }
        // Queries waiting for this thread get an answer (no store) rather than a timeout.
        runJobs()
        let streams = self.streams
        phase = .stopped
        status.withLock {
            $0.threadState = "\(Phase.stopped)"
            $0.activeTasks = []
        }
        owner = nil
        streams.threadPhaseChanged(index, .stopped)
        streams.threadFinished(index, error: error)
    }

    /// Copies one polled record into the held records of its partition's route.
    @inline(__always)
    private func hold(_ record: ConsumedRecord) {
        if !sawFirstRecord {
            sawFirstRecord = true
            counters.firstRecordNanos.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
        }
        let route: Route
        if let last = lastRoute, last.partition.partition == record.partition, last.partition.topic == record.topic {
            route = last
        } else {
            guard let found = routes[TopicPartition(topic: record.topic, partition: record.partition)] else {
                // A record fetched before its partition was revoked: not ours any more.
                return
            }
            route = found
            lastRoute = found
        }
        if route.polled.isEmpty {
            holding.append(route)
            route.awaitedSince = nil
        }
        if heldRecords == 0 { heldSince = monotonicNanos() }
        route.polled.append(
            offset: record.offset, timestamp: record.timestamp, key: record.key, value: record.value,
            headers: record.headers)
        heldRecords += 1
        heldBytes += (record.key?.count ?? 0) + (record.value?.count ?? 0)
    }

    /// Processes held records, the earliest timestamp first across every partition of the
    /// thread (each partition's in offset order): Kafka Streams' choice of the partition with
    /// the earliest head record, made across tasks too. Tasks downstream of a repartition
    /// topic then receive its records nearly in event-time order; processed a fetched chunk of
    /// one partition after another, records of the others fell behind stream time by hours
    /// and windowed aggregations dropped most of them as late.
    ///
    /// Records are processed once enough are held (see ``holdBytes``), the last poll found
    /// nothing more fetched (`caughtUp`), or ``maxHoldNanos`` passed; and only while every
    /// partition with nothing held is caught up (``awaitsFetch(_:now:)``): the next records
    /// of one that is not may be earlier than the others'. For about `slice` nanoseconds a
    /// call, so that the thread commits, punctuates and polls between; the next goes on at once.
    /// - Returns: How many records were processed.
    private func processHeld(caughtUp: Bool, for slice: UInt64) throws -> Int {
        awaitingFetch = false
        guard heldRecords > 0,
            draining || caughtUp || heldBytes >= Self.holdBytes || monotonicNanos() &- heldSince >= Self.maxHoldNanos
        else { return 0 }
        draining = false
        let now = monotonicNanos()
        let end = now &+ slice
        if heldBytes < Self.maxHeldWhileWaiting, routes.values.contains(where: { $0.polled.isEmpty && awaitsFetch($0, now: now) }) {
            awaitingFetch = true
            return 0
        }
        var processed = 0
        while !holding.isEmpty {
            if processed & 63 == 63, monotonicNanos() >= end {
                draining = true
                return processed
            }
            let earliest = order.choose(among: holding.count) { holding[$0].polled.headTimestamp }
            let route = holding[earliest]
            heldRecords -= 1
            try route.polled.processNext { entry, key, value in
                heldBytes -= entry.keyCount + entry.valueCount
                try process(route, offset: entry.offset, key: key, value: value, timestamp: entry.timestamp, headers: entry.headers)
            }
            processed += 1
            if route.polled.isEmpty {
                holding.swapAt(earliest, holding.count - 1)
                holding.removeLast()
                if heldBytes < Self.maxHeldWhileWaiting, awaitsFetch(route, now: now) {
                    awaitingFetch = true
                    break
                }
            }
        }
        // What is left waits for more of the partition that ran out, or for the next deadline.
        heldSince = monotonicNanos()
        return processed
    }

    /// Whether the thread should hold back other partitions' records for this one, which has
    /// none held: the cluster has records of it past the next offset (as the last fetch
    /// response reported; before the first, that is assumed) and the thread has not waited
    /// ``maxFetchWaitNanos`` for them at this offset already. Under exactly-once the high
    /// watermark counts transaction markers, so a partition read to its end can look behind
    /// by one: the wait's bound and `gaveUpAt` keep that from stalling the thread again.
    ///
    /// Repartition topics are not waited for: their records come from this application's own
    /// processing, already in order, and under exactly-once only once it commits, which a
    /// wait would hold up. What their tasks see in time order depends on the inputs.
    private func awaitsFetch(_ route: Route, now: UInt64) -> Bool {
        guard route.isInput else { return false }
        let ends = consumer.cachedWatermarks(topic: route.partition.topic, partition: route.partition.partition)
        let next = route.next ?? ends?.low ?? -1
        if let ends, ends.high <= next {
            route.awaitedSince = nil
            return false
        }
        if route.gaveUpAt == next { return false }
        guard let since = route.awaitedSince else {
            route.awaitedSince = now
            return true
        }
        guard now &- since < Self.maxFetchWaitNanos else {
            route.gaveUpAt = next
            route.awaitedSince = nil
            return false
        }
        return true
    }

    /// Drops the held records of partitions no longer routed (revoked, lost, or assigned again
    /// and so read again from their committed offsets).
    private func forgetReleasedRecords() {
        holding.removeAll { route in routes[route.partition] !== route || route.polled.isEmpty }
        heldRecords = holding.reduce(0) { $0 + $1.polled.count }
        heldBytes = holding.reduce(0) { $0 + $1.polled.pendingBytes }
    }

    /// Hands one polled record to the task that owns its partition.
    @inline(__always)
    private func process(
        _ route: Route, offset: Int64, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, timestamp: Int64,
        headers: Headers
    ) throws {
        if let expected = route.next, offset != expected {
            try checkGap(route, expected: expected, got: offset)
        }
        let task = route.task
        let skippedBefore = task.skippedRecords
        let deadBefore = task.deadLetteredRecords
        try task.process(source: route.source, offset: offset, key: key, value: value, timestamp: timestamp, headers: headers)
        route.next = offset + 1
        if task.skippedRecords != skippedBefore {
            counters.skipped.add(task.skippedRecords - skippedBefore, ordering: .relaxed)
            counters.deadLettered.add(task.deadLetteredRecords - deadBefore, ordering: .relaxed)
        }
    }

    /// An offset other than the next one arrived: if the cluster deleted records that were
    /// never processed (retention, or an out-of-range reset), they are lost: say so loudly.
    /// Other gaps (transaction markers, compaction) are normal.
    private func checkGap(_ route: Route, expected: Int64, got offset: Int64) throws {
        guard offset > expected else { return }
        let low = try consumer.watermarks(
            topic: route.partition.topic, partition: route.partition.partition, timeout: .seconds(10)
        ).low
        guard low > expected else { return }
        let lost = min(offset, low) - expected
        counters.lost.add(Int(lost), ordering: .relaxed)
        logger.critical(
            "records lost: the cluster deleted them before they were processed",
            metadata: [
                "partition": .string(route.partition.description), "from": .stringConvertible(expected),
                "to": .stringConvertible(expected + lost - 1), "lost": .stringConvertible(lost),
            ])
    }

    /// Waits until every output is acknowledged, then commits the next offset of every
    /// partition that advanced (under exactly-once: finishes a commit under way, then commits
    /// a transaction with everything processed since).
    private func commit() throws {
        if exactlyOnce {
            try finishCommit(waiting: true)
            try startCommit()
            try finishCommit(waiting: true)
            return
        }
        let start = monotonicNanos()
        for task in tasks.values { try task.flushStores() }
        try collector.flush(timeout: streams.kafka.flushTimeout)
        var offsets: [TopicPartition: Int64] = [:]
        for (partition, route) in routes {
            if let next = route.next, next != route.committed { offsets[partition] = next }
        }
        if !offsets.isEmpty {
            do {
                try consumer.commit(offsets)
            } catch let error as StreamsError where error.code == .rebalanceInProgress {
                // Not lost: the positions stay uncommitted and the next commit (or the
                // revocation, once the rebalance assigns) sends them again.
                logger.info("commit deferred: the group is rebalancing", metadata: ["error": .string(error.description)])
                return
            }
            for (partition, offset) in offsets { routes[partition]?.committed = offset }
            counters.commits.add(1, ordering: .relaxed)
            counters.lastCommitNanos.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
            metrics.recordCommit(since: start)
        }
        lastCommit = streams.clock()
        refreshMetrics()
    }

    // MARK: Exactly-once

    /// Starts committing the open transaction (exactly-once) with the offsets of every
    /// partition that advanced: the records sent from now on are held back for the next
    /// transaction (``KafkaRecordCollector/hold()``), and ``finishCommit(waiting:)`` commits
    /// this one once the brokers have acknowledged its records. The thread processes on
    /// meanwhile, instead of waiting as Kafka Streams does: what a commit costs is mostly
    /// that wait, and the outputs keep their order (the held ones go after the committed ones,
    /// through the same producer).
    private func startCommit() throws {
        let start = monotonicNanos()
        for task in tasks.values { try task.flushStores() }
        // The consumer's positions, as Kafka Streams commits under exactly-once: they have
        // stepped over transaction markers (offsets without a record, which librdkafka
        // consumes in order with the records), so a partition whose records are all
        // processed commits its end, not the marker's offset.
        // (Not while the consumer closes: the run's last commit came just before, and the
        // final revocation has nothing more to add.) Only where no polled record is held: the
        // position is past the held ones, which are not processed yet.
        let positions = consumerOpen.withLock { $0 } ? try consumer.positions(Array(routes.keys)) : [:]
        var offsets: [TopicPartition: Int64] = [:]
        for (partition, route) in routes {
            var next = route.next
            if route.polled.isEmpty, let position = positions[partition], position > (next ?? route.committed ?? -1) {
                next = position
                route.next = position
            }
            if let next, next != route.committed { offsets[partition] = next }
        }
        pendingCommit = PendingCommit(
            offsets: offsets, start: start, deadline: .now + streams.kafka.flushTimeout)
        collector.hold()
    }

    /// Finishes the commit under way (``startCommit()``): once its records are acknowledged,
    /// commits the transaction with its offsets, opens the next and sends it the records held
    /// back meanwhile. Without `waiting`, returns `false` at once while records are still in
    /// flight, unless the commit is overdue or too much is held back. A transaction that
    /// cannot commit is aborted and its tasks rewound (``abortAndRewind(_:)``); a fatal
    /// error (fenced) is thrown.
    /// - Returns: Whether no commit is under way any more (committed or aborted).
    @discardableResult
    private func finishCommit(waiting: Bool) throws -> Bool {
        guard let pending = pendingCommit else { return true }
        if !waiting && producer.inFlight > 0 && ContinuousClock.now < pending.deadline
            && collector.heldByteCount < Self.maxHeldBytes
        {
            return false
        }
        pendingCommit = nil
        let timeout = streams.kafka.flushTimeout
        let offsets = pending.offsets
        do {
            // Delivery failures first: the production handler decides whether they fail
            // the thread. One it lets go (`.continue`) still leaves a transaction that the
            // brokers refused a record of unable to commit (librdkafka requires an abort):
            // it is aborted and its input processed again (and after `maxAbortsInARow`
            // aborts in a row, the thread fails). A record refused before it was sent (too
            // large, say) never joined the transaction, which commits without it.
            try collector.flush(timeout: max(pending.deadline - .now, .milliseconds(1)))
            if !offsets.isEmpty {
                let group = try consumer.groupMetadata()
                try retrying("sending offsets to the transaction", within: timeout) {
                    try producer.sendOffsetsToTransaction(offsets, group: group, timeout: $0)
                }
            }
            try retrying("committing the transaction", within: timeout) { try producer.commitTransaction(timeout: $0) }
            inTransaction = false
        } catch let error as StreamsError where error.code == .transactionAborted || Self.failedWithItsTransaction(error) {
            try abortAndRewind(error)
            return true
        }
        // Any other error (a record the production handler answered `.fail` for, as at least
        // once) fails the thread; `run` then aborts the open transaction, so nothing of it
        // becomes visible.
        abortsInARow = 0
        for (partition, offset) in offsets { routes[partition]?.committed = offset }
        if !offsets.isEmpty {
            counters.commits.add(1, ordering: .relaxed)
            counters.lastCommitNanos.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
            metrics.recordCommit(since: pending.start)
        }
        try beginTransaction()
        do {
            try collector.release()
        } catch let error as StreamsError where error.code == .transactionAborted || Self.failedWithItsTransaction(error) {
            try abortAndRewind(error)
            return true
        }
        lastCommit = streams.clock()
        refreshMetrics()
        return true
    }

    /// Whether an output failure the production handler answered `.fail` for is the open
    /// transaction's and not the record's: the record could not be sent because the
    /// transaction had already failed, or was not written in time. Under exactly-once such a
    /// failure aborts the transaction and its input is processed again; the abort reports it
    /// when the producer was fenced.
    private static func failedWithItsTransaction(_ error: StreamsError) -> Bool {
        guard error.code == .production, let cause = error.underlying as? StreamsError else { return false }
        return cause.code == .transactionAborted || cause.isRetriable
    }

    private func beginTransaction() throws {
        try producer.beginTransaction()
        inTransaction = true
    }

    /// Aborts the open transaction and puts every task back where the last committed one
    /// left it: the tasks are closed without checkpoints, made again with their stores
    /// rebuilt from the committed changelogs, and their input is read again from the
    /// committed offsets (Kafka Streams' corrupted-task handling).
    private func abortAndRewind(_ cause: StreamsError) throws {
        abortsInARow += 1
        guard abortsInARow <= Self.maxAbortsInARow else {
            throw StreamsError(
                .transactionAborted,
                "\(abortsInARow) transactions in a row were aborted (a cause that does not pass), so the thread stops",
                underlying: cause, isFatal: true)
        }
        logger.warning(
            "transaction aborted: its outputs, changelog writes and offsets do not count; the tasks are rebuilt from the committed changelogs and read their input again from the committed offsets",
            metadata: ["cause": .string(cause.description)])
        if inTransaction {
            try retrying("aborting the transaction", within: streams.kafka.flushTimeout) {
                try producer.abortTransaction(timeout: $0)
            }
            inTransaction = false
        }
        pendingCommit = nil
        collector.discardAborted()
        counters.abortedTransactions.add(1, ordering: .relaxed)
        let partitions = Array(routes.keys)
        routes = [:]
        lastRoute = nil
        forgetReleasedRecords()
        closeTasks(Array(tasks.keys))
        try beginTransaction()
        lastCommit = streams.clock()
        try assign(partitions, seek: true)
    }

    /// Makes `call` until it succeeds, fails other than retriably, or `within` has passed;
    /// each call gets the time left.
    private func retrying(_ what: String, within: Duration, _ call: (Duration) throws -> Void) throws {
        let deadline = ContinuousClock.now + within
        while true {
            do {
                try call(max(deadline - ContinuousClock.now, .milliseconds(1)))
                return
            } catch let error as StreamsError where error.isRetriable && ContinuousClock.now < deadline {
                logger.info("\(what) is retried", metadata: ["error": .string(error.description)])
            }
        }
    }

    // MARK: Rebalancing

    private func rebalance(_ event: RebalanceEvent) {
        do {
            switch event {
            case .assigned(let partitions):
                try assign(partitions)
                phaseChanged(.running)
            case .revoked(let partitions):
                phaseChanged(.rebalancing)
                if !failed {
                    // Flush and commit before the partitions go to another member.
                    try commit()
                    let leaving = Set(partitions)
                    writeCheckpoints(tasks.values.filter { task in
                        routes.allSatisfy { $0.value.task !== task || leaving.contains($0.key) }
                    })
                }
                release(partitions)
            case .lost(let partitions):
                phaseChanged(.rebalancing)
                logger.warning(
                    "partitions lost without a clean hand-over; their uncommitted records will be processed again",
                    metadata: ["partitions": .string(partitions.map(\.description).joined(separator: ","))])
                release(partitions)
                if exactlyOnce && !failed {
                    // The open transaction holds work of the lost partitions, which their new
                    // owner redoes: abort it, and rewind the tasks still here.
                    try abortAndRewind(StreamsError(.transactionAborted, "partitions were lost"))
                }
            }
        } catch {
            failed = true
            if callbackError == nil { callbackError = error }
        }
    }

    /// Makes the tasks of newly assigned partitions, restores their stores and sets their
    /// next offsets to the committed ones; with `seek`, also moves the consumer there (after
    /// an abort, when it has read past them).
    private func assign(_ partitions: [TopicPartition], seek: Bool = false) throws {
        guard !partitions.isEmpty else { return }
        let committed = try consumer.committed(partitions, timeout: streams.kafka.startupTimeout)
        if seek {
            // Without a committed offset, from the start (auto.offset.reset=earliest).
            try consumer.seek(
                Dictionary(uniqueKeysWithValues: partitions.map { ($0, committed[$0] ?? -2) }),
                timeout: streams.kafka.startupTimeout)
        }
        let applicationId = streams.config.applicationId
        let internalTopics = Set(streams.topology.internalTopics.map { TopicName("\(applicationId)-\($0.rawValue)") })
        var created: [StreamTask] = []
        // Routed only once their tasks are whole: records of the same poll may follow a
        // failed assignment, and must not reach a task that was never initialized.
        var newRoutes: [TopicPartition: Route] = [:]
        for partition in partitions {
            guard let subtopology = subtopologyOf[partition.topic] else { continue }
            let id = TaskId(subtopology: subtopology, partition: partition.partition)
            let task: StreamTask
            if let existing = tasks[id] {
                task = existing
            } else {
                task = try StreamTask(
                    topology: streams.topology, subtopology: subtopology, partition: partition.partition,
                    applicationId: applicationId, logger: logger, wallClock: streams.clock,
                    collector: collector, deserializationHandler: streams.config.deserializationErrorHandler)
                tasks[id] = task
                created.append(task)
                metrics.taskCreated(task)
            }
            newRoutes[partition] = Route(
                partition: partition, task: task, source: try task.source(for: partition.topic),
                next: committed[partition], isInput: !internalTopics.contains(partition.topic))
        }
        // Stores first, every new task's at once: a task processes nothing until its state is
        // whole again.
        // Under exactly-once a persistent store without a checkpoint may hold writes of a
        // transaction that never committed: it is emptied and rebuilt from the changelog.
        try restore(created.flatMap {
            try $0.changelogRestorations(listener: streams.config.restoreListener, wipeUncheckpointed: exactlyOnce)
        })
        for task in created { try task.initialize() }
        routes.merge(newRoutes) { _, new in new }
        lastRoute = nil
        forgetReleasedRecords()
        assigned.withLock { $0 = routes.keys.sorted() }
        logger.info(
            "partitions assigned",
            metadata: [
                "partitions": .string(partitions.sorted().map(\.description).joined(separator: ",")),
                "tasks": .string(tasks.keys.sorted().map(\.description).joined(separator: ",")),
            ])
    }

    private func release(_ partitions: [TopicPartition]) {
        for partition in partitions { routes[partition] = nil }
        lastRoute = nil
        forgetReleasedRecords()
        // A task goes when none of its partitions is left.
        let kept = Set(routes.values.map { $0.task.id })
        closeTasks(tasks.keys.filter { !kept.contains($0) })
        assigned.withLock { $0 = routes.keys.sorted() }
        logger.info(
            "partitions revoked",
            metadata: ["partitions": .string(partitions.sorted().map(\.description).joined(separator: ","))])
    }

    /// After a clean commit: checkpoints the persistent stores of tasks about to close.
    private func writeCheckpoints(_ closing: [StreamTask]) {
        let timeout = streams.kafka.startupTimeout
        for task in closing {
            task.writeCheckpoints { topic, partition in
                try consumer.watermarks(topic: topic, partition: partition, timeout: timeout).high
            }
        }
    }

    private func closeTasks(_ ids: [TaskId]) {
        for id in ids {
            guard let task = tasks.removeValue(forKey: id) else { continue }
            metrics.taskClosed(task)
            lateOfClosedTasks += task.lateRecords
            task.close()
        }
    }
}

/// Lets the consumer's rebalance callback reach the thread that owns the consumer.
private final class CallbackBox: @unchecked Sendable {
    // Set once, before the consumer polls; read only by the polling thread.
    weak var thread: KafkaStreamThread?
}
