/// Where a task's sinks deliver serialized records: the seam between the topology and a
/// runtime (an in-memory cluster, or a Kafka producer).
package protocol RecordCollector: AnyObject {
    /// Sends one record.
    /// - Parameters:
    ///   - topic: The topic's name on the cluster.
    ///   - partition: An explicit partition, or `nil` for the default (murmur2 of the key,
    ///     round-robin for a null key).
    ///   - key: Key bytes, `nil` for null. Only valid during the call: copy what you keep.
    ///   - value: Value bytes, `nil` for null. Only valid during the call.
    ///   - timestamp: The record's timestamp.
    ///   - headers: The record's headers.
    func send(
        topic: TopicName, partition: Int32?, key: UnsafeRawBufferPointer?,
        value: UnsafeRawBufferPointer?, timestamp: Int64, headers: Headers
    ) throws

    /// The number of partitions of a topic.
    func partitionCount(of topic: TopicName) throws -> Int32

    /// Sends one record whose (non-null) value `writeValue` serializes into memory the
    /// collector gives it, so that a collector with buffers of its own can have the bytes
    /// written there directly instead of copying them.
    ///
    /// A default implementation serializes into temporary memory and calls
    /// ``send(topic:partition:key:value:timestamp:headers:)``.
    /// - Parameters:
    ///   - topic: The topic's name on the cluster.
    ///   - partition: An explicit partition, or `nil` for the default.
    ///   - key: Key bytes, `nil` for null. Only valid during the call.
    ///   - timestamp: The record's timestamp.
    ///   - headers: The record's headers.
    ///   - writeValue: Writes the value at the start of the space it is given and returns the
    ///     byte count, or `nil` if the value does not fit; it may then be called again with
    ///     more room. Its errors propagate, and nothing is sent then.
    func send(
        topic: TopicName, partition: Int32?, key: UnsafeRawBufferPointer?, timestamp: Int64,
        headers: Headers, writingValue writeValue: (UnsafeMutableRawBufferPointer) throws -> Int?
    ) throws
}

extension RecordCollector {
    /// Serializes the value into temporary memory, larger until it fits, then sends it with
    /// ``send(topic:partition:key:value:timestamp:headers:)``.
    package func send(
        topic: TopicName, partition: Int32?, key: UnsafeRawBufferPointer?, timestamp: Int64,
        headers: Headers, writingValue writeValue: (UnsafeMutableRawBufferPointer) throws -> Int?
    ) throws {
        try sendSerializingFirst(
            topic: topic, partition: partition, key: key, timestamp: timestamp, headers: headers,
            writingValue: writeValue)
    }

    /// What the default ``send(topic:partition:key:timestamp:headers:writingValue:)`` does,
    /// for collectors that fall back to it for values too large for their buffers.
    package func sendSerializingFirst(
        topic: TopicName, partition: Int32?, key: UnsafeRawBufferPointer?, timestamp: Int64,
        headers: Headers, writingValue writeValue: (UnsafeMutableRawBufferPointer) throws -> Int?
    ) throws {
        var capacity = 4096
        while true {
            let sent = try withUnsafeTemporaryAllocation(byteCount: capacity, alignment: 16) { space in
                guard let count = try writeValue(space) else { return false }
                precondition(count >= 0 && count <= space.count, "a value writer reported \(count) bytes written in \(space.count)")
                try send(
                    topic: topic, partition: partition, key: key,
                    value: UnsafeRawBufferPointer(rebasing: space[..<count]), timestamp: timestamp,
                    headers: headers)
                return true
            }
            if sent { return }
            guard capacity < 1 << 31 else {
                throw StreamsError(.serialization, "a value for topic \(topic) did not fit in 2 GiB")
            }
            capacity *= 2
        }
    }
}
