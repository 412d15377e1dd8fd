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
    @inlinable
    public init(topic: TopicName, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    /// What a record without metadata stores (no topic is named "").
    @inlinable static var absent: RecordMetadata { RecordMetadata(topic: TopicName(""), partition: .min, offset: .min) }

    /// Whether this is ``absent``.
    @inlinable var isAbsent: Bool { partition == .min && topic.rawValue.isEmpty }

    /// `topic-partition@offset`, e.g. `transactions-3@1042`.
    public var description: String { "\(topic.rawValue)-\(partition)@\(offset)" }
}
