/// Makes a state store for one task: registered with a topology, it gives every task its own
/// store of that name. Kafka Streams' `StoreBuilder`; make one with ``Stores``.
public struct StoreBuilder: Sendable {
    /// The store's name, unique in the topology.
    public let name: String
    /// Whether the store keeps its data on disk.
    public let persistent: Bool
    let make: @Sendable (_ task: TaskId) throws -> any StateStore

    /// A builder from a function that makes the store of a task.
    /// - Parameters:
    ///   - name: The store's name.
    ///   - persistent: Whether the stores it makes are persistent.
    ///   - make: Makes the store for a task.
    public init(name: String, persistent: Bool, make: @escaping @Sendable (_ task: TaskId) throws -> any StateStore) {
        self.name = name
        self.persistent = persistent
        self.make = make
    }
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
    public static func keyValueStoreBuilder<Key, Value>(
        _ supplier: KeyValueBytesStoreSupplier, key: Serde<Key>, value: Serde<Value>
    ) -> StoreBuilder {
        StoreBuilder(name: supplier.name, persistent: supplier.persistent) { task in
            KeyValueStore(try supplier.make(task), key: key, value: value)
        }
    }
}
