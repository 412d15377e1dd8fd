/// Where a task is in rebuilding one state store from its changelog.
public struct RestoreProgress: Sendable, Hashable {
    /// The task whose store it is.
    public var task: TaskId
    /// The store.
    public var store: String
    /// The changelog partition being read.
    public var changelog: TopicPartition
    /// Records applied so far.
    public var restored: Int
    /// Offsets from where reading starts to the partition's end when restoring began: the
    /// records to read, or fewer once compaction left gaps between offsets, so `restored`
    /// may end below it.
    public var total: Int64

    /// Creates a progress report.
    public init(task: TaskId, store: String, changelog: TopicPartition, restored: Int, total: Int64) {
        self.task = task
        self.store = store
        self.changelog = changelog
        self.restored = restored
        self.total = total
    }
}

/// Told how restoring state stores goes: Kafka Streams' `StateRestoreListener`. Set it as
/// ``StreamsConfig/restoreListener``; calls come on the stream thread that restores, which
/// processes nothing meanwhile, so keep them short.
public struct StateRestoreListener: Sendable {
    /// A store starts restoring, with the number of records to read.
    public var onRestoreStart: (@Sendable (RestoreProgress) -> Void)?
    /// Every 100,000 records restored.
    public var onBatchRestored: (@Sendable (RestoreProgress) -> Void)?
    /// A store is whole again.
    public var onRestoreEnd: (@Sendable (RestoreProgress) -> Void)?

    /// A listener with any of the three calls.
    public init(
        onRestoreStart: (@Sendable (RestoreProgress) -> Void)? = nil,
        onBatchRestored: (@Sendable (RestoreProgress) -> Void)? = nil,
        onRestoreEnd: (@Sendable (RestoreProgress) -> Void)? = nil
    ) {
        self.onRestoreStart = onRestoreStart
        self.onBatchRestored = onBatchRestored
        self.onRestoreEnd = onRestoreEnd
    }
}
