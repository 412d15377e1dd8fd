/// A running application that can say what it is doing: what a status page, a health check
/// or a progress line reads. ``StatusBoard`` and the Kafka runtime's `KafkaStreams` conform.
public protocol StatusReporting: Sendable {
    /// The application id.
    var applicationId: String { get }
    /// The topology's description (for a picture of the graph).
    var topologyDescription: TopologyDescription { get }
    /// The latest status; cheap, callable from any thread.
    func statusSnapshot() -> StatusSnapshot
}
