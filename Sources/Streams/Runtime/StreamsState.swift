/// The lifecycle of a streams application, as in Kafka Streams' `KafkaStreams.State`:
/// `created → rebalancing → running ⇄ rebalancing → pendingShutdown → notRunning`, or `error`.
public enum StreamsState: Sendable, Hashable, CustomStringConvertible {
    /// Made, not started.
    case created
    /// Joining the group or moving partitions between instances; not processing. Only a
    /// runtime with a consumer group (Kafka) goes through it.
    case rebalancing
    /// Processing.
    case running
    /// Closing: finishing in-flight records and committing.
    case pendingShutdown
    /// Closed cleanly.
    case notRunning
    /// Stopped by an error.
    case error

    /// The state's name, e.g. `running`.
    public var description: String {
        switch self {
        case .created: "created"
        case .rebalancing: "rebalancing"
        case .running: "running"
        case .pendingShutdown: "pendingShutdown"
        case .notRunning: "notRunning"
        case .error: "error"
        }
    }
}
