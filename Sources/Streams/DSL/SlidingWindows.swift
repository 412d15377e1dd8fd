/// Windows of a fixed length that slide with the records: every window `[start, start +
/// timeDifference]` (both ends inclusive) that a record's timestamp begins or ends, so each
/// distinct set of records no more than `timeDifference` apart is aggregated once. Kafka
/// Streams' `SlidingWindows`.
///
/// For each record at `t` there is the window that ends at it, `[t - timeDifference, t]`, and
/// — when a later record falls in it — the window that starts just after it, `[t + 1, t + 1 +
/// timeDifference]`. Unlike hopping windows, no window is empty and none repeats another's
/// records. A window accepts records while its end plus the grace period is at or after stream
/// time; a record whose windows have all closed is dropped and counted as late.
///
/// ```swift
/// let perTenMinutes = purchases.groupByKey()
///     .windowedBy(SlidingWindows.ofTimeDifference(.seconds(600), grace: .seconds(30)))
///     .count(Materialized("recent", key: .string, value: .int64))
/// ```
///
/// Windows are not clipped at the epoch: a record in the first `timeDifference` milliseconds
/// after it has a window that starts before zero (Kafka Streams merges those into one window
/// that starts at zero).
public struct SlidingWindows: Sendable, Hashable {
    /// The largest difference between two records' timestamps in one window, in milliseconds:
    /// each window covers `timeDifferenceMillis + 1` milliseconds.
    public let timeDifferenceMillis: Int64
    /// How long after its end a window still takes records, in milliseconds.
    public let graceMillis: Int64

    /// Sliding windows of records at most `timeDifference` apart, open for `grace` after they
    /// end.
    /// - Precondition: `timeDifference` is at least 1 ms; `grace` is not negative.
    public static func ofTimeDifference(_ timeDifference: Duration, grace: Duration) -> SlidingWindows {
        precondition(timeDifference >= .milliseconds(1), "a sliding window's time difference is at least 1 ms")
        precondition(grace >= .zero, "the grace period cannot be negative")
        return SlidingWindows(timeDifferenceMillis: timeDifference.milliseconds, graceMillis: grace.milliseconds)
    }
}

/// A grouped stream cut into sliding windows, ready to aggregate per key and window: Kafka
/// Streams' `SlidingWindowedKStream`. Make one with
/// ``KGroupedStream/windowedBy(_:)-(SlidingWindows)``.
///
/// The result is a ``KTable`` keyed by ``Windowed`` keys whose `end` is `start +
/// timeDifference` (inclusive); write it out with ``Serde/windowed(_:windowSize:)`` and a
/// window size of the time difference, or hold it back with ``KTable/suppress(untilWindowCloses:named:)``.
public struct SlidingWindowedKStream<Key, Value> {
    let stream: KStream<Key, Value>
    /// The windows.
    public let windows: SlidingWindows

    /// Counts each key's records per window.
    @discardableResult
    public func count(named name: String? = nil, _ materialized: Materialized<Key, Int64>) -> KTable<Windowed<Key>, Int64> {
        aggregate(named: name, initializer: { 0 }, materialized) { _, _, count in count + 1 }
    }

    /// Combines each key's values per window.
    @discardableResult
    public func reduce(
        named name: String? = nil, _ materialized: Materialized<Key, Value>,
        _ reducer: @escaping @Sendable (_ aggregate: Value, _ value: Value) throws -> Value
    ) -> KTable<Windowed<Key>, Value> {
        add(named: name, prefix: "KSTREAM-REDUCE-", materialized, Fold.reducing(reducer))
    }

    /// Folds each key's values per window into an aggregate that starts at `initializer()`.
    @discardableResult
    public func aggregate<Aggregate>(
        named name: String? = nil, initializer: @escaping @Sendable () throws -> Aggregate,
        _ materialized: Materialized<Key, Aggregate>,
        _ aggregator: @escaping @Sendable (_ key: Key, _ value: Value, _ aggregate: Aggregate) throws -> Aggregate
    ) -> KTable<Windowed<Key>, Aggregate> {
        add(named: name, prefix: "KSTREAM-AGGREGATE-", materialized, Fold.aggregating(initializer, aggregator))
    }

