/// A fixed-capacity piece of an in-memory partition log.
///
/// Memory is allocated once and never moves, so readers can use the bytes of published
/// entries without a lock while a writer appends after them.
///
/// `@unchecked Sendable`: a segment is written by one owner at a time — a producer filling it
/// before it hands it over, or the partition's appender while it holds the partition lock —
/// and an entry is readable once `PartitionLog` publishes a count that includes it under that
/// lock (the lock gives the ordering). Published entries, their bytes and `baseOffset` never
/// change afterwards until the segment is dropped and, held by no one else, reset for reuse.
final class LogSegment: @unchecked Sendable {
    struct Entry {
        var keyStart: Int
        var keyLength: Int  // -1 for null
        var valueStart: Int
        var valueLength: Int  // -1 for null
        var timestamp: Int64
        var hasHeaders: Bool
    }

    private(set) var baseOffset: Int64
    let byteCapacity: Int
    let entryCapacity: Int
    let bytes: UnsafeMutableRawPointer
    let entries: UnsafeMutablePointer<Entry>
    /// Entries written (by the appender); readers use the count published by the log.
    @exclusivity(unchecked) var written = 0
    @exclusivity(unchecked) var usedBytes = 0
    var headers: [Int: Headers] = [:]

    init(baseOffset: Int64, byteCapacity: Int, entryCapacity: Int) {
        self.baseOffset = baseOffset
        self.byteCapacity = byteCapacity
        self.entryCapacity = entryCapacity
        bytes = UnsafeMutableRawPointer.allocate(byteCount: max(byteCapacity, 1), alignment: 16)
        entries = UnsafeMutablePointer<Entry>.allocate(capacity: entryCapacity)
    }

    deinit {
        bytes.deallocate()
        entries.deallocate()
    }

    /// Sets where the segment starts in its log; done once, under the log's lock, when the
    /// log adopts a segment a producer filled.
    func place(at baseOffset: Int64) {
        self.baseOffset = baseOffset
    }

    /// Empties a segment for reuse; the caller holds the only reference.
    func reset(baseOffset: Int64) {
        self.baseOffset = baseOffset
        written = 0
        usedBytes = 0
        headers.removeAll()
    }

    func fits(_ count: Int) -> Bool {
        written < entryCapacity && usedBytes + count <= byteCapacity
    }

    /// Appends one record; the caller holds the partition lock and checked `fits`.
    func append(key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, timestamp: Int64, headers: Headers?) {
        func copy(_ part: UnsafeRawBufferPointer?) -> (Int, Int) {
            guard let part else { return (usedBytes, -1) }
            let start = usedBytes
            if let base = part.baseAddress, part.count > 0 {
                (bytes + start).copyMemory(from: base, byteCount: part.count)
            }
            usedBytes += part.count
            return (start, part.count)
        }
        let (keyStart, keyLength) = copy(key)
        let (valueStart, valueLength) = copy(value)
        let hasHeaders = headers.map { !$0.isEmpty } ?? false
        if hasHeaders { self.headers[written] = headers }
        (entries + written).initialize(
            to: Entry(
                keyStart: keyStart, keyLength: keyLength, valueStart: valueStart,
                valueLength: valueLength, timestamp: timestamp, hasHeaders: hasHeaders))
        written += 1
    }

    /// Appends one record whose value `writeValue` writes straight into the segment's free
    /// memory, after the key; the caller owns the segment (a producer filling it).
    /// - Returns: `false`, appending nothing, if the record does not fit.
    func append(
        key: UnsafeRawBufferPointer?, timestamp: Int64, headers: Headers,
        writingValue writeValue: (UnsafeMutableRawBufferPointer) throws -> Int?
    ) rethrows -> Bool {
        let keyLength = key?.count ?? 0
        guard written < entryCapacity, usedBytes &+ keyLength <= byteCapacity else { return false }
        let valueStart = usedBytes &+ keyLength
        let space = UnsafeMutableRawBufferPointer(start: bytes + valueStart, count: byteCapacity &- valueStart)
        guard let valueLength = try writeValue(space) else { return false }
        precondition(valueLength >= 0 && valueLength <= space.count, "a value writer reported \(valueLength) bytes written in \(space.count)")
        if let key, let base = key.baseAddress, keyLength > 0 {
            (bytes + usedBytes).copyMemory(from: base, byteCount: keyLength)
        }
        let hasHeaders = !headers.isEmpty
        if hasHeaders { self.headers[written] = headers }
        (entries + written).initialize(
            to: Entry(
                keyStart: usedBytes, keyLength: key == nil ? -1 : keyLength, valueStart: valueStart,
                valueLength: valueLength, timestamp: timestamp, hasHeaders: hasHeaders))
        usedBytes = valueStart &+ valueLength
        written += 1
        return true
    }

    /// Appends copies of all the records of `other` (a segment its producer filled) after this
    /// segment's own, in one copy of their bytes; the caller holds the partition lock.
    /// - Returns: `false`, appending nothing, if they do not all fit.
    func absorb(_ other: LogSegment) -> Bool {
        guard written &+ other.written <= entryCapacity, usedBytes &+ other.usedBytes <= byteCapacity else {
            return false
        }
        let shift = usedBytes
        (bytes + shift).copyMemory(from: other.bytes, byteCount: other.usedBytes)
        for index in 0..<other.written {
            var entry = other.entries[index]
            entry.keyStart &+= shift
            entry.valueStart &+= shift
            (entries + (written &+ index)).initialize(to: entry)
        }
        for (index, headers) in other.headers { self.headers[written &+ index] = headers }
        usedBytes &+= other.usedBytes
        written &+= other.written
        return true
    }

    func key(of entry: Entry) -> UnsafeRawBufferPointer? {
        entry.keyLength < 0 ? nil : UnsafeRawBufferPointer(start: bytes + entry.keyStart, count: entry.keyLength)
    }

    func value(of entry: Entry) -> UnsafeRawBufferPointer? {
        entry.valueLength < 0
            ? nil : UnsafeRawBufferPointer(start: bytes + entry.valueStart, count: entry.valueLength)
    }
}
