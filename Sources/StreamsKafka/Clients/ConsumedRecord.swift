import Streams

/// One record as the consumer read it, valid only inside the `poll` body that received it.
///
/// `key` and `value` point into librdkafka's message buffers, which are released when the
/// body returns: copy what you need to keep. Never let the record or its buffers escape.
public struct ConsumedRecord {
    /// The record's topic.
    public let topic: TopicName
    /// The record's partition.
    public let partition: Int32
    /// The record's offset in its partition.
    public let offset: Int64
    /// The key bytes, `nil` for a null key. Valid only during the body call.
    public let key: UnsafeRawBufferPointer?
    /// The value bytes, `nil` for a null value (a tombstone). Valid only during the body call.
    public let value: UnsafeRawBufferPointer?
    /// The record's timestamp in milliseconds since the epoch; `-1` if it has none.
    public let timestamp: Int64
    /// The record's headers (copied; empty when it has none).
    public let headers: Headers

    /// Creates a record; the buffers must stay valid while the record is used.
    public init(
        topic: TopicName, partition: Int32, offset: Int64, key: UnsafeRawBufferPointer?,
        value: UnsafeRawBufferPointer?, timestamp: Int64, headers: Headers
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.headers = headers
    }
}

@available(*, unavailable, message: "a ConsumedRecord points into buffers released after the poll body")
extension ConsumedRecord: Sendable {}
