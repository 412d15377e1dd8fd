import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps an instance's stream threads within a bound of each other in event time.
///
/// Each thread processes its own partitions earliest timestamp first, but threads advance at
/// their own pace. A repartition topic gathers records from the tasks of every thread, so when
/// one thread runs ahead, its records reach the downstream tasks before the others' earlier
/// ones, stream time jumps, and windowed aggregations drop the earlier records as late. Each
/// thread publishes the timestamp of the record it takes next (its *head*); a thread whose head
/// is more than ``maxSkew`` past another thread's waits for that thread, at most
/// ``maxWaitNanos`` per record. The thread with the earliest head never waits, so the threads
/// cannot wait for each other in a cycle. A thread with nothing to process publishes
/// `Int64.max` and holds no one back.
package final class ThreadTimeAlignment: Sendable {
    final class Head: Sendable {
        /// The thread's head.
        let timestamp = Atomic<Int64>(.min)
        /// The laggard's head at which this thread last stopped waiting (only it touches this).
        /// `Int64.max` (never a laggard's head) when it has not stopped waiting.
        let gaveUpOn = Atomic<Int64>(.max)
    }

    private let heads: [Head]
    /// How far, in milliseconds of event time, a thread may run ahead of the slowest.
    package let maxSkew: Int64
    /// The longest a thread waits for the others before one record, in nanoseconds: a bound
    /// like Kafka Streams' `max.task.idle.ms`, so a stalled thread slows the others, never stops them.
    package let maxWaitNanos: UInt64

    /// - Parameters:
    ///   - threads: How many threads align.
    ///   - maxSkew: How far a thread may run ahead of the slowest, in event time.
    ///   - maxWait: The longest a thread waits before one record.
    package init(threads: Int, maxSkew: Duration, maxWait: Duration = .seconds(1)) {
        heads = (0..<threads).map { _ in Head() }
        self.maxSkew = maxSkew.milliseconds
        maxWaitNanos = UInt64(max(0, maxWait.nanoseconds))
    }

    /// Marks every thread as not yet known: before a round of work, so that a thread that
    /// starts first does not run ahead of one that has not published its head yet.
    package func reset() {
        for head in heads {
            head.timestamp.store(.min, ordering: .relaxed)
            head.gaveUpOn.store(.max, ordering: .relaxed)
        }
    }

    /// Publishes thread `index`'s head: the timestamp of its next record, `Int64.max` when it
    /// has none.
    @inline(__always)
    package func publish(_ index: Int, _ timestamp: Int64) {
        heads[index].timestamp.store(timestamp, ordering: .relaxed)
    }

    /// The earliest head of another thread more than ``maxSkew`` before `timestamp`, if any.
    @inline(__always)
    func laggard(_ index: Int, _ timestamp: Int64) -> Int64? {
        let (floor, overflow) = timestamp.subtractingReportingOverflow(maxSkew)
        if overflow { return nil }
        var earliest: Int64?
        for other in heads.indices where other != index {
            let head = heads[other].timestamp.load(ordering: .relaxed)
            if head < floor, head < (earliest ?? .max) { earliest = head }
        }
        return earliest
    }

    /// Publishes thread `index`'s head, then waits while another thread is more than
    /// ``maxSkew`` behind it, at most ``maxWaitNanos``. A thread that stays behind for that
    /// long is not waited for again until its head moves: one stalled thread, or one whose
    /// partitions hold much older records, costs the others one wait, not one per record.
    /// - Returns: Whether the thread waited.
    @discardableResult
    package func align(_ index: Int, at timestamp: Int64) -> Bool {
        publish(index, timestamp)
        guard let behind = laggard(index, timestamp) else { return false }
        let waiter = heads[index]
        if behind == waiter.gaveUpOn.load(ordering: .relaxed) { return false }
        let start = monotonicNanos()
        while true {
            sched_yield()
            guard let still = laggard(index, timestamp) else { return true }
            if monotonicNanos() &- start >= maxWaitNanos {
                waiter.gaveUpOn.store(still, ordering: .relaxed)
                return true
            }
        }
    }
}
