/// A typed store of one value per key and window start: Kafka Streams' `WindowStore<K, V>`.
///
/// It keeps its entries in a ``KeyValueBytesStore`` under the key's bytes followed by the
/// window start (8 bytes, big-endian, sign bit flipped so that order is numeric), the layout
/// of Kafka Streams' window key schema, so one key's windows are next to each other in time
/// order; it can therefore live in memory or on RocksDB and have a changelog.
public final class WindowStore<Key, Value>: StateStore {
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
    /// The buffer stored keys are made in for a lookup (see ``storeKey(of:_:)``).
    @exclusivity(unchecked) @usableFromInline var keyBuffer: [UInt8] = []

    /// Wraps a bytes store; every call goes straight to it.
    public convenience init(_ bytes: any KeyValueBytesStore, key: Serde<Key>, value: Serde<Value>) {
        self.init(bytes, key: key, value: value, cacheCapacity: nil)
    }

    /// Wraps a bytes store, with a write-back cache of `cacheCapacity` typed windows in front
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

    /// The value of `key` in the window starting at `start`, or `nil`.
    @inlinable
    public func fetch(_ key: Key, windowStart start: Int64) throws -> Value? {
        let stored = try storeKey(of: key, start)
        guard let cache else { return try bytes.get(stored).map(valueSerde.deserialize) }
        return try cache.entry(stored, load: { try bytes.get(stored).map(valueSerde.deserialize) }, writeBack: writeToBytes).value
    }

    /// Reads, changes and writes the value of `key` in the window starting at `start` in one
    /// step, serializing and looking up the key once: what a windowed aggregation does with
    /// every record.
    /// - Parameters:
    ///   - key: The key.
    ///   - start: The window's start, in milliseconds.
    ///   - body: Receives the window's current value (`nil` if there is none) and changes it;
    ///     the value it leaves is written (`nil` deletes it). If it throws, nothing is written.
    /// - Returns: What `body` returns.
    /// - Throws: ``StreamsError`` if the key cannot be serialized or the store fails, or what
    ///   `body` throws.
    @inlinable
    public func update<Result>(_ key: Key, windowStart start: Int64, _ body: (inout Value?) throws -> Result) throws -> Result {
        try update(key, windowStart: start, inPlace: false, body)
    }

    /// ``update(_:windowStart:_:)``, optionally changing a cached value where it is, as
    /// ``KeyValueStore/update(_:inPlace:_:)`` does.
    @inlinable
    public func update<Result>(
        _ key: Key, windowStart start: Int64, inPlace: Bool, _ body: (inout Value?) throws -> Result
    ) throws -> Result {
        let stored = try storeKey(of: key, start)
        guard let cache else {
            var value = try bytes.get(stored).map(valueSerde.deserialize)
            let result = try body(&value)
            try writeToBytes(stored, value)
            return result
        }
        return try cache.update(
            stored, load: { try bytes.get(stored).map(valueSerde.deserialize) }, writeBack: writeToBytes, inPlace: inPlace, body)
    }

    /// Stores `value` for `key` in the window starting at `start`; `nil` deletes it.
    @inlinable
    public func put(_ key: Key, _ value: Value?, windowStart start: Int64) throws {
        let stored = try storeKey(of: key, start)
        if let cache {
            try cache.write(stored, value, writeBack: writeToBytes)
        } else {
            try writeToBytes(stored, value)
        }
    }

    /// The windows of `key` that start in `from...to`, oldest first.
    public func fetch(_ key: Key, from: Int64, to: Int64) throws -> [(start: Int64, value: Value)] {
        try writeCachedEntries()
        let keyBytes = try serializeKey(key)
        return try bytes.range(from: storeKey(keyBytes, from), to: storeKey(keyBytes, to), reverse: false)
            .filter { $0.key.count == keyBytes.count + 8 && $0.key.starts(with: keyBytes) }
            .map { (Self.start(of: $0.key), try valueSerde.deserialize($0.value)) }
    }

    /// Every entry, by key bytes and then window start.
    public func all() throws -> [(key: Key, start: Int64, value: Value)] {
        try writeCachedEntries()
        return try bytes.range(from: nil, to: nil, reverse: false).compactMap { entry in
            guard entry.key.count >= 8 else { return nil }
            let key = try keySerde.deserialize(Array(entry.key.dropLast(8)))
            return (key, Self.start(of: entry.key), try valueSerde.deserialize(entry.value))
        }
    }

