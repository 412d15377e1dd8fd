import Logging

/// Windowed `aggregate`, `reduce` and `count`: folds each record into every open window that
/// contains its timestamp, and drops (and counts) records whose windows have all closed.
/// It forwards every update, or with `emitOnClose` each window once, when it closes.
@usableFromInline
final class KStreamWindowAggregate<Key, Value, Aggregate>: Processor {
    @usableFromInline typealias KeyIn = Key
    @usableFromInline typealias ValueIn = Value
    @usableFromInline typealias KeyOut = Windowed<Key>
    @usableFromInline typealias ValueOut = Aggregate?
    @usableFromInline let storeName: String
    @usableFromInline let windows: TimeWindows
    @usableFromInline let fold: @Sendable (Key, Value, inout Aggregate?) throws -> Void
    // Confined to the task: no run-time exclusivity checks on the per-record path.
    @exclusivity(unchecked) @usableFromInline var context: ProcessorContext<Windowed<Key>, Aggregate?>!
    @exclusivity(unchecked) @usableFromInline var store: WindowStore<Key, Aggregate>!
    /// Forward each window once, when it closes, instead of every update.
    @usableFromInline let emitOnClose: Bool
    /// Records since windows that can take no more records were last deleted.
    @exclusivity(unchecked) @usableFromInline var sinceCleanup = 0
    /// With `emitOnClose`: no window in the store closes before stream time minus grace
    /// reaches this (the end of the earliest window that may still be there).
    @exclusivity(unchecked) @usableFromInline var nextClose: Int64 = .min

    @inlinable init(
        store: String, windows: TimeWindows, emitOnClose: Bool = false,
        _ fold: @escaping @Sendable (Key, Value, inout Aggregate?) throws -> Void
    ) {
        storeName = store
        self.windows = windows
        self.emitOnClose = emitOnClose
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
            let new = try store.update(record.key, windowStart: start, inPlace: true) { aggregate in
                try fold(record.key, record.value, &aggregate)
                // Emitting on close, nothing is forwarded now (nor held, so the next update
                // finds the aggregate unshared).
                return emitOnClose ? nil : aggregate
            }
            if !emitOnClose {
                try context.forward(record.withKey(Windowed(key: record.key, start: start, end: end)).withValue(new))
            }
        }
        if !open { context.droppedLateRecord("its windows have closed", timestamp: record.timestamp, streamTime: streamTime) }
        if emitOnClose {
            try emitClosedWindows(timestamp: record.timestamp)
            return
        }
        sinceCleanup += 1
        if sinceCleanup >= 1000 {
            sinceCleanup = 0
            // A window that started before this can take no more records.
            try store.deleteWindows(before: streamTime - windows.sizeMillis - windows.graceMillis)
        }
    }

    /// Forwards, oldest window first and then by key bytes, every window that closed (stream
    /// time minus grace reached its end) and removes it from the store: a later record for it
    /// is late, and a restart does not forward it again.
    @inlinable func emitClosedWindows(timestamp: Int64) throws {
        let streamTime = context.currentStreamTime
        // Before any timestamp (stream time unknown), nothing can close.
        guard streamTime > .min / 2 else { return }
        let closeTime = streamTime - windows.graceMillis
        guard closeTime >= nextClose else { return }
        for window in try store.removeWindows(startingAtOrBefore: closeTime - windows.sizeMillis) {
            let end = window.start + windows.sizeMillis
            try context.forward(
                Record(key: Windowed(key: window.key, start: window.start, end: end), value: Optional(window.value), timestamp: max(timestamp, end - 1)))
        }
        // The next window to close is the first to end after `closeTime`.
        let nextStart = windows.latestStart(atOrBefore: closeTime - windows.sizeMillis) + windows.advanceMillis
        nextClose = nextStart + windows.sizeMillis
    }
}
