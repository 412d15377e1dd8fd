extension KStream {
    /// Joins each record with the table's current value for its key; records whose key has
    /// no value in the table are dropped. Kafka Streams' `KStream.join(KTable)`.
    ///
    /// ```swift
    /// let enriched = purchases.join(customers) { purchase, customer in
    ///     EnrichedPurchase(purchase: purchase, customer: customer)
    /// }
    /// ```
    /// The stream and the table's topic must be co-partitioned (same key, same partition
    /// count), and the table materialized (from ``StreamsBuilder/table(_:_:_:)`` or an
    /// aggregation); otherwise the build fails naming the node.
    /// - Parameters:
    ///   - table: The table.
    ///   - name: The node's name; generated when `nil`.
    ///   - joiner: Combines the record's value with the table's.
    public func join<TableValue, Joined>(
        _ table: KTable<Key, TableValue>, named name: String? = nil,
        _ joiner: @escaping @Sendable (Value, TableValue) throws -> Joined
    ) -> KStream<Key, Joined> {
        addTableJoin(table, named: name) { value, tableValue in
            try tableValue.map { try joiner(value, $0) }
        }
    }

    /// Joins each record with the table's current value for its key, or `nil` when it has
    /// none: every record produces one. Kafka Streams' `KStream.leftJoin(KTable)`.
    public func leftJoin<TableValue, Joined>(
        _ table: KTable<Key, TableValue>, named name: String? = nil,
        _ joiner: @escaping @Sendable (Value, TableValue?) throws -> Joined
    ) -> KStream<Key, Joined> {
        addTableJoin(table, named: name) { value, tableValue in try joiner(value, tableValue) }
    }

    private func addTableJoin<TableValue, Joined>(
        _ table: KTable<Key, TableValue>, named name: String?,
        _ join: @escaping @Sendable (Value, TableValue?) throws -> Joined?
    ) -> KStream<Key, Joined> {
        precondition(table.builder === builder, "join a stream and a table of one StreamsBuilder")
        let nodeName = builder.nodeName(name, prefix: "KSTREAM-JOIN-")
        if keyChanged {
            builder.topology.deferredErrors.append(
                StreamsError(
                    .invalidTopology,
                    "node \(nodeName) joins a stream whose keys changed upstream with a table: group or write the stream to a topic keyed like the table first",
                    node: nodeName))
        }
        guard let storeName = table.storeName else {
            builder.topology.deferredErrors.append(
                StreamsError(
                    .invalidTopology,
                    "node \(nodeName) joins table \(table.node), which is not materialized: join a table read with table(_:_:_:) or made by an aggregation",
                    node: nodeName))
            return KStream<Key, Joined>(builder: builder, node: nodeName, keyChanged: keyChanged)
        }
        builder.topology.addProcessor(nodeName, parents: [node], stores: [storeName]) {
            KStreamTableJoin<Key, Value, TableValue, Joined>(store: storeName, join)
        }
        return KStream<Key, Joined>(builder: builder, node: nodeName, keyChanged: keyChanged)
    }
}

/// Looks each record's key up in a table's store and forwards the joined value (or nothing,
/// when the join gives `nil`).
final class KStreamTableJoin<Key, Value, TableValue, Joined>: Processor {
    typealias KeyIn = Key
    typealias ValueIn = Value
    typealias KeyOut = Key
    typealias ValueOut = Joined
    let storeName: String
    let join: @Sendable (Value, TableValue?) throws -> Joined?
    private var context: ProcessorContext<Key, Joined>!
    private var table: KeyValueStore<Key, TableValue>!

    init(store: String, _ join: @escaping @Sendable (Value, TableValue?) throws -> Joined?) {
        storeName = store
        self.join = join
    }

    func initialize(context: ProcessorContext<Key, Joined>) throws {
        self.context = context
        table = try context.stateStore(named: storeName, as: KeyValueStore<Key, TableValue>.self)
    }

    func process(_ record: Record<Key, Value>) throws {
        guard let joined = try join(record.value, try table.get(record.key)) else { return }
        try context.forward(record.withValue(joined))
    }
}
