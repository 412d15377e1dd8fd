import Logging

/// The state one task shares between its nodes: current record, clocks, punctuations.
///
/// Confined to the task's thread like the processors that read it.
@usableFromInline
final class TaskContext {
    let applicationId: String
    let taskId: TaskId
    let logger: Logger
    let wallClock: () -> Int64
    /// Metadata of the record being processed; nil during punctuation.
    // The vars of a task context are confined to the task's thread and never accessed in
    // overlapping ways, so exclusivity is not checked at run time (it costs a thread-local
    // lookup per access on the per-record path).
    @exclusivity(unchecked) @usableFromInline var currentMetadata: RecordMetadata?
    @exclusivity(unchecked) var streamTime: Int64 = .min
    var commitRequested = false
    /// Whether nodes time the current record (one record in ``StreamTask/sampleEvery``).
    @exclusivity(unchecked) @usableFromInline var sampling = false
    /// Every node's counts, in the order the nodes were made.
    private(set) var nodeMetrics: [NodeMetrics] = []
    /// The task's state stores, by name.
    var stores: [String: any StateStore] = [:]
    /// The stores each processor may use, by processor name.
    var storesOfNode: [String: [String]] = [:]
    /// Records skipped by the deserialization handler, dead-lettered ones included.
    var skippedRecords = 0
    /// Records the deserialization handler sent to a dead-letter topic.
    var deadLetteredRecords = 0
    /// Records dropped because they arrived after their windows closed.
    var lateRecords = 0
    let deserializationHandler: DeserializationErrorHandler
    /// Where sinks send serialized records.
    let collector: any RecordCollector
    /// Maps a topology topic name to the name it has on the cluster (internal topics get the
    /// application id as prefix).
    @usableFromInline let resolveTopic: (TopicName) -> TopicName

    private var schedules: [PunctuationSchedule] = []

    init(
        applicationId: String, taskId: TaskId, logger: Logger, wallClock: @escaping () -> Int64,
        collector: any RecordCollector, resolveTopic: @escaping (TopicName) -> TopicName,
        deserializationHandler: DeserializationErrorHandler
    ) {
        self.deserializationHandler = deserializationHandler
        self.applicationId = applicationId
        self.taskId = taskId
        var logger = logger
        logger[metadataKey: "task"] = .string(taskId.description)
        self.logger = logger
        self.wallClock = wallClock
        self.collector = collector
        self.resolveTopic = resolveTopic
    }

    func schedule(
        node: String, intervalMillis: Int64, type: PunctuationType,
        punctuator: @escaping (Int64) throws -> Void
    ) -> Cancellable {
        let handle = Cancellable()
        // Stream time punctuations align to 0 so the first one fires with the first record;
        // wall-clock ones fire one interval from now.
        let first: Int64 = type == .streamTime ? 0 : wallClock() &+ intervalMillis
        schedules.append(
            PunctuationSchedule(
                node: node, type: type, interval: intervalMillis, next: first,
                punctuator: punctuator, handle: handle))
        return handle
    }

    var hasStreamTimePunctuations: Bool { schedules.contains { $0.type == .streamTime } }

    /// Runs due punctuations of one type at `now`; returns how many ran.
    @discardableResult
    func punctuate(_ type: PunctuationType, now: Int64) throws -> Int {
        guard !schedules.isEmpty, now != .min else { return 0 }
        schedules.removeAll { $0.handle.isCancelled }
        var ran = 0
        // A punctuator may schedule more punctuations: iterate over a snapshot of indices.
        for index in schedules.indices where schedules[index].type == type {
            let schedule = schedules[index]
            guard !schedule.handle.isCancelled, now >= schedule.next else { continue }
            var next = schedule.next &+ schedule.interval
            if now >= next { next = now &+ schedule.interval }
            schedules[index].next = next
            let saved = currentMetadata
            currentMetadata = nil
            defer { currentMetadata = saved }
            do {
                try schedule.punctuator(now)
            } catch let error as StreamsError {
                throw error
            } catch {
                throw StreamsError(
                    .processing, "punctuator failed", node: schedule.node,
                    underlying: error)
            }
            ran += 1
        }
        return ran
    }
}

private struct PunctuationSchedule {
    let node: String
    let type: PunctuationType
    let interval: Int64
    var next: Int64
    let punctuator: (Int64) throws -> Void
    let handle: Cancellable
}

