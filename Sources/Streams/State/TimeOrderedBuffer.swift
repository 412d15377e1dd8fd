/// The buffer of ``KTable/suppress(untilWindowCloses:named:)``: Kafka Streams' in-memory
/// time-ordered key-value buffer.
///
/// It holds each buffered window's latest value typed, grouped by window end, so an update
/// costs a dictionary write and a closing window is found without a scan or a deserialization.
/// Changes reach the bytes store underneath (and through it the changelog) when the store is
/// flushed, before every commit: a window updated many times between two commits is
/// serialized and change-logged once. After a restart it reads back what the bytes store was
/// restored to.
///
/// Keys are the window end (8 bytes big-endian, sign bit flipped, so byte order is time order)
/// followed by the windowed key's bytes; values are written with ``serde``. Confined to its
/// task's thread, like every store.
@usableFromInline
final class TimeOrderedBuffer<Value>: BytesBackedStore {
    @usableFromInline let bytes: any KeyValueBytesStore
    /// The latest value of a key: a byte 1 and the value's bytes, or a single 0 for a delete.
    @usableFromInline let serde: Serde<Value?>
    // Confined to the task's thread: no run-time exclusivity checks on the per-record path.
    /// Buffered entries by window end, then by key.
    @exclusivity(unchecked) @usableFromInline var byEnd: [Int64: [KeyBytes: Value?]] = [:]
    /// Keys changed since the last write to `bytes`, in the order they first changed.
    @exclusivity(unchecked) @usableFromInline var dirtyOrder: [KeyBytes] = []
    @exclusivity(unchecked) @usableFromInline var dirty: Set<KeyBytes> = []
    /// Whether `byEnd` holds what `bytes` had when the task started.
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

    /// The buffer key of the window ending at `end` whose windowed key serializes to what
    /// `appendKey` appends.
    @inlinable
    static func key(end: Int64, _ appendKey: (inout [UInt8]) throws -> Void) rethrows -> [UInt8] {
        var key: [UInt8] = []
        key.reserveCapacity(32)
        appendSortable(end, to: &key)
        try appendKey(&key)
        return key
    }

    /// Buffers `value` (`nil` for a delete) as the latest of the window ending at `end`.
    @inlinable
    func put(_ key: [UInt8], end: Int64, _ value: Value?) throws {
        try loadIfNeeded()
        let cacheKey = KeyBytes(key)
        byEnd[end, default: [:]][cacheKey] = .some(value)
        markDirty(cacheKey)
    }

    /// Removes and returns the entries of every window that ends at or before `bound`, by
    /// window end and then by key bytes.
    @inlinable
    func removeWindows(endingAtOrBefore bound: Int64) throws -> [(key: [UInt8], value: Value?)] {
        try loadIfNeeded()
        var closed: [(key: [UInt8], value: Value?)] = []
        for end in byEnd.keys.filter({ $0 <= bound }).sorted() {
            guard let entries = byEnd.removeValue(forKey: end) else { continue }
            for (key, value) in entries.sorted(by: { compareKeyBytes($0.key.bytes, $1.key.bytes) < 0 }) {
                closed.append((key.bytes, value))
                markDirty(key)
            }
        }
        return closed
    }

    @inlinable
    func markDirty(_ key: KeyBytes) {
        if dirty.insert(key).inserted { dirtyOrder.append(key) }
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
            byEnd[Self.end(of: entry.key), default: [:]][KeyBytes(entry.key)] = .some(value)
        }
        loaded = true
    }

    /// Writes the changed entries to the bytes store underneath (and so to its changelog).
    @usableFromInline
    func writeCachedEntries() throws {
        guard !dirtyOrder.isEmpty else { return }
        let order = dirtyOrder
        dirtyOrder = []
        dirty = []
        for (position, key) in order.enumerated() {
            do {
                if let buffered = byEnd[Self.end(of: key.bytes)]?[key] {
                    try bytes.put(key.bytes, try serde.serialize(buffered) ?? [])
                } else {
                    try bytes.put(key.bytes, nil)
                }
            } catch {
                // What is not written stays dirty, so a later flush tries again.
                dirtyOrder = Array(order[position...])
                dirty = Set(dirtyOrder)
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
        byEnd = [:]
        dirtyOrder = []
        dirty = []
        bytes.close()
    }
}
