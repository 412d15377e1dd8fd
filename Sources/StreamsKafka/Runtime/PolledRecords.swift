import Streams

/// The records of one partition that a poll returned and the thread has not processed yet,
/// copied out of librdkafka's messages (which are freed when the poll returns).
///
/// A stream thread holds them so that it can process its partitions' records in timestamp
/// order across partitions, rather than one fetched chunk of a partition after another (see
/// `KafkaStreamThread`).
struct PolledRecords {
    struct Entry {
        let offset: Int64
        let timestamp: Int64
        /// Where the key's bytes start in `bytes`; `-1` for a null key.
        let keyStart: Int
        let keyCount: Int
        /// Where the value's bytes start in `bytes`; `-1` for a null value.
        let valueStart: Int
        let valueCount: Int
        let headers: Headers
    }

    private var entries: [Entry] = []
    private var bytes: [UInt8] = []
    /// The next entry to process.
    private var head = 0

    /// Whether every held record has been processed.
    var isEmpty: Bool { head == entries.count }
    /// How many records are held.
    var count: Int { entries.count - head }
    /// The key and value bytes of the records not processed yet.
    private(set) var pendingBytes = 0
    /// The next record's timestamp. - Precondition: not empty.
    var headTimestamp: Int64 { entries[head].timestamp }

    /// Copies a record in.
    mutating func append(offset: Int64, timestamp: Int64, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, headers: Headers) {
        let keyStart = key == nil ? -1 : bytes.count
        if let key { bytes.append(contentsOf: key) }
        let valueStart = value == nil ? -1 : bytes.count
        if let value { bytes.append(contentsOf: value) }
        pendingBytes += (key?.count ?? 0) + (value?.count ?? 0)
        entries.append(
            Entry(
                offset: offset, timestamp: timestamp, keyStart: keyStart, keyCount: key?.count ?? 0,
                valueStart: valueStart, valueCount: value?.count ?? 0, headers: headers))
    }

    /// Passes the next record to `body` with views of its bytes, valid during the call, then
    /// moves past it (also when `body` throws: a record that failed is not offered again).
    mutating func processNext(
        _ body: (Entry, UnsafeRawBufferPointer?, UnsafeRawBufferPointer?) throws -> Void
    ) rethrows {
        let entry = entries[head]
        head += 1
        pendingBytes -= entry.keyCount + entry.valueCount
        defer { if head == entries.count { removeAll() } }
        try bytes.withUnsafeBytes { all in
            let key = entry.keyStart < 0 ? nil : UnsafeRawBufferPointer(rebasing: all[entry.keyStart..<entry.keyStart + entry.keyCount])
            let value = entry.valueStart < 0 ? nil : UnsafeRawBufferPointer(rebasing: all[entry.valueStart..<entry.valueStart + entry.valueCount])
            try body(entry, key, value)
        }
    }

    /// Drops every held record, keeping the storage for the next ones.
    mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        head = 0
        pendingBytes = 0
    }
}
