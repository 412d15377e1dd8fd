import Synchronization

/// One partition of an in-memory topic: an append-only log of records with offsets, a
/// start offset that retention moves forward, and an end offset.
final class PartitionLog: Sendable {
    struct State {
        var segments: [LogSegment] = []
        var startOffset: Int64 = 0
        var endOffset: Int64 = 0
        var retainedBytes = 0
        /// Dropped segments no reader holds, kept for reuse: fresh ones would cost page
        /// faults on every megabyte written.
        var spare: [LogSegment] = []
    }

    static let segmentBytes = 256 << 10
    static let segmentEntries = 2048
    /// Dropped segments kept per partition for reuse (at most 2 MiB).
    static let maxSpareSegments = 8

    let retentionBytes: Int?
    private let state = Mutex(State())

    init(retentionBytes: Int?) {
        self.retentionBytes = retentionBytes
    }

    var startOffset: Int64 { state.withLock { $0.startOffset } }
    var endOffset: Int64 { state.withLock { $0.endOffset } }

    /// Appends staged records under one lock; returns the offset of the first.
    @discardableResult
    func append(_ staged: StagedRecords) -> Int64 {
        state.withLock { state in
            let first = state.endOffset
            staged.bytes.withUnsafeBytes { bytes in
                // The segment being written, held locally: no array access per record.
                var current = state.segments.last
                for (index, entry) in staged.entries.enumerated() {
                    let key = entry.keyLength < 0 ? nil : UnsafeRawBufferPointer(rebasing: bytes[entry.keyStart..<(entry.keyStart + entry.keyLength)])
                    let value = entry.valueLength < 0 ? nil : UnsafeRawBufferPointer(rebasing: bytes[entry.valueStart..<(entry.valueStart + entry.valueLength)])
                    let size = max(entry.keyLength, 0) + max(entry.valueLength, 0)
                    if current.map({ !$0.fits(size) }) ?? true {
                        let segment = Self.newSegment(&state, size: size)
                        state.segments.append(segment)
                        current = segment
                    }
                    current.unsafelyUnwrapped.append(
                        key: key, value: value, timestamp: entry.timestamp,
                        headers: entry.hasHeaders ? staged.headers[index] ?? Headers() : Headers())
                    state.endOffset += 1
                    state.retainedBytes += size
                }
            }
            applyRetention(&state)
            return first
        }
    }

    private static func newSegment(_ state: inout State, size: Int) -> LogSegment {
        if size <= segmentBytes, let reused = state.spare.popLast() {
            reused.reset(baseOffset: state.endOffset)
            return reused
        }
        return LogSegment(
            baseOffset: state.endOffset, byteCapacity: max(segmentBytes, size), entryCapacity: segmentEntries)
    }

    private func applyRetention(_ state: inout State) {
        guard let retentionBytes else { return }
        // Whole segments are dropped, oldest first, never the one being written.
        while state.retainedBytes > retentionBytes, state.segments.count > 1 {
            Self.dropFirstSegment(&state)
        }
    }

    /// Deletes the records before `offset`, as Kafka's DeleteRecords: the start offset moves
    /// there and segments wholly before it are freed.
    func deleteRecords(before offset: Int64) {
        state.withLock { state in
            let target = min(offset, state.endOffset)
            guard target > state.startOffset else { return }
            state.startOffset = target
            while let first = state.segments.first, first.baseOffset + Int64(first.written) <= target {
                Self.dropFirstSegment(&state)
            }
            state.startOffset = target
        }
    }

    private static func dropFirstSegment(_ state: inout State) {
        var dropped = state.segments.removeFirst()
        state.retainedBytes -= dropped.usedBytes
        state.startOffset = max(state.startOffset, dropped.baseOffset + Int64(dropped.written))
        if state.spare.count < Self.maxSpareSegments, dropped.byteCapacity == Self.segmentBytes,
            isKnownUniquelyReferenced(&dropped)
        {
            state.spare.append(dropped)
        }
    }

    /// Up to `max` records from `offset`: a view over the log's memory, valid while held.
    func fetch(from offset: Int64, max: Int) -> FetchedRecords {
        state.withLock { state in
            let from = Swift.max(offset, state.startOffset)
            var slices: [FetchedRecords.Slice] = []
            var remaining = max
            for segment in state.segments where remaining > 0 {
                let end = segment.baseOffset + Int64(segment.written)
                guard end > from else { continue }
                let first = Int(Swift.max(from, segment.baseOffset) - segment.baseOffset)
                let count = Swift.min(segment.written - first, remaining)
                let headers = segment.headers.isEmpty ? [:] : segment.headers
                slices.append(.init(segment: segment, first: first, count: count, headers: headers))
                remaining -= count
            }
            return FetchedRecords(
                requestedOffset: offset, firstOffset: from, slices: slices, endOffset: state.endOffset)
        }
    }
}

/// Records serialized into one buffer, waiting to be appended to a log in one go.
struct StagedRecords {
    var bytes: [UInt8] = []
    var entries: [LogSegment.Entry] = []
    var headers: [Int: Headers] = [:]

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }

    mutating func add(
        key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, timestamp: Int64, headers: Headers
    ) {
        let keyStart = bytes.count
        if let key { bytes.append(contentsOf: key) }
        let valueStart = bytes.count
        if let value { bytes.append(contentsOf: value) }
        if !headers.isEmpty { self.headers[entries.count] = headers }
        entries.append(
            LogSegment.Entry(
                keyStart: keyStart, keyLength: key?.count ?? -1, valueStart: valueStart,
                valueLength: value?.count ?? -1, timestamp: timestamp, hasHeaders: !headers.isEmpty))
    }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        headers.removeAll()
    }
}

/// Records fetched from a partition log, read in place.
struct FetchedRecords {
    struct Slice {
        let segment: LogSegment
        let first: Int
        let count: Int
        let headers: [Int: Headers]
    }

    /// The offset asked for; less than `firstOffset` when retention dropped records.
    let requestedOffset: Int64
    let firstOffset: Int64
    let slices: [Slice]
    let endOffset: Int64

    var count: Int { slices.reduce(0) { $0 + $1.count } }

    /// Calls `body` with each record in offset order.
    func forEach(
        _ body: (
            _ offset: Int64, _ key: UnsafeRawBufferPointer?, _ value: UnsafeRawBufferPointer?,
            _ timestamp: Int64, _ headers: Headers
        ) throws -> Void
    ) rethrows {
        for slice in slices {
            let segment = slice.segment
            for index in slice.first..<(slice.first + slice.count) {
                let entry = segment.entries[index]
                try body(
                    segment.baseOffset + Int64(index), segment.key(of: entry), segment.value(of: entry),
                    entry.timestamp, entry.hasHeaders ? (slice.headers[index] ?? Headers()) : Headers())
            }
        }
    }
}