    private func add<Aggregate>(
        named name: String?, prefix: String, _ materialized: Materialized<Key, Aggregate>,
        _ fold: @escaping @Sendable (Key, Value, Aggregate?) throws -> Aggregate
    ) -> KTable<Windowed<Key>, Aggregate> {
        let builder = stream.builder
        let nodeName = builder.nodeName(name, prefix: prefix)
        let storeName = materialized.storeName ?? "\(nodeName)-STATE-STORE"
        // Each window keeps its latest record's timestamp beside its aggregate: new windows
        // are built from their neighbours, and that says which neighbour holds which records.
        var slides = Materialized<Key, SlidingWindowEntry<Aggregate>>(
            storeName, key: materialized.key, value: .slidingWindowEntry(materialized.value))
        slides.storeSupplier = materialized.storeSupplier
        slides.loggingEnabled = materialized.loggingEnabled
        // Every record reads a range of windows, which a cache would write back first.
        slides.cachingEnabled = false
        builder.topology.addStateStore(slides.windowStoreBuilder(named: storeName), processors: [nodeName])
        let windows = self.windows
        builder.topology.addProcessor(nodeName, parents: [stream.node]) {
            KStreamSlidingWindowAggregate<Key, Value, Aggregate>(store: storeName, windows: windows, fold)
        }
        // For suppression: a sliding window's end is inclusive, so it can no longer change
        // one millisecond later than a time window with the same end and grace.
        let shape = TimeWindows(
            sizeMillis: windows.timeDifferenceMillis, advanceMillis: windows.timeDifferenceMillis,
            graceMillis: windows.graceMillis + 1)
        return KTable(builder: builder, node: nodeName, storeName: storeName, windows: shape)
    }
}

@available(*, unavailable, message: "a SlidingWindowedKStream is a handle on its StreamsBuilder")
extension SlidingWindowedKStream: Sendable {}

extension KGroupedStream {
    /// Cuts the grouped stream into sliding windows, on each record's timestamp.
    public func windowedBy(_ windows: SlidingWindows) -> SlidingWindowedKStream<Key, Value> {
        SlidingWindowedKStream(stream: stream, windows: windows)
    }
}

/// A sliding window's aggregate and the timestamp of its latest record, as kept in its store.
public struct SlidingWindowEntry<Aggregate> {
    /// The timestamp of the window's latest record.
    public var latest: Int64
    /// The aggregate of the window's records.
    public var aggregate: Aggregate
}

extension SlidingWindowEntry: Sendable where Aggregate: Sendable {}
extension SlidingWindowEntry: Equatable where Aggregate: Equatable {}

extension Serde {
    /// A sliding window's latest timestamp (8 bytes big-endian), then its aggregate.
    static func slidingWindowEntry<Aggregate>(_ aggregate: Serde<Aggregate>) -> Serde<SlidingWindowEntry<Aggregate>>
    where Value == SlidingWindowEntry<Aggregate> {
        Serde(
            name: "slidingWindowEntry<\(aggregate.name)>",
            serialize: { entry, buffer in
                appendBigEndian(UInt64(bitPattern: entry.latest), to: &buffer)
                _ = try aggregate.serialize(entry.aggregate, into: &buffer)
            },
            deserialize: { bytes in
                guard bytes.count >= 8 else {
                    throw StreamsError(.deserialization, "a sliding window entry needs at least 8 bytes, got \(bytes.count)")
                }
                let latest = Int64(bitPattern: try readBigEndian(
                    UnsafeRawBufferPointer(rebasing: bytes[..<8]), as: UInt64.self, "slidingWindowEntry"))
                return SlidingWindowEntry(
                    latest: latest, aggregate: try aggregate.deserialize(UnsafeRawBufferPointer(rebasing: bytes[8...])))
            })
    }
}

