/// Writes records to an ``InMemoryCluster`` in batches, as a Kafka producer batches before
/// sending: records wait in local buffers, with no lock per record, until ``flush()``.
///
/// Tasks write their output through one; applications use one to feed input topics fast.
///
/// ```swift
/// let producer = InMemoryProducer(cluster: cluster)
/// try producer.send(topic: "transactions", key: keyBytes, value: jsonBytes, timestamp: now)
/// try producer.flush()
/// ```
public final class InMemoryProducer: RecordCollector {
    /// Per partition: the segments filled since the last flush, the last one being written.
    /// At flush the log takes them over whole; nothing is copied again.
    private final class TopicBuffer {
        let partitionCount: Int32
        @exclusivity(unchecked) var partitions: [[LogSegment]]
        @exclusivity(unchecked) var roundRobin: Int32 = 0
        init(partitionCount: Int32) {
            self.partitionCount = partitionCount
            partitions = Array(repeating: [], count: Int(partitionCount))
        }
    }

    // The hot vars below are not checked for exclusivity at run time: a producer is used by
    // one thread (its stream thread or its feeder), and no access to them overlaps another.
    private let cluster: InMemoryCluster
    @exclusivity(unchecked) private var buffers: [TopicName: TopicBuffer] = [:]
    @exclusivity(unchecked) private(set) var pending = 0
    /// Records written per topic since creation.
    public private(set) var sent: [TopicName: Int] = [:]

    /// Records buffered and not yet written.
    public var pendingRecords: Int { pending }

    /// Creates a producer.
    /// - Parameter cluster: The cluster it writes to.
    public init(cluster: InMemoryCluster) { self.cluster = cluster }

    /// The first topics written, searched before the dictionary: a linear scan over a few
    /// names beats hashing a string per record. Sixteen, so that an application's outputs,
    /// repartition topics and changelogs all fit (stateful ZMart writes ten). Their byte
    /// counts are kept apart, so a scan compares integers until the length matches.
    @exclusivity(unchecked) private var recentLengths: [Int] = []
    @exclusivity(unchecked) private var recentTopics: [TopicName] = []
    @exclusivity(unchecked) private var recentBuffers: [TopicBuffer] = []

    private func buffer(for topic: TopicName) throws -> TopicBuffer {
        let length = topic.rawValue.utf8.count
        for index in recentLengths.indices where recentLengths[index] == length {
            if recentTopics[index].rawValue == topic.rawValue { return recentBuffers[index] }
        }
        if let buffer = buffers[topic] { return buffer }
        let buffer = TopicBuffer(partitionCount: try cluster.partitionCount(of: topic))
        buffers[topic] = buffer
        if recentTopics.count < 16 {
            recentLengths.append(length)
            recentTopics.append(topic)
            recentBuffers.append(buffer)
        }
        return buffer
    }

    /// The number of partitions of a topic.
    /// - Throws: ``StreamsError`` if the topic does not exist.
    public func partitionCount(of topic: TopicName) throws -> Int32 {
        try buffer(for: topic).partitionCount
    }

    /// Buffers one record; it is written by the next ``flush()``.
    /// - Parameters:
    ///   - topic: The topic.
    ///   - partition: The partition, or `nil` for murmur2 of the key (round-robin for null).
    ///   - key: Key bytes, `nil` for null; copied.
    ///   - value: Value bytes, `nil` for null; copied.
    ///   - timestamp: The record's timestamp.
    ///   - headers: The record's headers.
    /// - Throws: ``StreamsError`` for an unknown topic or partition.
    public func send(
        topic: TopicName, partition: Int32?, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        timestamp: Int64, headers: Headers
    ) throws {
        _ = try sendReturningPartition(
            topic: topic, partition: partition, key: key, value: value, timestamp: timestamp, headers: headers)
    }

    /// Buffers one record and returns the partition it goes to.
    /// - Throws: ``StreamsError`` for an unknown topic or partition.
    @discardableResult
    public func sendReturningPartition(
        topic: TopicName, partition: Int32? = nil, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        timestamp: Int64, headers: Headers = Headers()
    ) throws -> Int32 {
        let buffer = try buffer(for: topic)
        let target = try self.partition(in: buffer, topic: topic, explicit: partition, key: key)
        let size = (key?.count ?? 0) + (value?.count ?? 0)
        let index = Int(target)
        if buffer.partitions[index].last?.fits(size) != true {
            buffer.partitions[index].append(cluster.pool.take(forRecordOf: size))
        }
        let segment = buffer.partitions[index][buffer.partitions[index].count - 1]
        segment.append(key: key, value: value, timestamp: timestamp, headers: headers.isEmpty ? nil : headers)
        pending += 1
        return target
    }

    /// Buffers one record whose value `writeValue` serializes straight into the producer's
    /// log segment, after the key: the value's bytes are written once and never copied again.
    ///
    /// A value too large for a segment is serialized into temporary memory first.
    /// - Throws: ``StreamsError`` for an unknown topic or partition, or what `writeValue`
    ///   throws (nothing is buffered then).
    package func send(
        topic: TopicName, partition: Int32?, key: UnsafeRawBufferPointer?, timestamp: Int64,
        headers: Headers, writingValue writeValue: (UnsafeMutableRawBufferPointer) throws -> Int?
    ) throws {
        let buffer = try buffer(for: topic)
        let target = try self.partition(in: buffer, topic: topic, explicit: partition, key: key)
        let index = Int(target)
        if let segment = buffer.partitions[index].last,
            try segment.append(key: key, timestamp: timestamp, headers: headers, writingValue: writeValue)
        {
            pending += 1
            return
        }
        // The current segment is full: the record goes to a fresh one, which later records
        // fill too.
        let fresh = cluster.pool.take(forRecordOf: key?.count ?? 0)
        buffer.partitions[index].append(fresh)
        if try fresh.append(key: key, timestamp: timestamp, headers: headers, writingValue: writeValue) {
            pending += 1
            return
        }
        try sendSerializingFirst(
            topic: topic, partition: target, key: key, timestamp: timestamp, headers: headers,
            writingValue: writeValue)
    }

    /// The partition a record goes to: `explicit` if given (checked), else murmur2 of the key,
    /// else round-robin.
    @inline(__always)
    private func partition(
        in buffer: TopicBuffer, topic: TopicName, explicit: Int32?, key: UnsafeRawBufferPointer?
    ) throws -> Int32 {
        if let explicit {
            guard (0..<buffer.partitionCount).contains(explicit) else {
                throw StreamsError(.production, "partition \(explicit) of topic \(topic) does not exist")
            }
            return explicit
        } else if let key {
            return Murmur2.partition(forKey: key, partitionCount: buffer.partitionCount)
        } else {
            buffer.roundRobin = (buffer.roundRobin + 1) % buffer.partitionCount
            return buffer.roundRobin
        }
    }

    /// Writes every buffered record to the cluster, one lock per partition.
    /// - Throws: ``StreamsError`` if a topic disappeared.
    public func flush() throws {
        guard pending > 0 else { return }
        for (topic, buffer) in buffers {
            for partition in buffer.partitions.indices where !buffer.partitions[partition].isEmpty {
                var filled = buffer.partitions[partition]
                buffer.partitions[partition].removeAll(keepingCapacity: true)
                sent[topic, default: 0] += filled.reduce(0) { $0 + $1.written }
                var copied = try cluster.adopt(filled, topic: topic, partition: Int32(partition))
                // Dropped first, so the pool sees each copied segment held by `copied` alone.
                filled = []
                for index in copied.indices { cluster.pool.recycle(&copied[index]) }
            }
        }
        pending = 0
    }
}
