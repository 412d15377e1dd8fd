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
    @usableFromInline let keySerde: Serde<Key>
    @usableFromInline let valueSerde: Serde<Value>
    /// Typed values not yet written to `bytes` (see ``StoreBuilder/withCachingEnabled(maxEntries:)``).
    @usableFromInline let cache: StoreCache<Value>?
    /// Writes `cache` back to `bytes`. Made in `init`, where the store's types are concrete
    /// (the builders are inlinable), so that a flush reached through ``StateStore`` runs
    /// specialized code rather than the generic path.
    @usableFromInline var writeBackCache: (() throws -> Void)?
    // Confined to the store's thread, like every store: no run-time exclusivity checks.
    /// The buffer keys are serialized into for a lookup (see ``lookupKey(_:)``).
    @exclusivity(unchecked) @usableFromInline var keyBuffer: [UInt8] = []

    /// Wraps a bytes store; every call goes straight to it.
    public convenience init(_ bytes: any KeyValueBytesStore, key: Serde<Key>, value: Serde<Value>) {
        self.init(bytes, key: key, value: value, cacheCapacity: nil)
    }

    /// Wraps a bytes store, with a write-back cache of `cacheCapacity` typed entries in front
    /// of it when not `nil`.
    /// - Precondition: `cacheCapacity`, when given, is at least 1.
    @inlinable
    public init(_ bytes: any KeyValueBytesStore, key: Serde<Key>, value: Serde<Value>, cacheCapacity: Int?) {
        self.bytes = bytes
        keySerde = key
        valueSerde = value
        cache = cacheCapacity.map { StoreCache(capacity: $0) }
        if let cache {
            writeBackCache = { [unowned self, cache] in try cache.writeBack(self.writeToBytes) }
        }
    }

    /// The store's name.
    public var name: String { bytes.name }
    /// Whether the data survives a restart.
    public var persistent: Bool { bytes.persistent }

    /// The value stored for `key`, or `nil`.
    /// - Throws: ``StreamsError`` if a serde or the store fails.
    @inlinable
    public func get(_ key: Key) throws -> Value? {
        let keyBytes = try lookupKey(key)
        guard let cache else { return try bytes.get(keyBytes).map(deserializeValue) }
        return try cache.entry(keyBytes, load: { try bytes.get(keyBytes).map(deserializeValue) }, writeBack: writeToBytes).value
    }

    /// Reads, changes and writes the value of `key` in one step, serializing and looking up the
    /// key once: what an aggregation does with every record.
    ///
    /// ```swift
    /// try counts.update(word) { count in count = (count ?? 0) + 1 }
    /// ```
    /// - Parameters:
    ///   - key: The key.
    ///   - body: Receives the current value (`nil` if there is none) and changes it; the value
    ///     it leaves is written (`nil` deletes the key). If it throws, nothing is written.
    /// - Returns: What `body` returns.
    /// - Throws: ``StreamsError`` if the key or value cannot be (de)serialized or the store
    ///   fails, or what `body` throws.
    @inlinable
    public func update<Result>(_ key: Key, _ body: (inout Value?) throws -> Result) throws -> Result {
        try update(key, inPlace: false, body)
    }

    /// ``update(_:_:)``, optionally changing a cached value where it is.
    ///
    /// With `inPlace`, `body` gets the cached value itself rather than a copy, so a
    /// collection held nowhere else grows without being copied first (the DSL's
    /// `aggregate(into:)` uses it):
    ///
    /// ```swift
    /// try uses.update(card, inPlace: true) { uses in
    ///     if uses == nil { uses = [] }
    ///     uses!.append(use)
    /// }
    /// ```
    /// - Parameters:
    ///   - key: The key.
    ///   - inPlace: Whether `body` changes the cached value where it is. If it then throws,
    ///     the cache keeps what it left, as an `inout` argument does: use it where a throw
    ///     stops the task (whose uncommitted cache is then discarded), as a processor's
    ///     error does. `false` is ``update(_:_:)``. A store without a cache changes a copy
    ///     either way.
    ///   - body: Receives the current value (`nil` if there is none) and changes it; the value
    ///     it leaves is written (`nil` deletes the key).
    /// - Returns: What `body` returns.
    /// - Throws: ``StreamsError`` if the key or value cannot be (de)serialized or the store
    ///   fails, or what `body` throws.
    @inlinable
    public func update<Result>(_ key: Key, inPlace: Bool, _ body: (inout Value?) throws -> Result) throws -> Result {
        let keyBytes = try lookupKey(key)
        guard let cache else {
            var value = try bytes.get(keyBytes).map(deserializeValue)
            let result = try body(&value)
            try bytes.put(keyBytes, try value.map(serializeValue))
            return result
        }
        return try cache.update(
            keyBytes, load: { try bytes.get(keyBytes).map(deserializeValue) }, writeBack: writeToBytes, inPlace: inPlace, body)
    }

    /// Stores `value` for `key`; `nil` deletes it.
    @inlinable
    public func put(_ key: Key, _ value: Value?) throws {
        let keyBytes = try lookupKey(key)
        if let cache {
            try cache.write(keyBytes, value, writeBack: writeToBytes)
        } else {
            try bytes.put(keyBytes, try value.map(serializeValue))
        }
    }

    /// Stores `value` unless `key` has one; returns the value it already had.
    @discardableResult
    @inlinable
    public func putIfAbsent(_ key: Key, _ value: Value) throws -> Value? {
        if let existing = try get(key) { return existing }
        try put(key, value)
        return nil
    }

    /// Stores every pair.
    @inlinable
    public func putAll(_ entries: [(key: Key, value: Value?)]) throws {
        if cache != nil {
            for entry in entries { try put(entry.key, entry.value) }
            return
        }
        try bytes.putAll(try entries.map { (try serializeKey($0.key), try $0.value.map(serializeValue)) })
    }

    /// Deletes `key`; returns the value it had.
    @discardableResult
    @inlinable
    public func delete(_ key: Key) throws -> Value? {
        if let cache {
            let old = try get(key)
            try cache.write(try serializeKey(key), nil, writeBack: writeToBytes)
            return old
        }
        guard let old = try bytes.delete(try serializeKey(key)) else { return nil }
        return try deserializeValue(old)
    }

    /// The pairs with `from <= key <= to` in serialized-key order (`nil` bounds are open).
    @inlinable
    public func range(from: Key? = nil, to: Key? = nil, reverse: Bool = false) throws -> [(key: Key, value: Value)] {
        try writeCachedEntries()
        return try bytes.range(from: try from.map(serializeKey), to: try to.map(serializeKey), reverse: reverse).map {
            (try deserializeKey($0.key), try deserializeValue($0.value))
        }
    }

    /// Every pair, in serialized-key order.
    @inlinable
    public func all() throws -> [(key: Key, value: Value)] { try range() }

    /// An estimate of the number of keys.
    public var approximateNumEntries: Int { bytes.approximateNumEntries }

    /// Writes cached changes to the store underneath (and so to its changelog), then flushes it.
    @inlinable
    public func flush() throws {
        try writeCachedEntries()
        try bytes.flush()
    }

    /// Closes the store underneath. Cached changes not yet flushed are dropped: runtimes flush
    /// before they commit, and a task closed without a commit is processed again.
    public func close() {
        cache?.discard()
        bytes.close()
    }

    /// Writes cached changes to the store underneath, so that reading `bytes` sees them.
    @inlinable
    public func writeCachedEntries() throws {
        try writeBackCache?()
    }

    @inlinable
    func writeToBytes(_ key: [UInt8], _ value: Value?) throws {
        try bytes.put(key, try value.map(serializeValue))
    }

    @inlinable
    func serializeKey(_ key: Key) throws -> [UInt8] {
        var serialized: [UInt8] = []
        try serializeKey(key, into: &serialized)
        return serialized
    }

    /// `key`'s bytes, serialized into the store's reusable key buffer: a lookup that hits the
    /// cache allocates nothing. A cache or store that keeps the array shares it, and the next
    /// lookup's buffer is then a new one.
    @inlinable
    func lookupKey(_ key: Key) throws -> [UInt8] {
        keyBuffer.removeAll(keepingCapacity: true)
        try serializeKey(key, into: &keyBuffer)
        return keyBuffer
    }

    @inlinable
    func serializeKey(_ key: Key, into buffer: inout [UInt8]) throws {
        do {
            guard try keySerde.serialize(key, into: &buffer) else {
                throw StreamsError(.serialization, "state store \(name) cannot store a null key")
            }
        } catch let error as StreamsError {
            throw error
        } catch {
            throw StreamsError(.serialization, "state store \(name) cannot serialize a key", underlying: error)
        }
    }

    @inlinable
    func serializeValue(_ value: Value) throws -> [UInt8] {
        do {
            return try valueSerde.serialize(value) ?? []
        } catch {
            throw StreamsError(.serialization, "state store \(name) cannot serialize a value", underlying: error)
        }
    }

    @inlinable
    func deserializeKey(_ bytes: [UInt8]) throws -> Key {
        do {
            return try keySerde.deserialize(bytes)
        } catch {
            throw StreamsError(.deserialization, "state store \(name) holds a key its serde cannot read", underlying: error)
        }
    }

    @inlinable
    func deserializeValue(_ bytes: [UInt8]) throws -> Value {
        do {
            return try valueSerde.deserialize(bytes)
        } catch {
            throw StreamsError(.deserialization, "state store \(name) holds a value its serde cannot read", underlying: error)
        }
    }
}
