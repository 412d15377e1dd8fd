/// Windows of activity: a key's records closer together than the inactivity gap form one
/// session, which grows (and merges with its neighbours) as records arrive. Kafka Streams'
/// `SessionWindows`.
///
/// ```swift
/// let visits = clicks.groupByKey()
///     .windowedBy(SessionWindows.ofInactivityGap(.seconds(300), grace: .seconds(60)))
///     .count(Materialized("visits", key: .string, value: .int64))
/// ```
public struct SessionWindows: Sendable, Hashable {
    /// The longest quiet time inside a session, in milliseconds.
    public let gapMillis: Int64
    /// How long after its end a session still takes records, in milliseconds.
    public let graceMillis: Int64

    /// Sessions separated by `gap` of inactivity, open for `grace` after they end.
    public static func ofInactivityGap(_ gap: Duration, grace: Duration) -> SessionWindows {
        precondition(gap >= .milliseconds(1), "the inactivity gap is at least 1 ms")
        precondition(grace >= .zero, "the grace period cannot be negative")
        return SessionWindows(gapMillis: gap.milliseconds, graceMillis: grace.milliseconds)
    }
}

/// A grouped stream cut into sessions, ready to aggregate per key and session: Kafka Streams'
/// `SessionWindowedKStream`. Make one with ``KGroupedStream/windowedBy(_:)-(SessionWindows)``.
///
/// When a record joins sessions, their aggregates are merged with the `merger`, the old
/// sessions are deleted downstream (a `nil` value for their windowed keys) and the merged one
/// is forwarded. A ``Windowed`` key's `end` is its last record's timestamp, as in Kafka.
public struct SessionWindowedKStream<Key, Value> {
    let stream: KStream<Key, Value>
    /// The sessions.
    public let windows: SessionWindows

    /// Counts each key's records per session.
    @discardableResult
    public func count(named name: String? = nil, _ materialized: Materialized<Key, Int64>) -> KTable<Windowed<Key>, Int64> {
        aggregate(named: name, initializer: { 0 }, merger: { _, a, b in a + b }, materialized) { _, _, count in count + 1 }
    }

    /// Combines each key's values per session; merged sessions combine with the same reducer.
    @discardableResult
    public func reduce(
        named name: String? = nil, _ materialized: Materialized<Key, Value>,
        _ reducer: @escaping @Sendable (_ aggregate: Value, _ value: Value) throws -> Value
    ) -> KTable<Windowed<Key>, Value> {
        add(named: name, prefix: "KSTREAM-REDUCE-", materialized, merger: { _, a, b in try reducer(a, b) }, Fold.reducing(reducer))
    }

    /// Folds each key's values per session into an aggregate that starts at `initializer()`;
    /// `merger` combines the aggregates of sessions that a record joins.
    @discardableResult
    public func aggregate<Aggregate>(
        named name: String? = nil, initializer: @escaping @Sendable () throws -> Aggregate,
        merger: @escaping @Sendable (_ key: Key, _ first: Aggregate, _ second: Aggregate) throws -> Aggregate,
        _ materialized: Materialized<Key, Aggregate>,
        _ aggregator: @escaping @Sendable (_ key: Key, _ value: Value, _ aggregate: Aggregate) throws -> Aggregate
    ) -> KTable<Windowed<Key>, Aggregate> {
        add(named: name, prefix: "KSTREAM-AGGREGATE-", materialized, merger: merger, Fold.aggregating(initializer, aggregator))
    }

