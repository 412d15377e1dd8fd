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
    /// The stored keys of the windows by start, so that removing the windows before a bound
    /// reads only those instead of the whole store (see ``StartIndex``); `nil` until the first
    /// removal builds it.
    @exclusivity(unchecked) @usableFromInline var startIndex: StartIndex?

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
            let created = value == nil
            let result = try body(&value)
            try writeToBytes(stored, value)
            if created, value != nil { startIndex?.add(stored, start: start) }
            return result
        }
        var created = false
        let result = try cache.update(
            stored, load: { try bytes.get(stored).map(valueSerde.deserialize) }, writeBack: writeToBytes, inPlace: inPlace
        ) { value in
            let absent = value == nil
            let result = try body(&value)
            created = absent && value != nil
            return result
        }
        if created { startIndex?.add(stored, start: start) }
        return result
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
        if value != nil { startIndex?.add(stored, start: start) }
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
        guard start > .min else { return 0 }
        return try takeWindows(startingAtOrBefore: start - 1, reading: false).count
    }

    /// Removes the windows that start at or before `start` and returns them, oldest first and
    /// then by the bytes of their keys: what a windowed aggregation that emits on window close forwards.
    /// Values still cached are returned as cached, without a deserialization.
    public func removeWindows(startingAtOrBefore start: Int64) throws -> [(key: Key, start: Int64, value: Value)] {
        try takeWindows(startingAtOrBefore: start, reading: true).map { (try keySerde.deserialize(Array($0.key.dropLast(8))), $0.start, $0.value!) }
    }

    /// Deletes the windows that start at or before `bound`, found through the start index
    /// (built on first use), and returns them oldest first, then by stored key; with
    /// `reading`, each with its value (cached or deserialized), else with `nil`.
    func takeWindows(startingAtOrBefore bound: Int64, reading: Bool) throws -> [(key: [UInt8], start: Int64, value: Value?)] {
        if startIndex == nil { try buildStartIndex() }
        let closed = startIndex!.take(startingAtOrBefore: bound)
        guard !closed.isEmpty else { return [] }
        var removed: [(key: [UInt8], start: Int64, value: Value?)] = []
        var deleted: [[UInt8]] = []
        removed.reserveCapacity(closed.count)
        deleted.reserveCapacity(closed.count)
        for key in closed {
            // An index entry can be stale (the window was deleted since): the cache, else the
            // store underneath, decides. A cached deletion not yet written still has to reach
            // the store.
            if let cache, let cached = cache.cachedValue(key) {
                if let value = cached { removed.append((key, Self.start(of: key), reading ? value : nil)) }
                deleted.append(key)
            } else if let stored = try bytes.get(key) {
                removed.append((key, Self.start(of: key), reading ? try valueSerde.deserialize(stored) : nil))
                deleted.append(key)
            }
        }
        // A closed window's unwritten change is dropped with it, and the deletion reaches the
        // store underneath (and its changelog) directly: the other cached changes stay
        // unwritten until the next flush.
        cache?.drop(where: closed.contains)
        for key in deleted { _ = try bytes.delete(key) }
        // By start, then by the key's bytes (the stored key without its start). The positions
        // are sorted, not the windows: their values' type is generic here.
        let keys = removed.map { $0.key }
        let starts = removed.map { $0.start }
        let order = removed.indices.sorted { a, b in
            starts[a] != starts[b]
                ? starts[a] < starts[b] : compareKeyBytes(keys[a], count: keys[a].count - 8, keys[b], count: keys[b].count - 8) < 0
        }
        return order.map { removed[$0] }
    }

    /// Indexes every window by start, once: those of the store underneath (so windows that it
    /// held when it was opened, restored from a changelog or a local copy, are in it) and those
    /// cached (without writing them, so a commit still writes each once). From then on the
    /// writes of this store keep the index.
    func buildStartIndex() throws {
        var index = StartIndex()
        for entry in try bytes.all() where entry.key.count >= 8 { index.add(entry.key, start: Self.start(of: entry.key)) }
        cache?.forEachKey { key in if key.count >= 8 { index.add(key, start: Self.start(of: key)) } }
        startIndex = index
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
        startIndex = nil
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

/// The stored keys of a window store's windows, grouped by window start: what lets removing
/// closed windows touch only them, as Kafka Streams' segmented window stores drop whole
/// segments instead of scanning.
///
/// A key is added when its window is created or put; one deleted since stays listed until its
/// start is taken, and the store then checks that the window still exists. Few starts
/// are open at a time (a window size over its advance, plus the grace period), so finding the
/// ones at or before a bound scans a short list of starts, never the keys.
@usableFromInline
struct StartIndex {
    @usableFromInline var keysByStart: [Int64: Set<[UInt8]>] = [:]
    /// The earliest start listed, so that a bound before it is answered without a scan.
    @usableFromInline var earliest: Int64 = .max

    @inlinable init() {}

    @inlinable mutating func add(_ storedKey: [UInt8], start: Int64) {
        keysByStart[start, default: []].insert(storedKey)
        if start < earliest { earliest = start }
    }

    /// Removes and returns the keys listed for starts at or before `bound`.
    mutating func take(startingAtOrBefore bound: Int64) -> Set<[UInt8]> {
        guard bound >= earliest else { return [] }
        var taken: Set<[UInt8]> = []
        for start in keysByStart.keys.filter({ $0 <= bound }) {
            taken.formUnion(keysByStart.removeValue(forKey: start)!)
        }
        earliest = keysByStart.keys.min() ?? .max
        return taken
    }
}
