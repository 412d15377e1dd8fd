/// Where a record came from: its source topic, partition and offset.
///
/// Records read from a topic carry their metadata; records created by a punctuator do not.
public struct RecordMetadata: Sendable, Hashable, CustomStringConvertible {
    /// The topic the record was read from.
    public let topic: TopicName
    /// The partition the record was read from.
    public let partition: Int32
    /// The record's offset within its partition.
    public let offset: Int64

    /// Creates record metadata.
    public init(topic: TopicName, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    /// `topic-partition@offset`, e.g. `transactions-3@1042`.
    public var description: String { "\(topic.rawValue)-\(partition)@\(offset)" }
}
