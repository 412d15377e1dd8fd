import Dispatch

/// Counts of one node of one task, kept by the task's thread and read by its metrics.
///
/// Plain counters with no synchronization: a node belongs to one task, which runs on one
/// thread, and the thread reads them between records when it refreshes its metrics.
@usableFromInline
final class NodeMetrics {
    @usableFromInline let name: String
    /// Records the node received.
    @exclusivity(unchecked) @usableFromInline var processed = 0
    /// Sampled processing times (the node and everything it forwarded to), in nanoseconds.
    @exclusivity(unchecked) @usableFromInline var latency = LatencySamples()
    /// Sinks only: records and bytes written, by topic (as named on the cluster), except
    /// those of ``currentTopic``, which are in ``current``.
    @exclusivity(unchecked) @usableFromInline var produced: [TopicName: TopicCount] = [:]
    /// The topic written last; its counts stay out of the dictionary until the topic changes,
    /// so a sink that writes one topic hashes no name per record.
    @exclusivity(unchecked) @usableFromInline var currentTopic: TopicName?
    @exclusivity(unchecked) @usableFromInline var current = TopicCount()

    /// A sink to one fixed topic: every record counts in ``current`` with no name compared.
    @usableFromInline let fixedTopic: Bool

    init(name: String, fixedTopic: TopicName? = nil) {
        self.name = name
        self.fixedTopic = fixedTopic != nil
        currentTopic = fixedTopic
    }

    /// A sink wrote one record of `bytes` bytes to `topic`.
    @inlinable @inline(__always)
    func produced(to topic: TopicName, bytes: Int) {
        if !fixedTopic { switchTopic(to: topic) }
        current.records &+= 1
        current.bytes &+= bytes
    }

    /// Makes `topic` the current one, keeping the previous one's counts.
    @usableFromInline
    func switchTopic(to topic: TopicName) {
        guard topic != currentTopic else { return }
        if let previous = currentTopic { produced[previous, default: TopicCount()].merge(current) }
        currentTopic = topic
        current = TopicCount()
    }

    /// Records and bytes written by topic since the node was made.
    var producedByTopic: [TopicName: TopicCount] {
        var all = produced
        if let currentTopic { all[currentTopic, default: TopicCount()].merge(current) }
        return all
    }
}

/// Records and bytes through one topic.
@usableFromInline
struct TopicCount: Sendable, Hashable {
    @usableFromInline var records = 0
    @usableFromInline var bytes = 0

    @usableFromInline init() {}

    init(records: Int, bytes: Int) {
        self.records = records
        self.bytes = bytes
    }

    @inlinable
    mutating func add(bytes: Int) {
        records &+= 1
        self.bytes &+= bytes
    }

    @usableFromInline
    mutating func merge(_ other: TopicCount) {
        records &+= other.records
        bytes &+= other.bytes
    }
}

/// Sampled durations since the last time they were taken: count, sum and maximum.
@usableFromInline
package struct LatencySamples: Sendable, Hashable {
    @usableFromInline var count = 0
    @usableFromInline var totalNanos: UInt64 = 0
    @usableFromInline var maxNanos: UInt64 = 0

    @usableFromInline init() {}

    @inlinable
    mutating func add(since start: UInt64) {
        let elapsed = monotonicNanos() &- start
        count &+= 1
        totalNanos &+= elapsed
        if elapsed > maxNanos { maxNanos = elapsed }
    }

    /// The mean in milliseconds, 0 without samples.
    package var averageMillis: Double { count == 0 ? 0 : Double(totalNanos) / Double(count) / 1e6 }
    /// The maximum in milliseconds.
    package var maxMillis: Double { Double(maxNanos) / 1e6 }

    mutating func merge(_ other: LatencySamples) {
        count &+= other.count
        totalNanos &+= other.totalNanos
        maxNanos = max(maxNanos, other.maxNanos)
    }

    /// The samples so far, then none.
    mutating func take() -> LatencySamples {
        defer { self = LatencySamples() }
        return self
    }
}

/// A monotonic clock in nanoseconds, for measuring durations.
@inlinable
package func monotonicNanos() -> UInt64 {
    DispatchTime.now().uptimeNanoseconds
}
