import CRdKafka
import Logging
import Streams
import Synchronization

/// A Kafka producer over librdkafka.
///
/// Thread-safe: librdkafka producers may be used from any number of threads at once, and the
/// Swift state here (topic handle cache, delivery counters, failure list) is behind mutexes
/// and atomics. Only ``close(timeout:)`` must not race with other calls.
///
/// Sends are asynchronous: ``send(topic:partition:key:value:timestamp:headers:)`` copies
/// the record into librdkafka's queue and returns. Delivery reports arrive when someone calls
/// ``poll(timeoutMilliseconds:)`` or ``flush(timeout:)``; they update ``acknowledged``,
/// ``failedDeliveries`` and the list ``takeDeliveryFailures()`` returns.
///
/// Defaults (each can be overridden through `properties`): `enable.idempotence=true`,
/// `acks=all`, `partitioner=murmur2_random` (keyed records land in the partition Java's
/// clients choose, see `Murmur2`), `linger.ms=5`.
public final class KafkaProducer: @unchecked Sendable {
    /// The defaults applied under the caller's properties.
    public static let defaultProperties: [String: String] = [
        "enable.idempotence": "true",
        "acks": "all",
        "partitioner": "murmur2_random",
        "linger.ms": "5",
    ]

    /// At most this many failures are kept for ``takeDeliveryFailures()``; all are counted.
    public static let maximumKeptFailures = 10_000

    /// How long a send waits for room when librdkafka's queue is full.
    public let queueFullTimeout: Duration

    let handle: OpaquePointer
    let context: ClientContext
    private let topicHandles = Mutex<[String: TopicHandle]>([:])
    private let partitionCounts = Mutex<[String: Int32]>([:])
    private let closed = Atomic<Bool>(false)

    /// Creates a producer.
    /// - Parameters:
    ///   - properties: librdkafka properties (at least `bootstrap.servers`); they override
    ///     ``defaultProperties``.
    ///   - logger: Receives librdkafka's logs and errors (from librdkafka's threads).
    ///   - queueFullTimeout: How long a send waits for room in a full queue before it throws.
    /// - Throws: `.invalidConfiguration` naming a bad property.
    public init(properties: [String: String], logger: Logger, queueFullTimeout: Duration = .seconds(30)) throws {
        try LibrdkafkaVersion.check()
        self.queueFullTimeout = queueFullTimeout
        let context = ClientContext(logger: logger)
        self.context = context
        let conf = try Configuration.make(properties: properties, defaults: Self.defaultProperties, context: context)
        rd_kafka_conf_set_dr_msg_cb(conf, deliveryReportCallback)
        handle = try Configuration.makeHandle(RD_KAFKA_PRODUCER, conf: conf, what: "producer")
    }

    deinit {
        if !closed.load(ordering: .acquiring) {
            let left = rd_kafka_flush(handle, 5_000)
            if left != RD_KAFKA_RESP_ERR_NO_ERROR {
                context.logger.error("producer released with \(rd_kafka_outq_len(handle)) records in flight; they may be lost")
            }
            destroy()
        }
    }

    /// Queues one record for sending; its bytes are copied, so the buffers may be reused
    /// as soon as this returns.
    ///
    /// When librdkafka's queue is full, this serves delivery reports and retries until
    /// ``queueFullTimeout`` has passed.
    /// - Parameters:
    ///   - topic: The topic.
    ///   - partition: The partition, or `nil` to let the partitioner choose from the key.
    ///   - key: The key bytes, `nil` for a null key.
    ///   - value: The value bytes, `nil` for a null value (a tombstone).
    ///   - timestamp: Milliseconds since the epoch; `0` means now.
    ///   - headers: The record's headers.
    /// - Throws: `.timeout` if the queue stayed full; `.unknownTopic` for an unknown topic or
    ///   partition; `.production` for any other refusal, naming librdkafka's error, the topic
    ///   and the partition.
    public func send(
        topic: String, partition: Int32?, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        timestamp: Int64, headers: Headers
    ) throws {
        try send(
            to: TopicHandle(pointer: try topicHandle(topic)), topic: topic, partition: partition, key: key, value: value,
            timestamp: timestamp, headers: headers)
    }