/// Sliding-window `aggregate`, `reduce` and `count`, after Kafka Streams'
/// `KStreamSlidingWindowAggregate`.
///
/// The store holds every non-empty window that a record's timestamp begins or ends. A record
/// at `t` is folded into the windows that contain it; the window that ends at `t`, if new, is
/// built from the window that ends last before `t` (which holds exactly the records in
/// `[t - d, t)`); the window that starts after `t`, if new and not empty, from the window that
/// contains `t` and starts last (which holds exactly the records in `(t, t + 1 + d]`); and the
/// window after the previous record, if new, holds this record alone. Aggregators need not be
/// invertible: no record is ever taken out of an aggregate.
final class KStreamSlidingWindowAggregate<Key, Value, Aggregate>: Processor {
    typealias KeyIn = Key
    typealias ValueIn = Value
    typealias KeyOut = Windowed<Key>
    typealias ValueOut = Aggregate?
    typealias Entry = SlidingWindowEntry<Aggregate>
    let storeName: String
    let windows: SlidingWindows
    let fold: @Sendable (Key, Value, Aggregate?) throws -> Aggregate
    private var context: ProcessorContext<Windowed<Key>, Aggregate?>!
    private var store: WindowStore<Key, Entry>!
    /// Records since windows that no record can reach were last deleted.
    private var sinceCleanup = 0

    init(store: String, windows: SlidingWindows, _ fold: @escaping @Sendable (Key, Value, Aggregate?) throws -> Aggregate) {
        storeName = store
        self.windows = windows
        self.fold = fold
    }

    func initialize(context: ProcessorContext<Windowed<Key>, Aggregate?>) throws {
        self.context = context
        store = try context.stateStore(named: storeName, as: WindowStore<Key, Entry>.self)
    }

    func process(_ record: Record<Key, Value>) throws {
        let time = record.timestamp
        let difference = windows.timeDifferenceMillis
        let streamTime = context.currentStreamTime
        // The windows that contain the record end by time + difference at the latest; a
        // window is open while its end plus the grace is at or after stream time (its end is
        // inclusive: a record at stream time may still arrive for it).
        guard time + difference + windows.graceMillis >= streamTime else {
            context.droppedLateRecord("its sliding windows have closed", timestamp: time, streamTime: streamTime)
            return
        }
        var leftExists = false
        var rightExists = false
        /// The window that ends last before `time`: holds the records in `[time - d, time)`.
        var beforeRecord: Entry?
        /// The window that contains `time`, starts last and has a later record: holds the
        /// records in `(time, time + 1 + d]`.
        var afterRecord: Entry?
        /// The latest record before `time` (the latest record of some window).
        var previous: Int64?
        var updates: [(start: Int64, entry: Entry)] = []
        let nearby = try store.fetch(record.key, from: time - 2 * difference - 1, to: time + 1)
        for (start, entry) in nearby {
            let end = start + difference
            if entry.latest < time { previous = max(previous ?? .min, entry.latest) }
            if end < time {
                beforeRecord = entry
            } else if start <= time {
                if end == time { leftExists = true }
                if end > time && entry.latest > time { afterRecord = entry }
                var updated = entry
                updated.aggregate = try fold(record.key, record.value, entry.aggregate)
                updated.latest = max(entry.latest, time)
                updates.append((start, updated))
            } else if start == time + 1 {
                rightExists = true
            }
        }
        // The window after the previous record, now that this record falls in it.
        if let previous, previous + 1 + difference >= time, !nearby.contains(where: { $0.start == previous + 1 }) {
            updates.append((previous + 1, Entry(latest: time, aggregate: try fold(record.key, record.value, nil))))
            // Right after the previous record may also be where this record's window starts.
            if previous + 1 == time - difference { leftExists = true }
        }
        // The window that ends at this record.
        if !leftExists {
            let base = (previous ?? .min) >= time - difference ? beforeRecord?.aggregate : nil
            updates.append((time - difference, Entry(latest: time, aggregate: try fold(record.key, record.value, base))))
        }
        // The window that starts after this record, when later records fall in it.
        if !rightExists, let afterRecord {
            updates.append((time + 1, afterRecord))
        }
        updates.sort { $0.start < $1.start }
        for (start, entry) in updates {
            // Closed windows are stored too (their neighbours are built from them) but no
            // longer forwarded.
            try store.put(record.key, entry, windowStart: start)
            let end = start + difference
            guard end + windows.graceMillis >= streamTime else { continue }
            try context.forward(
                record.withKey(Windowed(key: record.key, start: start, end: end)).withValue(Optional(entry.aggregate)))
        }
        sinceCleanup += 1
        if sinceCleanup >= 1000 {
            sinceCleanup = 0
            // A record that is not late reads windows from its time - 2d - 1 on, and its time
            // is past streamTime - grace - d.
            try store.deleteWindows(before: streamTime - windows.graceMillis - 3 * difference - 1)
        }
    }
}