extension TaskContext {
    /// Makes the counters of one node of this task.
    @usableFromInline
    func metrics(forNode name: String, fixedTopic: TopicName? = nil) -> NodeMetrics {
        let metrics = NodeMetrics(name: name, fixedTopic: fixedTopic)
        nodeMetrics.append(metrics)
        return metrics
    }

    /// Runs a node's work on one record: counts it, and times it when the record is sampled.
    @inlinable
    func measure(_ metrics: NodeMetrics, _ body: () throws -> Void) rethrows {
        metrics.processed &+= 1
        if sampling {
            let start = monotonicNanos()
            defer { metrics.latency.add(since: start) }
            try body()
        } else {
            try body()
        }
    }

    /// Hands a serialized record to the runtime's collector.
    @usableFromInline
    func send(
        topic: TopicName, partition: Int32?, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        timestamp: Int64, headers: Headers
    ) throws {
        try collector.send(
            topic: topic, partition: partition, key: key, value: value, timestamp: timestamp, headers: headers)
    }

    /// Hands a record to the runtime's collector, which has `writeValue` serialize the value
    /// straight into its own memory.
    @usableFromInline
    func send(
        topic: TopicName, partition: Int32?, key: UnsafeRawBufferPointer?, timestamp: Int64,
        headers: Headers, writingValue writeValue: (UnsafeMutableRawBufferPointer) throws -> Int?
    ) throws {
        try collector.send(
            topic: topic, partition: partition, key: key, timestamp: timestamp, headers: headers,
            writingValue: writeValue)
    }

    /// The number of partitions of an output topic.
    @usableFromInline
    func partitionCount(of topic: TopicName) throws -> Int32 {
        try collector.partitionCount(of: topic)
    }

    /// Advances stream time with a record's timestamp.
    @usableFromInline
    func observe(timestamp: Int64) {
        if timestamp > streamTime { streamTime = timestamp }
    }

    /// Applies the deserialization handler to a record a source could not read.
    /// - Throws: A ``StreamsError`` when the handler answers `.fail`.
    @usableFromInline
    func handleDeserializationFailure(
        _ error: any Error, part: String, raw: RawRecord, node: String
    ) throws {
        let reason = (error as? StreamsError)?.message ?? String(describing: error)
        let failure = StreamsError(
            .deserialization, "cannot deserialize the \(part): \(reason)", location: raw.metadata,
            node: node,
            underlying: error is StreamsError ? nil : (error))
        let response = deserializationHandler.decide(
            DeserializationFailure(
                error: failure, metadata: raw.metadata, key: raw.key.map { Array($0) },
                value: raw.value.map { Array($0) }, headers: raw.headers, timestamp: raw.timestamp))
        switch response {
        case .deadLetter(let topic, let redact):
            var headers = raw.headers
            headers.add(DeadLetterHeaders.topic, raw.metadata.topic.rawValue)
            headers.add(DeadLetterHeaders.partition, String(raw.metadata.partition))
            headers.add(DeadLetterHeaders.offset, String(raw.metadata.offset))
            headers.add(DeadLetterHeaders.exception, failure.code.description)
            headers.add(DeadLetterHeaders.message, failure.message)
            headers.add(DeadLetterHeaders.node, node)
            let key = raw.key.map { redact.transform(Array($0)) }
            let value = raw.value.map { redact.transform(Array($0)) }
            try withOptionalBytes(key) { key in
                try withOptionalBytes(value) { value in
                    try collector.send(
                        topic: topic, partition: nil, key: key, value: value, timestamp: raw.timestamp,
                        headers: headers)
                }
            }
            skippedRecords += 1
            deadLetteredRecords += 1
            logger.warning(
                "sent a record that cannot be deserialized to the dead-letter topic",
                metadata: [
                    "record": .string(raw.metadata.description), "reason": .string(reason),
                    "deadLetterTopic": .string(topic.rawValue),
                ])
        case .continue:
            skippedRecords += 1
            logger.warning(
                "skipped a record that cannot be deserialized",
                metadata: ["record": .string(raw.metadata.description), "reason": .string(reason)])
        case .fail:
            logger.error(
                "failed on a record that cannot be deserialized",
                metadata: ["record": .string(raw.metadata.description), "reason": .string(reason)])
            throw failure
        }
    }
}

/// Calls `body` with the bytes of `bytes`, or with `nil` for null.
private func withOptionalBytes<R>(
    _ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws -> R
) rethrows -> R {
    guard let bytes else { return try body(nil) }
    return try bytes.withUnsafeBytes { try body($0) }
}
