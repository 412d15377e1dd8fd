import Synchronization

/// One partition of an in-memory topic: an append-only log of records with offsets, a
/// start offset that retention moves forward, and an end offset. A compacted log (Kafka's
/// `cleanup.policy=compact`) also drops records that a later record of the same key
/// replaced, keeping the offsets of those it keeps.
final class PartitionLog: Sendable {
    struct State {
        var segments: [LogSegment] = []
        var startOffset: Int64 = 0
        var endOffset: Int64 = 0
        var retainedBytes = 0
        /// Bytes of the segments the last compaction wrote.
        var cleanBytes = 0
    }

    let retentionBytes: Int?
    let cleanupPolicy: CleanupPolicy
    private let pool: SegmentPool
    private let state = Mutex(State())

    init(retentionBytes: Int?, cleanupPolicy: CleanupPolicy = .delete, pool: SegmentPool) {
        self.retentionBytes = retentionBytes
        self.cleanupPolicy = cleanupPolicy
        self.pool = pool
    }

    var startOffset: Int64 { state.withLock { $0.startOffset } }
    var endOffset: Int64 { state.withLock { $0.endOffset } }

    /// Appends one record, copying it into the last segment when it fits; returns its offset.
    func append(
        key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, timestamp: Int64, headers: Headers?
    ) -> Int64 {
        state.withLock { state in
            let size = (key?.count ?? 0) + (value?.count ?? 0)
            var segment = state.segments.last
            if segment.map({ !$0.fits(size) }) ?? true {
                let fresh = pool.take(forRecordOf: size)
                fresh.place(at: state.endOffset)
                state.segments.append(fresh)
                segment = fresh
            }
            segment.unsafelyUnwrapped.append(key: key, value: value, timestamp: timestamp, headers: headers)
            state.retainedBytes += size
            let offset = state.endOffset
            state.endOffset += 1
            applyRetention(&state)
            compactIfDirty(&state)
            return offset
        }
    }

    /// Appends the records of segments a producer filled. A segment whose records fit in the
    /// room left in the log's last segment is copied there, and returned so the producer can
    /// reuse it: a producer flushed often (a stream thread flushes after every poll) would
    /// otherwise leave a log of mostly empty segments, each costing fresh pages. Any other
    /// segment is taken over whole, without a copy.
    /// - Returns: The segments copied from, no longer used by the log.
    func adopt(_ filled: [LogSegment]) -> [LogSegment] {
        state.withLock { state in
            var copied: [LogSegment] = []
            for segment in filled where segment.written > 0 {
                let (written, usedBytes) = (Int64(segment.written), segment.usedBytes)
                if let last = state.segments.last, last.absorb(segment) {
                    copied.append(segment)
                } else {
                    segment.place(at: state.endOffset)
                    state.segments.append(segment)
                }
                state.endOffset += written
                state.retainedBytes += usedBytes
            }
            applyRetention(&state)
            compactIfDirty(&state)
            return copied
        }
    }

    private func applyRetention(_ state: inout State) {
        guard let retentionBytes else { return }
        // Whole segments are dropped, oldest first, never the one being written.
        while state.retainedBytes > retentionBytes, state.segments.count > 1 {
            dropFirstSegment(&state)
        }
    }

    /// Deletes the records before `offset`, as Kafka's DeleteRecords: the start offset moves
    /// there and segments wholly before it are freed.
    func deleteRecords(before offset: Int64) {
        state.withLock { state in
            let target = min(offset, state.endOffset)
            guard target > state.startOffset else { return }
            state.startOffset = target
            while let first = state.segments.first, first.endOffset <= target {
                dropFirstSegment(&state)
            }
            state.startOffset = target
        }
    }

    private func dropFirstSegment(_ state: inout State) {
        var dropped = state.segments.removeFirst()
        state.retainedBytes -= dropped.usedBytes
        if dropped.isCompacted { state.cleanBytes -= dropped.usedBytes }
        state.startOffset = max(state.startOffset, dropped.endOffset)
        pool.recycle(&dropped)
    }

    /// Compacts once the bytes behind the segment being written that no compaction has seen
    /// are at least the policy's minimum and half of all the bytes behind it (Kafka's
    /// `min.cleanable.dirty.ratio` of 0.5): each record is then copied a bounded number of
    /// times, and the log holds about twice its live records at most, plus the segment
    /// being written.
    private func compactIfDirty(_ state: inout State) {
        guard let minDirtyBytes = cleanupPolicy.minDirtyBytes, let active = state.segments.last,
            state.segments.count > 1
        else { return }
        let cleanable = state.retainedBytes - active.usedBytes
        let dirty = cleanable - state.cleanBytes
        guard dirty >= minDirtyBytes, dirty * 2 >= cleanable else { return }
        compact(&state)
    }

