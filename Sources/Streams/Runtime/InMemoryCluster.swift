import Synchronization

/// Topics held in memory, with partitions, offsets and committed consumer offsets as a Kafka
/// cluster keeps them.
///
/// The in-memory runtime, the test driver and the `zmart` demo read and write it. Every
/// partition is an append-only log; an optional retention limit drops its oldest records, as
/// Kafka's `retention.bytes` does, and readers that fall behind see the gap. A compacted
/// topic (``CleanupPolicy/compact``, which the runtime gives stores' changelogs) also drops
/// records that a later record of the same key replaced, keeping offsets as they were.
///
/// ```swift
/// let cluster = InMemoryCluster()
/// try cluster.createTopic("transactions", partitions: 4)
/// try cluster.send(Record(key: "C-1", value: purchase, timestamp: now),
///                  to: "transactions", key: .string, value: .json(Purchase.self))
/// ```
public final class InMemoryCluster: Sendable {
    private struct Topic {
        let partitions: [PartitionLog]
        var roundRobin: Int32 = 0
    }

    private struct State {
        var topics: [TopicName: Topic] = [:]
        var committed: [String: [TopicPartition: Int64]] = [:]
    }

    private let state = Mutex(State())
    /// Idle log segments, shared by the cluster's logs and producers.
    let pool = SegmentPool()

    /// Creates an empty cluster.
    public init() {}

    /// Creates a topic.
    /// - Parameters:
    ///   - name: The topic's name.
    ///   - partitions: Its number of partitions, at least 1.
    ///   - retentionBytes: Bytes kept per partition before the oldest records are dropped;
    ///     `nil` keeps everything.
    ///   - cleanupPolicy: Whether records a later record of the same key replaced are
    ///     dropped (``CleanupPolicy/compact``), as for a changelog; ``CleanupPolicy/delete``
    ///     (the default) keeps every record until retention drops it.
    /// - Throws: ``StreamsError`` if the topic exists, `partitions` is less than 1, or the
    ///   policy's minimum is not positive.
    public func createTopic(
        _ name: TopicName, partitions: Int32 = 1, retentionBytes: Int? = nil, cleanupPolicy: CleanupPolicy = .delete
    ) throws {
        guard partitions >= 1 else {
            throw StreamsError(.invalidConfiguration, "topic \(name) needs at least one partition, not \(partitions)")
        }
        if let minDirtyBytes = cleanupPolicy.minDirtyBytes, minDirtyBytes < 1 {
            throw StreamsError(
                .invalidConfiguration, "topic \(name): compaction needs a positive minDirtyBytes, not \(minDirtyBytes)")
        }
        try state.withLock { state in
            guard state.topics[name] == nil else {
                throw StreamsError(.invalidConfiguration, "topic \(name) already exists")
            }
            state.topics[name] = Topic(
                partitions: (0..<partitions).map { _ in
                    PartitionLog(retentionBytes: retentionBytes, cleanupPolicy: cleanupPolicy, pool: pool)
                })
        }
    }

    /// The cleanup policy a topic was created with.
    /// - Throws: ``StreamsError`` (``StreamsError/Code/unknownTopic``) if it does not exist.
    public func cleanupPolicy(of topic: TopicName) throws -> CleanupPolicy {
        try log(topic, 0).log.cleanupPolicy
    }

    /// Whether a topic exists.
    public func hasTopic(_ name: TopicName) -> Bool {
        state.withLock { $0.topics[name] != nil }
    }

    /// The topics and their partition counts.
    public var topics: [TopicName: Int32] {
        state.withLock { $0.topics.mapValues { Int32($0.partitions.count) } }
    }

    /// The number of partitions of a topic.
    /// - Throws: ``StreamsError`` (``StreamsError/Code/unknownTopic``) if it does not exist.
    public func partitionCount(of topic: TopicName) throws -> Int32 {
        Int32(try log(topic, 0).partitionCount)
    }

