/// A typed store of one value per key and session: Kafka Streams' `SessionStore<K, V>`.
///
/// A session is a ``Windowed`` key whose `start` and `end` are the timestamps of its first and
/// last records (both inclusive). The store keeps its entries in a ``KeyValueBytesStore`` under
/// the key's bytes followed by the session's end and then its start (8 bytes each, big-endian,
/// sign bit flipped so that order is numeric), the layout of Kafka Streams' session key
/// schema: one key's sessions are next to each other, ordered by end, so the sessions that
/// end at or after a time are one range. It can therefore live in memory or on RocksDB and
/// have a changelog.
///
/// ```swift
/// let sessions = try context.stateStore(named: "visits", as: SessionStore<String, Int64>.self)
/// for (session, count) in try sessions.findSessions("C-42", earliestEnd: now - gap, latestStart: now + gap) {
///     print(session.start, session.end, count)
/// }
/// ```
public final class SessionStore<Key, Value>: StateStore {
    /// The bytes store underneath.
    public let bytes: any KeyValueBytesStore
    let keySerde: Serde<Key>
    let valueSerde: Serde<Value>

    /// Wraps a bytes store; every call goes straight to it.
    public init(_ bytes: any KeyValueBytesStore, key: Serde<Key>, value: Serde<Value>) {
        self.bytes = bytes
        keySerde = key
        valueSerde = value
    }

    /// The store's name.
    public var name: String { bytes.name }
    /// Whether the data survives a restart.
    public var persistent: Bool { bytes.persistent }

    /// The value of exactly this session, or `nil`.
    public func fetchSession(_ key: Key, start: Int64, end: Int64) throws -> Value? {
        try bytes.get(Self.storeKey(try serializeKey(key), start: start, end: end)).map(valueSerde.deserialize)
    }

    /// Stores `value` for the session `session` (its key, start and end); `nil` removes it.
    /// - Precondition: the session does not end before it starts.
    public func put(_ session: Windowed<Key>, _ value: Value?) throws {
        precondition(session.end >= session.start, "a session ends at or after its start")
        let stored = Self.storeKey(try serializeKey(session.key), start: session.start, end: session.end)
        try bytes.put(stored, try value.map { try valueSerde.serialize($0) ?? [] })
    }

    /// Removes the session `session`.
    public func remove(_ session: Windowed<Key>) throws {
        try put(session, nil)
    }

    /// The sessions of `key` that end at or after `earliestEnd` and start at or before
    /// `latestStart`: the sessions that a record at time `t` touches when both bounds are `t`
    /// widened by the inactivity gap. Ordered by end, then start.
    public func findSessions(_ key: Key, earliestEnd: Int64, latestStart: Int64) throws -> [(session: Windowed<Key>, value: Value)] {
        let keyBytes = try serializeKey(key)
        // Ordered by end: every session of the key from `earliestEnd` on; a session's end
        // says nothing of its start, so those that start too late are filtered out.
        var sessions: [(session: Windowed<Key>, value: Value)] = []
        for entry in try bytes.range(
            from: Self.storeKey(keyBytes, start: .min, end: earliestEnd),
            to: Self.storeKey(keyBytes, start: .max, end: .max), reverse: false)
        where entry.key.count == keyBytes.count + 16 && entry.key.starts(with: keyBytes) {
            let session = Self.session(of: entry.key, key: key)
            guard session.start <= latestStart else { continue }
            sessions.append((session, try valueSerde.deserialize(entry.value)))
        }
        return sessions
    }

    /// Every session of `key`, ordered by end, then start.
    public func fetch(_ key: Key) throws -> [(session: Windowed<Key>, value: Value)] {
        try findSessions(key, earliestEnd: .min, latestStart: .max)
    }

    /// Every session, by key bytes, then end, then start.
    public func all() throws -> [(session: Windowed<Key>, value: Value)] {
        try bytes.range(from: nil, to: nil, reverse: false).compactMap { entry in
            guard entry.key.count >= 16 else { return nil }
            let key = try keySerde.deserialize(Array(entry.key.dropLast(16)))
            return (Self.session(of: entry.key, key: key), try valueSerde.deserialize(entry.value))
        }
    }

