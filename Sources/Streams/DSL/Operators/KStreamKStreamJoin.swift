/// One side of a windowed stream-stream join: buffers each record of its stream, then joins it
/// with the other side's buffered records of the same key within the window.
///
/// Buffer key: the key's bytes, then the timestamp (8 bytes big-endian, sign flipped, so a
/// key's entries run in time order), then a sequence number (4 bytes big-endian) so that
/// records with the same key and timestamp are all kept. Buffer value: a flag (0 for Kafka's
/// null, 1 otherwise), then the value's bytes.
final class KStreamKStreamJoin<Key, ThisValue, OtherValue, Joined>: Processor {
    typealias KeyIn = Key
    typealias ValueIn = ThisValue
    typealias KeyOut = Key
    typealias ValueOut = Joined
    let thisStoreName: String
    let otherStoreName: String
    /// How far before and after this side's record the other side's records join it (the
    /// right side's processor gets the windows mirrored).
    let beforeMillis: Int64
    let afterMillis: Int64
    let graceMillis: Int64
    let keySerde: Serde<Key>
    let thisSerde: Serde<ThisValue>
    let otherSerde: Serde<OtherValue>
    /// Joins this side's value with a match, or with `nil` when there is none; `nil` means
    /// forward nothing (an inner join's unmatched record).
    let join: @Sendable (ThisValue, OtherValue?) throws -> Joined?
    private var context: ProcessorContext<Key, Joined>!
    private var thisBuffer: KeyValueStore<[UInt8], [UInt8]>!
    private var otherBuffer: KeyValueStore<[UInt8], [UInt8]>!
    /// Distinguishes records with the same key and timestamp in this side's buffer.
    private var sequence: UInt32 = 0
    /// Records since buffered records that can no longer join were last deleted.
    private var sinceCleanup = 0

    init(
        thisStore: String, otherStore: String, before: Int64, after: Int64, grace: Int64,
        key: Serde<Key>, thisValue: Serde<ThisValue>, otherValue: Serde<OtherValue>,
        _ join: @escaping @Sendable (ThisValue, OtherValue?) throws -> Joined?
    ) {
        thisStoreName = thisStore
        otherStoreName = otherStore
        beforeMillis = before
        afterMillis = after
        graceMillis = grace
        keySerde = key
        thisSerde = thisValue
        otherSerde = otherValue
        self.join = join
    }

    func initialize(context: ProcessorContext<Key, Joined>) throws {
        self.context = context
        thisBuffer = try context.stateStore(named: thisStoreName, as: KeyValueStore<[UInt8], [UInt8]>.self)
        otherBuffer = try context.stateStore(named: otherStoreName, as: KeyValueStore<[UInt8], [UInt8]>.self)
    }

    func process(_ record: Record<Key, ThisValue>) throws {
        try joinRecord(record)
        try cleanUpIfDue()
    }

    private func joinRecord(_ record: Record<Key, ThisValue>) throws {
        let streamTime = context.currentStreamTime
        var keyBytes: [UInt8] = []
        // A null key joins nothing, as in Kafka Streams.
        guard try keySerde.serialize(record.key, into: &keyBytes) else {
            context.task.skippedRecords += 1
            return
        }
        // Its window has closed (the window's far end plus grace is behind stream time): the
        // other side's matching records may already be gone.
        if Self.plus(Self.plus(record.timestamp, afterMillis), graceMillis) < streamTime {
            context.droppedLateRecord("its join window has closed", timestamp: record.timestamp, streamTime: streamTime)
            return
        }
        try buffer(record, keyBytes: keyBytes)

        var from = keyBytes
        appendSortable(Self.plus(record.timestamp, -beforeMillis), to: &from)
        appendBigEndian(UInt32.min, to: &from)
        var to = keyBytes
        appendSortable(Self.plus(record.timestamp, afterMillis), to: &to)
        appendBigEndian(UInt32.max, to: &to)
        var matched = false
        for entry in try otherBuffer.range(from: from, to: to) {
            // Another key whose bytes start with this key's can sort in between: skip it.
            guard entry.key.count == keyBytes.count + 12, entry.key.starts(with: keyBytes) else { continue }
            matched = true
            let time = Self.timestamp(in: entry.key, at: keyBytes.count)
            let other = try otherSerde.deserialize(entry.value.first == 1 ? Array(entry.value.dropFirst()) : nil)
            if let joined = try join(record.value, other) {
                try context.forward(record.withValue(joined).withTimestamp(max(record.timestamp, time)))
            }
        }
        // Kafka Streams before 3.1: an unmatched record's left/outer result right away.
        if !matched, let joined = try join(record.value, nil) {
            try context.forward(record.withValue(joined))
        }
    }

    /// Puts the record in this side's buffer under a key no other record has.
    private func buffer(_ record: Record<Key, ThisValue>, keyBytes: [UInt8]) throws {
        var value: [UInt8] = [1]
        if !(try thisSerde.serialize(record.value, into: &value)) { value = [0] }
        var prefix = keyBytes
        appendSortable(record.timestamp, to: &prefix)
        while true {
            var key = prefix
            appendBigEndian(sequence, to: &key)
            sequence &+= 1
            // After a restart the counter starts again while the restored buffer holds keys.
            if try thisBuffer.get(key) == nil {
                try thisBuffer.put(key, value)
                return
            }
        }
    }

    /// Every 1,000 records, deletes this side's records that no record of the other side that
    /// is not late can join any more.
    private func cleanUpIfDue() throws {
        sinceCleanup += 1
        guard sinceCleanup >= 1000 else { return }
        sinceCleanup = 0
        let horizon = Self.plus(Self.plus(Self.plus(context.currentStreamTime, -beforeMillis), -afterMillis), -graceMillis)
        for entry in try thisBuffer.all() where entry.key.count >= 12 {
            if Self.timestamp(in: entry.key, at: entry.key.count - 12) < horizon {
                try thisBuffer.delete(entry.key)
            }
        }
    }

    private static func timestamp(in key: [UInt8], at offset: Int) -> Int64 { readSortable(key, at: offset) }

    /// Adds milliseconds, saturating instead of overflowing at the ends of time.
    private static func plus(_ time: Int64, _ millis: Int64) -> Int64 {
        let (sum, overflow) = time.addingReportingOverflow(millis)
        return overflow ? (millis > 0 ? .max : .min) : sum
    }
}
