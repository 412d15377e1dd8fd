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
    /// back needs no lookups, which cost most on the generic path that a flush (reached
    /// through ``StateStore``) takes.
    ///
    /// It carries its key's length and first ``headBytes`` bytes next to the value (the hash
    /// is in the table's slot): a lookup that reaches the entry compares the key and reads the
    /// value in the same object,
    /// instead of chasing the key array's storage (elsewhere on the heap, usually a cache
    /// miss on a store of many keys) and then the entry.
    @usableFromInline
    final class Entry {
        @usableFromInline let key: [UInt8]
        @usableFromInline let count: Int
        @usableFromInline let head: Head
        // Confined to the task's thread, like the cache: no run-time exclusivity checks.
        /// The value; `nil` for a deletion not yet written (or a key known to be absent).
        @exclusivity(unchecked) @usableFromInline var value: Value?
        @exclusivity(unchecked) @usableFromInline var dirty: Bool

        @inlinable init(key: [UInt8], head: Head, value: Value?, dirty: Bool) {
            self.key = key
            count = key.count
            self.head = head
            self.value = value
            self.dirty = dirty
        }

        /// Whether this entry's key is the `probe` whose head is given (its slot's hash matched).
        @inlinable func matches(_ probe: [UInt8], head: Head) -> Bool {
            guard count == probe.count, self.head == head else { return false }
            return count <= StoreCache.headBytes || key == probe
        }
    }

    /// The first ``headBytes`` bytes of a key, zero-padded.
    @usableFromInline
    struct Head: Equatable {
        @usableFromInline var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        @inlinable init(_ key: [UInt8]) {
            key.withUnsafeBytes { bytes in
                withUnsafeMutableBytes(of: &words) { head in
                    head.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes.prefix(StoreCache.headBytes)))
                }
            }
        }

        @inlinable static func == (lhs: Head, rhs: Head) -> Bool {
            lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2
                && lhs.words.3 == rhs.words.3
        }
    }

    /// How many leading key bytes an entry holds inline; longer keys compare the rest through
    /// their arrays.
    @usableFromInline static var headBytes: Int { 32 }

    /// Most entries held; past it, dirty entries are written and the cache starts again.
    @usableFromInline let capacity: Int
    // Confined to the task's thread: no run-time exclusivity checks on the per-record path.
    /// One place of the table: an entry (owned, +1) or nothing, and the entry's hash. The hash
    /// sits next to the reference so that a probe past other keys reads only the table, not
    /// their entries: on a store of many keys each entry read is likely a cache miss.
    @usableFromInline
    struct Slot {
        @usableFromInline var hash: Int
        @usableFromInline var entry: Unmanaged<Entry>?

        @inlinable init(hash: Int, entry: Unmanaged<Entry>?) {
            self.hash = hash
            self.entry = entry
        }

        @inlinable static var empty: Slot { Slot(hash: 0, entry: nil) }
    }

    /// The entries by key: an open-addressing table with linear probing. Its size is a power of
    /// two, at most three quarters full.
    @exclusivity(unchecked) @usableFromInline var slots: UnsafeMutablePointer<Slot>
    @exclusivity(unchecked) @usableFromInline var mask: Int
    /// How many entries the table holds.
    @exclusivity(unchecked) @usableFromInline var count = 0
    /// The dirty entries, in the order they became dirty.
    @exclusivity(unchecked) @usableFromInline var dirtyOrder: [Entry] = []

    @usableFromInline
    init(capacity: Int) {
        precondition(capacity > 0, "a store cache holds at least one entry")
        self.capacity = capacity
        mask = 15
        slots = Self.allocateSlots(16)
    }

    deinit {
        releaseAll()
        slots.deallocate()
    }

    @usableFromInline
    static func allocateSlots(_ size: Int) -> UnsafeMutablePointer<Slot> {
        let slots = UnsafeMutablePointer<Slot>.allocate(capacity: size)
        slots.initialize(repeating: .empty, count: size)
        return slots
    }

    /// The cached entry of `key`, or `nil`. Only an entry whose hash matches is read, and
    /// without retaining it: the table holds it for as long as this call.
    @inlinable
    func lookup(_ key: [UInt8], hash: Int, head: Head) -> Entry? {
        var index = hash & mask
        while let entry = slots[index].entry {
            if slots[index].hash == hash,
                entry._withUnsafeGuaranteedRef({ $0.matches(key, head: head) })
            {
                return entry.takeUnretainedValue()
            }
            index = (index &+ 1) & mask
        }
        return nil
    }

    /// Adds `entry`, whose key (of hash `hash`) the table does not hold.
    @inlinable
    func insert(_ entry: Entry, hash: Int) {
        if (count &+ 1) &* 4 > (mask &+ 1) &* 3 { grow() }
        place(Slot(hash: hash, entry: Unmanaged.passRetained(entry)))
        count &+= 1
    }

    @inlinable
    func place(_ slot: Slot) {
        var index = slot.hash & mask
        while slots[index].entry != nil { index = (index &+ 1) & mask }
        slots[index] = slot
    }

    @usableFromInline
    func grow() {
        let old = slots
        let oldSize = mask &+ 1
        mask = oldSize &* 2 &- 1
        slots = Self.allocateSlots(oldSize &* 2)
        for index in 0..<oldSize where old[index].entry != nil { place(old[index]) }
        old.deallocate()
    }

    /// Empties the table, keeping its size.
    @usableFromInline
    func releaseAll() {
        for index in 0...mask {
            if let entry = slots[index].entry {
                entry.release()
                slots[index] = .empty
            }
        }
        count = 0
    }

    /// The entry of `key`: the cached one, or on a miss a clean one holding what `load` reads
    /// from the store (`nil` for an absent key). One hash and one probe on a hit.
    @inlinable
    func entry(
        _ key: [UInt8], load: () throws -> Value?, writeBack: (_ key: [UInt8], _ value: Value?) throws -> Void
    ) rethrows -> Entry {
        let hash = KeyBytes.hash(key)
        let head = Head(key)
        if let existing = lookup(key, hash: hash, head: head) { return existing }
        let value = try load()
        try makeRoom(writeBack)
        let entry = Entry(key: key, head: head, value: value, dirty: false)
        insert(entry, hash: hash)
        return entry
    }

    /// The cached value of `key` (`nil` inside for a cached delete), or `nil` if the key is
    /// not cached; loads nothing.
    @inlinable
    func cachedValue(_ key: [UInt8]) -> Value?? {
        // A closure, not a key path: applying `\.value` made a key path on every call.
        lookup(key, hash: KeyBytes.hash(key), head: Head(key)).map { $0.value }
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
    /// ``entry(_:load:writeBack:)``); if `body` throws, the entry is left as it was. With
    /// `inPlace`, `body` changes the entry's value where it is, so a value held nowhere else
    /// (an aggregate's dictionary, say) is not copied, and a throw keeps what it left.
    @inlinable
    func update<Result>(
        _ key: [UInt8], load: () throws -> Value?, writeBack: (_ key: [UInt8], _ value: Value?) throws -> Void,
        inPlace: Bool = false, _ body: (inout Value?) throws -> Result
    ) rethrows -> Result {
        let entry = try entry(key, load: load, writeBack: writeBack)
        if inPlace {
            defer { markWritten(entry) }
            return try body(&entry.value)
        }
        var value = entry.value
        let result = try body(&value)
        entry.value = value
        markWritten(entry)
        return result
    }

    /// Records a write (a `nil` value deletes); it reaches the store at the next write-back.
    @inlinable
    func write(_ key: [UInt8], _ value: Value?, writeBack: (_ key: [UInt8], _ value: Value?) throws -> Void) rethrows {
        // A write needs no read of the store: a missing key gets an entry, which the write fills.
        let entry = try entry(key, load: { nil }, writeBack: writeBack)
        entry.value = value
        markWritten(entry)
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

    /// Calls `body` with the key of every cached entry (a deletion not yet written included).
    @usableFromInline
    func forEachKey(_ body: ([UInt8]) -> Void) {
        for index in 0...mask {
            if let entry = slots[index].entry?.takeUnretainedValue() { body(entry.key) }
        }
    }

    /// Forgets the clean entries whose key matches (the store deleted them).
    @usableFromInline
    func forget(where matches: ([UInt8]) -> Bool) {
        remove { !$0.dirty && matches($0.key) }
    }

    /// Forgets the entries whose key matches, written or not: the caller deletes those keys
    /// from the store itself, so their unwritten changes are dropped (a dropped entry still in
    /// the dirty order is marked clean there, so a write-back skips it).
    @usableFromInline
    func drop(where matches: ([UInt8]) -> Bool) {
        remove { entry in
            guard matches(entry.key) else { return false }
            entry.dirty = false
            return true
        }
    }

    /// Releases the entries `isRemoved` picks, in one pass over the table, and places the
    /// others again.
    @usableFromInline
    func remove(_ isRemoved: (Entry) -> Bool) {
        var kept: [Slot] = []
        kept.reserveCapacity(count)
        for index in 0...mask {
            let slot = slots[index]
            guard let reference = slot.entry else { continue }
            slots[index] = .empty
            if isRemoved(reference.takeUnretainedValue()) { reference.release() } else { kept.append(slot) }
        }
        count = kept.count
        for slot in kept { place(slot) }
    }

    /// Forgets everything, written or not (the task is closed, or its state is discarded).
    @usableFromInline
    func discard() {
        releaseAll()
        dirtyOrder = []
    }

    /// A full cache writes its dirty entries and starts again: simple, and at most one
    /// write per key per fill.
    @inlinable
    func makeRoom(_ writeBack: (_ key: [UInt8], _ value: Value?) throws -> Void) rethrows {
        guard count >= capacity else { return }
        try self.writeBack(writeBack)
        releaseAll()
    }
}