    /// Rewrites every segment but the one being written, keeping of each key only its latest
    /// record there, and records without a key. A tombstone (a null value) is kept through
    /// one compaction, so a reader that saw the key's earlier value also sees it deleted,
    /// and dropped at the next (Kafka keeps it for `delete.retention.ms`). Offsets do not
    /// change: the log gets gaps where records were dropped.
    private func compact(_ state: inout State) {
        let active = state.segments.removeLast()
        var old = state.segments
        state.segments = []
        // The position (in the order of the old records) of each key's latest record.
        var latest: [KeyBytes: Int] = [:]
        var keep: [Bool] = []
        var position = 0
        for segment in old {
            for index in 0..<segment.written {
                if let key = segment.key(of: segment.entries[index]) {
                    latest[KeyBytes(Array(key))] = position
                    keep.append(false)
                } else {
                    keep.append(true)
                }
                position += 1
            }
        }
        for position in latest.values { keep[position] = true }

        var written: [LogSegment] = []
        var cleanBytes = 0
        position = 0
        for segment in old {
            for index in 0..<segment.written {
                defer { position += 1 }
                guard keep[position] else { continue }
                let entry = segment.entries[index]
                if entry.valueLength < 0 && segment.isCompacted { continue }
                let offset = segment.offset(at: index)
                if written.last.map({ !$0.fits(entry.size) }) ?? true {
                    let fresh = pool.take(forRecordOf: entry.size)
                    fresh.startCompacted(at: offset)
                    if let previous = written.last {
                        previous.endCompacted(at: offset)
                        cleanBytes += previous.usedBytes
                    }
                    written.append(fresh)
                }
                written.last.unsafelyUnwrapped.appendCopy(of: index, in: segment, offset: offset)
            }
        }
        if let last = written.last {
            last.endCompacted(at: active.baseOffset)
            cleanBytes += last.usedBytes
        }
        while var dropped = old.popLast() { pool.recycle(&dropped) }
        state.segments = written + [active]
        state.cleanBytes = cleanBytes
        state.retainedBytes = cleanBytes + active.usedBytes
    }

    /// Up to `max` records from `offset`: a view over the log's memory, valid while held.
    func fetch(from offset: Int64, max: Int) -> FetchedRecords {
        state.withLock { state in
            let from = Swift.max(offset, state.startOffset)
            var slices: [FetchedRecords.Slice] = []
            var remaining = max
            for segment in state.segments where remaining > 0 {
                guard segment.endOffset > from else { continue }
                let first = segment.firstIndex(atOrAfter: from)
                let count = Swift.min(segment.written - first, remaining)
                guard count > 0 else { continue }
                let headers = segment.headers.isEmpty ? [:] : segment.headers
                slices.append(.init(segment: segment, first: first, count: count, headers: headers))
                remaining -= count
            }
            return FetchedRecords(
                requestedOffset: offset, firstOffset: from, slices: slices, endOffset: state.endOffset)
        }
    }
}

/// Log segments no one uses any more, for reuse: fresh memory would cost page faults on every
/// segment written. One pool per cluster, shared by its logs and producers.
final class SegmentPool: Sendable {
    static let segmentBytes = 256 << 10
    static let segmentEntries = 2048
    /// At most this many idle segments (64 MiB) are kept.
    static let capacity = 256
    private let spare = Mutex<[LogSegment]>([])

    /// A segment for a record of `size` bytes (key and value), empty.
    func take(forRecordOf size: Int = 0) -> LogSegment {
        if size <= Self.segmentBytes, let reused = spare.withLock({ $0.popLast() }) {
            reused.reset(baseOffset: 0)
            return reused
        }
        return LogSegment(
            baseOffset: 0, byteCapacity: max(Self.segmentBytes, size), entryCapacity: Self.segmentEntries)
    }

    /// Keeps a dropped segment for reuse if no reader still holds it.
    func recycle(_ segment: inout LogSegment) {
        guard segment.byteCapacity == Self.segmentBytes, isKnownUniquelyReferenced(&segment) else { return }
        spare.withLock { if $0.count < Self.capacity { $0.append(segment) } }
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
        var cursor = Cursor(self)
        while !cursor.isAtEnd { try cursor.next(body) }
    }

    /// Reads fetched records one at a time, so that a reader can interleave several
    /// partitions' by timestamp. It holds the current slice's segment once, so reading a
    /// record's timestamp or the record costs no reference counting.
    struct Cursor {
        let records: FetchedRecords
        private var slice = -1
        private var index = 0
        private var end = 0
        /// The current slice's segment, unretained: `records` holds it.
        private var segment: Unmanaged<LogSegment>?
        private var entries: UnsafeMutablePointer<LogSegment.Entry>?

        init(_ records: FetchedRecords) {
            self.records = records
            nextSlice()
        }

        /// Whether every record was read.
        var isAtEnd: Bool { entries == nil }

        /// The next record's timestamp. - Precondition: not at the end.
        var timestamp: Int64 { entries.unsafelyUnwrapped[index].timestamp }

        /// Passes the next record to `body` (its buffers valid during the call) and moves past
        /// it, also when `body` throws. - Precondition: not at the end.
        mutating func next(
            _ body: (
                _ offset: Int64, _ key: UnsafeRawBufferPointer?, _ value: UnsafeRawBufferPointer?,
                _ timestamp: Int64, _ headers: Headers
            ) throws -> Void
        ) rethrows {
            let segment = self.segment.unsafelyUnwrapped
            let entry = entries.unsafelyUnwrapped[index]
            let at = index
            let headers = entry.hasHeaders ? (records.slices[slice].headers[at] ?? Headers()) : Headers()
            index &+= 1
            if index == end { nextSlice() }
            try segment._withUnsafeGuaranteedRef { segment in
                try body(segment.offset(at: at), segment.key(of: entry), segment.value(of: entry), entry.timestamp, headers)
            }
        }

        private mutating func nextSlice() {
            slice += 1
            while slice < records.slices.count, records.slices[slice].count == 0 { slice += 1 }
            guard slice < records.slices.count else {
                segment = nil
                entries = nil
                return
            }
            let current = records.slices[slice]
            segment = Unmanaged.passUnretained(current.segment)
            entries = current.segment.entries
            index = current.first
            end = current.first + current.count
        }
    }
}
