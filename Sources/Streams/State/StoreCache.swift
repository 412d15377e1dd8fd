/// A write-back cache of typed values in front of a bytes store: Kafka Streams' record cache
/// (`statestore.cache.max.bytes`), kept above the serdes so that a hot key is neither
/// deserialized on every read nor serialized, stored and change-logged on every write.
///
/// Reads that hit return the cached value; writes only mark the entry dirty. Dirty entries go
/// to the bytes store (and through it to the changelog), in the order they were first
/// dirtied, when the store is flushed — which every runtime does before it commits offsets,
/// so at-least-once and exactly-once hold as without a cache — or when the cache outgrows its
/// capacity. So a key written many times between two commits reaches its changelog once.
/// Records are still forwarded downstream on every update: the cache changes what the
/// changelog holds between commits, never what a processor emits.
///
/// Confined to its task's thread, like the store.
@usableFromInline
final class StoreCache<Value> {
    /// One cached key. A class, so the dirty list holds the entries themselves: writing them
    /// back needs no dictionary lookups, which cost most on the generic path that a flush
    /// (reached through ``StateStore``) takes.
    @usableFromInline
    final class Entry {
        @usableFromInline let key: [UInt8]
        /// The value; `nil` for a deletion not yet written (or a key known to be absent).
        @usableFromInline var value: Value?
        @usableFromInline var dirty: Bool

        @inlinable init(key: [UInt8], value: Value?, dirty: Bool) {
            self.key = key
            self.value = value
            self.dirty = dirty
        }
    }

    /// Most entries held; past it, dirty entries are written and the cache starts again.
    @usableFromInline let capacity: Int
    // Confined to the task's thread: no run-time exclusivity checks on the per-record path.
    @exclusivity(unchecked) @usableFromInline var entries: [KeyBytes: Entry] = [:]
    /// The dirty entries, in the order they became dirty.
    @exclusivity(unchecked) @usableFromInline var dirtyOrder: [Entry] = []

    @usableFromInline
    init(capacity: Int) {
        precondition(capacity > 0, "a store cache holds at least one entry")
        self.capacity = capacity
    }

    /// The entry of `key`: the cached one, or on a miss a clean one holding what `load` reads
    /// from the store (`nil` for an absent key). One hash and one probe on a hit.
    @inlinable
    func entry(
        _ key: [UInt8], load: () throws -> Value?, writeBack: (_ key: [UInt8], _ value: Value?) throws -> Void
    ) rethrows -> Entry {
        let cacheKey = KeyBytes(key)
        if let existing = entries[cacheKey] { return existing }
        let value = try load()
        try makeRoom(writeBack)
        let entry = Entry(key: key, value: value, dirty: false)
        entries[cacheKey] = entry
        return entry
    }

    /// Records that `entry` (from ``entry(_:load:writeBack:)``) was written: it reaches the
    /// store at the next write-back.
    @inlinable
    func markWritten(_ entry: Entry) {
        guard !entry.dirty else { return }
        entry.dirty = true
        dirtyOrder.append(entry)
    }

    /// Reads, changes and writes the value of `key` through its entry (see
    /// ``entry(_:load:writeBack:)``); if `body` throws, the entry is left as it was.
    @inlinable
    func update<Result>(
        _ key: [UInt8], load: () throws -> Value?, writeBack: (_ key: [UInt8], _ value: Value?) throws -> Void,
        _ body: (inout Value?) throws -> Result
    ) rethrows -> Result {
        let entry = try entry(key, load: load, writeBack: writeBack)
        var value = entry.value
        let result = try body(&value)
        entry.value = value
        markWritten(entry)
        return result
    }

    /// Records a write (a `nil` value deletes); it reaches the store at the next write-back.
    @inlinable
    func write(_ key: [UInt8], _ value: Value?, writeBack: (_ key: [UInt8], _ value: Value?) throws -> Void) rethrows {
        let cacheKey = KeyBytes(key)
        if let existing = entries[cacheKey] {
            existing.value = value
            markWritten(existing)
            return
        }
        try makeRoom(writeBack)
        let entry = Entry(key: key, value: value, dirty: true)
        entries[cacheKey] = entry
        dirtyOrder.append(entry)
    }

    /// Whether some write has not reached the store yet.
    @inlinable
    var hasDirtyEntries: Bool { !dirtyOrder.isEmpty }

    /// Writes every dirty entry to the store, in the order they became dirty; they stay cached,
    /// clean.
    @inlinable
    func writeBack(_ write: (_ key: [UInt8], _ value: Value?) throws -> Void) rethrows {
        guard !dirtyOrder.isEmpty else { return }
        let order = dirtyOrder
        dirtyOrder = []
        for (position, entry) in order.enumerated() where entry.dirty {
            do {
                try write(entry.key, entry.value)
            } catch {
                // What is not written stays dirty, so a later flush tries again.
                dirtyOrder = Array(order[position...])
                throw error
            }
            entry.dirty = false
        }
    }

    /// Forgets the clean entries whose key matches (the store deleted them).
    @inlinable
    func forget(where matches: ([UInt8]) -> Bool) {
        for (key, entry) in entries where !entry.dirty && matches(entry.key) {
            entries[key] = nil
        }
    }

    /// Forgets everything, written or not (the task is closed, or its state is discarded).
    @inlinable
    func discard() {
        entries = [:]
        dirtyOrder = []
    }

    /// A full cache writes its dirty entries and starts again: simple, and at most one
    /// write per key per fill.
    @inlinable
    func makeRoom(_ writeBack: (_ key: [UInt8], _ value: Value?) throws -> Void) rethrows {
        guard entries.count >= capacity else { return }
        try self.writeBack(writeBack)
        entries.removeAll(keepingCapacity: true)
    }
}
