/// A key-value store held in memory: Kafka Streams' in-memory store. Not persistent: after a
/// restart it is rebuilt from its changelog.
///
/// Point reads and writes are hash lookups; a range sorts the keys once and keeps that order
/// until a key is added or removed.
public final class InMemoryKeyValueStore: KeyValueBytesStore {
    /// The store's name.
    public let name: String
    /// Always `false`.
    public var persistent: Bool { false }
    private var entries: [KeyBytes: [UInt8]] = [:]
    /// The keys in store order, while no key has been added or removed since they were sorted.
    private var sortedKeys: [[UInt8]]?
    private var closed = false

    /// Creates an empty store.
    public init(name: String) {
        self.name = name
    }

    public func get(_ key: [UInt8]) throws -> [UInt8]? {
        try checkOpen()
        return entries[KeyBytes(key)]
    }

    public func put(_ key: [UInt8], _ value: [UInt8]?) throws {
        try checkOpen()
        guard let value else {
            try delete(key)
            return
        }
        if entries.updateValue(value, forKey: KeyBytes(key)) == nil { sortedKeys = nil }
    }

    @discardableResult
    public func delete(_ key: [UInt8]) throws -> [UInt8]? {
        try checkOpen()
        let old = entries.removeValue(forKey: KeyBytes(key))
        if old != nil { sortedKeys = nil }
        return old
    }

    public func range(from: [UInt8]?, to: [UInt8]?, reverse: Bool) throws -> [KeyValueBytes] {
        try checkOpen()
        let keys = sortedKeys ?? entries.keys.map { $0.bytes }.sorted { compareKeyBytes($0, $1) < 0 }
        sortedKeys = keys
        // The first key not below `from`, then up to the last not above `to`.
        var low = 0
        if let from {
            var high = keys.count
            while low < high {
                let middle = (low + high) / 2
                if compareKeyBytes(keys[middle], from) < 0 { low = middle + 1 } else { high = middle }
            }
        }
        var result: [KeyValueBytes] = []
        var index = low
        while index < keys.count {
            let key = keys[index]
            if let to, compareKeyBytes(key, to) > 0 { break }
            result.append(KeyValueBytes(key: key, value: entries[KeyBytes(key)]!))
            index += 1
        }
        return reverse ? result.reversed() : result
    }

    public var approximateNumEntries: Int { entries.count }

    /// Nothing to write: the entries are the store.
    /// - Throws: ``StreamsError`` (``StreamsError/Code/illegalState``) once closed, like
    ///   every other store.
    public func flush() throws { try checkOpen() }

    public func close() {
        closed = true
        entries = [:]
        sortedKeys = nil
    }

    private func checkOpen() throws {
        if closed { throw StreamsError(.illegalState, "state store \(name) is closed") }
    }
}
