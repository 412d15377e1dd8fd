/// Local state a task keeps between records: Kafka Streams' `StateStore`.
///
/// A store belongs to one task and is used by that task's thread only. Stores are made by a
/// ``StoreBuilder`` registered with the topology (``TopologyBuilder/addStateStore(_:processors:)``),
/// once per task, and reached by name from the processors that were connected to them
/// (``ProcessorContext/stateStore(named:as:)``).
public protocol StateStore: AnyObject {
    /// The store's name, unique in the topology.
    var name: String { get }
    /// Whether the store keeps its data on disk across restarts.
    var persistent: Bool { get }
    /// Writes buffered changes to the store's backing medium.
    /// - Throws: ``StreamsError`` if the medium fails.
    func flush() throws
    /// Releases the store; it is not used afterwards.
    func close()
}

/// One entry of a key-value store, as bytes.
public struct KeyValueBytes: Sendable, Hashable {
    /// The serialized key.
    public var key: [UInt8]
    /// The serialized value.
    public var value: [UInt8]

    /// Creates an entry.
    public init(key: [UInt8], value: [UInt8]) {
        self.key = key
        self.value = value
    }
}

/// A key-value store of bytes: what a changelog records and what an engine such as RocksDB
/// keeps. Keys are ordered by their bytes, compared as unsigned numbers, shorter first on a
/// tie (the order RocksDB's default comparator and Kafka Streams' `Bytes` use).
///
/// Typed access goes through ``KeyValueStore``, which serializes with the store's serdes.
public protocol KeyValueBytesStore: StateStore {
    /// The value stored for `key`, or `nil`.
    func get(_ key: [UInt8]) throws -> [UInt8]?
    /// Stores `value` for `key`; `nil` deletes the key.
    func put(_ key: [UInt8], _ value: [UInt8]?) throws
    /// Stores every entry, in order; a `nil` value deletes its key.
    func putAll(_ entries: [(key: [UInt8], value: [UInt8]?)]) throws
    /// Deletes `key`; returns the value it had.
    @discardableResult
    func delete(_ key: [UInt8]) throws -> [UInt8]?
    /// The entries with `from <= key <= to` in key order (`nil` bounds are open), or in
    /// reverse order when `reverse` is set.
    func range(from: [UInt8]?, to: [UInt8]?, reverse: Bool) throws -> [KeyValueBytes]
    /// An estimate of the number of keys (exact for in-memory stores).
    var approximateNumEntries: Int { get }
    /// Where a persistent store keeps the changelog offset its data reflects, so that a
    /// restart reads only the changelog's tail; `nil` (the default) for stores that do not
    /// outlive their task.
    var checkpointPath: String? { get }
    /// Deletes every entry. A runtime wipes a persistent store this way when its data may
    /// hold writes that were never committed (exactly-once, after a crash), before it rebuilds
    /// the store from the committed changelog.
    /// - Throws: ``StreamsError`` from the storage engine.
    func removeAll() throws
}

extension KeyValueBytesStore {
    /// Stores every entry, one `put` at a time.
    public func putAll(_ entries: [(key: [UInt8], value: [UInt8]?)]) throws {
        for entry in entries { try put(entry.key, entry.value) }
    }

    /// Every entry, in key order.
    public func all() throws -> [KeyValueBytes] { try range(from: nil, to: nil, reverse: false) }

    /// Deletes every entry whose key satisfies `isDeleted` (a retention sweep).
    /// - Returns: How many entries were deleted.
    @discardableResult
    public func deleteAll(where isDeleted: ([UInt8]) throws -> Bool) throws -> Int {
        var deleted = 0
        for entry in try all() where try isDeleted(entry.key) {
            try delete(entry.key)
            deleted += 1
        }
        return deleted
    }

    /// None: the store does not outlive its task.
    public var checkpointPath: String? { nil }

    /// Deletes every entry, one key at a time.
    public func removeAll() throws {
        for entry in try all() { try delete(entry.key) }
    }
}

/// Compares byte strings as ``KeyValueBytesStore`` orders keys: unsigned lexicographic, a
/// prefix before the longer string.
public func compareKeyBytes(_ lhs: [UInt8], _ rhs: [UInt8]) -> Int {
    compareKeyBytes(lhs, count: lhs.count, rhs, count: rhs.count)
}

/// ``compareKeyBytes(_:_:)`` of the first `lhsCount` bytes of `lhs` and the first `rhsCount`
/// of `rhs` (a window store's keys without their window start, say).
@usableFromInline
func compareKeyBytes(_ lhs: [UInt8], count lhsCount: Int, _ rhs: [UInt8], count rhsCount: Int) -> Int {
    let count = min(lhsCount, rhsCount)
    for index in 0..<count where lhs[index] != rhs[index] {
        return lhs[index] < rhs[index] ? -1 : 1
    }
    return lhsCount == rhsCount ? 0 : (lhsCount < rhsCount ? -1 : 1)
}

/// A typed store kept in a ``KeyValueBytesStore`` (``KeyValueStore``, ``WindowStore``): what
/// interactive queries read, as bytes, on the store's own thread.
public protocol BytesBackedStore: StateStore {
    /// The bytes store underneath.
    var bytes: any KeyValueBytesStore { get }
    /// Writes changes the typed store holds in a cache to ``bytes``, so that reading it sees
    /// them; call it on the store's thread before reading ``bytes``.
    /// - Throws: ``StreamsError`` from a serde or the store.
    func writeCachedEntries() throws
}

extension BytesBackedStore {
    /// Nothing to write: the store has no cache.
    public func writeCachedEntries() throws {}
}

extension KeyValueStore: BytesBackedStore {}
extension WindowStore: BytesBackedStore {}
