/// Serializes records and hands them to the task's collector; one per sink node and task.
@usableFromInline
final class SinkWriter<Key, Value> {
    @usableFromInline let task: TaskContext
    @usableFromInline let node: String
    @usableFromInline let key: Serde<Key>
    @usableFromInline let value: Serde<Value>
    @usableFromInline let partitioner: StreamPartitioner<Key, Value>?
    /// Where records and bytes written are counted, by topic.
    @usableFromInline let metrics: NodeMetrics
    // Reused between records: serialization appends into them, the collector copies out.
    // Exclusivity is not checked at run time: a writer is confined to its task's thread and
    // no access to a buffer overlaps another (each is borrowed for one call).
    @exclusivity(unchecked) @usableFromInline var keyBuffer: [UInt8] = []
    @exclusivity(unchecked) @usableFromInline var valueBuffer: [UInt8] = []

    @usableFromInline
    init(
        task: TaskContext, node: String, key: Serde<Key>, value: Serde<Value>,
        partitioner: StreamPartitioner<Key, Value>?, metrics: NodeMetrics
    ) {
        self.metrics = metrics
        self.task = task
        self.node = node
        self.key = key
        self.value = value
        self.partitioner = partitioner
        keyBuffer.reserveCapacity(64)
        valueBuffer.reserveCapacity(512)
    }

    @inlinable
    func write(_ record: Record<Key, Value>, to topic: TopicName) throws {
        if let inPlace = value.inPlaceSerializer, !(value.isNull?(record.value) ?? false) {
            return try write(record, to: topic, inPlace: inPlace)
        }
        keyBuffer.removeAll(keepingCapacity: true)
        valueBuffer.removeAll(keepingCapacity: true)
        let hasKey: Bool
        let hasValue: Bool
        do {
            hasKey = try key.serialize(record.key, into: &keyBuffer)
            hasValue = try value.serialize(record.value, into: &valueBuffer)
        } catch {
            throw StreamsError(
                .serialization, "cannot serialize a record for topic \(topic)",
                location: task.currentMetadata, node: node,
                underlying: error)
        }
        let partition = try choosePartition(record, topic: topic)
        try keyBuffer.withUnsafeBytes { keyBytes in
            try valueBuffer.withUnsafeBytes { valueBytes in
                try task.send(
                    topic: topic, partition: partition, key: hasKey ? keyBytes : nil,
                    value: hasValue ? valueBytes : nil, timestamp: record.timestamp,
                    headers: record.headers)
            }
        }
        metrics.produced(to: topic, bytes: (hasKey ? keyBuffer.count : 0) + (hasValue ? valueBuffer.count : 0))
    }

    /// Writes a record whose value serde writes in place: the key is serialized here, the
    /// value straight into the collector's memory.
    @inlinable
    func write(_ record: Record<Key, Value>, to topic: TopicName, inPlace: Serde<Value>.InPlaceSerializer) throws {
        try withSerializedKey(record.key, topic: topic) { keyBytes in
            let partition = try choosePartition(record, topic: topic)
            var bytes = keyBytes?.count ?? 0
            try task.send(
                topic: topic, partition: partition, key: keyBytes, timestamp: record.timestamp,
                headers: record.headers
            ) { space in
                do {
                    let written = try inPlace(record.value, space)
                    bytes &+= written ?? 0
                    return written
                } catch {
                    throw serializationError(error, topic: topic)
                }
            }
            metrics.produced(to: topic, bytes: bytes)
        }
    }

    /// Calls `body` with the serialized key (`nil` for Kafka's null). A key serde that writes
    /// in place writes into stack memory (keys are short), which skips the key buffer's
    /// bookkeeping; the buffer is the fallback.
    @inlinable
    func withSerializedKey(
        _ recordKey: Key, topic: TopicName, _ body: (UnsafeRawBufferPointer?) throws -> Void
    ) throws {
        if let inPlace = key.inPlaceSerializer, !(key.isNull?(recordKey) ?? false) {
            let done = try withUnsafeTemporaryAllocation(byteCount: 256, alignment: 16) { space in
                let count: Int?
                do {
                    count = try inPlace(recordKey, space)
                } catch {
                    throw serializationError(error, topic: topic)
                }
                guard let count else { return false }
                try body(UnsafeRawBufferPointer(rebasing: space[..<count]))
                return true
            }
            if done { return }
        }
        keyBuffer.removeAll(keepingCapacity: true)
        let hasKey: Bool
        do {
            hasKey = try key.serialize(recordKey, into: &keyBuffer)
        } catch {
            throw serializationError(error, topic: topic)
        }
        try keyBuffer.withUnsafeBytes { keyBytes in try body(hasKey ? keyBytes : nil) }
    }

    @usableFromInline
    func serializationError(_ error: any Error, topic: TopicName) -> StreamsError {
        StreamsError(
            .serialization, "cannot serialize a record for topic \(topic)",
            location: task.currentMetadata, node: node,
            underlying: error)
    }

    /// The partitioner's choice for a record, checked; `nil` without a partitioner.
    @inlinable
    func choosePartition(_ record: Record<Key, Value>, topic: TopicName) throws -> Int32? {
        var partition: Int32? = nil
        if let partitioner {
            let count = try task.partitionCount(of: topic)
            partition = partitioner.partition(
                topic: topic, key: record.key, value: record.value, partitionCount: count)
            if let chosen = partition, !(0..<count).contains(chosen) {
                throw StreamsError(
                    .production, "partitioner chose partition \(chosen) of topic \(topic), which has \(count)",
                    location: task.currentMetadata, node: node)
            }
        }
        return partition
    }
}
