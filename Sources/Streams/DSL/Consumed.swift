/// How a stream reads its topic: key and value serdes, an optional timestamp extractor and an
/// optional source node name.
public struct Consumed<Key, Value>: Sendable {
    /// Deserializes keys.
    public var key: Serde<Key>
    /// Deserializes values.
    public var value: Serde<Value>
    /// Gives each record its event time; `nil` uses the record's own timestamp.
    public var timestampExtractor: TimestampExtractor<Key, Value>?
    /// The source node's name; generated when `nil`.
    public var name: String?

    /// Creates the options.
    /// - Parameters:
    ///   - key: Deserializes keys.
    ///   - value: Deserializes values.
    ///   - timestampExtractor: Gives each record its event time.
    ///   - name: The source node's name.
    public init(
        key: Serde<Key>, value: Serde<Value>, timestampExtractor: TimestampExtractor<Key, Value>? = nil,
        name: String? = nil
    ) {
        self.key = key
        self.value = value
        self.timestampExtractor = timestampExtractor
        self.name = name
    }
}

/// Gives a record its event time from its content.
///
/// ```swift
/// let byPurchaseTime = TimestampExtractor<String, Purchase> { record in
///     Int64(record.value.purchaseDate.timeIntervalSince1970 * 1000)
/// }
/// ```
public struct TimestampExtractor<Key, Value>: Sendable {
    @usableFromInline let body: @Sendable (Record<Key, Value>) -> Int64

    /// Creates an extractor.
    /// - Parameter body: Returns the record's event time in milliseconds since the epoch.
    public init(_ body: @escaping @Sendable (Record<Key, Value>) -> Int64) { self.body = body }

    /// The event time of a record.
    @inlinable
    public func extract(_ record: Record<Key, Value>) -> Int64 { body(record) }
}

/// How a stream writes a topic: key and value serdes, an optional partitioner and an optional
/// sink node name.
public struct Produced<Key, Value>: Sendable {
    /// Serializes keys.
    public var key: Serde<Key>
    /// Serializes values.
    public var value: Serde<Value>
    /// Chooses partitions; `nil` for murmur2 of the key, as Kafka's Java producer.
    public var partitioner: StreamPartitioner<Key, Value>?
    /// The sink node's name; generated when `nil`.
    public var name: String?

    /// Creates the options.
    /// - Parameters:
    ///   - key: Serializes keys.
    ///   - value: Serializes values.
    ///   - partitioner: Chooses partitions.
    ///   - name: The sink node's name.
    public init(
        key: Serde<Key>, value: Serde<Value>, partitioner: StreamPartitioner<Key, Value>? = nil,
        name: String? = nil
    ) {
        self.key = key
        self.value = value
        self.partitioner = partitioner
        self.name = name
    }
}
