/// Makes a state store for one task: registered with a topology, it gives every task its own
/// store of that name. Kafka Streams' `StoreBuilder`; make one with ``Stores``.
///
/// Key-value stores are change-logged by default: every write also goes to the compacted topic
/// `<applicationId>-<name>-changelog`, partition for partition with the task's input, before
/// the task's input offsets are committed; a task made again (after a crash, or on another
/// instance) rebuilds its store from that topic before it processes a record.
public struct StoreBuilder: Sendable {
    enum Kind: Sendable {
        /// A key-value store: the bytes store, and the typed store over it (with a cache of
        /// that many entries, or none).
        case keyValue(KeyValueBytesStoreSupplier, typed: @Sendable (any KeyValueBytesStore, _ cacheCapacity: Int?) -> any StateStore)
        /// A store made whole by the user; not change-logged.
        case custom(@Sendable (TaskId) throws -> any StateStore)
    }

    /// The store's name, unique in the topology.
    public let name: String
    /// Whether the store keeps its data on disk.
    public let persistent: Bool
    /// Whether the store's writes go to its changelog topic.
    public private(set) var loggingEnabled: Bool
    /// How many typed entries the store caches in front of its bytes store, or `nil` for no
    /// cache (see ``withCachingEnabled(maxEntries:)``).
    public private(set) var cacheCapacity: Int?
    let kind: Kind

    /// A builder from a function that makes the store of a task. Such stores are not
    /// change-logged: the runtime cannot see their writes.
    /// - Parameters:
    ///   - name: The store's name.
    ///   - persistent: Whether the stores it makes are persistent.
    ///   - make: Makes the store for a task.
    public init(name: String, persistent: Bool, make: @escaping @Sendable (_ task: TaskId) throws -> any StateStore) {
        self.name = name
        self.persistent = persistent
        loggingEnabled = false
        kind = .custom(make)
    }

    @usableFromInline
    init(
        supplier: KeyValueBytesStoreSupplier,
        typed: @escaping @Sendable (any KeyValueBytesStore, _ cacheCapacity: Int?) -> any StateStore
    ) {
        name = supplier.name
        persistent = supplier.persistent
        loggingEnabled = true
        kind = .keyValue(supplier, typed: typed)
    }

    /// The same builder with no changelog: the store starts empty whenever its task is made.
    public func withLoggingDisabled() -> StoreBuilder {
        var copy = self
        copy.loggingEnabled = false
        return copy
    }

    /// The same builder with a write-back cache of up to `maxEntries` typed values in front of
    /// each store (Kafka Streams' `withCachingEnabled()`): a hot key is neither deserialized
    /// on every read nor serialized and change-logged on every write; its latest value reaches
    /// the store and the changelog when the store is flushed (before every commit) or the
    /// cache fills. Downstream records are unaffected. Key-value stores only; others ignore it.
    /// - Parameter maxEntries: The most entries cached per store (per task).
    public func withCachingEnabled(maxEntries: Int = 10_000) -> StoreBuilder {
        precondition(maxEntries > 0, "a store cache holds at least one entry")
        var copy = self
        copy.cacheCapacity = maxEntries
        return copy
    }

    /// The same builder with no cache: every read and write goes to the store.
    public func withCachingDisabled() -> StoreBuilder {
        var copy = self
        copy.cacheCapacity = nil
        return copy
    }

    /// The changelog topic's name in the topology, `<name>-changelog`; on a cluster it has the
    /// application id before it.
    public var changelogTopic: TopicName { TopicName("\(name)-changelog") }
}

/// Makes the bytes store of one task: what engine keeps the data. Kafka Streams'
/// `KeyValueBytesStoreSupplier`.
public struct KeyValueBytesStoreSupplier: Sendable {
    /// The store's name.
    public let name: String
    /// Whether the stores it makes are persistent.
    public let persistent: Bool
    let make: @Sendable (_ task: TaskId) throws -> any KeyValueBytesStore

    /// A supplier from a function that makes the bytes store of a task (for engines other
    /// than the built-in ones, e.g. RocksDB from `StreamsRocksDB`).
    public init(
        name: String, persistent: Bool, make: @escaping @Sendable (_ task: TaskId) throws -> any KeyValueBytesStore
    ) {
        self.name = name
        self.persistent = persistent
        self.make = make
    }
}

/// Factories of state stores, as Kafka Streams' `Stores`.
///
/// ```swift
/// var builder = TopologyBuilder()
/// builder.addStateStore(
///     Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("counts"), key: .string, value: .int64),
///     processors: ["count"])
/// ```
public enum Stores {
    /// Key-value stores held in memory.
    public static func inMemoryKeyValueStore(_ name: String) -> KeyValueBytesStoreSupplier {
        KeyValueBytesStoreSupplier(name: name, persistent: false) { _ in InMemoryKeyValueStore(name: name) }
    }

    /// A builder of typed key-value stores over `supplier`'s bytes stores.
    /// Its stores are change-logged (see ``StoreBuilder/withLoggingDisabled()``) and not
    /// cached (see ``StoreBuilder/withCachingEnabled(maxEntries:)``).
    @inlinable
    public static func keyValueStoreBuilder<Key, Value>(
        _ supplier: KeyValueBytesStoreSupplier, key: Serde<Key>, value: Serde<Value>
    ) -> StoreBuilder {
        StoreBuilder(supplier: supplier) { bytes, cacheCapacity in
            KeyValueStore(bytes, key: key, value: value, cacheCapacity: cacheCapacity)
        }
    }
}