    /// The offset the next record of a partition will get.
    public func endOffset(of topic: TopicName, partition: Int32) throws -> Int64 {
        try log(topic, partition).log.endOffset
    }

    /// The first offset still kept in a partition.
    public func startOffset(of topic: TopicName, partition: Int32) throws -> Int64 {
        try log(topic, partition).log.startOffset
    }

    /// The total number of records ever written to a topic (sum of end offsets).
    public func recordCount(of topic: TopicName) throws -> Int64 {
        let count = try partitionCount(of: topic)
        return try (0..<count).reduce(0) { $0 + (try endOffset(of: topic, partition: $1)) }
    }

    /// Writes one record as bytes.
    /// - Parameters:
    ///   - topic: The topic.
    ///   - partition: The partition, or `nil` for the default: murmur2 of the key, round-robin
    ///     for a null key.
    ///   - key: Key bytes, `nil` for null.
    ///   - value: Value bytes, `nil` for null.
    ///   - timestamp: The record's timestamp.
    ///   - headers: The record's headers.
    /// - Returns: Where the record was written.
    /// - Throws: ``StreamsError`` for an unknown topic or a partition out of range.
    @discardableResult
    public func send(
        topic: TopicName, partition: Int32? = nil, key: [UInt8]?, value: [UInt8]?, timestamp: Int64,
        headers: Headers = Headers()
    ) throws -> RecordMetadata {
        let target = try self.partition(for: topic, explicit: partition, key: key)
        let log = try log(topic, target).log
        func withOptional<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
            guard let bytes else { return body(nil) }
            return bytes.withUnsafeBytes { body($0) }
        }
        let offset = withOptional(key) { keyBytes in
            withOptional(value) { valueBytes in
                log.append(
                    key: keyBytes, value: valueBytes, timestamp: timestamp, headers: headers.isEmpty ? nil : headers)
            }
        }
        return RecordMetadata(topic: topic, partition: target, offset: offset)
    }

    /// Serializes and writes one record.
    /// - Returns: Where the record was written.
    /// - Throws: The serdes' errors, or ``StreamsError`` for an unknown topic.
    @discardableResult
    public func send<Key, Value>(
        _ record: Record<Key, Value>, to topic: TopicName, key: Serde<Key>, value: Serde<Value>,
        partition: Int32? = nil
    ) throws -> RecordMetadata {
        try send(
            topic: topic, partition: partition, key: try key.serialize(record.key),
            value: try value.serialize(record.value), timestamp: record.timestamp,
            headers: record.headers)
    }

    /// Reads the records of a partition from an offset, as bytes.
    /// - Parameters:
    ///   - topic: The topic.
    ///   - partition: The partition.
    ///   - offset: The first offset wanted.
    ///   - limit: The most records returned.
    /// - Returns: The records, from `max(offset, startOffset)`.
    public func read(
        topic: TopicName, partition: Int32, from offset: Int64 = 0, limit: Int = .max
    ) throws -> [StoredRecord] {
        let fetched = try fetch(topic: topic, partition: partition, from: offset, max: limit)
        var records: [StoredRecord] = []
        records.reserveCapacity(fetched.count)
        fetched.forEach { offset, key, value, timestamp, headers in
            records.append(
                StoredRecord(
                    metadata: RecordMetadata(topic: topic, partition: partition, offset: offset),
                    key: key.map { Array($0) }, value: value.map { Array($0) }, timestamp: timestamp,
                    headers: headers))
        }
        return records
    }

    /// Reads and deserializes every record of a topic, partition by partition.
    /// - Throws: The serdes' errors.
    public func read<Key, Value>(
        topic: TopicName, key: Serde<Key>, value: Serde<Value>
    ) throws -> [Record<Key, Value>] {
        try (0..<partitionCount(of: topic)).flatMap { partition in
            try read(topic: topic, partition: partition).map { stored in
                Record(
                    key: try key.deserialize(stored.key), value: try value.deserialize(stored.value),
                    timestamp: stored.timestamp, headers: stored.headers, metadata: stored.metadata)
            }
        }
    }

    /// Deletes the records of a partition before an offset, as Kafka's `DeleteRecords`: its
    /// start offset moves there and the memory is freed. Kafka Streams purges consumed
    /// repartition data this way; feeders of an in-memory cluster use it to bound memory.
    /// - Throws: ``StreamsError`` for an unknown topic or partition.
    public func deleteRecords(topic: TopicName, partition: Int32, before offset: Int64) throws {
        try log(topic, partition).log.deleteRecords(before: offset)
    }

    /// The offset a consumer group committed for a partition, if any.
    public func committedOffset(group: String, topic: TopicName, partition: Int32) -> Int64? {
        state.withLock { $0.committed[group]?[TopicPartition(topic: topic, partition: partition)] }
    }

    /// Commits offsets for a consumer group: each is the next offset to read.
    public func commit(group: String, offsets: [TopicPartition: Int64]) {
        state.withLock { state in
            state.committed[group, default: [:]].merge(offsets) { _, new in new }
        }
    }

    // MARK: package: the runtime's access

    /// Reads a changelog partition from its first kept record to its end, for restoring.
    package func changelogReader() -> ChangelogReader {
        { topic, partition, from, begin, apply in
            var next = max(try self.startOffset(of: topic, partition: partition), from ?? 0)
            let end = try self.endOffset(of: topic, partition: partition)
            begin(next, end)
            var count = 0
            while next < end {
                let fetched = try self.fetch(topic: topic, partition: partition, from: next, max: 4096)
                if fetched.count == 0 { break }
                try fetched.forEach { offset, key, value, _, _ in
                    try apply(key, value)
                    next = offset + 1
                }
                count += fetched.count
            }
            return count
        }
    }

    func fetch(topic: TopicName, partition: Int32, from offset: Int64, max: Int) throws -> FetchedRecords {
        try log(topic, partition).log.fetch(from: offset, max: max)
    }

    /// Appends the segments a producer filled to a partition; see ``PartitionLog/adopt(_:)``.
    func adopt(_ segments: [LogSegment], topic: TopicName, partition: Int32) throws -> [LogSegment] {
        try log(topic, partition).log.adopt(segments)
    }

    func partition(for topic: TopicName, explicit: Int32?, key: UnsafeRawBufferPointer?) throws -> Int32 {
        try state.withLock { state in
            guard var entry = state.topics[topic] else {
                throw StreamsError(.unknownTopic, "topic \(topic) does not exist")
            }
            let count = Int32(entry.partitions.count)
            if let explicit {
                guard (0..<count).contains(explicit) else {
                    throw StreamsError(.production, "partition \(explicit) of topic \(topic) does not exist (it has \(count))")
                }
                return explicit
            }
            if let key { return Murmur2.partition(forKey: key, partitionCount: count) }
            entry.roundRobin = (entry.roundRobin + 1) % count
            state.topics[topic] = entry
            return entry.roundRobin
        }
    }

    func partition(for topic: TopicName, explicit: Int32?, key: [UInt8]?) throws -> Int32 {
        guard let key else { return try partition(for: topic, explicit: explicit, key: nil as UnsafeRawBufferPointer?) }
        return try key.withUnsafeBytes { try partition(for: topic, explicit: explicit, key: $0) }
    }

    private func log(_ topic: TopicName, _ partition: Int32) throws -> (log: PartitionLog, partitionCount: Int) {
        try state.withLock { state in
            guard let entry = state.topics[topic] else {
                throw StreamsError(.unknownTopic, "topic \(topic) does not exist")
            }
            guard partition >= 0, Int(partition) < entry.partitions.count else {
                throw StreamsError(
                    .unknownTopic, "partition \(partition) of topic \(topic) does not exist (it has \(entry.partitions.count))")
            }
            return (entry.partitions[Int(partition)], entry.partitions.count)
        }
    }
}

