import CRdKafka
import Logging
import Streams

/// A Kafka consumer in a consumer group, over librdkafka.
///
/// **Not thread-safe.** A consumer is confined to the thread that calls it: ``poll(maxRecords:timeout:_:)``,
/// ``commit(_:)``, ``close()`` and the rebalance callback all run there. It is therefore not
/// `Sendable`; create it on the thread (or dedicated executor) that will poll it.
///
/// Offsets are never committed automatically: the caller commits the "next offset to read"
/// of what it has processed with ``commit(_:)``, typically from the `revoked` rebalance event
/// and periodically.
///
/// Defaults (each can be overridden through `properties`): `enable.auto.commit=false`,
/// `enable.auto.offset.store=false`, `auto.offset.reset=earliest`,
/// `partition.assignment.strategy=cooperative-sticky`, `queued.min.messages=1000000`,
/// `queued.max.messages.kbytes=1048576`, `enable.partition.eof=false`.
///
/// Do not build back-pressure on pausing partitions: librdkafka 2.0.2's batch consume can
/// skip offsets when partitions are paused and resumed (fixed in 2.1.0).
public final class KafkaConsumer {
    /// The defaults applied under the caller's properties.
    public static let defaultProperties: [String: String] = [
        "enable.auto.commit": "false",
        "enable.auto.offset.store": "false",
        "auto.offset.reset": "earliest",
        "partition.assignment.strategy": "cooperative-sticky",
        "queued.min.messages": "1000000",
        "queued.max.messages.kbytes": "1048576",
        "enable.partition.eof": "false",
    ]

    /// The consumer group's id.
    public let groupId: String

    private let handle: OpaquePointer
    private let context: ClientContext
    /// Whether the group protocol is cooperative-sticky, and whether the consumer subscribed
    /// (see ``close()``).
    private let cooperativeSticky: Bool
    private var subscribed = false
    /// The consumer queue (`rd_kafka_queue_get_consumer`), to which the main queue is
    /// forwarded: batch consumes on it also serve rebalance, error and commit callbacks.
    private let queue: OpaquePointer
    private var closed = false
    /// Receives message pointers from `rd_kafka_consume_batch_queue`; grown on demand.
    private var batch: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>
    private var batchCapacity: Int
    /// Topic names per `rd_kafka_topic_t`, so that no String is built per record. Each
    /// pointer in the cache is kept alive by an app reference taken with
    /// `rd_kafka_topic_new` (released in `close`), so an address can never be reused for
    /// another topic while it is cached.
    private var topicNames: [OpaquePointer: TopicName] = [:]
    private var lastTopic: (pointer: OpaquePointer, name: TopicName)?

