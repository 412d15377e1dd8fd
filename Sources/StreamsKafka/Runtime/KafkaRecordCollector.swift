import Logging
import Streams

/// Where a Kafka stream thread's tasks send their outputs: its producer, with the production
/// error handler applied to records that cannot be written.
final class KafkaRecordCollector: RecordCollector {
    private let producer: KafkaProducer
    private let handler: ProductionErrorHandler
    private let counters: KafkaStreamThread.Counters
    private let logger: Logger
    private var partitionCounts: [TopicName: Int32] = [:]
    /// The producer's handles of the topics written, most recent first: a sink writes one
    /// topic, so comparing a few names (usually the same string storage) beats hashing one
    /// per record.
    private var handles: [(topic: TopicName, handle: TopicHandle)] = []
    private var acknowledgedSeen = 0

    /// Whether records sent now are held back (in order) instead of going to the producer:
    /// under exactly-once, while a commit waits for its transaction's records, the thread
    /// processes on, and what it sends belongs to the next transaction (``release()``).
    private(set) var isHolding = false
    private var held: [HeldRecord] = []
    /// The held records' key and value bytes, one after the other.
    private var heldBytes: [UInt8] = []

    private struct HeldRecord {
        var topic: TopicName
        var partition: Int32?
        var key: Range<Int>?
        var value: Range<Int>?
        var timestamp: Int64
        var headers: Headers
    }

    init(producer: KafkaProducer, handler: ProductionErrorHandler, counters: KafkaStreamThread.Counters, logger: Logger) {
        self.producer = producer
        self.handler = handler
        self.counters = counters
        self.logger = logger
    }

    func send(
        topic: TopicName, partition: Int32?, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        timestamp: Int64, headers: Headers
    ) throws {
        if isHolding {
            held.append(HeldRecord(
                topic: topic, partition: partition, key: keep(key), value: keep(value), timestamp: timestamp,
                headers: headers))
            return
        }
        do {
            try producer.send(
                to: try handle(for: topic), topic: topic.rawValue, partition: partition, key: key, value: value,
                timestamp: timestamp, headers: headers)
        } catch let error as StreamsError {
            try handle(DeliveryFailure(topic: topic, partition: partition ?? -1, error: error))
        }
    }

    private func keep(_ bytes: UnsafeRawBufferPointer?) -> Range<Int>? {
        guard let bytes else { return nil }
        let start = heldBytes.count
        heldBytes.append(contentsOf: bytes)
        return start..<heldBytes.count
    }

    /// The bytes of the records held back (``isHolding``).
    var heldByteCount: Int { heldBytes.count + held.count * MemoryLayout<HeldRecord>.stride }

    /// From now on, holds back the records sent until ``release()``.
    func hold() {
        isHolding = true
    }

    /// Sends the records held back, in the order they came, and stops holding.
    /// - Throws: What sending one of them throws (the rest are dropped then: the thread
    ///   aborts the transaction they belong to, or fails).
    func release() throws {
        isHolding = false
        defer { dropHeld() }
        try heldBytes.withUnsafeBytes { bytes in
            for record in held {
                try send(
                    topic: record.topic, partition: record.partition,
                    key: record.key.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) },
                    value: record.value.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) },
                    timestamp: record.timestamp, headers: record.headers)
            }
        }
    }

    private func dropHeld() {
        held.removeAll(keepingCapacity: true)
        heldBytes.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    private func handle(for topic: TopicName) throws -> TopicHandle {
        for entry in handles where entry.topic == topic { return entry.handle }
        let handle = try producer.handle(for: topic.rawValue)
        handles.append((topic, handle))
        return handle
    }

    func partitionCount(of topic: TopicName) throws -> Int32 {
        if let count = partitionCounts[topic] { return count }
        let count = try producer.partitionCount(of: topic.rawValue, timeout: .seconds(30))
        partitionCounts[topic] = count
        return count
    }

    /// Waits until every record sent so far is acknowledged or failed, and applies the
    /// production handler to the failures.
    /// - Throws: The first failure the handler answers `.fail` for, or a flush timeout.
    func flush(timeout: Duration) throws {
        try producer.flush(timeout: timeout)
        try drainFailures()
        let acknowledged = producer.acknowledged
        counters.produced.add(acknowledged - acknowledgedSeen, ordering: .relaxed)
        acknowledgedSeen = acknowledged
    }

    /// After an aborted transaction: forgets the failures its purged records reported (they
    /// were never written, and are produced again when their input is processed again), and
    /// the records held back for the next transaction (their input is processed again too).
    func discardAborted() {
        isHolding = false
        dropHeld()
        producer.poll(timeoutMilliseconds: 0)
        _ = producer.takeDeliveryFailures()
        acknowledgedSeen = producer.acknowledged
    }

    private func drainFailures() throws {
        for failure in producer.takeDeliveryFailures() { try handle(failure) }
    }

    private func handle(_ failure: DeliveryFailure) throws {
        switch handler.decide(failure) {
        case .continue:
            counters.droppedOutputs.add(1, ordering: .relaxed)
            logger.error(
                "dropped an output record that could not be written",
                metadata: [
                    "topic": .string(failure.topic.rawValue), "partition": .stringConvertible(failure.partition),
                    "error": .string(failure.error.description),
                ])
        case .fail:
            logger.error(
                "an output record could not be written",
                metadata: [
                    "topic": .string(failure.topic.rawValue), "partition": .stringConvertible(failure.partition),
                    "error": .string(failure.error.description),
                ])
            let place = failure.partition >= 0 ? "\(failure.topic)-\(failure.partition)" : "topic \(failure.topic)"
            throw StreamsError(.production, "cannot write to \(place)", underlying: failure.error)
        }
    }
}
