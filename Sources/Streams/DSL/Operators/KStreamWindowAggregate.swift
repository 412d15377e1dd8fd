import Logging

/// Windowed `aggregate`, `reduce` and `count`: folds each record into every open window that
/// contains its timestamp, and drops (and counts) records whose windows have all closed.
@usableFromInline
final class KStreamWindowAggregate<Key, Value, Aggregate>: Processor {
    @usableFromInline typealias KeyIn = Key
    @usableFromInline typealias ValueIn = Value
    @usableFromInline typealias KeyOut = Windowed<Key>
    @usableFromInline typealias ValueOut = Aggregate?
    @usableFromInline let storeName: String
    @usableFromInline let windows: TimeWindows
    @usableFromInline let fold: @Sendable (Key, Value, Aggregate?) throws -> Aggregate
    // Confined to the task: no run-time exclusivity checks on the per-record path.
    @exclusivity(unchecked) @usableFromInline var context: ProcessorContext<Windowed<Key>, Aggregate?>!
    @exclusivity(unchecked) @usableFromInline var store: WindowStore<Key, Aggregate>!
    /// Records since windows that can take no more records were last deleted.
    @exclusivity(unchecked) @usableFromInline var sinceCleanup = 0

    @inlinable init(store: String, windows: TimeWindows, _ fold: @escaping @Sendable (Key, Value, Aggregate?) throws -> Aggregate) {
        storeName = store
        self.windows = windows
        self.fold = fold
    }

    @inlinable func initialize(context: ProcessorContext<Windowed<Key>, Aggregate?>) throws {
        self.context = context
        store = try context.stateStore(named: storeName, as: WindowStore<Key, Aggregate>.self)
    }

    @inlinable func process(_ record: Record<Key, Value>) throws {
        let streamTime = context.currentStreamTime
        var open = false
        for start in windows.windowStarts(containing: record.timestamp) {
            let end = start + windows.sizeMillis
            // Closed once stream time reaches its end plus the grace period.
            guard end + windows.graceMillis > streamTime else { continue }
            open = true
            let new = try store.update(record.key, windowStart: start) { aggregate in
                let new = try fold(record.key, record.value, aggregate)
                aggregate = new
                return new
            }
            try context.forward(record.withKey(Windowed(key: record.key, start: start, end: end)).withValue(Optional(new)))
        }
        if !open { context.droppedLateRecord("its windows have closed", timestamp: record.timestamp, streamTime: streamTime) }
        sinceCleanup += 1
        if sinceCleanup >= 1000 {
            sinceCleanup = 0
            // A window that started before this can take no more records.
            try store.deleteWindows(before: streamTime - windows.sizeMillis - windows.graceMillis)
        }
    }
}
