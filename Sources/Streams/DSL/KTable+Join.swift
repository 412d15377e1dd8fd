extension KTable {
    /// Joins two tables on their keys: whenever either side changes, the key's joined value
    /// is updated (a delete when one side has no value). Kafka Streams' `KTable.join(KTable)`.
    ///
    /// ```swift
    /// let profiles = customers.join(addresses) { customer, address in Profile(customer, address) }
    /// ```
    /// Both tables must be materialized and co-partitioned; otherwise the build fails naming
    /// the node. The result is not materialized.
    public func join<OtherValue, Joined>(
        _ other: KTable<Key, OtherValue>, named name: String? = nil,
        _ joiner: @escaping @Sendable (Value, OtherValue) throws -> Joined
    ) -> KTable<Key, Joined> {
        addJoin(other, named: name, prefix: "KTABLE-JOIN-") { value, otherValue in
            guard let value, let otherValue else { return nil }
            return try joiner(value, otherValue)
        }
    }

    /// Joins two tables keeping every key of this one: the other side is `nil` where it has
    /// no value. Kafka Streams' `KTable.leftJoin(KTable)`.
    public func leftJoin<OtherValue, Joined>(
        _ other: KTable<Key, OtherValue>, named name: String? = nil,
        _ joiner: @escaping @Sendable (Value, OtherValue?) throws -> Joined
    ) -> KTable<Key, Joined> {
        addJoin(other, named: name, prefix: "KTABLE-LEFTJOIN-") { value, otherValue in
            guard let value else { return nil }
            return try joiner(value, otherValue)
        }
    }

    /// Joins two tables keeping every key of either: a side without a value is `nil`. Kafka
    /// Streams' `KTable.outerJoin(KTable)`.
    public func outerJoin<OtherValue, Joined>(
        _ other: KTable<Key, OtherValue>, named name: String? = nil,
        _ joiner: @escaping @Sendable (Value?, OtherValue?) throws -> Joined
    ) -> KTable<Key, Joined> {
        addJoin(other, named: name, prefix: "KTABLE-OUTERJOIN-") { value, otherValue in
            guard value != nil || otherValue != nil else { return nil }
            return try joiner(value, otherValue)
        }
    }

    /// Adds one join node per side (each reads the other side's store) and a node that merges
    /// their results.
    private func addJoin<OtherValue, Joined>(
        _ other: KTable<Key, OtherValue>, named name: String?, prefix: String,
        _ join: @escaping @Sendable (Value?, OtherValue?) throws -> Joined?
    ) -> KTable<Key, Joined> {
        precondition(other.builder === builder, "join tables of one StreamsBuilder")
        let nodeName = builder.nodeName(name, prefix: prefix)
        guard let thisStore = storeName, let otherStore = other.storeName else {
            builder.topology.deferredErrors.append(
                StreamsError(
                    .invalidTopology,
                    "node \(nodeName) joins a table that is not materialized: join tables read with table(_:_:_:) or made by aggregations",
                    node: nodeName))
            return KTable<Key, Joined>(builder: builder, node: nodeName, storeName: nil)
        }
        let thisSide = "\(nodeName)-THIS"
        let otherSide = "\(nodeName)-OTHER"
        builder.topology.addProcessor(thisSide, parents: [node], stores: [otherStore]) {
            KTableKTableJoinSide<Key, Value, OtherValue, Joined>(otherStore: otherStore) { value, other in
                try join(value, other)
            }
        }
        builder.topology.addProcessor(otherSide, parents: [other.node], stores: [thisStore]) {
            KTableKTableJoinSide<Key, OtherValue, Value, Joined>(otherStore: thisStore) { otherValue, value in
                try join(value, otherValue)
            }
        }
        builder.topology.addProcessor(nodeName, parents: [thisSide, otherSide]) {
            KStreamPassThrough<Key, Joined?>()
        }
        return KTable<Key, Joined>(builder: builder, node: nodeName, storeName: nil)
    }
}

/// One side of a table-table join: a change of this side's key is joined with the other
/// side's current value for it.
final class KTableKTableJoinSide<Key, Value, OtherValue, Joined>: Processor {
    typealias KeyIn = Key
    typealias ValueIn = Value?
    typealias KeyOut = Key
    typealias ValueOut = Joined?
    let otherStoreName: String
    /// The joined value from this side's new value and the other side's (`nil` for a delete).
    let join: @Sendable (Value?, OtherValue?) throws -> Joined?
    private var context: ProcessorContext<Key, Joined?>!
    private var otherStore: KeyValueStore<Key, OtherValue>!

    init(otherStore: String, _ join: @escaping @Sendable (Value?, OtherValue?) throws -> Joined?) {
        otherStoreName = otherStore
        self.join = join
    }

    func initialize(context: ProcessorContext<Key, Joined?>) throws {
        self.context = context
        otherStore = try context.stateStore(named: otherStoreName, as: KeyValueStore<Key, OtherValue>.self)
    }

    func process(_ record: Record<Key, Value?>) throws {
        let joined = try join(record.value, try otherStore.get(record.key))
        try context.forward(record.withValue(joined))
    }
}