    /// Creates a consumer in a group; it joins the group at ``subscribe(_:)``.
    /// - Parameters:
    ///   - groupId: The consumer group (`group.id`); it wins over `properties`.
    ///   - properties: librdkafka properties (at least `bootstrap.servers`); they override
    ///     ``defaultProperties``.
    ///   - logger: Receives librdkafka's logs (from librdkafka's threads) and errors.
    ///   - onRebalance: Called on the polling thread after partitions are assigned and
    ///     before they are revoked or given up as lost. An assignment is reported even when
    ///     it is empty (the member has joined but got no partition); revocations and losses
    ///     with no partition are not.
    /// - Throws: `.invalidConfiguration` naming a bad property.
    public init(
        groupId: String, properties: [String: String], logger: Logger,
        onRebalance: @escaping (RebalanceEvent) -> Void
    ) throws {
        try LibrdkafkaVersion.check()
        self.groupId = groupId
        let context = ClientContext(logger: logger)
        context.consumer = ConsumerCallbacks(onRebalance: onRebalance)
        self.context = context
        var properties = properties
        properties["group.id"] = groupId
        cooperativeSticky = (properties["partition.assignment.strategy"]
            ?? Self.defaultProperties["partition.assignment.strategy"] ?? "").contains("cooperative-sticky")
        let conf = try Configuration.make(properties: properties, defaults: Self.defaultProperties, context: context)
        rd_kafka_conf_set_rebalance_cb(conf, rebalanceCallback)
        handle = try Configuration.makeHandle(RD_KAFKA_CONSUMER, conf: conf, what: "consumer for group \(groupId)")
        let err = rd_kafka_poll_set_consumer(handle)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            rd_kafka_destroy(handle)
            throw KafkaErrors.error(.kafka, "cannot route the consumer's events to its queue", err)
        }
        queue = rd_kafka_queue_get_consumer(handle)!
        batchCapacity = 1024
        batch = .allocate(capacity: batchCapacity)
    }

    deinit {
        if !closed {
            do {
                try close()
            } catch {
                context.logger.error("closing consumer for group \(groupId) failed: \(error)")
            }
        }
        batch.deallocate()
    }

    /// Subscribes to topics (replacing any earlier subscription); partitions arrive through
    /// the rebalance callback while polling.
    /// - Throws: `.kafka` naming librdkafka's error.
    public func subscribe(_ topics: [String]) throws {
        try checkOpen()
        let list = rd_kafka_topic_partition_list_new(Int32(max(topics.count, 1)))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA) }
        let err = rd_kafka_subscribe(handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaErrors.error(.kafka, "cannot subscribe to \(topics.joined(separator: ", "))", err)
        }
        subscribed = true
    }

    /// Reads up to `maxRecords` records with one batch consume and passes each to `body`;
    /// serves rebalance callbacks (``RebalanceEvent``) and errors on the way.
    ///
    /// If `body` throws, the batch's remaining records are dropped (they are read again only
    /// from the last committed offset) and the error is rethrown.
    /// - Parameters:
    ///   - maxRecords: The most records to return.
    ///   - timeout: How long to wait for the first record.
    ///   - body: Called for each record; the record is valid only during the call.
    /// - Returns: The number of records passed to `body`.
    /// - Throws: `.kafka` on a fatal consumer error or a failed rebalance; whatever `body` throws.
    @discardableResult
    public func poll(maxRecords: Int, timeout: Duration, _ body: (ConsumedRecord) throws -> Void) throws -> Int {
        try checkOpen()
        if maxRecords > batchCapacity {
            batch.deallocate()
            batchCapacity = maxRecords
            batch = .allocate(capacity: batchCapacity)
        }
        let count = rd_kafka_consume_batch_queue(queue, timeout.kafkaMilliseconds, batch, max(maxRecords, 1))
        try context.consumer?.throwIfFailed()
        try context.throwIfFatal()
        guard count > 0 else {
            if count < 0 {
                throw KafkaErrors.error(.kafka, "consuming for group \(groupId) failed", rd_kafka_last_error())
            }
            return 0
        }
        var index = 0
        var delivered = 0
        // Every message must be destroyed, also when `body` throws part-way.
        defer {
            while index < count {
                rd_kafka_message_destroy(batch[index])
                index += 1
            }
        }
        while index < count {
            let message = batch[index]!
            if message.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                try handleError(message)
            } else {
                try body(record(message))
                delivered += 1
            }
            rd_kafka_message_destroy(message)
            index += 1
        }
        return delivered
    }

    /// The Swift view of a message; builds no String but on a topic's first record.
    @inline(__always)
    private func record(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> ConsumedRecord {
        let m = message.pointee
        let headers: Headers
        var list: OpaquePointer?
        if rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list {
            headers = Self.headers(list)
        } else {
            headers = Headers()
        }
        return ConsumedRecord(
            topic: topicName(m.rkt!), partition: m.partition, offset: m.offset,
            key: m.key.map { UnsafeRawBufferPointer(start: $0, count: m.key_len) },
            value: m.payload.map { UnsafeRawBufferPointer(start: $0, count: m.len) },
            timestamp: rd_kafka_message_timestamp(message, nil), headers: headers
        )
    }

    @inline(__always)
    private func topicName(_ rkt: OpaquePointer) -> TopicName {
        if let last = lastTopic, last.pointer == rkt { return last.name }
        if let cached = topicNames[rkt] {
            lastTopic = (rkt, cached)
            return cached
        }
        let text = String(cString: rd_kafka_topic_name(rkt))
        let name = TopicName(text)
        // Pin the handle so that its address stays this topic's while cached. (librdkafka
        // returns the same handle for the same name; if it ever did not, do not cache.)
        guard let pinned = rd_kafka_topic_new(handle, text, nil) else { return name }
        guard pinned == rkt else {
            rd_kafka_topic_destroy(pinned)
            return name
        }
        topicNames[rkt] = name
        lastTopic = (rkt, name)
        return name
    }

    private static func headers(_ list: OpaquePointer) -> Headers {
        let count = rd_kafka_header_cnt(list)
        var result: [Headers.Header] = []
        result.reserveCapacity(count)
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        for index in 0..<count where rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
            result.append(Headers.Header(name: name.map { String(cString: $0) } ?? "", value: bytes))
        }
        return Headers(result)
    }

    /// Logs a message-level error with its topic and partition; throws when the consumer
    /// cannot go on.
    private func handleError(_ message: UnsafeMutablePointer<rd_kafka_message_t>) throws {
        let m = message.pointee
        if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return }
        let place = m.rkt.map { "\(String(cString: rd_kafka_topic_name($0)))-\(m.partition)" } ?? "group \(groupId)"
        let text = "consumer error on \(place): \(KafkaErrors.describe(m.err))"
        if rd_kafka_fatal_error(handle, nil, 0) != RD_KAFKA_RESP_ERR_NO_ERROR || m.err == RD_KAFKA_RESP_ERR__FATAL {
            var buffer = [CChar](repeating: 0, count: 512)
            let original = rd_kafka_fatal_error(handle, &buffer, buffer.count)
            throw StreamsError(.kafka, "\(text); fatal: \(KafkaErrors.describe(original)) \(KafkaErrors.string(buffer))")
        }
        context.logger.error("\(text)")
    }

    /// Commits offsets synchronously.
    /// - Parameter offsets: For each partition, the next offset to read (last processed + 1).
    /// - Throws: `.rebalanceInProgress` when the group refuses the commit because it is
    ///   rebalancing (or this member's generation is gone): commit again after the rebalance;
    ///   `.kafka` naming librdkafka's error and, for a per-partition failure, the partition.
    public func commit(_ offsets: [TopicPartition: Int64]) throws {
        try checkOpen()
        guard !offsets.isEmpty else { return }
        let list = TopicPartitionList.make(offsets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_commit(handle, list, 0)
        let failed = TopicPartitionList.read(list).filter { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }
        for error in failed.map(\.error) + [err] where KafkaErrors.isRebalancing(error) {
            throw KafkaErrors.error(.rebalanceInProgress, "commit for group \(groupId) refused", error)
        }
        if let first = failed.first {
            throw KafkaErrors.error(.kafka, "commit for group \(groupId) failed on \(failed.map { "\($0.partition)" }.joined(separator: ", ")) (first)", first.error)
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaErrors.error(.kafka, "commit for group \(groupId) failed", err)
        }
    }

    /// The group's committed offsets (next offset to read) for these partitions; partitions
    /// without a committed offset are absent.
    /// - Throws: `.timeout` or `.kafka` naming librdkafka's error.
    public func committed(_ partitions: [TopicPartition], timeout: Duration) throws -> [TopicPartition: Int64] {
        try checkOpen()
        guard !partitions.isEmpty else { return [:] }
        let list = TopicPartitionList.make(partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_committed(handle, list, timeout.kafkaMilliseconds)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let code: StreamsError.Code = err == RD_KAFKA_RESP_ERR__TIMED_OUT ? .timeout : .kafka
            throw KafkaErrors.error(code, "cannot read committed offsets of group \(groupId)", err)
        }
        var result: [TopicPartition: Int64] = [:]
        for entry in TopicPartitionList.read(list) {
            if entry.error != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaErrors.error(.kafka, "cannot read the committed offset of \(entry.partition) for group \(groupId)", entry.error)
            }
            if entry.offset >= 0 { result[entry.partition] = entry.offset }
        }
        return result
    }

    /// The low and high watermarks of a partition (first offset kept, next offset written),
    /// asked from its leader.
    /// - Throws: `.timeout`, `.unknownTopic` or `.kafka` naming the partition.
    public func watermarks(topic: TopicName, partition: Int32, timeout: Duration) throws -> (low: Int64, high: Int64) {
        try checkOpen()
        var low: Int64 = -1
        var high: Int64 = -1
        let err = rd_kafka_query_watermark_offsets(handle, topic.rawValue, partition, &low, &high, timeout.kafkaMilliseconds)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let code: StreamsError.Code =
                err == RD_KAFKA_RESP_ERR__TIMED_OUT ? .timeout : KafkaErrors.isUnknownTopic(err) ? .unknownTopic : .kafka
            throw KafkaErrors.error(code, "cannot read the watermarks of \(topic)-\(partition)", err)
        }
        return (low, high)
    }

    /// The first offsets (`earliest`) or end offsets (`latest`) of many partitions, asked
    /// from their leaders in one request per broker (ListOffsets). A consumer reading
    /// committed data only (`isolation.level=read_committed`) gets, as the end, the last
    /// stable offset.
    /// - Throws: `.timeout`, `.unknownTopic` or `.kafka` naming the partition.
    public func offsets(
        _ which: OffsetSpec, of partitions: [TopicPartition], timeout: Duration
    ) throws -> [TopicPartition: Int64] {
        try checkOpen()
        guard !partitions.isEmpty else { return [:] }
        // offsetsForTimes with Kafka's special timestamps: -1 is the end, -2 the beginning.
        let timestamp: Int64 = which == .latest ? -1 : -2
        let list = TopicPartitionList.make(partitions.map { ($0, timestamp) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_offsets_for_times(handle, list, timeout.kafkaMilliseconds)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let code: StreamsError.Code = err == RD_KAFKA_RESP_ERR__TIMED_OUT ? .timeout : .kafka
            throw KafkaErrors.error(code, "cannot read the \(which) offsets of \(partitions.count) partitions", err)
        }
        var result: [TopicPartition: Int64] = [:]
        for entry in TopicPartitionList.read(list) {
            if entry.error != RD_KAFKA_RESP_ERR_NO_ERROR {
                let code: StreamsError.Code = KafkaErrors.isUnknownTopic(entry.error) ? .unknownTopic : .kafka
                throw KafkaErrors.error(code, "cannot read the \(which) offset of \(entry.partition)", entry.error)
            }
            result[entry.partition] = entry.offset
        }
        return result
    }

    /// Which offsets ``offsets(_:of:timeout:)`` asks for.
    public enum OffsetSpec: Sendable, CustomStringConvertible {
        /// The first offset kept.
        case earliest
        /// The next offset to be written (or the last stable offset, reading committed data).
        case latest

        public var description: String { self == .earliest ? "earliest" : "latest" }
    }

    /// The next offset this consumer will read from each of these assigned partitions, as it
    /// stands locally (no request); partitions it has no position for yet are absent. Past
    /// transaction markers and compacted gaps, unlike the offset of the last record read.
    /// - Throws: `.kafka` naming librdkafka's error.
    public func positions(_ partitions: [TopicPartition]) throws -> [TopicPartition: Int64] {
        try checkOpen()
        guard !partitions.isEmpty else { return [:] }
        let list = TopicPartitionList.make(partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_position(handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaErrors.error(.kafka, "cannot read the positions of \(partitions.count) partitions", err)
        }
        var result: [TopicPartition: Int64] = [:]
        for entry in TopicPartitionList.read(list) where entry.error == RD_KAFKA_RESP_ERR_NO_ERROR && entry.offset >= 0 {
            result[entry.partition] = entry.offset
        }
        return result
    }

    /// The watermarks of a partition as the last fetch response reported them, without asking
    /// the cluster (so it never blocks); `nil` before the first fetch of the partition.
    public func cachedWatermarks(topic: TopicName, partition: Int32) -> (low: Int64, high: Int64)? {
        guard !closed else { return nil }
        var low: Int64 = -1
        var high: Int64 = -1
        let err = rd_kafka_get_watermark_offsets(handle, topic.rawValue, partition, &low, &high)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return (low, high)
    }

    /// Reads exactly these partitions from these offsets, outside any group's assignment (a
    /// restore consumer's way); an empty dictionary stops reading. Do not mix with
    /// ``subscribe(_:)``.
    /// - Throws: `.kafka` naming librdkafka's error.
    public func assign(_ offsets: [TopicPartition: Int64]) throws {
        try checkOpen()
        if offsets.isEmpty {
            let err = rd_kafka_assign(handle, nil)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaErrors.error(.kafka, "cannot clear the assignment", err) }
            return
        }
        let list = TopicPartitionList.make(offsets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_assign(handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaErrors.error(
                .kafka, "cannot assign \(offsets.keys.sorted().map(\.description).joined(separator: ", "))", err)
        }
    }

    /// The consumer's group membership as it stands (generation and member id included), for
    /// committing its offsets in a producer's transaction
    /// (``KafkaProducer/sendOffsetsToTransaction(_:group:timeout:)``).
    /// - Throws: `.illegalState` once closed; `.kafka` if librdkafka has none to give.
    public func groupMetadata() throws -> ConsumerGroupMetadata {
        try checkOpen()
        guard let pointer = rd_kafka_consumer_group_metadata(handle) else {
            throw StreamsError(.kafka, "the consumer of group \(groupId) has no group metadata")
        }
        return ConsumerGroupMetadata(pointer: pointer)
    }

    /// Moves the read positions of assigned partitions: the next poll returns each
    /// partition's records from its new offset on, and records fetched before are dropped.
    /// - Parameters:
    ///   - offsets: Per assigned partition, the next offset to read.
    ///   - timeout: How long to wait for the seeks to take effect.
    /// - Throws: `.kafka` naming librdkafka's error and, for a partition that failed, the partition.
    public func seek(_ offsets: [TopicPartition: Int64], timeout: Duration) throws {
        try checkOpen()
        guard !offsets.isEmpty else { return }
        let list = TopicPartitionList.make(offsets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        if let error = rd_kafka_seek_partitions(handle, list, max(1, timeout.kafkaMilliseconds)) {
            let (_, text) = KafkaErrors.consume(error)
            throw StreamsError(.kafka, "cannot seek \(offsets.count) partitions of group \(groupId): \(text)")
        }
        if let failed = TopicPartitionList.read(list).first(where: { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }) {
            throw KafkaErrors.error(.kafka, "cannot seek \(failed.partition) to \(failed.offset)", failed.error)
        }
    }

    /// The partitions currently assigned to this consumer.
    /// - Throws: `.kafka` naming librdkafka's error.
    public func assignment() throws -> [TopicPartition] {
        try checkOpen()
        var list: TopicPartitionList.Pointer?
        let err = rd_kafka_assignment(handle, &list)
        defer { if let list { rd_kafka_topic_partition_list_destroy(list) } }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaErrors.error(.kafka, "cannot read the assignment of group \(groupId)", err)
        }
        return TopicPartitionList.partitions(list).sorted()
    }

    /// Leaves the group (the rebalance callback runs here, on this thread, with the final
    /// revocation) and releases the consumer. Later calls throw `.illegalState`.
    /// - Throws: `.kafka` if leaving the group failed (the consumer is released anyway).
    public func close() throws {
        guard !closed else { return }
        closed = true
        let safe = awaitFirstAssignmentIfDestroyingWouldAbort()
        let err = rd_kafka_consumer_close(handle)
        rd_kafka_queue_destroy(queue)
        for rkt in topicNames.keys { rd_kafka_topic_destroy(rkt) }
        topicNames = [:]
        lastTopic = nil
        if safe {
            rd_kafka_destroy(handle)
        } else {
            // Leaving the handle is a leak; destroying it would abort the process.
            context.logger.warning(
                "consumer of group \(groupId) left its group before its first assignment: its handle is not destroyed (librdkafka \(LibrdkafkaVersion.current) would abort; fixed in 2.3.0)")
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaErrors.error(.kafka, "closing the consumer of group \(groupId) failed", err)
        }
        try context.consumer?.throwIfFailed()
    }

    /// librdkafka before 2.3 aborts the process when a cooperative-sticky member is destroyed
    /// before its first assignment (issue 4312). A consumer closed that early (an application
    /// stopped seconds after it started) first waits, a bounded time, for the assignment
    /// (taken but not reported, records dropped: nothing was processed or committed). Returns
    /// whether destroying the handle is safe.
    private func awaitFirstAssignmentIfDestroyingWouldAbort() -> Bool {
        guard subscribed, cooperativeSticky, LibrdkafkaVersion.abortsOnEarlyStickyDestroy,
            let callbacks = context.consumer, !callbacks.assigned
        else { return true }
        callbacks.silent = true
        let deadline = ContinuousClock.now + .seconds(15)
        while !callbacks.assigned && ContinuousClock.now < deadline {
            let count = rd_kafka_consume_batch_queue(queue, 100, batch, Int(batchCapacity))
            if count > 0 { for index in 0..<count { rd_kafka_message_destroy(batch[index]) } }
        }
        return callbacks.assigned
    }

    /// A handle that wakes a ``poll(maxRecords:timeout:_:)`` waiting for records, from any
    /// thread, so that a request to commit or stop is served at once.
    package var waker: ConsumerWaker { ConsumerWaker(queue: queue) }

    /// Releases the consumer without leaving the group, as a process that dies does: the group
    /// notices only when the session times out, and nothing is committed. For fault tests.
    package func abandon() {
        guard !closed else { return }
        closed = true
        rd_kafka_queue_destroy(queue)
        for rkt in topicNames.keys { rd_kafka_topic_destroy(rkt) }
        topicNames = [:]
        lastTopic = nil
        rd_kafka_destroy_flags(handle, Int32(RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE))
    }

    private func checkOpen() throws {
        if closed { throw StreamsError(.illegalState, "the consumer of group \(groupId) is closed") }
    }
}

@available(*, unavailable, message: "a KafkaConsumer is confined to the thread that polls it")
extension KafkaConsumer: Sendable {}

/// The consumer's side of the rebalance callback. Touched only on the polling thread
/// (poll and close serve the callback there).
final class ConsumerCallbacks {
    let onRebalance: (RebalanceEvent) -> Void
    /// A failed assign/unassign, thrown by the next poll.
    var failure: StreamsError?
    /// Whether an assignment (even an empty one) has arrived since the consumer subscribed.
    var assigned = false
    /// While closing: assignments are taken (librdkafka needs them) but not reported.
    var silent = false

    init(onRebalance: @escaping (RebalanceEvent) -> Void) {
        self.onRebalance = onRebalance
    }

    func throwIfFailed() throws {
        if let failure {
            self.failure = nil
            throw failure
        }
    }
}

/// librdkafka's rebalance callback: reports assignments after taking them and revocations
/// before giving the partitions up, with the incremental calls under the cooperative
/// protocol and full (un)assigns under the eager one.
private let rebalanceCallback: @convention(c) (
    OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?
) -> Void = { handle, err, partitions, opaque in
    guard let handle, let opaque else { return }
    let context = ClientContext.from(opaque)
    guard let callbacks = context.consumer else { return }
    let cooperative = rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } == "COOPERATIVE"
    let changed = TopicPartitionList.partitions(partitions).sorted()

    func check(_ what: String, _ error: OpaquePointer?) {
        guard let error else { return }
        let (_, text) = KafkaErrors.consume(error)
        record(what, text)
    }
    func check(_ what: String, _ err: rd_kafka_resp_err_t) {
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        record(what, KafkaErrors.describe(err))
    }
    func record(_ what: String, _ text: String) {
        let error = StreamsError(.kafka, "\(what) \(changed.map(\.description).joined(separator: ", ")) failed: \(text)")
        context.logger.error("\(error.message)")
        if callbacks.failure == nil { callbacks.failure = error }
    }

    switch err {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        if cooperative {
            check("incremental assign of", rd_kafka_incremental_assign(handle, partitions))
        } else {
            check("assign of", rd_kafka_assign(handle, partitions))
        }
        callbacks.assigned = true
        // Reported even when empty: a member with no partitions has still joined the group.
        if !callbacks.silent { callbacks.onRebalance(.assigned(changed)) }
    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
        if !changed.isEmpty && !callbacks.silent {
            callbacks.onRebalance(rd_kafka_assignment_lost(handle) != 0 ? .lost(changed) : .revoked(changed))
        }
        if cooperative {
            check("incremental unassign of", rd_kafka_incremental_unassign(handle, partitions))
        } else {
            check("unassign of", rd_kafka_assign(handle, nil))
        }
    default:
        context.logger.error("rebalance error: \(KafkaErrors.describe(err)); dropping the assignment")
        if !changed.isEmpty { callbacks.onRebalance(.lost(changed)) }
        _ = rd_kafka_assign(handle, nil)
    }
}

/// Wakes a consumer's poll from another thread (`rd_kafka_queue_yield` is thread-safe).
/// `@unchecked Sendable`: it holds the queue pointer only; use it only while the consumer is
/// open.
package struct ConsumerWaker: @unchecked Sendable {
    let queue: OpaquePointer

    /// Makes the current or next poll return early.
    package func wake() { rd_kafka_queue_yield(queue) }
}
