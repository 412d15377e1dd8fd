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
        let buffer = Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(storeName), key: Serde<[UInt8]>.bytes, value: Serde<[UInt8]>.bytes)
        builder.topology.addStateStore(buffer, processors: [nodeName])
        let keySerde = Serde<Windowed<WindowKey>>.windowed(suppressed.key, windowSize: .milliseconds(windows.sizeMillis))
        let valueSerde = suppressed.value
        builder.topology.addProcessor(nodeName, parents: [node]) {
            KTableSuppress<WindowKey, Value>(store: storeName, grace: windows.graceMillis, key: keySerde, value: valueSerde)
        }
        return KTable(builder: builder, node: nodeName, storeName: nil, windows: windows)
    }
}

/// Buffers windowed updates under (window end, key) and forwards each window's last value
/// once stream time has passed its end and grace.
final class KTableSuppress<WindowKey, Value>: Processor {
    typealias KeyIn = Windowed<WindowKey>
    typealias ValueIn = Value?
    typealias KeyOut = Windowed<WindowKey>
    typealias ValueOut = Value?
    let storeName: String
    let grace: Int64
    let keySerde: Serde<Windowed<WindowKey>>
    let valueSerde: Serde<Value>
    private var context: ProcessorContext<Windowed<WindowKey>, Value?>!
    /// Buffer key: the window end (8 bytes, sign flipped, so ranges run in time order), then
    /// the windowed key's bytes; value: the latest value's bytes (empty for a delete).
    private var buffer: KeyValueStore<[UInt8], [UInt8]>!
    /// No buffered window ends before this: while stream time minus grace is below it, no
    /// window can close and the buffer is not scanned. A lower bound, not always the minimum.
    private var earliestEnd: Int64 = .min

    init(store: String, grace: Int64, key: Serde<Windowed<WindowKey>>, value: Serde<Value>) {
        storeName = store
        self.grace = grace
        keySerde = key
        valueSerde = value
    }

    func initialize(context: ProcessorContext<Windowed<WindowKey>, Value?>) throws {
        self.context = context
        buffer = try context.stateStore(named: storeName, as: KeyValueStore<[UInt8], [UInt8]>.self)
    }

    func process(_ record: Record<Windowed<WindowKey>, Value?>) throws {
        var key: [UInt8] = []
        appendBigEndian(UInt64(bitPattern: record.key.end) ^ (1 << 63), to: &key)
        _ = try keySerde.serialize(record.key, into: &key)
        var value: [UInt8] = [record.value == nil ? 0 : 1]
        if let new = record.value { _ = try valueSerde.serialize(new, into: &value) }
        try buffer.put(key, value)
        earliestEnd = min(earliestEnd, record.key.end)
        try emitClosedWindows(timestamp: record.timestamp)
    }

    /// Forwards and forgets every buffered window whose end plus grace is at or before stream time.
    private func emitClosedWindows(timestamp: Int64) throws {
        let closeBound = context.currentStreamTime - grace
        guard closeBound >= earliestEnd else { return }
        var bound: [UInt8] = []
        // Windows with end <= closeBound: every key of such an end sorts below end + 1.
        appendBigEndian(UInt64(bitPattern: closeBound + 1) ^ (1 << 63), to: &bound)
        for entry in try buffer.range(from: nil, to: bound) where entry.key.count >= 8 {
            let end = entry.key.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard Int64(bitPattern: end ^ (1 << 63)) <= closeBound else { continue }
            let windowed = try keySerde.deserialize(Array(entry.key.dropFirst(8)))
            let value = entry.value.first == 1 ? try valueSerde.deserialize(Array(entry.value.dropFirst())) : nil
            try context.forward(Record(key: windowed, value: value, timestamp: max(timestamp, windowed.end - 1)))
            try buffer.delete(entry.key)
        }
        // Every window still buffered ends after the bound.
        earliestEnd = closeBound + 1
    }
}
