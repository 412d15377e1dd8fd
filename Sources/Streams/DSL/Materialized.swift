/// How a ``KTable`` keeps its state: the store's name (for queries and its changelog), its
/// serdes, and its engine. Kafka Streams' `Materialized`.
///
/// ```swift
/// let totals = purchases.groupByKey()
///     .aggregate(initializer: { 0.0 }, Materialized("totals", key: .string, value: .double)) { _, purchase, total in
///         total + purchase.amount
///     }
/// ```
public struct Materialized<Key, Value>: Sendable {
    /// The store's name; generated when `nil` (then the table cannot be queried by name).
    public var storeName: String?
    /// Serializes keys in the store and its changelog.
    public var key: Serde<Key>
    /// Serializes values in the store and its changelog.
    public var value: Serde<Value>
    /// Makes the bytes store; in memory when `nil`. Pass a persistent engine's supplier here
    /// (e.g. RocksDB's).
    public var storeSupplier: (@Sendable (_ name: String) -> KeyValueBytesStoreSupplier)?
    /// Whether the store has a changelog topic (so it survives a restart or a move); on by
    /// default.
    public var loggingEnabled = true
    /// Whether a write-back cache of typed values sits in front of the store (Kafka Streams'
    /// record cache, on by default for the DSL's stores as in Kafka): the latest value of a
    /// key reaches the store and its changelog at each commit rather than on every update.
    /// What the table forwards downstream does not change.
    public var cachingEnabled = true

    /// A materialization with these serdes.
    /// - Parameters:
    ///   - storeName: The store's name; generated when `nil`.
    ///   - key: Serializes keys.
    ///   - value: Serializes values.
    public init(_ storeName: String? = nil, key: Serde<Key>, value: Serde<Value>) {
        self.storeName = storeName
        self.key = key
        self.value = value
    }

    // The builders are inlinable so that a store's types are concrete where it is made: its
    // write-back (reached through `StateStore.flush()`) then runs specialized code.

    /// The key-value store builder for a store named `name`.
    @inlinable
    func storeBuilder(named name: String) -> StoreBuilder {
        configured(Stores.keyValueStoreBuilder(supplier(named: name), key: key, value: value))
    }

    /// The window store builder for a store named `name`.
    @inlinable
    func windowStoreBuilder(named name: String) -> StoreBuilder {
        configured(Stores.windowStoreBuilder(supplier(named: name), key: key, value: value))
    }

    /// The session store builder for a store named `name`.
    func sessionStoreBuilder(named name: String) -> StoreBuilder {
        configured(Stores.sessionStoreBuilder(supplier(named: name), key: key, value: value))
    }

    /// The bytes stores: in memory unless a supplier was given.
    @usableFromInline
    func supplier(named name: String) -> KeyValueBytesStoreSupplier {
        storeSupplier?(name) ?? Stores.inMemoryKeyValueStore(name)
    }

    /// `built` with caching and logging as set.
    @usableFromInline
    func configured(_ built: StoreBuilder) -> StoreBuilder {
        let cached = cachingEnabled ? built.withCachingEnabled() : built
        return loggingEnabled ? cached : cached.withLoggingDisabled()
    }
}
