import Streams
import Synchronization

/// Stands in for the application's status until the run has started it, so the status
/// server can bind (and fail early, on a port in use) before the run begins.
final class StatusRelay: StatusReporting {
    let applicationId: String
    let topologyDescription: TopologyDescription
    private let source = Mutex<(any StatusReporting)?>(nil)

    init(applicationId: String, topology: TopologyDescription) {
        self.applicationId = applicationId
        self.topologyDescription = topology
    }

    /// From now on, answers with `source`'s status.
    func attach(_ source: any StatusReporting) {
        self.source.withLock { $0 = source }
    }

    func statusSnapshot() -> StatusSnapshot {
        if let source = source.withLock({ $0 }) { return source.statusSnapshot() }
        return StatusSnapshot(applicationId: applicationId, state: .created, capturedAt: 0, threads: [])
    }
}
