/// A stream grouped by key, ready to aggregate: Kafka Streams' `KGroupedStream`. Make one with
/// ``KStream/groupByKey()``.
///
/// Each aggregation keeps one value per key in a state store (change-logged, so it survives
/// restarts) and returns the ``KTable`` of those values, which forwards every update.
public struct KGroupedStream<Key, Value> {
    @usableFromInline let stream: KStream<Key, Value>

    @inlinable init(stream: KStream<Key, Value>) { self.stream = stream }

    /// Counts the records of each key.
    ///
    /// ```swift
    /// let perCustomer = purchases.groupByKey().count(Materialized("purchase-counts", key: .string, value: .int64))
    /// ```
    /// - Parameters:
    ///   - name: The node's name; generated when `nil`.
    ///   - materialized: The store.
    @inlinable @discardableResult
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
    @inlinable @discardableResult
    public func reduce(
        named name: String? = nil, _ materialized: Materialized<Key, Value>,
        _ reducer: @escaping @Sendable (_ aggregate: Value, _ value: Value) throws -> Value
    ) -> KTable<Key, Value> {
        addAggregation(named: name, prefix: "KSTREAM-REDUCE-", materialized) {
            KStreamAggregate<Key, Value, Value>(store: $0, Fold.replacing(Fold.reducing(reducer)))
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
    @inlinable @discardableResult
    public func aggregate<Aggregate>(
        named name: String? = nil, initializer: @escaping @Sendable () throws -> Aggregate,
        _ materialized: Materialized<Key, Aggregate>,
        _ aggregator: @escaping @Sendable (_ key: Key, _ value: Value, _ aggregate: Aggregate) throws -> Aggregate
    ) -> KTable<Key, Aggregate> {
        addAggregation(named: name, prefix: "KSTREAM-AGGREGATE-", materialized) {
            KStreamAggregate<Key, Value, Aggregate>(store: $0, Fold.replacing(Fold.aggregating(initializer, aggregator)))
        }
    }

    /// Folds the values of each key into an aggregate that starts at `initializer()` and that
    /// `aggregator` changes in place, as `reduce(into:_:)` does for a Swift sequence.
    ///
    /// A cached aggregate held nowhere else is changed where it is: a collection that grows
    /// with every record is not copied for each one, as it is when a returning aggregator
    /// starts with `var aggregate = aggregate`.
    ///
    /// ```swift
    /// let itemsPerCustomer = purchases.groupByKey().aggregate(
    ///     into: { [String: Int]() }, Materialized("items", key: .string, value: .json([String: Int].self))
    /// ) { _, purchase, items in
    ///     items[purchase.itemPurchased, default: 0] += purchase.quantity
    /// }
    /// ```
    /// - Parameters:
    ///   - name: The node's name; generated when `nil`.
    ///   - initializer: The aggregate of a key before its first record.
    ///   - materialized: The store.
    ///   - aggregator: Folds one record into the key's aggregate. If it throws, processing
    ///     stops with its error, as with any processor, and what it changed is not committed.
    @inlinable @discardableResult
    public func aggregate<Aggregate>(
        named name: String? = nil, into initializer: @escaping @Sendable () throws -> Aggregate,
        _ materialized: Materialized<Key, Aggregate>,
        _ aggregator: @escaping @Sendable (_ key: Key, _ value: Value, _ aggregate: inout Aggregate) throws -> Void
    ) -> KTable<Key, Aggregate> {
        addAggregation(named: name, prefix: "KSTREAM-AGGREGATE-", materialized) {
            KStreamAggregate<Key, Value, Aggregate>(store: $0, Fold.aggregatingInPlace(initializer, aggregator))
        }
    }

    @inlinable
    func addAggregation<Aggregate>(
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

/// The serdes (and the name) of the repartition topic a grouping writes when the keys
/// changed: Kafka Streams' `Grouped`.
public struct Grouped<Key, Value>: Sendable {
    /// Names the repartition topic, `<applicationId>-<name>-repartition`; generated when `nil`.
    public var name: String?
    /// Serializes keys into the repartition topic.
    public var key: Serde<Key>
    /// Serializes values into the repartition topic.
    public var value: Serde<Value>

    /// A grouping with these serdes.
    public init(_ name: String? = nil, key: Serde<Key>, value: Serde<Value>) {
        self.name = name
        self.key = key
        self.value = value
    }
}

extension KStream {
    /// Groups the stream by its key, to aggregate it (``KGroupedStream``).
    ///
    /// Use it on a stream whose keys are still those of its input topic. After a key-changing
    /// operator (``keyChanged``) use ``groupByKey(_:)``, which repartitions; this one then
    /// fails the build, naming the node.
    @inlinable
    public func groupByKey() -> KGroupedStream<Key, Value> {
        if keyChanged {
            builder.topology.deferredErrors.append(
                StreamsError(
                    .invalidTopology,
                    "node \(node) changed the keys: grouping it needs a repartition topic, so give its serdes with groupByKey(Grouped(key:value:))",
                    node: node))
        }
        return KGroupedStream(stream: self)
    }

    /// Groups the stream by its key, through a repartition topic when an operator upstream
    /// changed the keys (so that each key's records meet in one task), as Kafka Streams does.
    ///
    /// ```swift
    /// purchases.selectKey { _, purchase in purchase.customerId }
    ///     .groupByKey(Grouped("by-customer", key: .string, value: .json(Purchase.self)))
    ///     .count(Materialized("purchases-per-customer", key: .string, value: .int64))
    /// ```
    /// - Parameter grouped: The repartition topic's serdes and name.
    @inlinable
    public func groupByKey(_ grouped: Grouped<Key, Value>) -> KGroupedStream<Key, Value> {
        KGroupedStream(stream: keyChanged ? repartitioned(grouped) : self)
    }

    /// Groups the stream by a new key, through a repartition topic
    /// `<applicationId>-<name>-repartition`.
    ///
    /// ```swift
    /// purchases.groupBy(Grouped("by-zip", key: .string, value: .json(Purchase.self))) { _, purchase in
    ///     purchase.zipCode
    /// }
    /// ```
    /// - Parameters:
    ///   - grouped: The repartition topic's serdes and name.
    ///   - keySelector: The new key of a record.
    @inlinable
    public func groupBy<NewKey>(
        _ grouped: Grouped<NewKey, Value>, _ keySelector: @escaping @Sendable (Key, Value) throws -> NewKey
    ) -> KGroupedStream<NewKey, Value> {
        KGroupedStream(stream: selectKey(keySelector).repartitioned(grouped))
    }

    /// Writes the stream to a repartition topic `<applicationId>-<name>-repartition` and reads
    /// it back, so each key's records meet in one partition: Kafka Streams' `repartition`.
    /// Use it before a stateful ``process(named:stores:_:)`` on re-keyed records.
    @inlinable
    public func repartition(_ grouped: Grouped<Key, Value>) -> KStream<Key, Value> {
        repartitioned(grouped)
    }

    /// Writes the stream to a repartition topic and reads it back: a new sub-topology whose
    /// tasks get each key's records in one partition.
    @inlinable
    func repartitioned(_ grouped: Grouped<Key, Value>) -> KStream<Key, Value> {
        let sinkName = builder.nodeName(nil, prefix: "KSTREAM-SINK-")
        let topic = TopicName("\(grouped.name ?? sinkName)-repartition")
        builder.topology.addInternalTopic(topic)
        builder.topology.addSink(sinkName, topic: topic, key: grouped.key, value: grouped.value, parents: [node])
        let sourceName = builder.nodeName(nil, prefix: "KSTREAM-SOURCE-")
        builder.topology.addSource(sourceName, topics: [topic], key: grouped.key, value: grouped.value)
        return KStream(builder: builder, node: sourceName)
    }
}

/// The folds of `reduce` and `aggregate`: from a record's value and the aggregate so far
/// (`nil` before the first record) to the new aggregate. Shared by every aggregation, windowed or not.
@usableFromInline
enum Fold {
    /// The first value, then `reducer` of the aggregate and each next value.
    @inlinable
    static func reducing<Key, Value>(
        _ reducer: @escaping @Sendable (Value, Value) throws -> Value
    ) -> @Sendable (Key, Value, Value?) throws -> Value {
        { _, value, old in try old.map { try reducer($0, value) } ?? value }
    }

    /// `aggregator` of each value and the aggregate so far, which starts at `initializer()`.
    @inlinable
    static func aggregating<Key, Value, Aggregate>(
        _ initializer: @escaping @Sendable () throws -> Aggregate,
        _ aggregator: @escaping @Sendable (Key, Value, Aggregate) throws -> Aggregate
    ) -> @Sendable (Key, Value, Aggregate?) throws -> Aggregate {
        { key, value, old in try aggregator(key, value, try old ?? initializer()) }
    }

    /// A fold that changes the aggregate in place: what `fold` returns replaces it (which
    /// stays as it was if `fold` throws).
    @inlinable
    static func replacing<Key, Value, Aggregate>(
        _ fold: @escaping @Sendable (Key, Value, Aggregate?) throws -> Aggregate
    ) -> @Sendable (Key, Value, inout Aggregate?) throws -> Void {
        { key, value, aggregate in aggregate = try fold(key, value, aggregate) }
    }

    /// `aggregator` changing the aggregate in place, which starts at `initializer()`.
    @inlinable
    static func aggregatingInPlace<Key, Value, Aggregate>(
        _ initializer: @escaping @Sendable () throws -> Aggregate,
        _ aggregator: @escaping @Sendable (Key, Value, inout Aggregate) throws -> Void
    ) -> @Sendable (Key, Value, inout Aggregate?) throws -> Void {
        { key, value, aggregate in
            if aggregate == nil { aggregate = try initializer() }
            try aggregator(key, value, &aggregate!)
        }
    }
}