    /// Deletes the windows that start before `start` (retention).
    /// - Returns: How many entries were deleted.
    @discardableResult
    public func deleteWindows(before start: Int64) throws -> Int {
        let deleted = { (key: [UInt8]) in key.count >= 8 && Self.start(of: key) < start }
        try writeBackIfDirty(deleted)
        return try deleteWrittenBack(deleted)
    }

    /// Removes the windows that start at or before `start` and returns them, oldest first and
    /// then by the bytes of their keys: what a windowed aggregation that emits on window close forwards.
    /// Values still cached are returned as cached, without a deserialization.
    public func removeWindows(startingAtOrBefore start: Int64) throws -> [(key: Key, start: Int64, value: Value)] {
        func closed(_ key: [UInt8]) -> Bool { key.count >= 8 && Self.start(of: key) <= start }
        try writeBackIfDirty(closed)
        var removed: [(key: [UInt8], start: Int64, value: Value)] = []
        for entry in try bytes.all() where closed(entry.key) {
            let value = try cache?.cachedValue(entry.key).flatMap { $0 } ?? valueSerde.deserialize(entry.value)
            removed.append((Array(entry.key.dropLast(8)), Self.start(of: entry.key), value))
        }
        guard !removed.isEmpty else { return [] }
        removed.sort { $0.start != $1.start ? $0.start < $1.start : compareKeyBytes($0.key, $1.key) < 0 }
        let windows = try removed.map { (try keySerde.deserialize($0.key), $0.start, $0.value) }
        _ = try deleteWrittenBack(closed)
        return windows
    }

    /// Writes the cache back if some window about to be deleted is dirty in it: the store
    /// underneath then holds every such window, and the cache only the same values (or
    /// windows that stay). Otherwise a deleted window's unwritten change would outlive it.
    func writeBackIfDirty(_ deleted: ([UInt8]) -> Bool) throws {
        if cache?.hasDirtyEntry(where: deleted) == true { try writeCachedEntries() }
    }

    /// Deletes the windows whose keys match, after ``writeBackIfDirty(_:)``: their cache
    /// entries are clean, so they are forgotten.
    func deleteWrittenBack(_ deleted: ([UInt8]) -> Bool) throws -> Int {
        cache?.forget(where: deleted)
        return try bytes.deleteAll(where: deleted)
    }

    /// An estimate of the number of entries.
    public var approximateNumEntries: Int { bytes.approximateNumEntries }

    /// Writes cached changes to the store underneath (and so to its changelog), then flushes it.
    public func flush() throws {
        try writeCachedEntries()
        try bytes.flush()
    }

    /// Closes the store underneath; unflushed cached changes are dropped, as in
    /// ``KeyValueStore/close()``.
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
        try bytes.put(key, try value.map { try valueSerde.serialize($0) ?? [] })
    }

    @inlinable
    func serializeKey(_ key: Key) throws -> [UInt8] {
        var serialized: [UInt8] = []
        try serializeKey(key, into: &serialized)
        return serialized
    }

    @inlinable
    func serializeKey(_ key: Key, into buffer: inout [UInt8]) throws {
        guard try keySerde.serialize(key, into: &buffer) else {
            throw StreamsError(.serialization, "window store \(name) cannot store a null key")
        }
    }

    /// The stored key of `key`'s window starting at `start` (see ``storeKey(_:_:)``), made in
    /// the store's reusable key buffer: a lookup that hits the cache allocates nothing. A
    /// cache or store that keeps the array shares it, and the next lookup's buffer is then a
    /// new one.
    @inlinable
    func storeKey(of key: Key, _ start: Int64) throws -> [UInt8] {
        keyBuffer.removeAll(keepingCapacity: true)
        try serializeKey(key, into: &keyBuffer)
        appendSortable(start, to: &keyBuffer)
        return keyBuffer
    }

    /// Key bytes, then the start with its sign bit flipped (so negative starts sort first).
    @inlinable
    func storeKey(_ key: [UInt8], _ start: Int64) throws -> [UInt8] {
        var result = key
        appendSortable(start, to: &result)
        return result
    }

    @inlinable
    static func start(of storeKey: [UInt8]) -> Int64 {
        readSortable(storeKey, at: storeKey.count - 8)
    }
}

extension Stores {
    /// A builder of typed window stores over `supplier`'s bytes stores (change-logged by
    /// default).
    @inlinable
    public static func windowStoreBuilder<Key, Value>(
        _ supplier: KeyValueBytesStoreSupplier, key: Serde<Key>, value: Serde<Value>
    ) -> StoreBuilder {
        StoreBuilder(supplier: supplier) { bytes, cacheCapacity in
            WindowStore(bytes, key: key, value: value, cacheCapacity: cacheCapacity)
        }
    }
}
