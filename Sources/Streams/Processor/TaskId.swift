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

extension TaskId: Codable {
    /// Decodes `subtopology_partition`, as ``description`` writes it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        let parts = text.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, let subtopology = Int(parts[0]), let partition = Int32(parts[1]) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "a task id is written subtopology_partition, e.g. 0_3")
        }
        self.init(subtopology: subtopology, partition: partition)
    }

    /// Encodes as `subtopology_partition`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
