import Streams

/// A topology, a board and snapshots with known figures, shared by the server and page tests.
enum StatusFixtures {
    static let applicationId = "status-test-app"

    /// Two sub-topologies: orders → valid-orders → enrich → enriched-sink, and
    /// payments → payments-sink.
    static func topology() throws -> TopologyDescription {
        let builder = StreamsBuilder()
        let consumed = Consumed(key: Serde<String>.string, value: Serde<String>.string, name: "orders-source")
        builder.stream("orders", consumed)
            .filter(named: "valid-orders") { _, value in !value.isEmpty }
            .mapValues(named: "enrich") { $0.uppercased() }
            .to("enriched", Produced(key: .string, value: .string, name: "enriched-sink"))
        let payments = Consumed(key: Serde<String>.string, value: Serde<String>.string, name: "payments-source")
        builder.stream("payments", payments)
            .to("payments-copy", Produced(key: .string, value: .string, name: "payments-sink"))
        return try builder.build().describe()
    }

    /// Every node's name.
    static let nodeNames = ["orders-source", "valid-orders", "enrich", "enriched-sink", "payments-source", "payments-sink"]

    /// A running instance: two threads, three tasks, three partitions (lags 50, 0 and 1000)
    /// and one whose end is not known yet.
    static func snapshot(state: StreamsState = .running) -> StatusSnapshot {
        let orders0 = PartitionStatus(topic: "orders", partition: 0, position: 100, committedOffset: 90, endOffset: 150)
        let orders3 = PartitionStatus(topic: "orders", partition: 3, position: 200, committedOffset: 200, endOffset: 200)
        let payments1 = PartitionStatus(topic: "payments", partition: 1, position: 10, committedOffset: 5, endOffset: 1010)
        let payments2 = PartitionStatus(topic: "payments", partition: 2, position: nil, committedOffset: nil, endOffset: nil)
        let first = ThreadMetadata(
            threadName: "\(applicationId)-StreamThread-1", threadState: "running",
            activeTasks: [
                TaskMetadata(
                    taskId: TaskId(subtopology: 0, partition: 0), state: .running, partitions: [orders0],
                    processedRecords: 7000, processRate: 400.5, processLatencyAvgMs: 0.125, droppedRecords: 1),
                TaskMetadata(
                    taskId: TaskId(subtopology: 0, partition: 3), state: .running, partitions: [orders3],
                    processedRecords: 5000, processRate: 278.4, processLatencyAvgMs: 0.25, droppedRecords: 0),
            ])
        let second = ThreadMetadata(
            threadName: "\(applicationId)-StreamThread-2", threadState: "running",
            activeTasks: [
                TaskMetadata(
                    taskId: TaskId(subtopology: 1, partition: 1), state: .restoring, partitions: [payments1],
                    processedRecords: 345, processRate: 0, processLatencyAvgMs: 0, droppedRecords: 0),
                TaskMetadata(
                    taskId: TaskId(subtopology: 1, partition: 2), state: .created, partitions: [payments2],
                    processedRecords: 0, processRate: 0, processLatencyAvgMs: 0, droppedRecords: 0),
            ])
        return StatusSnapshot(
            applicationId: applicationId, state: state, capturedAt: 1_760_000_000_000, threads: [first, second],
            processedRecords: 12345, processRate: 678.9, producedRecords: 12000, skippedRecords: 3,
            deadLetteredRecords: 2, lostRecords: 1, droppedOutputRecords: 4, commits: 56)
    }

    /// A board showing ``snapshot(state:)``.
    static func board(state: StreamsState = .running) throws -> StatusBoard {
        let board = StatusBoard(applicationId: applicationId, topology: try topology())
        board.post(snapshot(state: state))
        return board
    }
}
