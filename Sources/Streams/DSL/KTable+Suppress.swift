/// What a suppression buffers and how it names its store: the serdes of the windowed table it
/// holds back. Kafka Streams' `Suppressed.untilWindowCloses`.
public struct Suppressed<Key, Value>: Sendable {
    /// Names the buffer's store (and its changelog); generated when `nil`.
    public var name: String?
    /// Serializes the table's keys (without the window) in the buffer.
    public var key: Serde<Key>
    /// Serializes the table's values in the buffer.
    public var value: Serde<Value>

    /// A suppression with these serdes.
    public init(_ name: String? = nil, key: Serde<Key>, value: Serde<Value>) {
        self.name = name
        self.key = key
        self.value = value
    }
}

extension KTable {
    /// Holds each window's updates back and forwards only its final value, once the window has
    /// closed (stream time reached its end plus the grace period): one result per key and
    /// window, as with Kafka Streams' `suppress(Suppressed.untilWindowCloses(...))`.
    ///
    /// ```swift
    /// hourlyCounts.suppress(untilWindowCloses: Suppressed(key: .string, value: .int64))
    ///     .toStream()
    ///     .to("hourly-final", Produced(key: .windowed(.string, windowSize: .seconds(3600)), value: Serde<Int64>.int64.optional))
    /// ```
    /// The buffer is a change-logged store, so held-back updates survive a restart. The table
    /// must come from ``TimeWindowedKStream``; otherwise the build fails naming the node.
    @inlinable
    public func suppress<WindowKey>(
        untilWindowCloses suppressed: Suppressed<WindowKey, Value>, named name: String? = nil
    ) -> KTable<Key, Value> where Key == Windowed<WindowKey> {
        let nodeName = builder.nodeName(name, prefix: "KTABLE-SUPPRESS-")
        guard let windows else {
            builder.topology.deferredErrors.append(
                StreamsError(
                    .invalidTopology,
                    "node \(nodeName) suppresses until windows close, but table \(node) is not a windowed aggregation",
                    node: nodeName))
            return KTable(builder: builder, node: nodeName, storeName: nil)
        }
        let storeName = suppressed.name.map { "\($0)-store" } ?? "\(nodeName)-STORE"
        let buffer = TimeOrderedBuffer<Value>.builder(named: storeName, value: suppressed.value)
        builder.topology.addStateStore(buffer, processors: [nodeName])
        let keySerde = Serde<Windowed<WindowKey>>.windowed(suppressed.key, windowSize: .milliseconds(windows.sizeMillis))
        builder.topology.addProcessor(nodeName, parents: [node]) {
            KTableSuppress<WindowKey, Value>(store: storeName, grace: windows.graceMillis, key: keySerde)
        }
        return KTable(builder: builder, node: nodeName, storeName: nil, windows: windows)
    }
}

/// Buffers windowed updates under (window end, key) and forwards each window's last value
/// once stream time has passed its end and grace.
@usableFromInline
final class KTableSuppress<WindowKey, Value>: Processor {
    @usableFromInline typealias KeyIn = Windowed<WindowKey>
    @usableFromInline typealias ValueIn = Value?
    @usableFromInline typealias KeyOut = Windowed<WindowKey>
    @usableFromInline typealias ValueOut = Value?
    @usableFromInline let storeName: String
    @usableFromInline let grace: Int64
    @usableFromInline let keySerde: Serde<Windowed<WindowKey>>
    // Confined to the task: no run-time exclusivity checks on the per-record path.
    @exclusivity(unchecked) @usableFromInline var context: ProcessorContext<Windowed<WindowKey>, Value?>!
    /// The latest value of each buffered window, by window end.
    @exclusivity(unchecked) @usableFromInline var buffer: TimeOrderedBuffer<Value>!
    /// No buffered window ends before this: while stream time minus grace is below it, no
    /// window can close and the buffer is not scanned. A lower bound, not always the minimum.
    @exclusivity(unchecked) @usableFromInline var earliestEnd: Int64 = .min

    @inlinable init(store: String, grace: Int64, key: Serde<Windowed<WindowKey>>) {
        storeName = store
        self.grace = grace
        keySerde = key
    }

    @inlinable func initialize(context: ProcessorContext<Windowed<WindowKey>, Value?>) throws {
        self.context = context
        buffer = try context.stateStore(named: storeName, as: TimeOrderedBuffer<Value>.self)
    }

    @inlinable func process(_ record: Record<Windowed<WindowKey>, Value?>) throws {
        let end = record.key.end
        try buffer.put(end: end, record.value) { _ = try keySerde.serialize(record.key, into: &$0) }
        earliestEnd = min(earliestEnd, end)
        try emitClosedWindows(timestamp: record.timestamp)
    }

    /// Forwards and forgets every buffered window whose end plus grace is at or before stream time.
    @inlinable func emitClosedWindows(timestamp: Int64) throws {
        let closeBound = context.currentStreamTime - grace
        guard closeBound >= earliestEnd else { return }
        for entry in try buffer.removeWindows(endingAtOrBefore: closeBound) {
            let windowed = try keySerde.deserialize(Array(entry.key.dropFirst(8)))
            try context.forward(Record(key: windowed, value: entry.value, timestamp: max(timestamp, windowed.end - 1)))
        }
        // Every window still buffered ends after the bound.
        earliestEnd = closeBound + 1
    }
}
