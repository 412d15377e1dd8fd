/// Decides what happens when a source cannot deserialize a record: fail the task, or skip
/// the record and go on.
///
/// Either way the failure is logged with the topic, partition, offset and reason, never
/// with the record's bytes. A custom handler receives the raw bytes (for a dead-letter
/// topic, say); it must not log them.
///
/// ```swift
/// var config = StreamsConfig(applicationId: "zmart")
/// config.deserializationErrorHandler = .logAndContinue
/// ```
public struct DeserializationErrorHandler: Sendable {
    /// The handler's decision.
    public enum Response: Sendable, Hashable {
        /// Skip the record (it counts as skipped) and process the next one.
        case `continue`
        /// Stop: the error is thrown and nothing past the record is committed.
        case fail
    }

    let decide: @Sendable (DeserializationFailure) -> Response

    /// Creates a handler.
    /// - Parameter decide: Called once per record that cannot be deserialized.
    public init(_ decide: @escaping @Sendable (DeserializationFailure) -> Response) {
        self.decide = decide
    }

    /// Fails on the first bad record: the default.
    public static let logAndFail = DeserializationErrorHandler { _ in .fail }

    /// Logs each bad record, skips it and goes on.
    public static let logAndContinue = DeserializationErrorHandler { _ in .continue }
}

/// A record that could not be deserialized.
public struct DeserializationFailure: Sendable {
    /// What was wrong, with the record's location; never contains the bytes.
    public let error: StreamsError
    /// Topic, partition and offset of the record.
    public let metadata: RecordMetadata
    /// The record's key bytes (`nil` for null). Never log them.
    public let key: [UInt8]?
    /// The record's value bytes (`nil` for null). Never log them.
    public let value: [UInt8]?
    /// The record's headers.
    public let headers: Headers
    /// The record's timestamp.
    public let timestamp: Int64
}
