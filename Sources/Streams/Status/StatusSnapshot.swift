/// What a running application is doing, at one moment: its state, its stream threads, their
/// tasks with the position and lag of every input partition, and running totals.
///
/// Runtimes make it from the figures their metrics are made from (see
/// ``StatusReporting/statusSnapshot()``), refreshed about once a second while they run; a
/// status page or a health check reads it from any thread. It never holds a record's key or
/// value.
public struct StatusSnapshot: Sendable, Hashable, Codable {
    /// The application id.
    public var applicationId: String
    /// The lifecycle state.
    public var state: StreamsState
    /// When the snapshot was taken, in milliseconds since the epoch.
    public var capturedAt: Int64
    /// The stream threads and their tasks.
    public var threads: [ThreadMetadata]
    /// Records processed by this instance since it started.
    public var processedRecords: Int
    /// Records per second over the last metrics window, all tasks together.
    public var processRate: Double
    /// Output records written (on Kafka: acknowledged by the brokers).
    public var producedRecords: Int
    /// Input records the deserialization handler skipped, dead-lettered ones included.
    public var skippedRecords: Int
    /// Input records sent to a dead-letter topic.
    public var deadLetteredRecords: Int
    /// Input records the cluster deleted before they were processed.
    public var lostRecords: Int
    /// Output records that could not be written and that the production handler let go.
    public var droppedOutputRecords: Int
    /// Commits made.
    public var commits: Int

    /// Creates a snapshot.
    public init(
        applicationId: String, state: StreamsState, capturedAt: Int64, threads: [ThreadMetadata],
        processedRecords: Int = 0, processRate: Double = 0, producedRecords: Int = 0,
        skippedRecords: Int = 0, deadLetteredRecords: Int = 0, lostRecords: Int = 0,
        droppedOutputRecords: Int = 0, commits: Int = 0
    ) {
        self.applicationId = applicationId
        self.state = state
        self.capturedAt = capturedAt
        self.threads = threads
        self.processedRecords = processedRecords
        self.processRate = processRate
        self.producedRecords = producedRecords
        self.skippedRecords = skippedRecords
        self.deadLetteredRecords = deadLetteredRecords
        self.lostRecords = lostRecords
        self.droppedOutputRecords = droppedOutputRecords
        self.commits = commits
    }

    /// The input partitions of every task, with their lag.
    public var partitions: [PartitionStatus] { threads.flatMap { $0.activeTasks.flatMap(\.partitions) } }

    /// Records not yet processed over every input partition whose end is known.
    public var totalLag: Int64 { partitions.reduce(0) { $0 + ($1.lag ?? 0) } }
}

/// A stream thread, as Kafka Streams' `ThreadMetadata`.
public struct ThreadMetadata: Sendable, Hashable, Codable {
    /// The thread's name, `<applicationId>-StreamThread-<n>`.
    public var threadName: String
    /// Where the thread is: `starting`, `running`, `rebalancing` or `stopped`.
    public var threadState: String
    /// The tasks the thread runs.
    public var activeTasks: [TaskMetadata]

    /// Creates thread metadata.
    public init(threadName: String, threadState: String, activeTasks: [TaskMetadata]) {
        self.threadName = threadName
        self.threadState = threadState
        self.activeTasks = activeTasks
    }
}

/// A task, as Kafka Streams' `TaskMetadata`, with its progress.
public struct TaskMetadata: Sendable, Hashable, Codable {
    /// A task's state, as Kafka Streams' `Task.State` names the ones an active task shows.
    public enum State: String, Sendable, Hashable, Codable {
        /// Made; its processors are not initialized yet.
        case created
        /// Rebuilding its state stores before it processes.
        case restoring
        /// Processing.
        case running
        /// Closed (its partitions were revoked or the thread stopped).
        case closed
    }

    /// The task's id, `subtopology_partition`.
    public var taskId: TaskId
    /// The task's state.
    public var state: State
    /// Its input partitions.
    public var partitions: [PartitionStatus]
    /// Records the task processed since it was made.
    public var processedRecords: Int
    /// Records per second over the last metrics window.
    public var processRate: Double
    /// Mean time to process one record over the last window, in milliseconds (sampled).
    public var processLatencyAvgMs: Double
    /// Records the task dropped: skipped by the deserialization handler, or late.
    public var droppedRecords: Int

    /// Creates task metadata.
    public init(
        taskId: TaskId, state: State, partitions: [PartitionStatus], processedRecords: Int,
        processRate: Double, processLatencyAvgMs: Double, droppedRecords: Int
    ) {
        self.taskId = taskId
        self.state = state
        self.partitions = partitions
        self.processedRecords = processedRecords
        self.processRate = processRate
        self.processLatencyAvgMs = processLatencyAvgMs
        self.droppedRecords = droppedRecords
    }
}

/// One input partition of a task: how far it has been processed and committed, and its lag.
public struct PartitionStatus: Sendable, Hashable, Codable {
    /// The topic, as named on the cluster.
    public var topic: String
    /// The partition.
    public var partition: Int32
    /// The next offset to process, once known.
    public var position: Int64?
    /// The last committed offset (the next one to read after a restart), once known.
    public var committedOffset: Int64?
    /// The partition's end (high watermark) as last seen, once known.
    public var endOffset: Int64?

    /// Creates a partition status.
    public init(topic: String, partition: Int32, position: Int64?, committedOffset: Int64?, endOffset: Int64?) {
        self.topic = topic
        self.partition = partition
        self.position = position
        self.committedOffset = committedOffset
        self.endOffset = endOffset
    }

    /// Records not yet processed: the end minus the position, when both are known.
    public var lag: Int64? {
        guard let position, let endOffset else { return nil }
        return max(0, endOffset - position)
    }
}
