import Streams

/// A record the producer could not deliver, as its delivery report told.
///
/// It holds no key nor value bytes: records may carry personal data.
public struct DeliveryFailure: Sendable, CustomStringConvertible {
    /// The record's topic.
    public var topic: TopicName
    /// The record's partition; `-1` if none was chosen before it failed.
    public var partition: Int32
    /// What went wrong, naming librdkafka's error.
    public var error: StreamsError

    /// Creates a delivery failure.
    public init(topic: TopicName, partition: Int32, error: StreamsError) {
        self.topic = topic
        self.partition = partition
        self.error = error
    }

    /// `topic-partition: error`.
    public var description: String { "\(topic)-\(partition): \(error)" }
}