/// A topic and one of its partitions.
public struct TopicPartition: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The topic.
    public let topic: TopicName
    /// The partition.
    public let partition: Int32

    /// Creates a topic-partition.
    public init(topic: TopicName, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    /// `topic-partition`, e.g. `transactions-3`.
    public var description: String { "\(topic)-\(partition)" }

    /// Orders by topic, then partition.
    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }
}

/// A record as stored in a topic: bytes and metadata.
public struct StoredRecord: Sendable, Hashable {
    /// Topic, partition and offset.
    public let metadata: RecordMetadata
    /// Key bytes; `nil` for null.
    public let key: [UInt8]?
    /// Value bytes; `nil` for null.
    public let value: [UInt8]?
    /// The record's timestamp.
    public let timestamp: Int64
    /// The record's headers.
    public let headers: Headers
}

extension InMemoryCluster {
    /// Reads records of a partition in place, without copying them.
    /// - Parameters:
    ///   - topic: The topic.
    ///   - partition: The partition.
    ///   - offset: The first offset wanted; if retention already dropped it, reading starts
    ///     at the start offset and the result says how many records were skipped.
    ///   - limit: The most records read.
    ///   - body: Called with each record in offset order; its buffers are only valid during
    ///     the call.
    /// - Returns: The next offset to read and the number of records retention dropped
    ///   before they could be read.
    /// - Throws: ``StreamsError`` for an unknown topic or partition, or what `body` throws.
    @discardableResult
    public func consume(
        topic: TopicName, partition: Int32, from offset: Int64, limit: Int = 10_000,
        _ body: (RecordView) throws -> Void
    ) throws -> (next: Int64, lost: Int64) {
        let fetched = try fetch(topic: topic, partition: partition, from: offset, max: limit)
        var next = fetched.firstOffset
        try fetched.forEach { offset, key, value, timestamp, headers in
            try body(RecordView(offset: offset, key: key, value: value, timestamp: timestamp, headers: headers))
            next = offset + 1
        }
        return (next, max(0, fetched.firstOffset - offset))
    }
}

