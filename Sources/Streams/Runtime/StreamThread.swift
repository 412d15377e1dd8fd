import Logging

/// One worker of a runtime: owns a set of tasks, their input positions and a producer.
///
/// `@unchecked Sendable`: a stream thread is used by one thread at a time. The runtime hands
/// each stream thread to exactly one worker for a round (`DispatchQueue.concurrentPerform`
/// gives index `i` to one worker) and waits for every worker before touching it again, so its
/// tasks, processors and producer never see two threads at once.
final class StreamThread: @unchecked Sendable {
    struct Input {
        let task: StreamTask
        let topic: TopicName
        let source: Int
        var position: Int64
    }

    /// One input's records in a pass. The task is unretained: `inputs` holds it.
    struct Pass {
        let input: Int
        let task: Unmanaged<StreamTask>
        let source: Int
        var cursor: FetchedRecords.Cursor
    }

    let index: Int
    let producer: InMemoryProducer
    private(set) var tasks: [StreamTask] = []
    @exclusivity(unchecked) private(set) var inputs: [Input] = []
    /// The records of a pass, by input (see ``pollOnce(maxPollRecords:)``); kept for its storage.
    @exclusivity(unchecked) private var cursors: [Pass] = []
    /// Which input a pass reads next.
    @exclusivity(unchecked) private var order = EarliestFirst()
    private let cluster: InMemoryCluster
    private let logger: Logger
    private(set) var lostRecords: Int64 = 0

    let name: String
    private let applicationId: String
    /// The thread's metrics; refreshed by the runtime between rounds.
    let metrics: StreamThreadMetrics

    /// Shared with the instance's other threads (see ``StreamsConfig/maxThreadSkew``).
    private let alignment: ThreadTimeAlignment?
    /// With `alignment`: write the outputs once the head passes this (half the skew later).
    @exclusivity(unchecked) private var flushAfter: Int64 = .max

    init(index: Int, cluster: InMemoryCluster, config: StreamsConfig, alignment: ThreadTimeAlignment? = nil) {
        self.index = index
        self.alignment = alignment
        self.cluster = cluster
        applicationId = config.applicationId
        name = "\(config.applicationId)-StreamThread-\(index + 1)"
        var logger = config.logger
        logger[metadataKey: "thread"] = .string("StreamThread-\(index + 1)")
        self.logger = logger
        producer = InMemoryProducer(cluster: cluster)
        metrics = StreamThreadMetrics(
            applicationId: config.applicationId, threadName: name, consumerClientId: "\(name)-consumer",
            producerClientId: "\(name)-producer", factory: config.metricsFactory, refreshInterval: config.metricsRefreshInterval, now: monotonicNanos())
    }

    var threadLogger: Logger { logger }

    func add(_ task: StreamTask, inputs topics: [(TopicName, Int64)]) throws {
        tasks.append(task)
        metrics.taskCreated(task)
        for (topic, position) in topics {
            inputs.append(Input(task: task, topic: topic, source: try task.source(for: topic), position: position))
        }
    }

    /// Processes everything available now; outputs are written after every round.
    func runUntilIdle(maxPollRecords: Int) throws -> Int {
        var total = 0
        // Done, the thread holds no one back.
        defer { alignment?.publish(index, .max) }
        flushAfter = .max
        while true {
            let round = try pollOnce(maxPollRecords: maxPollRecords)
            total += round
            // Write each round's outputs, so buffered output stays bounded by one round.
            try producer.flush()
            if round == 0 { return total }
        }
    }

    /// The most records one pass takes from an input.
    static let slice = 64

