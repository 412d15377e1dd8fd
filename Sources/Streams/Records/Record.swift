/// An immutable key/value record flowing through a topology.
///
/// Every record has a key, a value, a timestamp (milliseconds since the Unix epoch, Kafka's
/// event time) and headers. Records read from a topic also carry their ``metadata``.
/// Derive new records with ``withKey(_:)``, ``withValue(_:)``, ``withTimestamp(_:)`` and
/// ``withHeaders(_:)``; the original is never changed.
///
/// ```swift
/// let masked = record.withValue(record.value.maskingCreditCard())
/// ```
public struct Record<Key, Value> {
    /// The record's key: it decides the partition and groups records for stateful operations.
    public let key: Key
    /// The record's value.
    public let value: Value
    /// Event time in milliseconds since the Unix epoch.
    @inlinable public var timestamp: Int64 { _timestamp }
    /// Stored `var` so that a source can stamp the record it built in place (a new record
    /// would copy the key, value, headers and metadata).
    @usableFromInline var _timestamp: Int64
    /// The record's headers.
    public let headers: Headers
    /// The source topic, partition and offset, where known.
    @inlinable public var metadata: RecordMetadata? { _metadata.isAbsent ? nil : _metadata }
    /// ``metadata``, or ``RecordMetadata/absent``: not optional, because copying an optional
    /// `RecordMetadata` (every record passed from node to node) went through the generic
    /// `Optional` value witness, about 100 instructions, where this is one retain.
    @usableFromInline let _metadata: RecordMetadata

    /// Creates a record.
    /// - Parameters:
    ///   - key: The key.
    ///   - value: The value.
    ///   - timestamp: Event time in milliseconds since the Unix epoch.
    ///   - headers: Headers; empty by default.
    ///   - metadata: Source topic, partition and offset, if the record was read from a topic.
    @inlinable
    public init(
        key: Key, value: Value, timestamp: Int64, headers: Headers = Headers(),
        metadata: RecordMetadata? = nil
    ) {
        self.init(key: key, value: value, timestamp: timestamp, headers: headers, storedMetadata: metadata ?? .absent)
    }

    @inlinable
    init(key: Key, value: Value, timestamp: Int64, headers: Headers, storedMetadata: RecordMetadata) {
        self.key = key
        self.value = value
        self._timestamp = timestamp
        self.headers = headers
        self._metadata = storedMetadata
    }

    /// A copy of this record with another key (of any type).
    @inlinable
    public func withKey<NewKey>(_ key: NewKey) -> Record<NewKey, Value> {
        Record<NewKey, Value>(
            key: key, value: value, timestamp: timestamp, headers: headers, storedMetadata: _metadata)
    }

    /// A copy of this record with another value (of any type).
    @inlinable
    public func withValue<NewValue>(_ value: NewValue) -> Record<Key, NewValue> {
        Record<Key, NewValue>(
            key: key, value: value, timestamp: timestamp, headers: headers, storedMetadata: _metadata)
    }

    /// A copy of this record with another key and value.
    @inlinable
    public func with<NewKey, NewValue>(key: NewKey, value: NewValue) -> Record<NewKey, NewValue> {
        Record<NewKey, NewValue>(
            key: key, value: value, timestamp: timestamp, headers: headers, storedMetadata: _metadata)
    }

    /// A copy of this record with another timestamp.
    @inlinable
    public func withTimestamp(_ timestamp: Int64) -> Record {
        Record(key: key, value: value, timestamp: timestamp, headers: headers, storedMetadata: _metadata)
    }

    /// A copy of this record with other headers.
    @inlinable
    public func withHeaders(_ headers: Headers) -> Record {
        Record(key: key, value: value, timestamp: timestamp, headers: headers, storedMetadata: _metadata)
    }
}

extension Record: Sendable where Key: Sendable, Value: Sendable {}
extension Record: Equatable where Key: Equatable, Value: Equatable {}
extension Record: Hashable where Key: Hashable, Value: Hashable {}
