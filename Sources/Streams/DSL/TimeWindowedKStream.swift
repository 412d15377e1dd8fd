/// A grouped stream cut into time windows, ready to aggregate per key and window: Kafka
/// Streams' `TimeWindowedKStream`. Make one with ``KGroupedStream/windowedBy(_:)``.
///
/// Aggregations keep one value per key and window in a window store (change-logged) and return
/// a ``KTable`` keyed by ``Windowed`` keys; write it out with ``Serde/windowed(_:windowSize:)``.
public struct TimeWindowedKStream<Key, Value> {
    @usableFromInline let stream: KStream<Key, Value>
    /// The windows.
    public let windows: TimeWindows

    @inlinable init(stream: KStream<Key, Value>, windows: TimeWindows) {
        self.stream = stream
        self.windows = windows
    }

    /// Counts each key's records per window.
    ///
    /// ```swift
    /// let perHour = purchases.groupByKey()
    ///     .windowedBy(.ofSize(.seconds(3600), grace: .seconds(60)))
    ///     .count(Materialized("hourly", key: .string, value: .int64))
    /// ```
    @inlinable @discardableResult
    public func count(named name: String? = nil, _ materialized: Materialized<Key, Int64>) -> KTable<Windowed<Key>, Int64> {
        aggregate(named: name, initializer: { 0 }, materialized) { _, _, count in count + 1 }
    }

    /// Combines each key's values per window.
    @inlinable @discardableResult
    public func reduce(
        named name: String? = nil, _ materialized: Materialized<Key, Value>,
        _ reducer: @escaping @Sendable (_ aggregate: Value, _ value: Value) throws -> Value
    ) -> KTable<Windowed<Key>, Value> {
        add(named: name, prefix: "KSTREAM-REDUCE-", materialized, Fold.reducing(reducer))
    }

    /// Folds each key's values per window into an aggregate that starts at `initializer()`.
    @inlinable @discardableResult
    public func aggregate<Aggregate>(
        named name: String? = nil, initializer: @escaping @Sendable () throws -> Aggregate,
        _ materialized: Materialized<Key, Aggregate>,
        _ aggregator: @escaping @Sendable (_ key: Key, _ value: Value, _ aggregate: Aggregate) throws -> Aggregate
    ) -> KTable<Windowed<Key>, Aggregate> {
        add(named: name, prefix: "KSTREAM-AGGREGATE-", materialized, Fold.aggregating(initializer, aggregator))
    }

    @inlinable
    func add<Aggregate>(
        named name: String?, prefix: String, _ materialized: Materialized<Key, Aggregate>,
        _ fold: @escaping @Sendable (Key, Value, Aggregate?) throws -> Aggregate
    ) -> KTable<Windowed<Key>, Aggregate> {
        let builder = stream.builder
        let nodeName = builder.nodeName(name, prefix: prefix)
        let storeName = materialized.storeName ?? "\(nodeName)-STATE-STORE"
        builder.topology.addStateStore(materialized.windowStoreBuilder(named: storeName), processors: [nodeName])
        let windows = self.windows
        builder.topology.addProcessor(nodeName, parents: [stream.node]) {
            KStreamWindowAggregate<Key, Value, Aggregate>(store: storeName, windows: windows, fold)
        }
        return KTable(builder: builder, node: nodeName, storeName: storeName, windows: windows)
    }
}

@available(*, unavailable, message: "a TimeWindowedKStream is a handle on its StreamsBuilder")
extension TimeWindowedKStream: Sendable {}

extension KGroupedStream {
    /// Cuts the grouped stream into time windows (tumbling or hopping), on each record's
    /// timestamp (event time, from the source's timestamp extractor).
    @inlinable
    public func windowedBy(_ windows: TimeWindows) -> TimeWindowedKStream<Key, Value> {
        TimeWindowedKStream(stream: stream, windows: windows)
    }
}
