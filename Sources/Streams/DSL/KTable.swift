/// A table: the latest value of each key, updated as records arrive. Kafka Streams' `KTable`.
///
/// Make one from a topic with ``StreamsBuilder/table(_:_:_:)`` or by aggregating a
/// ``KGroupedStream``. Downstream, a table forwards each update as a record whose value is the
/// key's new value, or `nil` when the key was deleted (a tombstone).
public struct KTable<Key, Value> {
    @usableFromInline let builder: StreamsBuilder
    /// The name of the node whose output is this table's updates.
    public let node: String
    /// The state store that holds the table, when it is materialized (queryable by this name).
    public let storeName: String?
    /// The windows, for a table of windowed aggregates.
    @usableFromInline let windows: TimeWindows?

    @inlinable init(builder: StreamsBuilder, node: String, storeName: String?, windows: TimeWindows? = nil) {
        self.builder = builder
        self.node = node
        self.storeName = storeName
        self.windows = windows
    }

    /// The table's updates as a stream: each record is a key's new value, `nil` for a delete.
    ///
    /// ```swift
    /// counts.toStream().to("counts", Produced(key: .string, value: Serde<Int64>.int64.optional))
    /// ```
    @inlinable
    public func toStream(named name: String? = nil) -> KStream<Key, Value?> {
        let nodeName = builder.nodeName(name, prefix: "KTABLE-TOSTREAM-")
        builder.topology.addProcessor(nodeName, parents: [node]) {
            KStreamPeek<Key, Value?>({ _, _ in }, forward: true)
        }
        return KStream(builder: builder, node: nodeName)
    }

    /// Transforms each value; deletes stay deletes. Not materialized.
    @inlinable
    public func mapValues<NewValue>(
        named name: String? = nil, _ transform: @escaping @Sendable (Value) throws -> NewValue
    ) -> KTable<Key, NewValue> {
        let nodeName = builder.nodeName(name, prefix: "KTABLE-MAPVALUES-")
        builder.topology.addProcessor(nodeName, parents: [node]) {
            KStreamMapValues<Key, Value?, NewValue?>({ value in try value.map(transform) })
        }
        return KTable<Key, NewValue>(builder: builder, node: nodeName, storeName: nil)
    }

    /// Keeps the keys whose value satisfies a predicate: an update that fails it becomes a
    /// delete downstream, as in Kafka Streams. Not materialized.
    @inlinable
    public func filter(
        named name: String? = nil, _ predicate: @escaping @Sendable (Key, Value) throws -> Bool
    ) -> KTable<Key, Value> {
        let nodeName = builder.nodeName(name, prefix: "KTABLE-FILTER-")
        builder.topology.addProcessor(nodeName, parents: [node]) {
            KTableFilter<Key, Value>(predicate)
        }
        return KTable(builder: builder, node: nodeName, storeName: nil)
    }
}

@available(*, unavailable, message: "a KTable is a handle on its StreamsBuilder")
extension KTable: Sendable {}

@available(*, unavailable, message: "a KGroupedStream is a handle on its StreamsBuilder")
extension KGroupedStream: Sendable {}

extension StreamsBuilder {
    /// Reads a topic as a table: each record sets its key's value, a record with a null value
    /// deletes the key.
    ///
    /// ```swift
    /// let customers = builder.table("customers", Consumed(key: .string, value: .json(Customer.self)),
    ///                               Materialized("customers", key: .string, value: .json(Customer.self)))
    /// ```
    /// - Parameters:
    ///   - topic: The topic.
    ///   - consumed: The serdes (a timestamp extractor is not used: a table takes the records'
    ///     own timestamps) and the source's name.
    ///   - materialized: The store that holds the table.
    @discardableResult
    public func table<Key, Value>(
        _ topic: TopicName, _ consumed: Consumed<Key, Value>, _ materialized: Materialized<Key, Value>
    ) -> KTable<Key, Value> {
        let sourceName = nodeName(consumed.name, prefix: "KSTREAM-SOURCE-")
        topology.addSource(sourceName, topics: [topic], key: consumed.key, value: consumed.value.optional)
        let tableName = nodeName(nil, prefix: "KTABLE-SOURCE-")
        let storeName = materialized.storeName ?? "\(tableName)-STATE-STORE"
        topology.addStateStore(materialized.storeBuilder(named: storeName), processors: [tableName])
        topology.addProcessor(tableName, parents: [sourceName]) { KTableSource<Key, Value>(store: storeName) }
        return KTable(builder: self, node: tableName, storeName: storeName)
    }
}
