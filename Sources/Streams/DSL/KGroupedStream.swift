/// A stream grouped by key, ready to aggregate: Kafka Streams' `KGroupedStream`. Make one with
/// ``KStream/groupByKey()``.
///
/// Each aggregation keeps one value per key in a state store (change-logged, so it survives
/// restarts) and returns the ``KTable`` of those values, which forwards every update.
public struct KGroupedStream<Key, Value> {
    let stream: KStream<Key, Value>

    /// Counts the records of each key.
    ///
    /// ```swift
    /// let perCustomer = purchases.groupByKey().count(Materialized("purchase-counts", key: .string, value: .int64))
    /// ```
    /// - Parameters:
    ///   - name: The node's name; generated when `nil`.
    ///   - materialized: The store.
    public func count(named name: String? = nil, _ materialized: Materialized<Key, Int64>) -> KTable<Key, Int64> {
        aggregate(named: name, initializer: { 0 }, materialized) { _, _, count in count + 1 }
    }

    /// Combines the values of each key: the first value as is, then `reducer(aggregate, value)`.
    ///
    /// ```swift
    /// let biggest = purchases.groupByKey().reduce(Materialized(key: .string, value: .json(Purchase.self))) { a, b in
    ///     a.price >= b.price ? a : b
    /// }
    /// ```
    /// - Parameters:
    ///   - name: The node's name; generated when `nil`.
    ///   - materialized: The store.
    ///   - reducer: Combines the aggregate so far with a new value.
    public func reduce(
        named name: String? = nil, _ materialized: Materialized<Key, Value>,
        _ reducer: @escaping @Sendable (_ aggregate: Value, _ value: Value) throws -> Value
    ) -> KTable<Key, Value> {
        addAggregation(named: name, prefix: "KSTREAM-REDUCE-", materialized) {
            KStreamAggregate<Key, Value, Value>(store: $0) { _, value, old in
                try old.map { try reducer($0, value) } ?? value
            }
        }
    }

    /// Folds the values of each key into an aggregate that starts at `initializer()`.
    ///
    /// ```swift
    /// let points = rewards.groupByKey().aggregate(
    ///     initializer: { 0 }, Materialized("points", key: .string, value: .int64)) { _, reward, total in
    ///     total + Int64(reward.rewardPoints)
    /// }
    /// ```
    /// - Parameters:
    ///   - name: The node's name; generated when `nil`.
    ///   - initializer: The aggregate of a key before its first record.
    ///   - materialized: The store.
    ///   - aggregator: Folds one record into the key's aggregate.
    public func aggregate<Aggregate>(
        named name: String? = nil, initializer: @escaping @Sendable () throws -> Aggregate,
        _ materialized: Materialized<Key, Aggregate>,
        _ aggregator: @escaping @Sendable (_ key: Key, _ value: Value, _ aggregate: Aggregate) throws -> Aggregate
    ) -> KTable<Key, Aggregate> {
        addAggregation(named: name, prefix: "KSTREAM-AGGREGATE-", materialized) {
            KStreamAggregate<Key, Value, Aggregate>(store: $0) { key, value, old in
                try aggregator(key, value, try old ?? initializer())
            }
        }
    }

    private func addAggregation<Aggregate>(
        named name: String?, prefix: String, _ materialized: Materialized<Key, Aggregate>,
        _ make: @escaping @Sendable (String) -> KStreamAggregate<Key, Value, Aggregate>
    ) -> KTable<Key, Aggregate> {
        let builder = stream.builder
        let nodeName = builder.nodeName(name, prefix: prefix)
        let storeName = materialized.storeName ?? "\(nodeName)-STATE-STORE"
        builder.topology.addStateStore(materialized.storeBuilder(named: storeName), processors: [nodeName])
        builder.topology.addProcessor(nodeName, parents: [stream.node]) { make(storeName) }
        return KTable(builder: builder, node: nodeName, storeName: storeName)
    }
}

extension KStream {
    /// Groups the stream by its current key, to aggregate it (``KGroupedStream``).
    ///
    /// The records are not repartitioned: the key must be the one the input topic was
    /// partitioned by (group before a key-changing operation such as ``selectKey(named:_:)``,
    /// or write the re-keyed stream to a topic and read it back).
    public func groupByKey() -> KGroupedStream<Key, Value> {
        KGroupedStream(stream: self)
    }
}
