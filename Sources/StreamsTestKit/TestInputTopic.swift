import Streams

/// Pipes typed records into a topic of a ``TopologyTestDriver``; each is processed before the
/// call returns.
public struct TestInputTopic<Key, Value> {
    let driver: TopologyTestDriver
    /// The topic.
    public let topic: TopicName
    let key: Serde<Key>
    let value: Serde<Value>
    private let nextTimestamp: TimestampCounter

    init(
        driver: TopologyTestDriver, topic: TopicName, key: Serde<Key>, value: Serde<Value>,
        startTimestamp: Int64, autoAdvance: Duration
    ) {
        self.driver = driver
        self.topic = topic
        self.key = key
        self.value = value
        let (seconds, attoseconds) = autoAdvance.components
        nextTimestamp = TimestampCounter(
            next: startTimestamp, step: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    /// Pipes one record.
    /// - Parameters:
    ///   - key: The key.
    ///   - value: The value.
    ///   - timestamp: Event time in ms; the topic's running timestamp when `nil`.
    ///   - headers: Headers.
    /// - Throws: The serdes' errors, or the error processing raised.
    public func pipeInput(key: Key, value: Value, timestamp: Int64? = nil, headers: Headers = Headers()) throws {
        try driver.pipe(
            topic: topic, key: try self.key.serialize(key), value: try self.value.serialize(value),
            timestamp: timestamp ?? nextTimestamp.take(), headers: headers)
    }

    /// Pipes one record given as a ``Record`` (its metadata is ignored).
    /// - Throws: The serdes' errors, or the error processing raised.
    public func pipeInput(_ record: Record<Key, Value>) throws {
        try pipeInput(key: record.key, value: record.value, timestamp: record.timestamp, headers: record.headers)
    }

    /// Pipes records in order, with the topic's running timestamps.
    /// - Throws: The first error.
    public func pipeKeyValues(_ pairs: [(Key, Value)]) throws {
        for (key, value) in pairs { try pipeInput(key: key, value: value) }
    }

    /// Pipes raw bytes, e.g. to test what a serde does with bad input.
    /// - Parameters:
    ///   - key: Key bytes; `nil` for null.
    ///   - value: Value bytes; `nil` for null.
    ///   - timestamp: Event time in ms; the topic's running timestamp when `nil`.
    /// - Throws: The error processing raised.
    public func pipeRaw(key: [UInt8]?, value: [UInt8]?, timestamp: Int64? = nil) throws {
        try driver.pipe(
            topic: topic, key: key, value: value, timestamp: timestamp ?? nextTimestamp.take(),
            headers: Headers())
    }

    /// Moves the running timestamp forward.
    public func advanceTime(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        nextTimestamp.next += seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

extension TestInputTopic where Key: ExpressibleByNilLiteral {
    /// Pipes a value with a null key.
    /// - Throws: The serdes' errors, or the error processing raised.
    public func pipeInput(_ value: Value, timestamp: Int64? = nil) throws {
        try pipeInput(key: nil, value: value, timestamp: timestamp)
    }

    /// Pipes values with null keys, in order.
    /// - Throws: The first error.
    public func pipeValues(_ values: [Value]) throws {
        for value in values { try pipeInput(value) }
    }
}

private final class TimestampCounter {
    var next: Int64
    let step: Int64
    init(next: Int64, step: Int64) {
        self.next = next
        self.step = step
    }
    func take() -> Int64 {
        defer { next += step }
        return next
    }
}
