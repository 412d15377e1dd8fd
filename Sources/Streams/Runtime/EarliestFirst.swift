/// Chooses which of a stream thread's record sources (its partitions' fetched or polled
/// records) to process next: the one whose next record has the earliest timestamp, as Kafka
/// Streams chooses among one task's partitions. Ties go round the sources, so records written
/// at one time (a bulk load stamped with its load time) are taken from each in turn rather
/// than from the first until it runs out. Both runtimes use it.
package struct EarliestFirst {
    @usableFromInline var turn = 0

    package init() {}

    /// The index, below `count`, of the source to read next.
    /// - Parameters:
    ///   - count: How many sources have a next record (at least one).
    ///   - timestamp: The timestamp of a source's next record.
    @inlinable
    package mutating func choose(among count: Int, timestamp: (Int) -> Int64) -> Int {
        turn &+= 1
        let first = turn % count
        var earliest = first
        var time = timestamp(first)
        for index in 0..<count {
            let candidate = timestamp(index)
            if candidate < time {
                earliest = index
                time = candidate
            }
        }
        return earliest
    }
}
