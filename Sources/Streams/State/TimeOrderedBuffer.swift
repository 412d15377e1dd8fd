/// The buffer of ``KTable/suppress(untilWindowCloses:named:)``: Kafka Streams' in-memory
/// time-ordered key-value buffer.
///
/// It holds each buffered window's latest value typed, in one slot per key that also says
/// whether the slot changed since the last flush, and lists the keys of each window end, so
/// an update costs one dictionary lookup and a closing window is found without a scan or a
/// deserialization. Changes reach the bytes store underneath (and through it the changelog)
/// when the store is flushed, before every commit: a window updated many times between two
/// commits is serialized and change-logged once. After a restart it reads back what the bytes
/// store was restored to.
///
/// Keys are the window end (8 bytes big-endian, sign bit flipped, so byte order is time order)
/// followed by the windowed key's bytes; values are written with ``serde``. Confined to its
/// task's thread, like every store.
@usableFromInline
final class TimeOrderedBuffer<Value>: BytesBackedStore {
    /// One key's state in the buffer.
    @usableFromInline
    struct Slot {
        /// The latest value (`nil` for a delete), while the window is buffered.
        @usableFromInline var value: Value?
        /// Whether the window is still buffered; `false` once it closed and was forwarded,
        /// until a flush writes its tombstone and the slot goes.
        @usableFromInline var buffered: Bool
        /// Whether the slot changed since it was last written to ``bytes``.
        @usableFromInline var dirty: Bool

        @inlinable init(value: Value?, buffered: Bool, dirty: Bool) {
            self.value = value
            self.buffered = buffered
            self.dirty = dirty
        }
    }

    @usableFromInline let bytes: any KeyValueBytesStore
    /// The latest value of a key: a byte 1 and the value's bytes, or a single 0 for a delete.
    @usableFromInline let serde: Serde<Value?>
    // Confined to the task's thread: no run-time exclusivity checks on the per-record path.
    /// Every key the buffer holds or has yet to write a tombstone for.
    @exclusivity(unchecked) @usableFromInline var slots: [KeyBytes: Slot] = [:]
    /// The buffered keys of each window end.
    @exclusivity(unchecked) @usableFromInline var byEnd: [Int64: [KeyBytes]] = [:]
    /// Keys changed since the last write to `bytes`, in the order they first changed.
    @exclusivity(unchecked) @usableFromInline var dirtyOrder: [KeyBytes] = []
    /// Where a key is built: an update of a buffered window allocates nothing for its key.
    @exclusivity(unchecked) @usableFromInline var keyBuffer: [UInt8] = []
    /// Whether `slots` holds what `bytes` had when the task started.
    @exclusivity(unchecked) @usableFromInline var loaded = false

    @usableFromInline
    init(_ bytes: any KeyValueBytesStore, value: Serde<Value>) {
        self.bytes = bytes
        serde = Self.taggedSerde(value)
    }

    /// The buffer's builder: an in-memory, change-logged store named `name`.
    @usableFromInline
    static func builder(named name: String, value: Serde<Value>) -> StoreBuilder {
        StoreBuilder(supplier: Stores.inMemoryKeyValueStore(name)) { bytes, _ in
            TimeOrderedBuffer(bytes, value: value)
        }
    }

    /// A byte 1 and the value's bytes, or a single 0 for `nil`.
    static func taggedSerde(_ value: Serde<Value>) -> Serde<Value?> {
        Serde<Value?>(
            name: "suppressed<\(value.name)>",
            serialize: { buffered, buffer in
                guard let buffered else { return buffer.append(0) }
                buffer.append(1)
                _ = try value.serialize(buffered, into: &buffer)
            },
            deserialize: { bytes in
                guard let tag = bytes.first, tag <= 1 else {
                    throw StreamsError(.deserialization, "a suppression buffer entry must start with the byte 0 or 1")
                }
                return tag == 0 ? nil : try value.deserialize(UnsafeRawBufferPointer(rebasing: bytes.dropFirst()))
            })
    }

    @usableFromInline var name: String { bytes.name }
    @usableFromInline var persistent: Bool { bytes.persistent }

    /// The end of the window of a buffer key.
    @inlinable
    static func end(of key: [UInt8]) -> Int64 { readSortable(key, at: 0) }

