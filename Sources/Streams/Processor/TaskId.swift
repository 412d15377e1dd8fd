/// Identifies a task: one sub-topology working on one partition, written `0_3`.
public struct TaskId: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The sub-topology's number in the topology description.
    public let subtopology: Int
    /// The input partition the task owns.
    public let partition: Int32

    /// Creates a task id.
    public init(subtopology: Int, partition: Int32) {
        self.subtopology = subtopology
        self.partition = partition
    }

    /// `subtopology_partition`, as Kafka Streams writes it.
    public var description: String { "\(subtopology)_\(partition)" }

    /// Orders by sub-topology, then partition.
    public static func < (lhs: TaskId, rhs: TaskId) -> Bool {
        (lhs.subtopology, lhs.partition) < (rhs.subtopology, rhs.partition)
    }
}