    /// One pass over every input: up to ``slice`` records (at most `maxPollRecords`) fetched
    /// from each, processed the earliest timestamp first across all of them (each partition's
    /// in offset order; see ``EarliestFirst``), as Kafka Streams picks among a task's
    /// partitions, here across the thread's tasks too. A task downstream of a repartition
    /// topic then sees its records in event-time order when the input's timestamps are event
    /// times. Taken a chunk of one partition after another, the others' records fell behind
    /// stream time, and windowed aggregations dropped them as late (stateful ZMart: 2,072 of
    /// 50,000 purchases with chunks of 64, 24,806 with 1,000).
    ///
    /// The pass ends when an input's fetched records run out while its partition has more:
    /// those may be earlier than the other inputs' next ones, so the next pass fetches again.
    private func pollOnce(maxPollRecords: Int) throws -> Int {
        metrics.recordPoll()
        let limit = min(maxPollRecords, Self.slice)
        cursors.removeAll(keepingCapacity: true)
        for index in inputs.indices {
            let input = inputs[index]
            let fetched = try cluster.fetch(topic: input.topic, partition: input.task.id.partition, from: input.position, max: limit)
            if fetched.firstOffset > input.position {
                reportGap(input, fetched.firstOffset)
                inputs[index].position = fetched.firstOffset
            }
            let cursor = FetchedRecords.Cursor(fetched)
            if !cursor.isAtEnd {
                cursors.append(Pass(input: index, task: Unmanaged.passUnretained(input.task), source: input.source, cursor: cursor))
            }
        }
        var read = 0
        while !cursors.isEmpty {
            let earliest = order.choose(among: cursors.count) { cursors[$0].cursor.timestamp }
            if let alignment { try align(alignment, at: cursors[earliest].cursor.timestamp) }
            let index = cursors[earliest].input
            let task = cursors[earliest].task
            let source = cursors[earliest].source
            try cursors[earliest].cursor.next { offset, key, value, timestamp, headers in
                try task._withUnsafeGuaranteedRef {
                    try $0.process(source: source, offset: offset, key: key, value: value, timestamp: timestamp, headers: headers)
                }
                inputs[index].position = offset + 1
            }
            read += 1
            if cursors[earliest].cursor.isAtEnd {
                let more = inputs[index].position < cursors[earliest].cursor.records.endOffset
                cursors.swapAt(earliest, cursors.count - 1)
                cursors.removeLast()
                if more { break }
            }
        }
        return read
    }

    /// Waits for the threads behind, then writes the outputs held if the head moved half the
    /// skew since the last write: what this thread sends a repartition topic reaches it near
    /// the others' records of the same time, not a whole pass later.
    private func align(_ alignment: ThreadTimeAlignment, at timestamp: Int64) throws {
        alignment.align(index, at: timestamp)
        guard timestamp > flushAfter || flushAfter == .max else { return }
        if flushAfter != .max { try producer.flush() }
        let half = alignment.maxSkew / 2
        flushAfter = timestamp > .max - half ? .max - 1 : timestamp + half
    }

    private func reportGap(_ input: Input, _ first: Int64) {
        let lost = first - input.position
        lostRecords += lost
        logger.critical(
            "records lost: they were deleted before they were processed",
            metadata: [
                "partition": "\(input.topic)-\(input.task.id.partition)",
                "from": "\(input.position)", "to": "\(first - 1)", "lost": "\(lost)",
            ])
    }

    /// Runs due wall-clock punctuations; returns whether a processor asked for a commit.
    func punctuate(now: Int64) throws -> Bool {
        var commitAsked = false
        for task in tasks {
            try task.punctuateWallClock(now: now)
            if task.takeCommitRequest() { commitAsked = true }
        }
        try producer.flush()
        return commitAsked
    }

    /// Publishes the thread's metrics; returns its part of the status.
    func refreshMetrics(now: UInt64) -> ThreadMetadata {
        var partitions: [TaskId: [PartitionStatus]] = [:]
        for input in inputs {
            let partition = input.task.id.partition
            partitions[input.task.id, default: []].append(
                PartitionStatus(
                    topic: input.topic.rawValue, partition: partition, position: input.position,
                    committedOffset: cluster.committedOffset(group: applicationId, topic: input.topic, partition: partition),
                    endOffset: try? cluster.endOffset(of: input.topic, partition: partition)))
        }
        metrics.recordProducer(sent: producer.sent.values.reduce(0, +), errors: 0)
        let tasks = metrics.refresh(tasks: self.tasks, partitions: partitions, now: now)
        return ThreadMetadata(threadName: name, threadState: "running", activeTasks: tasks)
    }

    /// Publishes the last counts and closes the tasks and the metrics.
    func close() {
        for task in tasks {
            metrics.taskClosed(task)
            task.close()
        }
        metrics.close()
    }

    /// The next offset to read of every input partition.
    var positions: [TopicPartition: Int64] {
        var offsets: [TopicPartition: Int64] = [:]
        for input in inputs {
            offsets[TopicPartition(topic: input.topic, partition: input.task.id.partition)] = input.position
        }
        return offsets
    }
}