    /// The handle of a topic, for callers that send to few topics many times and keep it:
    /// ``send(to:topic:partition:key:value:timestamp:headers:)`` then skips the lookup by name.
    /// It stays valid while the producer is open.
    package func handle(for topic: String) throws -> TopicHandle {
        TopicHandle(pointer: try topicHandle(topic))
    }

    /// ``send(topic:partition:key:value:timestamp:headers:)`` with a handle from
    /// ``handle(for:)``; `topic` is its name, for error messages.
    package func send(
        to handle: TopicHandle, topic: String, partition: Int32?, key: UnsafeRawBufferPointer?,
        value: UnsafeRawBufferPointer?, timestamp: Int64, headers: Headers
    ) throws {
        guard !closed.load(ordering: .relaxed) else {
            throw StreamsError(.illegalState, "the producer is closed")
        }
        try send(rkt: handle.pointer, topic: topic, partition: partition, key: key, value: value,
                 timestamp: timestamp, headers: headers)
    }

    private func send(
        rkt: OpaquePointer, topic: String, partition: Int32?, key: UnsafeRawBufferPointer?,
        value: UnsafeRawBufferPointer?, timestamp: Int64, headers: Headers
    ) throws {
        // Ownership of the header list passes to librdkafka only when the send succeeds.
        var headerList = headers.isEmpty ? nil : Self.makeHeaderList(headers)
        defer { if let headerList { rd_kafka_headers_destroy(headerList) } }
        var deadline: ContinuousClock.Instant?
        while true {
            guard let error = produce(rkt, partition, key, value, timestamp, headerList) else {
                headerList = nil
                return
            }
            let code = rd_kafka_error_code(error)
            if code == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                rd_kafka_error_destroy(error)
                let limit = deadline ?? ContinuousClock.now.advanced(by: queueFullTimeout)
                deadline = limit
                guard ContinuousClock.now < limit else {
                    throw StreamsError(
                        .timeout,
                        "producer queue for \(topic)-\(partition.map(String.init) ?? "any") stayed full for \(queueFullTimeout) (\(rd_kafka_outq_len(handle)) records in flight)"
                    )
                }
                rd_kafka_poll(handle, 10)
                continue
            }
            let (_, text) = KafkaErrors.consume(error)
            let place = "\(topic)-\(partition.map(String.init) ?? "any")"
            if KafkaErrors.isUnknownTopic(code) || code == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION {
                throw StreamsError(.unknownTopic, "cannot send to \(place): \(text)")
            }
            try context.throwIfFatal()
            if code == RD_KAFKA_RESP_ERR__STATE {
                // A transactional producer whose transaction has failed: the record is not at
                // fault, and the transaction must be aborted.
                throw StreamsError(.transactionAborted, "cannot send to \(place), the transaction has failed: \(text)")
            }
            throw StreamsError(.production, "cannot send to \(place): \(text)")
        }
    }

    /// One `rd_kafka_produceva` call; returns librdkafka's error, if any.
    @inline(__always)
    private func produce(
        _ rkt: OpaquePointer, _ partition: Int32?, _ key: UnsafeRawBufferPointer?,
        _ value: UnsafeRawBufferPointer?, _ timestamp: Int64, _ headerList: OpaquePointer?
    ) -> OpaquePointer? {
        withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 7) { vus in
            var count = 0
            vus[count] = rd_kafka_vu_t()
            vus[count].vtype = RD_KAFKA_VTYPE_RKT
            vus[count].u.rkt = rkt
            count += 1
            vus[count] = rd_kafka_vu_t()
            vus[count].vtype = RD_KAFKA_VTYPE_PARTITION
            vus[count].u.i32 = partition ?? RD_KAFKA_PARTITION_UA
            count += 1
            vus[count] = rd_kafka_vu_t()
            vus[count].vtype = RD_KAFKA_VTYPE_MSGFLAGS
            vus[count].u.i = RD_KAFKA_MSG_F_COPY
            count += 1
            if let key {
                vus[count] = rd_kafka_vu_t()
                vus[count].vtype = RD_KAFKA_VTYPE_KEY
                // librdkafka copies (F_COPY); an empty key needs a non-null pointer to stay non-null.
                vus[count].u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress ?? Self.emptyBytes)
                vus[count].u.mem.size = key.count
                count += 1
            }
            if let value {
                vus[count] = rd_kafka_vu_t()
                vus[count].vtype = RD_KAFKA_VTYPE_VALUE
                vus[count].u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress ?? Self.emptyBytes)
                vus[count].u.mem.size = value.count
                count += 1
            }
            if timestamp != 0 {
                vus[count] = rd_kafka_vu_t()
                vus[count].vtype = RD_KAFKA_VTYPE_TIMESTAMP
                vus[count].u.i64 = timestamp
                count += 1
            }
            if let headerList {
                vus[count] = rd_kafka_vu_t()
                vus[count].vtype = RD_KAFKA_VTYPE_HEADERS
                vus[count].u.headers = headerList
                count += 1
            }
            return rd_kafka_produceva(handle, vus.baseAddress, count)
        }
    }

    /// A non-null address for empty keys and values (librdkafka reads 0 bytes from it).
    private static var emptyBytes: UnsafeRawPointer { UnsafeRawPointer(StaticString("").utf8Start) }

    /// A librdkafka header list with copies of `headers`.
    private static func makeHeaderList(_ headers: Headers) -> OpaquePointer {
        let list = rd_kafka_headers_new(headers.count)!
        for header in headers {
            var name = header.name
            name.withUTF8 { nameBytes in
                let namePointer = (nameBytes.baseAddress.map(UnsafeRawPointer.init) ?? emptyBytes)
                    .assumingMemoryBound(to: CChar.self)
                if let value = header.value {
                    value.withUnsafeBytes { bytes in
                        _ = rd_kafka_header_add(list, namePointer, nameBytes.count, bytes.baseAddress ?? emptyBytes, bytes.count)
                    }
                } else {
                    _ = rd_kafka_header_add(list, namePointer, nameBytes.count, nil, 0)
                }
            }
        }
        return list
    }

    /// The cached `rd_kafka_topic_t` for a topic, created on first use and kept until close.
    private func topicHandle(_ topic: String) throws -> OpaquePointer {
        if let cached = topicHandles.withLock({ $0[topic] }) { return cached.pointer }
        guard !closed.load(ordering: .acquiring) else {
            throw StreamsError(.illegalState, "the producer is closed")
        }
        return try topicHandles.withLock { handles in
            if let cached = handles[topic] { return cached.pointer }
            guard let rkt = rd_kafka_topic_new(handle, topic, nil) else {
                throw KafkaErrors.error(.kafka, "cannot create a handle for topic \(topic)", rd_kafka_last_error())
            }
            handles[topic] = TopicHandle(pointer: rkt)
            return rkt
        }
    }

    /// Serves delivery reports (and error callbacks) for up to `timeoutMilliseconds`.
    /// - Returns: The number of events served.
    @discardableResult
    public func poll(timeoutMilliseconds: Int32 = 0) -> Int {
        Int(rd_kafka_poll(handle, timeoutMilliseconds))
    }

    /// Waits until every queued record is delivered or failed, serving delivery reports.
    /// - Parameter timeout: How long to wait.
    /// - Throws: `.timeout` naming how many records are still in flight.
    public func flush(timeout: Duration) throws {
        let err = rd_kafka_flush(handle, timeout.kafkaMilliseconds)
        if err == RD_KAFKA_RESP_ERR__TIMED_OUT {
            throw StreamsError(.timeout, "flush did not finish within \(timeout): \(rd_kafka_outq_len(handle)) records still in flight")
        } else if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaErrors.error(.kafka, "flush failed", err)
        }
        try context.throwIfFatal()
    }

    /// Records whose delivery the broker acknowledged (as reports served so far tell).
    public var acknowledged: Int { context.acknowledged.load(ordering: .relaxed) }

    /// Records whose delivery failed (as reports served so far tell).
    public var failedDeliveries: Int { context.failed.load(ordering: .relaxed) }

    /// Records queued, in flight to a broker, or whose report is not yet served
    /// (`rd_kafka_outq_len`).
    public var inFlight: Int { Int(rd_kafka_outq_len(handle)) }

    /// Returns and forgets the delivery failures reported so far (at most
    /// ``maximumKeptFailures`` are kept between calls; ``failedDeliveries`` counts all).
    public func takeDeliveryFailures() -> [DeliveryFailure] {
        context.failures.withLock { failures in
            defer { failures = [] }
            return failures
        }
    }

    /// The number of partitions of a topic, from the cluster's metadata (cached after the
    /// first successful answer).
    /// - Parameters:
    ///   - topic: The topic.
    ///   - timeout: How long to wait for the metadata.
    /// - Throws: `.unknownTopic` if the cluster does not know the topic; `.timeout` or
    ///   `.kafka` if the metadata cannot be read.
    public func partitionCount(of topic: String, timeout: Duration) throws -> Int32 {
        if let count = partitionCounts.withLock({ $0[topic] }) { return count }
        let rkt = try topicHandle(topic)
        let found = try Metadata.fetch(handle, topic: rkt, timeout: timeout).topics.first { $0.description.name == topic }
        guard let found, found.error == RD_KAFKA_RESP_ERR_NO_ERROR, !found.description.partitions.isEmpty else {
            let why = found.map { KafkaErrors.describe($0.error) } ?? "absent from the metadata"
            throw StreamsError(.unknownTopic, "topic \(topic) is unknown to the cluster: \(why)")
        }
        let count = Int32(found.description.partitions.count)
        partitionCounts.withLock { $0[topic] = count }
        return count
    }

    /// Flushes, then releases the producer. Calls after this throw or do nothing; it must
    /// not run concurrently with other calls on this producer.
    /// - Parameter timeout: How long to wait for records in flight.
    /// - Throws: `.timeout` if records were still in flight (they are lost).
    public func close(timeout: Duration) throws {
        guard !closed.load(ordering: .acquiring) else { return }
        defer { destroy() }
        try flush(timeout: timeout)
    }

    /// Drops every record not yet delivered and releases the producer, as a process that dies
    /// does. For fault tests.
    package func abandon() {
        guard !closed.load(ordering: .acquiring) else { return }
        _ = rd_kafka_purge(handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
        destroy()
    }

    /// Destroys the topic handles, then the client (which joins librdkafka's threads).
    private func destroy() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let handles = topicHandles.withLock { handles in
            defer { handles = [:] }
            return handles
        }
        for (_, topic) in handles { rd_kafka_topic_destroy(topic.pointer) }
        rd_kafka_destroy(handle)
    }
}

