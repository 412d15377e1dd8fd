import Synchronization

/// Holds the latest ``StatusSnapshot`` of a runtime that is not itself `Sendable` (the
/// in-memory runtime runs on its caller's thread): the runtime posts, any thread reads.
public final class StatusBoard: StatusReporting {
    /// The application id.
    public let applicationId: String
    /// The topology's description.
    public let topologyDescription: TopologyDescription
    private let latest: Mutex<StatusSnapshot>

    /// Creates a board that shows `created` and no threads until the first post.
    public init(applicationId: String, topology: TopologyDescription) {
        self.applicationId = applicationId
        self.topologyDescription = topology
        latest = Mutex(StatusSnapshot(applicationId: applicationId, state: .created, capturedAt: 0, threads: []))
    }

    /// Replaces the snapshot.
    public func post(_ snapshot: StatusSnapshot) {
        latest.withLock { $0 = snapshot }
    }

    /// The latest snapshot posted.
    public func statusSnapshot() -> StatusSnapshot { latest.withLock { $0 } }
}
