/// Sends every write of a key-value store to its changelog topic, then makes it: Kafka
/// Streams' `ChangeLoggingKeyValueBytesStore`.
///
/// The records go through the task's collector, like the task's outputs, so they are
/// acknowledged before the task's input offsets are committed. A delete is a tombstone (a null
/// value), which compaction turns into the key's removal.
final class ChangeLoggingKeyValueStore: KeyValueBytesStore {
    let inner: any KeyValueBytesStore
    private let context: TaskContext
    /// The changelog topic as named on the cluster.
    private let topic: TopicName
    private let partition: Int32

    init(_ inner: any KeyValueBytesStore, context: TaskContext, topic: TopicName, partition: Int32) {
        self.inner = inner
        self.context = context
        self.topic = topic
        self.partition = partition
    }

    var name: String { inner.name }
    var persistent: Bool { inner.persistent }
    var approximateNumEntries: Int { inner.approximateNumEntries }
    var checkpointPath: String? { inner.checkpointPath }

    func get(_ key: [UInt8]) throws -> [UInt8]? { try inner.get(key) }

    func put(_ key: [UInt8], _ value: [UInt8]?) throws {
        try inner.put(key, value)
        try log(key, value)
    }

    func putAll(_ entries: [(key: [UInt8], value: [UInt8]?)]) throws {
        try inner.putAll(entries)
        for entry in entries { try log(entry.key, entry.value) }
    }

    @discardableResult
    func delete(_ key: [UInt8]) throws -> [UInt8]? {
        let old = try inner.delete(key)
        try log(key, nil)
        return old
    }

    func range(from: [UInt8]?, to: [UInt8]?, reverse: Bool) throws -> [KeyValueBytes] {
        try inner.range(from: from, to: to, reverse: reverse)
    }

    func flush() throws { try inner.flush() }

    func close() { inner.close() }

    /// The write's record: the current record's timestamp, or the wall clock in a punctuation.
    private func log(_ key: [UInt8], _ value: [UInt8]?) throws {
        let timestamp = context.currentMetadata != nil && context.streamTime != .min ? context.streamTime : context.wallClock()
        try key.withUnsafeBytes { keyBytes in
            if let value {
                try value.withUnsafeBytes { valueBytes in
                    try context.send(
                        topic: topic, partition: partition, key: keyBytes, value: valueBytes, timestamp: timestamp,
                        headers: Headers())
                }
            } else {
                try context.send(
                    topic: topic, partition: partition, key: keyBytes, value: nil, timestamp: timestamp, headers: Headers())
            }
        }
    }
}

/// Reads one partition of a changelog topic from `from` (its start when `nil` or below it) to
/// its end: tells `begin` the
/// offsets it will read (first, end), hands each record's key and value (`nil` for a
/// tombstone) to `apply`, and returns how many records it read. Each runtime supplies one (the
/// in-memory cluster's log, a Kafka consumer).
package typealias ChangelogReader = (
    _ topic: TopicName, _ partition: Int32, _ from: Int64?, _ begin: (_ start: Int64, _ end: Int64) -> Void,
    _ apply: (_ key: UnsafeRawBufferPointer?, _ value: UnsafeRawBufferPointer?) throws -> Void
) throws -> Int