/// An `rd_kafka_topic_t` pointer. `@unchecked Sendable`: librdkafka topic handles are
/// thread-safe and live until the client that created them destroys them.
package struct TopicHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// librdkafka's delivery report callback: counts the outcome and keeps failures (topic,
/// partition, error; never the bytes). Runs on the thread that polls or flushes.
private let deliveryReportCallback: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
    _, message, opaque in
    guard let message, let opaque else { return }
    let err = message.pointee.err
    if err == RD_KAFKA_RESP_ERR_NO_ERROR {
        // The hot path: no retain/release of the context (the producer keeps it alive).
        _ = Unmanaged<ClientContext>.fromOpaque(opaque)._withUnsafeGuaranteedRef {
            $0.acknowledged.wrappingAdd(1, ordering: .relaxed)
        }
        return
    }
    let context = ClientContext.from(opaque)
    context.failed.wrappingAdd(1, ordering: .relaxed)
    let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "?"
    let partition = message.pointee.partition
    var error = KafkaErrors.error(.production, "delivery to \(topic)-\(partition) failed", err)
    // Not written in time (message.timeout.ms): the brokers did not refuse the record.
    error.isRetriable = err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT || err == RD_KAFKA_RESP_ERR__TIMED_OUT
    let failure = DeliveryFailure(topic: TopicName(topic), partition: partition, error: error)
    context.failures.withLock { failures in
        if failures.count < KafkaProducer.maximumKeptFailures { failures.append(failure) }
    }
}
