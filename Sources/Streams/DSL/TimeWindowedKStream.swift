/// A grouped stream cut into time windows, ready to aggregate per key and window: Kafka
/// Streams' `TimeWindowedKStream`. Make one with ``KGroupedStream/windowedBy(_:)``.
///
/// Aggregations keep one value per key and window in a window store (change-logged) and return
/// a ``KTable`` keyed by ``Windowed`` keys; write it out with ``Serde/windowed(_:windowSize:)``.
public struct TimeWindowedKStream<Key, Value> {
    @usableFromInline let stream: KStream<Key, Value>
    /// The windows.
    public let windows: TimeWindows
    /// When aggregations forward their results (see ``emitStrategy(_:)``).
    public let emit: EmitStrategy

    @inlinable init(stream: KStream<Key, Value>, windows: TimeWindows, emit: EmitStrategy = .onWindowUpdate) {
        self.stream = stream
        self.windows = windows
        self.emit = emit
    }

    /// Chooses when the aggregations of this stream forward their results: on every update
    /// (the default) or once per window, when it closes.
    ///
    /// With ``EmitStrategy/onWindowClose`` the table downstream gets one record per key and
    /// window, its final aggregate, once stream time passes the window's end plus grace, as
    /// with ``KTable/suppress(untilWindowCloses:named:)``; the closed window then leaves the
    /// store, so interactive queries see open windows only.
    @inlinable
    public func emitStrategy(_ strategy: EmitStrategy) -> TimeWindowedKStream<Key, Value> {
        TimeWindowedKStream(stream: stream, windows: windows, emit: strategy)
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
        add(named: name, prefix: "KSTREAM-REDUCE-", materialized, Fold.replacing(Fold.reducing(reducer)))
    }

    /// Folds each key's values per window into an aggregate that starts at `initializer()`.
    @inlinable @discardableResult
    public func aggregate<Aggregate>(
        named name: String? = nil, initializer: @escaping @Sendable () throws -> Aggregate,
        _ materialized: Materialized<Key, Aggregate>,
        _ aggregator: @escaping @Sendable (_ key: Key, _ value: Value, _ aggregate: Aggregate) throws -> Aggregate
    ) -> KTable<Windowed<Key>, Aggregate> {
        add(named: name, prefix: "KSTREAM-AGGREGATE-", materialized, Fold.replacing(Fold.aggregating(initializer, aggregator)))
    }

    /// Folds each key's values per window into an aggregate that starts at `initializer()`
    /// and that `aggregator` changes in place, as `reduce(into:_:)` does for a Swift sequence:
    /// see ``KGroupedStream/aggregate(named:into:_:_:)``.
    ///
    /// ```swift
    /// let unitsPerHour = sales.groupByKey()
    ///     .windowedBy(.ofSize(.seconds(3600), grace: .seconds(300)))
    ///     .emitStrategy(.onWindowClose)
    ///     .aggregate(into: { [String: Int]() }, Materialized("units", key: .string, value: .json([String: Int].self))) {
    ///         _, sale, units in units[sale.item, default: 0] += sale.quantity
    ///     }
    /// ```
    @inlinable @discardableResult
    public func aggregate<Aggregate>(
        named name: String? = nil, into initializer: @escaping @Sendable () throws -> Aggregate,
        _ materialized: Materialized<Key, Aggregate>,
        _ aggregator: @escaping @Sendable (_ key: Key, _ value: Value, _ aggregate: inout Aggregate) throws -> Void
    ) -> KTable<Windowed<Key>, Aggregate> {
        add(named: name, prefix: "KSTREAM-AGGREGATE-", materialized, Fold.aggregatingInPlace(initializer, aggregator))
    }

    @inlinable
    func add<Aggregate>(
        named name: String?, prefix: String, _ materialized: Materialized<Key, Aggregate>,
        _ fold: @escaping @Sendable (Key, Value, inout Aggregate?) throws -> Void
    ) -> KTable<Windowed<Key>, Aggregate> {
        let builder = stream.builder
        let nodeName = builder.nodeName(name, prefix: prefix)
        let storeName = materialized.storeName ?? "\(nodeName)-STATE-STORE"
        builder.topology.addStateStore(materialized.windowStoreBuilder(named: storeName), processors: [nodeName])
        let (windows, emitOnClose) = (self.windows, emit == .onWindowClose)
        builder.topology.addProcessor(nodeName, parents: [stream.node]) {
            KStreamWindowAggregate<Key, Value, Aggregate>(store: storeName, windows: windows, emitOnClose: emitOnClose, fold)
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