    /// Buffers `value` (`nil` for a delete) as the latest of the window ending at `end`
    /// whose windowed key serializes to what `appendKey` appends.
    @inlinable
    func put(end: Int64, _ value: Value?, key appendKey: (inout [UInt8]) throws -> Void) throws {
        try loadIfNeeded()
        keyBuffer.removeAll(keepingCapacity: true)
        appendSortable(end, to: &keyBuffer)
        try appendKey(&keyBuffer)
        let key = KeyBytes(keyBuffer)
        guard let index = slots.index(forKey: key) else {
            slots[key] = Slot(value: value, buffered: true, dirty: true)
            byEnd[end, default: []].append(key)
            dirtyOrder.append(key)
            return
        }
        let (wasBuffered, wasDirty) = Self.replace(&slots.values[index], with: value)
        if !wasBuffered { byEnd[end, default: []].append(key) }
        if !wasDirty { dirtyOrder.append(key) }
    }

    /// Sets a slot's value in place (the old value released, not copied) and marks it
    /// buffered and dirty; returns whether it was either before.
    @inlinable
    static func replace(_ slot: inout Slot, with value: Value?) -> (buffered: Bool, dirty: Bool) {
        let before = (slot.buffered, slot.dirty)
        slot.value = value
        slot.buffered = true
        slot.dirty = true
        return before
    }

    /// Removes and returns the entries of every window that ends at or before `bound`, by
    /// window end and then by key bytes.
    @inlinable
    func removeWindows(endingAtOrBefore bound: Int64) throws -> [(key: [UInt8], value: Value?)] {
        try loadIfNeeded()
        var closed: [(key: [UInt8], value: Value?)] = []
        for end in byEnd.keys.filter({ $0 <= bound }).sorted() {
            guard let keys = byEnd.removeValue(forKey: end) else { continue }
            for key in keys.sorted(by: { compareKeyBytes($0.bytes, $1.bytes) < 0 }) {
                guard let index = slots.index(forKey: key), let (value, wasDirty) = Self.close(&slots.values[index])
                else { continue }
                closed.append((key.bytes, value))
                if !wasDirty { dirtyOrder.append(key) }
            }
        }
        return closed
    }

    /// Marks a buffered slot closed and dirty, so a flush writes its tombstone.
    /// - Returns: The value it held (`nil` inside for a delete) and whether it was dirty
    ///   already; `nil` if it was not buffered.
    @inlinable
    static func close(_ slot: inout Slot) -> (value: Value?, wasDirty: Bool)? {
        guard slot.buffered else { return nil }
        let closed = (slot.value, slot.dirty)
        slot.value = nil
        slot.buffered = false
        slot.dirty = true
        return closed
    }

    @inlinable
    func loadIfNeeded() throws {
        if !loaded { try load() }
    }

    @usableFromInline
    func load() throws {
        for entry in try bytes.all() where entry.key.count >= 8 {
            let value: Value?
            do {
                value = try serde.deserialize(entry.value)
            } catch {
                throw StreamsError(.deserialization, "state store \(name) holds a value its serde cannot read", underlying: error)
            }
            let key = KeyBytes(entry.key)
            slots[key] = Slot(value: value, buffered: true, dirty: false)
            byEnd[Self.end(of: entry.key), default: []].append(key)
        }
        loaded = true
    }

    /// Writes the changed entries to the bytes store underneath (and so to its changelog).
    @usableFromInline
    func writeCachedEntries() throws {
        guard !dirtyOrder.isEmpty else { return }
        let order = dirtyOrder
        dirtyOrder = []
        for (position, key) in order.enumerated() {
            guard let index = slots.index(forKey: key) else { continue }
            let slot = slots.values[index]
            do {
                if slot.buffered {
                    try bytes.put(key.bytes, try serde.serialize(slot.value) ?? [])
                    slots.values[index].dirty = false
                } else {
                    try bytes.put(key.bytes, nil)
                    slots.remove(at: index)
                }
            } catch {
                // What is not written stays dirty, so a later flush tries again.
                dirtyOrder = Array(order[position...])
                throw error
            }
        }
    }

    @usableFromInline
    func flush() throws {
        try writeCachedEntries()
        try bytes.flush()
    }

    /// Drops unflushed changes, as ``KeyValueStore/close()`` does.
    @usableFromInline
    func close() {
        slots = [:]
        byEnd = [:]
        dirtyOrder = []
        bytes.close()
    }
}
