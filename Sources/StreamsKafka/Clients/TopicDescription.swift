/// A topic to create with ``KafkaAdminClient/createTopics(_:timeout:)``.
public struct NewTopic: Sendable, Hashable {
    /// The topic's name.
    public var name: String
    /// The number of partitions.
    public var partitions: Int32
    /// How many brokers keep a copy of each partition.
    public var replicationFactor: Int16
    /// Topic-level configuration, e.g. `cleanup.policy=compact`.
    public var config: [String: String]

    /// Creates a topic specification.
    public init(name: String, partitions: Int32, replicationFactor: Int16, config: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.config = config
    }
}

/// A topic as the cluster's metadata describes it.
public struct TopicDescription: Sendable, Hashable {
    /// The topic's name.
    public var name: String
    /// Its partitions, ordered by id.
    public var partitions: [PartitionDescription]

    /// Creates a description.
    public init(name: String, partitions: [PartitionDescription]) {
        self.name = name
        self.partitions = partitions
    }
}

/// A partition as the cluster's metadata describes it.
public struct PartitionDescription: Sendable, Hashable {
    /// The partition id.
    public var id: Int32
    /// The broker id of the leader; `-1` when there is none.
    public var leader: Int32
    /// The broker ids that hold a replica.
    public var replicas: [Int32]
    /// The broker ids of the in-sync replicas.
    public var isr: [Int32]

    /// Creates a description.
    public init(id: Int32, leader: Int32, replicas: [Int32], isr: [Int32]) {
        self.id = id
        self.leader = leader
        self.replicas = replicas
        self.isr = isr
    }
}
