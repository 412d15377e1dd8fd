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
}
