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

extension StreamsState: CaseIterable, Codable {
    /// Decodes the state's name, as ``description`` writes it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let state = Self.allCases.first(where: { $0.description == name }) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown state \(name)")
        }
        self = state
    }

    /// Encodes the state's name.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
