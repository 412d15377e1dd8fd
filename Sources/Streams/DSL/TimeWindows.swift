/// Fixed-size windows on event time: tumbling (advance = size) or hopping (advance < size).
/// Kafka Streams' `TimeWindows`.
///
/// A window `[start, start + size)` accepts records until stream time passes its end plus the
/// grace period; a record that arrives later is dropped and counted as late (the task's
/// `dropped_records_total`).
///
/// ```swift
/// let hourly = TimeWindows.ofSize(.seconds(3600), grace: .seconds(300))
/// let sliding = TimeWindows.ofSize(.seconds(600), grace: .zero).advanceBy(.seconds(60))
/// ```
public struct TimeWindows: Sendable, Hashable {
    /// The window's length in milliseconds.
    public let sizeMillis: Int64
    /// How far apart window starts are, in milliseconds.
    public let advanceMillis: Int64
    /// How long after its end a window still takes records, in milliseconds.
    public let graceMillis: Int64

    /// Tumbling windows of `size` with a grace period.
    /// - Precondition: `size` is at least 1 ms; `grace` is not negative.
    public static func ofSize(_ size: Duration, grace: Duration) -> TimeWindows {
        precondition(size >= .milliseconds(1), "a window is at least 1 ms long")
        precondition(grace >= .zero, "the grace period cannot be negative")
        return TimeWindows(sizeMillis: size.milliseconds, advanceMillis: size.milliseconds, graceMillis: grace.milliseconds)
    }

    /// Hopping windows: the same size, starting every `advance`.
    /// - Precondition: `0 < advance <= size`.
    public func advanceBy(_ advance: Duration) -> TimeWindows {
        precondition(advance >= .milliseconds(1) && advance.milliseconds <= sizeMillis, "the advance is between 1 ms and the size")
        return TimeWindows(sizeMillis: sizeMillis, advanceMillis: advance.milliseconds, graceMillis: graceMillis)
    }

    /// The latest window start at or before `time` (starts are multiples of the advance,
    /// counted from the epoch).
    @inlinable
    func latestStart(atOrBefore time: Int64) -> Int64 {
        time - ((time % advanceMillis) + advanceMillis) % advanceMillis
    }

    /// The starts of the windows that contain `timestamp`, oldest first.
    @inlinable
    public func windowStarts(containing timestamp: Int64) -> [Int64] {
        var start = latestStart(atOrBefore: timestamp)
        var starts: [Int64] = []
        while start > timestamp - sizeMillis {
            if start >= 0 { starts.append(start) }
            start -= advanceMillis
        }
        return starts.reversed()
    }
}

/// A key with the window it was aggregated in: the key type of a windowed aggregation's
/// ``KTable``. Kafka Streams' `Windowed<K>`.
public struct Windowed<Key> {
    /// The record key.
    public var key: Key
    /// The window's start, in milliseconds since the epoch (inclusive).
    public var start: Int64
    /// The window's end, in milliseconds since the epoch (exclusive).
    public var end: Int64

    /// Creates a windowed key.
    @inlinable
    public init(key: Key, start: Int64, end: Int64) {
        self.key = key
        self.start = start
        self.end = end
    }
}

extension Windowed: Sendable where Key: Sendable {}
extension Windowed: Equatable where Key: Equatable {}
extension Windowed: Hashable where Key: Hashable {}

extension Serde {
    /// Windowed keys as Kafka's `TimeWindowedSerializer` writes them: the key's bytes, then the
    /// window start as 8 bytes big-endian. The end is `start + windowSize`.
    /// - Parameters:
    ///   - key: The key serde.
    ///   - windowSize: The windows' size, to recover their end.
    @inlinable
    public static func windowed<Key>(_ key: Serde<Key>, windowSize: Duration) -> Serde<Windowed<Key>> where Value == Windowed<Key> {
        let size = windowSize.milliseconds
        return Serde(
            name: "windowed<\(key.name)>",
            serialize: { windowed, buffer in
                _ = try key.serialize(windowed.key, into: &buffer)
                appendBigEndian(UInt64(bitPattern: windowed.start), to: &buffer)
            },
            deserialize: { bytes in
                guard bytes.count >= 8 else {
                    throw StreamsError(.deserialization, "a windowed key needs at least 8 bytes, got \(bytes.count)")
                }
                let start = Int64(bitPattern: try readBigEndian(
                    UnsafeRawBufferPointer(rebasing: bytes[(bytes.count - 8)...]), as: UInt64.self, "windowed"))
                let keyValue = try key.deserialize(UnsafeRawBufferPointer(rebasing: bytes[..<(bytes.count - 8)]))
                return Windowed(key: keyValue, start: start, end: start + size)
            })
    }
}
