/// A typed key-value state store: Kafka Streams' `KeyValueStore<K, V>`.
///
/// It serializes keys and values with its serdes into a ``KeyValueBytesStore`` (in memory, or
/// persistent, e.g. on RocksDB), so ranges follow the order of the serialized keys: for the
/// built-in big-endian integer serdes that is numeric order for non-negative keys, for
/// strings it is UTF-8 byte order.
///
/// ```swift
/// let counts = try context.stateStore(named: "counts", as: KeyValueStore<String, Int64>.self)
/// let seen = try counts.get(record.key) ?? 0
/// try counts.put(record.key, seen + 1)
/// ```
public final class KeyValueStore<Key, Value>: StateStore {
    /// The bytes store underneath.
    public let bytes: any KeyValueBytesStore
    private let keySerde: Serde<Key>
    private let valueSerde: Serde<Value>

    /// Wraps a bytes store.
    public init(_ bytes: any KeyValueBytesStore, key: Serde<Key>, value: Serde<Value>) {
        self.bytes = bytes
        keySerde = key
        valueSerde = value
    }

    /// The store's name.
    public var name: String { bytes.name }
    /// Whether the data survives a restart.
    public var persistent: Bool { bytes.persistent }

    /// The value stored for `key`, or `nil`.
    /// - Throws: ``StreamsError`` if a serde or the store fails.
    public func get(_ key: Key) throws -> Value? {
        guard let stored = try bytes.get(try serializeKey(key)) else { return nil }
        return try deserializeValue(stored)
    }

    /// Stores `value` for `key`; `nil` deletes it.
    public func put(_ key: Key, _ value: Value?) throws {
        try bytes.put(try serializeKey(key), try value.map(serializeValue))
    }

    /// Stores `value` unless `key` has one; returns the value it already had.
    @discardableResult
    public func putIfAbsent(_ key: Key, _ value: Value) throws -> Value? {
        if let existing = try get(key) { return existing }
        try put(key, value)
        return nil
    }

    /// Stores every pair.
    public func putAll(_ entries: [(key: Key, value: Value?)]) throws {
        try bytes.putAll(try entries.map { (try serializeKey($0.key), try $0.value.map(serializeValue)) })
    }

    /// Deletes `key`; returns the value it had.
    @discardableResult
    public func delete(_ key: Key) throws -> Value? {
        guard let old = try bytes.delete(try serializeKey(key)) else { return nil }
        return try deserializeValue(old)
    }

    /// The pairs with `from <= key <= to` in serialized-key order (`nil` bounds are open).
    public func range(from: Key? = nil, to: Key? = nil, reverse: Bool = false) throws -> [(key: Key, value: Value)] {
        try bytes.range(from: try from.map(serializeKey), to: try to.map(serializeKey), reverse: reverse).map {
            (try deserializeKey($0.key), try deserializeValue($0.value))
        }
    }

    /// Every pair, in serialized-key order.
    public func all() throws -> [(key: Key, value: Value)] { try range() }

    /// An estimate of the number of keys.
    public var approximateNumEntries: Int { bytes.approximateNumEntries }

    /// Flushes the store underneath.
    public func flush() throws { try bytes.flush() }

    /// Closes the store underneath.
    public func close() { bytes.close() }

    private func serializeKey(_ key: Key) throws -> [UInt8] {
        do {
            guard let serialized = try keySerde.serialize(key) else {
                throw StreamsError(.serialization, "state store \(name) cannot store a null key")
            }
            return serialized
        } catch let error as StreamsError {
            throw error
        } catch {
            throw StreamsError(.serialization, "state store \(name) cannot serialize a key", underlying: error)
        }
    }

    private func serializeValue(_ value: Value) throws -> [UInt8] {
        do {
            return try valueSerde.serialize(value) ?? []
        } catch {
            throw StreamsError(.serialization, "state store \(name) cannot serialize a value", underlying: error)
        }
    }

    private func deserializeKey(_ bytes: [UInt8]) throws -> Key {
        do {
            return try keySerde.deserialize(bytes)
        } catch {
            throw StreamsError(.deserialization, "state store \(name) holds a key its serde cannot read", underlying: error)
        }
    }

    private func deserializeValue(_ bytes: [UInt8]) throws -> Value {
        do {
            return try valueSerde.deserialize(bytes)
        } catch {
            throw StreamsError(.deserialization, "state store \(name) holds a value its serde cannot read", underlying: error)
        }
    }
}
