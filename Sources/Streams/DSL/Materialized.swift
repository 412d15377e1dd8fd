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

    /// The key-value store builder for a store named `name`.
    @usableFromInline
    func storeBuilder(named name: String) -> StoreBuilder {
        builder(named: name, Stores.keyValueStoreBuilder)
    }

    /// The window store builder for a store named `name`.
    @usableFromInline
    func windowStoreBuilder(named name: String) -> StoreBuilder {
        builder(named: name, Stores.windowStoreBuilder)
    }

    /// The session store builder for a store named `name`.
    func sessionStoreBuilder(named name: String) -> StoreBuilder {
        builder(named: name, Stores.sessionStoreBuilder)
    }

    /// The supplier (in memory unless one was given) through `make`, with logging as set.
    private func builder(
        named name: String, _ make: (KeyValueBytesStoreSupplier, Serde<Key>, Serde<Value>) -> StoreBuilder
    ) -> StoreBuilder {
        var built = make(storeSupplier?(name) ?? Stores.inMemoryKeyValueStore(name), key, value)
        if cachingEnabled { built = built.withCachingEnabled() }
        return loggingEnabled ? built : built.withLoggingDisabled()
    }
}
