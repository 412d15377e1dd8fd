/// Chooses the partition of an output record from its key and value.
///
/// Return `nil` to use the default: murmur2 of the serialized key, as Kafka's Java producer
/// does, or a round-robin choice when the key is null.
///
/// ```swift
/// let byZip = StreamPartitioner<String, PurchasePattern> { _, key, pattern, partitions in
///     Int32(pattern.zipCode.hashValue & 0x7fff_ffff) % partitions
/// }
/// ```
public struct StreamPartitioner<Key, Value>: Sendable {
    /// Returns the partition for a record, or `nil` for the default.
    public typealias Choose = @Sendable (
        _ topic: TopicName, _ key: Key, _ value: Value, _ partitionCount: Int32
    ) -> Int32?

    @usableFromInline let choose: Choose

    /// Creates a partitioner.
    /// - Parameter choose: Returns the partition, in `0..<partitionCount`, or `nil` for the
    ///   default. A partition out of range is a production error.
    public init(_ choose: @escaping Choose) { self.choose = choose }

    /// Calls the partitioner.
    @inlinable
    public func partition(topic: TopicName, key: Key, value: Value, partitionCount: Int32) -> Int32? {
        choose(topic, key, value, partitionCount)
    }
}
