import Streams

/// Reads typed records from a topic of a ``TopologyTestDriver``, in the order they were
/// written (partition by partition when the topic has several).
public struct TestOutputTopic<Key, Value> {
    let driver: TopologyTestDriver
    /// The topic.
    public let topic: TopicName
    let key: Serde<Key>
    let value: Serde<Value>

    init(driver: TopologyTestDriver, topic: TopicName, key: Serde<Key>, value: Serde<Value>) {
        self.driver = driver
        self.topic = topic
        self.key = key
        self.value = value
    }

    /// Reads the next record.
    /// - Throws: ``StreamsError`` (``StreamsError/Code/illegalState``) when no record is left,
    ///   or the serdes' errors.
    public func readRecord() throws -> Record<Key, Value> {
        guard let stored = try driver.nextRecord(of: topic) else {
            throw StreamsError(.illegalState, "no unread record left in topic \(topic)")
        }
        return Record(
            key: try key.deserialize(stored.key), value: try value.deserialize(stored.value),
            timestamp: stored.timestamp, headers: stored.headers, metadata: stored.metadata)
    }

    /// Reads the next record's value.
    /// - Throws: As ``readRecord()``.
    public func readValue() throws -> Value { try readRecord().value }

    /// Reads the next record's key and value.
    /// - Throws: As ``readRecord()``.
    public func readKeyValue() throws -> (key: Key, value: Value) {
        let record = try readRecord()
        return (record.key, record.value)
    }

    /// Reads every unread record.
    /// - Throws: The serdes' errors.
    public func readRecordsToList() throws -> [Record<Key, Value>] {
        var records: [Record<Key, Value>] = []
        while !isEmpty { records.append(try readRecord()) }
        return records
    }

    /// Reads every unread value.
    /// - Throws: The serdes' errors.
    public func readValuesToList() throws -> [Value] { try readRecordsToList().map(\.value) }

    /// Reads every unread key and value.
    /// - Throws: The serdes' errors.
    public func readKeyValuesToList() throws -> [(key: Key, value: Value)] {
        try readRecordsToList().map { ($0.key, $0.value) }
    }

    /// The number of records not read yet.
    public var queueSize: Int64 { driver.unreadOutput[topic] ?? 0 }

    /// Whether every record has been read.
    public var isEmpty: Bool { queueSize == 0 }
}
