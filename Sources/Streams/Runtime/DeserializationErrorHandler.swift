/// Decides what happens when a source cannot deserialize a record: fail the task, skip the
/// record and go on, or send it to a dead-letter topic and go on.
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
    public enum Response: Sendable {
        /// Skip the record (it counts as skipped) and process the next one.
        case `continue`
        /// Stop: the error is thrown and nothing past the record is committed.
        case fail
        /// Write the record's bytes, after `redact`, to `topic` with headers that name its
        /// source topic, partition and offset and the error (see ``DeadLetterHeaders``), then
        /// process the next one. It counts as skipped.
        case deadLetter(topic: TopicName, redact: Redaction = .none)
    }

    /// What a dead-letter record's key and value go through before they are written: a
    /// dead-letter topic is an output, so a record that may hold personal data (a card number,
    /// say) must be cleaned before it lands there.
    public struct Redaction: Sendable {
        let transform: @Sendable ([UInt8]) -> [UInt8]

        /// Creates a redaction applied to the key and the value bytes.
        public init(_ transform: @escaping @Sendable ([UInt8]) -> [UInt8]) { self.transform = transform }

        /// Writes the bytes unchanged.
        public static let none = Redaction { $0 }

        /// Writes no bytes: the key and value are null, only the headers tell what failed.
        public static let dropContent = Redaction { _ in [] }
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

    /// Sends each bad record to a dead-letter topic and goes on.
    /// - Parameters:
    ///   - topic: The dead-letter topic; it must exist.
    ///   - redact: Applied to the key and value bytes before they are written.
    public static func deadLetterQueue(_ topic: TopicName, redact: Redaction = .none) -> DeserializationErrorHandler {
        DeserializationErrorHandler { _ in .deadLetter(topic: topic, redact: redact) }
    }
}

/// The headers a dead-letter record carries, after the record's own headers.
///
/// Values are UTF-8 strings; the names follow Kafka Streams' dead-letter queue (KIP-1034).
public enum DeadLetterHeaders {
    /// The topic the record was read from.
    public static let topic = "__streams.errors.topic"
    /// Its partition, in decimal.
    public static let partition = "__streams.errors.partition"
    /// Its offset, in decimal.
    public static let offset = "__streams.errors.offset"
    /// The error's code, e.g. `deserialization`.
    public static let exception = "__streams.errors.exception"
    /// The error's message (it never holds record content).
    public static let message = "__streams.errors.message"
    /// The processor node that failed.
    public static let node = "__streams.errors.node"
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