/// A record read in place from an ``InMemoryCluster``; its buffers are only valid during the
/// call that receives it.
public struct RecordView {
    /// The record's offset.
    public let offset: Int64
    /// Key bytes; `nil` for null.
    public let key: UnsafeRawBufferPointer?
    /// Value bytes; `nil` for null.
    public let value: UnsafeRawBufferPointer?
    /// The record's timestamp.
    public let timestamp: Int64
    /// The record's headers.
    public let headers: Headers
}

/// What a topic of an ``InMemoryCluster`` does with records that later ones replaced: Kafka's
/// `cleanup.policy`.
public struct CleanupPolicy: Sendable, Hashable, CustomStringConvertible {
    /// With compaction, the bytes a partition must have taken since its last compaction
    /// before the next; `nil` without.
    public let minDirtyBytes: Int?

    /// Every record stays until the topic's retention (if any) drops it.
    public static let delete = CleanupPolicy(minDirtyBytes: nil)

    /// Compaction as for a changelog (Kafka's `cleanup.policy=compact`), once a partition has
    /// taken 1 MiB since its last compaction.
    public static let compact = compact(minDirtyBytes: 1 << 20)

    /// Compaction: once a partition has taken at least `minDirtyBytes` since its last
    /// compaction, and they are at least half its bytes (Kafka's `min.cleanable.dirty.ratio`
    /// of 0.5), the records behind the segment being written keep only each key's latest.
    /// Offsets do not change; a reader passes over the gaps. A tombstone (a null value) is
    /// kept through one compaction and dropped at the next.
    public static func compact(minDirtyBytes: Int) -> CleanupPolicy {
        CleanupPolicy(minDirtyBytes: minDirtyBytes)
    }

    private init(minDirtyBytes: Int?) {
        self.minDirtyBytes = minDirtyBytes
    }

    public var description: String {
        minDirtyBytes.map { "compact (at \($0) dirty bytes)" } ?? "delete"
    }
}
