import StreamsKafka
import Streams

/// The status of several instances of one application in this process, as one: their threads
/// side by side and their totals summed.
struct InstancesStatus: StatusReporting {
    let instances: [KafkaStreams]

    init(_ instances: [KafkaStreams]) {
        self.instances = instances
    }

    var applicationId: String { instances.first?.applicationId ?? "zmart" }

    var topologyDescription: TopologyDescription { instances[0].topologyDescription }

    func statusSnapshot() -> StatusSnapshot {
        let snapshots = instances.map { $0.statusSnapshot() }
        guard var combined = snapshots.first else {
            return StatusSnapshot(applicationId: applicationId, state: .created, capturedAt: 0, threads: [])
        }
        // The least healthy state speaks for all: an error anywhere is an error.
        let order: [StreamsState] = [.error, .pendingShutdown, .rebalancing, .created, .running, .notRunning]
        combined.state = order.first { state in snapshots.contains { $0.state == state } } ?? combined.state
        for snapshot in snapshots.dropFirst() {
            combined.threads += snapshot.threads
            combined.processedRecords += snapshot.processedRecords
            combined.processRate += snapshot.processRate
            combined.producedRecords += snapshot.producedRecords
            combined.skippedRecords += snapshot.skippedRecords
            combined.deadLetteredRecords += snapshot.deadLetteredRecords
            combined.lostRecords += snapshot.lostRecords
            combined.droppedOutputRecords += snapshot.droppedOutputRecords
            combined.commits += snapshot.commits
            combined.capturedAt = max(combined.capturedAt, snapshot.capturedAt)
        }
        return combined
    }
}
