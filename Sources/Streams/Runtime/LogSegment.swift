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

        /// The bytes of its key and value.
        var size: Int { max(keyLength, 0) &+ max(valueLength, 0) }
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
    /// Each entry's offset, when compaction wrote the segment and its offsets have gaps;
    /// allocated the first time, kept for reuse.
    private var sparseOffsets: UnsafeMutablePointer<Int64>?
    /// Whether compaction wrote the segment: its entries' offsets have gaps.
    private(set) var isCompacted = false
    /// For a compacted segment, the offset after the last record it stands for.
    private var compactedEnd: Int64 = 0

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
        sparseOffsets?.deallocate()
    }

    /// The offset after the last record the segment stands for: the next segment's first.
    var endOffset: Int64 { isCompacted ? compactedEnd : baseOffset + Int64(written) }

    /// The offset of the entry at `index`.
    @inline(__always)
    func offset(at index: Int) -> Int64 {
        isCompacted ? sparseOffsets.unsafelyUnwrapped[index] : baseOffset + Int64(index)
    }

    /// The index of the first entry at or after `offset` (`written` if none).
    func firstIndex(atOrAfter offset: Int64) -> Int {
        guard isCompacted, let offsets = sparseOffsets else {
            return Int(Swift.min(Swift.max(offset - baseOffset, 0), Int64(written)))
        }
        var low = 0
        var high = written
        while low < high {
            let middle = (low &+ high) / 2
            if offsets[middle] < offset { low = middle &+ 1 } else { high = middle }
        }
        return low
    }

    /// Makes an empty segment the target of a compaction: entries appended with
    /// ``appendCopy(of:in:offset:)`` keep their own offsets.
    func startCompacted(at baseOffset: Int64) {
        precondition(written == 0, "only an empty segment takes compacted records")
        self.baseOffset = baseOffset
        isCompacted = true
        compactedEnd = baseOffset
        if sparseOffsets == nil { sparseOffsets = .allocate(capacity: entryCapacity) }
    }

    /// Sets the offset after the last record a compacted segment stands for.
    func endCompacted(at endOffset: Int64) {
        compactedEnd = endOffset
    }

    /// Copies the entry at `index` of `source` here, with its offset; the segment was started
    /// with ``startCompacted(at:)`` and the entry fits.
    func appendCopy(of index: Int, in source: LogSegment, offset: Int64) {
        let entry = source.entries[index]
        let headers = entry.hasHeaders ? source.headers[index] : nil
        sparseOffsets.unsafelyUnwrapped[written] = offset
        append(key: source.key(of: entry), value: source.value(of: entry), timestamp: entry.timestamp, headers: headers)
        compactedEnd = offset + 1
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
        isCompacted = false
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
        guard !isCompacted, !other.isCompacted, written &+ other.written <= entryCapacity,
            usedBytes &+ other.usedBytes <= byteCapacity
        else {
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