    /// Removes the sessions that ended before `end` (retention).
    /// - Returns: How many sessions were removed.
    @discardableResult
    public func removeSessions(endingBefore end: Int64) throws -> Int {
        try bytes.deleteAll { $0.count >= 16 && Self.end(of: $0) < end }
    }

    /// An estimate of the number of sessions.
    public var approximateNumEntries: Int { bytes.approximateNumEntries }

    /// Flushes the store underneath.
    public func flush() throws { try bytes.flush() }

    /// Closes the store underneath.
    public func close() { bytes.close() }

    func serializeKey(_ key: Key) throws -> [UInt8] {
        guard let serialized = try keySerde.serialize(key) else {
            throw StreamsError(.serialization, "session store \(name) cannot store a null key")
        }
        return serialized
    }

    /// Key bytes, the end, then the start (each with its sign bit flipped).
    static func storeKey(_ key: [UInt8], start: Int64, end: Int64) -> [UInt8] {
        var result = key
        result.reserveCapacity(key.count + 16)
        appendSortable(end, to: &result)
        appendSortable(start, to: &result)
        return result
    }

    static func session(of storeKey: [UInt8], key: Key) -> Windowed<Key> {
        Windowed(key: key, start: timestamp(storeKey, fromEnd: 0), end: timestamp(storeKey, fromEnd: 8))
    }

    static func end(of storeKey: [UInt8]) -> Int64 { timestamp(storeKey, fromEnd: 8) }

    /// The sign-flipped big-endian time that ends `offset` bytes before the end of `storeKey`.
    private static func timestamp(_ storeKey: [UInt8], fromEnd offset: Int) -> Int64 {
        readSortable(storeKey, at: storeKey.count - offset - 8)
    }
}

extension SessionStore: BytesBackedStore {}

extension Stores {
    /// A builder of typed session stores over `supplier`'s bytes stores (change-logged by
    /// default; never cached: sessions are found by range, which a cache would have to write
    /// back first on every record).
    public static func sessionStoreBuilder<Key, Value>(
        _ supplier: KeyValueBytesStoreSupplier, key: Serde<Key>, value: Serde<Value>
    ) -> StoreBuilder {
        StoreBuilder(supplier: supplier) { bytes, _ in SessionStore(bytes, key: key, value: value) }
    }
}

extension Serde {
    /// Session-windowed keys as Kafka's `SessionWindowedSerializer` writes them: the key's
    /// bytes, then the session's end and its start, 8 bytes big-endian each.
    public static func sessionWindowed<Key>(_ key: Serde<Key>) -> Serde<Windowed<Key>> where Value == Windowed<Key> {
        Serde(
            name: "sessionWindowed<\(key.name)>",
            serialize: { windowed, buffer in
                _ = try key.serialize(windowed.key, into: &buffer)
                appendBigEndian(UInt64(bitPattern: windowed.end), to: &buffer)
                appendBigEndian(UInt64(bitPattern: windowed.start), to: &buffer)
            },
            deserialize: { bytes in
                guard bytes.count >= 16 else {
                    throw StreamsError(.deserialization, "a session-windowed key needs at least 16 bytes, got \(bytes.count)")
                }
                let count = bytes.count
                let end = Int64(bitPattern: try readBigEndian(
                    UnsafeRawBufferPointer(rebasing: bytes[(count - 16)..<(count - 8)]), as: UInt64.self, "sessionWindowed"))
                let start = Int64(bitPattern: try readBigEndian(
                    UnsafeRawBufferPointer(rebasing: bytes[(count - 8)...]), as: UInt64.self, "sessionWindowed"))
                let keyValue = try key.deserialize(UnsafeRawBufferPointer(rebasing: bytes[..<(count - 16)]))
                return Windowed(key: keyValue, start: start, end: end)
            })
    }
}
