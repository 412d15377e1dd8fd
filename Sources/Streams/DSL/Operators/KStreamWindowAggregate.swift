/// Windowed `aggregate`, `reduce` and `count`: folds each record into every open window that
/// contains its timestamp, and drops (and counts) records whose windows have all closed.
final class KStreamWindowAggregate<Key, Value, Aggregate>: Processor {
    typealias KeyIn = Key
    typealias ValueIn = Value
    typealias KeyOut = Windowed<Key>
    typealias ValueOut = Aggregate?
    let storeName: String
    let windows: TimeWindows
    let fold: @Sendable (Key, Value, Aggregate?) throws -> Aggregate
    private var context: ProcessorContext<Windowed<Key>, Aggregate?>!
    private var store: WindowStore<Key, Aggregate>!
    /// Records since windows that can take no more records were last deleted.
    private var sinceCleanup = 0

    init(store: String, windows: TimeWindows, _ fold: @escaping @Sendable (Key, Value, Aggregate?) throws -> Aggregate) {
        storeName = store
        self.windows = windows
        self.fold = fold
    }

    func initialize(context: ProcessorContext<Windowed<Key>, Aggregate?>) throws {
        self.context = context
        store = try context.stateStore(named: storeName, as: WindowStore<Key, Aggregate>.self)
    }

    func process(_ record: Record<Key, Value>) throws {
        let streamTime = context.currentStreamTime
        var open = false
        for start in windows.windowStarts(containing: record.timestamp) {
            let end = start + windows.sizeMillis
            // Closed once stream time reaches its end plus the grace period.
            guard end + windows.graceMillis > streamTime else { continue }
            open = true
            let new = try fold(record.key, record.value, try store.fetch(record.key, windowStart: start))
            try store.put(record.key, new, windowStart: start)
            try context.forward(record.withKey(Windowed(key: record.key, start: start, end: end)).withValue(Optional(new)))
        }
        if !open {
            context.task.lateRecords += 1
            context.logger.debug(
                "dropped a late record: its windows have closed",
                metadata: [
                    "record": .string(context.recordMetadata?.description ?? "?"),
                    "timestamp": .stringConvertible(record.timestamp), "streamTime": .stringConvertible(streamTime),
                ])
        }
        sinceCleanup += 1
        if sinceCleanup >= 1000 {
            sinceCleanup = 0
            // A window that started before this can take no more records.
            try store.deleteWindows(before: streamTime - windows.sizeMillis - windows.graceMillis)
        }
    }
}