    private func add<Aggregate>(
        named name: String?, prefix: String, _ materialized: Materialized<Key, Aggregate>,
        merger: @escaping @Sendable (Key, Aggregate, Aggregate) throws -> Aggregate,
        _ fold: @escaping @Sendable (Key, Value, Aggregate?) throws -> Aggregate
    ) -> KTable<Windowed<Key>, Aggregate> {
        let builder = stream.builder
        let nodeName = builder.nodeName(name, prefix: prefix)
        let storeName = materialized.storeName ?? "\(nodeName)-STATE-STORE"
        builder.topology.addStateStore(materialized.sessionStoreBuilder(named: storeName), processors: [nodeName])
        let windows = self.windows
        builder.topology.addProcessor(nodeName, parents: [stream.node]) {
            KStreamSessionAggregate<Key, Value, Aggregate>(store: storeName, windows: windows, merger: merger, fold)
        }
        return KTable(builder: builder, node: nodeName, storeName: storeName)
    }
}

@available(*, unavailable, message: "a SessionWindowedKStream is a handle on its StreamsBuilder")
extension SessionWindowedKStream: Sendable {}

extension KGroupedStream {
    /// Cuts the grouped stream into sessions of activity.
    public func windowedBy(_ windows: SessionWindows) -> SessionWindowedKStream<Key, Value> {
        SessionWindowedKStream(stream: stream, windows: windows)
    }
}

/// Session `aggregate`, `reduce` and `count`: a record joins (and merges) the key's sessions
/// within the inactivity gap of its timestamp, or starts one.
final class KStreamSessionAggregate<Key, Value, Aggregate>: Processor {
    typealias KeyIn = Key
    typealias ValueIn = Value
    typealias KeyOut = Windowed<Key>
    typealias ValueOut = Aggregate?
    let storeName: String
    let windows: SessionWindows
    let merger: @Sendable (Key, Aggregate, Aggregate) throws -> Aggregate
    let fold: @Sendable (Key, Value, Aggregate?) throws -> Aggregate
    private var context: ProcessorContext<Windowed<Key>, Aggregate?>!
    private var store: SessionStore<Key, Aggregate>!
    /// Records since sessions that no record can reach were last removed.
    private var sinceCleanup = 0

    init(
        store: String, windows: SessionWindows, merger: @escaping @Sendable (Key, Aggregate, Aggregate) throws -> Aggregate,
        _ fold: @escaping @Sendable (Key, Value, Aggregate?) throws -> Aggregate
    ) {
        storeName = store
        self.windows = windows
        self.merger = merger
        self.fold = fold
    }

    func initialize(context: ProcessorContext<Windowed<Key>, Aggregate?>) throws {
        self.context = context
        store = try context.stateStore(named: storeName, as: SessionStore<Key, Aggregate>.self)
    }

    func process(_ record: Record<Key, Value>) throws {
        let time = record.timestamp
        let gap = windows.gapMillis
        // Sessions this record touches: they end no earlier than time - gap and start no
        // later than time + gap.
        let touching = try store.findSessions(record.key, earliestEnd: time - gap, latestStart: time + gap)
        var start = time
        var end = time
        for (session, _) in touching {
            start = min(start, session.start)
            end = max(end, session.end)
        }
        // A session closes once stream time passes its end plus the grace period (as Kafka,
        // strictly).
        let streamTime = context.currentStreamTime
        guard end + windows.graceMillis >= streamTime else {
            context.droppedLateRecord("its session has closed", timestamp: time, streamTime: streamTime)
            return
        }
        var merged: Aggregate?
        for (session, aggregate) in touching {
            merged = try merged.map { try merger(record.key, $0, aggregate) } ?? aggregate
            try store.remove(session)
            try context.forward(record.withKey(session).withValue(nil))
        }
        let aggregate = try fold(record.key, record.value, merged)
        let session = Windowed(key: record.key, start: start, end: end)
        try store.put(session, aggregate)
        try context.forward(record.withKey(session).withValue(Optional(aggregate)))
        sinceCleanup += 1
        if sinceCleanup >= 1000 {
            sinceCleanup = 0
            // Kafka Streams' default retention for sessions: the gap plus the grace period.
            try store.removeSessions(endingBefore: streamTime - gap - windows.graceMillis)
        }
    }
}
