/// What a stream-stream join buffers and how it names its stores: the serdes of both
/// streams' records. Kafka Streams' `StreamJoined`.
///
/// ```swift
/// let joined = StreamJoined("orders-payments", key: .string, value: .json(Order.self), otherValue: .json(Payment.self))
/// ```
public struct StreamJoined<Key, Value, OtherValue>: Sendable {
    /// Names the two buffer stores, `<name>-this-join-store` and `<name>-other-join-store`
    /// (and their changelogs); generated from the join's node name when `nil`.
    public var name: String?
    /// Serializes the keys in both buffers.
    public var key: Serde<Key>
    /// Serializes this (left) stream's values in its buffer.
    public var value: Serde<Value>
    /// Serializes the other (right) stream's values in its buffer.
    public var otherValue: Serde<OtherValue>

    /// A join's buffer settings.
    /// - Parameters:
    ///   - name: Names the buffer stores; generated when `nil`.
    ///   - key: The key serde.
    ///   - value: This stream's value serde.
    ///   - otherValue: The other stream's value serde.
    public init(_ name: String? = nil, key: Serde<Key>, value: Serde<Value>, otherValue: Serde<OtherValue>) {
        self.name = name
        self.key = key
        self.value = value
        self.otherValue = otherValue
    }
}
