import Logging

/// What a processor sees of its task: where to forward records, the current record's
/// metadata, the clocks, and punctuation scheduling.
///
/// A context belongs to one processor node of one task and must not leave it.
public final class ProcessorContext<KeyOut, ValueOut> {
    @usableFromInline let task: TaskContext
    @usableFromInline let nodeName: String
    // Set once when the task is made, then only read on the task's thread: no run-time
    // exclusivity checks on the per-record path.
    @exclusivity(unchecked) @usableFromInline var children: [Downstream<KeyOut, ValueOut>] = []
    @exclusivity(unchecked) @usableFromInline var childrenByName: [String: Downstream<KeyOut, ValueOut>] = [:]

    @usableFromInline
    init(task: TaskContext, nodeName: String) {
        self.task = task
        self.nodeName = nodeName
    }

    /// The application id, e.g. `zmart`.
    public var applicationId: String { task.applicationId }

    /// The task this processor belongs to.
    public var taskId: TaskId { task.taskId }

    /// The name of this processor node.
    public var name: String { nodeName }

    /// The names of the child nodes, in the order records are forwarded to them.
    public var childNames: [String] { children.map(\.name) }

    /// Topic, partition and offset of the record being processed; `nil` inside a punctuation.
    public var recordMetadata: RecordMetadata? { task.currentMetadata }

    /// The task's stream time: the largest timestamp seen so far, or `Int64.min` before the
    /// first record.
    public var currentStreamTime: Int64 { task.streamTime }

    /// The runtime's wall-clock time in milliseconds since the epoch (virtual in the driver).
    public var currentSystemTime: Int64 { task.wallClock() }

    /// The logger of this task, with the application id, task and node in its metadata.
    public var logger: Logger {
        var logger = task.logger
        logger[metadataKey: "node"] = .string(nodeName)
        return logger
    }

    /// A state store this processor was connected to, as its concrete type.
    ///
    /// ```swift
    /// let counts = try context.stateStore(named: "counts", as: KeyValueStore<String, Int64>.self)
    /// ```
    /// - Parameters:
    ///   - name: The store's name.
    ///   - type: The store's type, e.g. `KeyValueStore<String, Int64>.self`.
    /// - Throws: ``StreamsError`` (``StreamsError/Code/illegalState``) if the processor is not
    ///   connected to a store of that name, or the store is of another type.
    public func stateStore<Store: StateStore>(named name: String, as type: Store.Type = Store.self) throws -> Store {
        guard task.storesOfNode[nodeName]?.contains(name) == true, let store = task.stores[name] else {
            throw StreamsError(
                .illegalState,
                "processor \(nodeName) is not connected to a state store named \(name): connect it with addStateStore(_:processors:) or addProcessor(_:parents:stores:_:)",
                node: nodeName)
        }
        guard let typed = store as? Store else {
            throw StreamsError(
                .illegalState, "state store \(name) is a \(Swift.type(of: store)), not a \(Store.self)", node: nodeName)
        }
        return typed
    }

    /// Sends a record to every child node, in order.
    /// - Throws: The first error a child throws.
    @inlinable
    public func forward(_ record: Record<KeyOut, ValueOut>) throws {
        // Through the buffer, the children are borrowed: a `for child in children` loop
        // retains and releases every child and its closure for every record.
        try children.withUnsafeBufferPointer { children in
            for index in children.indices {
                try children[index].receive(record)
            }
        }
    }

    /// Sends a record to one child node.
    /// - Parameters:
    ///   - record: The record.
    ///   - child: The child's name.
    /// - Throws: ``StreamsError`` (``StreamsError/Code/illegalState``) if there is no such
    ///   child, or the child's error.
    @inlinable
    public func forward(_ record: Record<KeyOut, ValueOut>, to child: String) throws {
        guard let downstream = childrenByName[child] else {
            throw StreamsError(
                .illegalState, "node \(nodeName) has no child named \(child)",
                location: task.currentMetadata, node: nodeName)
        }
        try downstream.receive(record)
    }

    /// Calls `punctuator` regularly, on stream time or on wall-clock time.
    ///
    /// On stream time the first call comes with the first record and then whenever stream time
    /// has advanced by `interval`; on wall-clock time, every `interval` of the runtime's clock.
    /// Missed intervals are not replayed: one call catches up.
    /// - Parameters:
    ///   - interval: Time between calls; at least 1 ms.
    ///   - type: The clock.
    ///   - punctuator: Receives the time of the call in milliseconds.
    /// - Returns: A handle that cancels the schedule.
    @discardableResult
    public func schedule(
        every interval: Duration, on type: PunctuationType,
        _ punctuator: @escaping (_ timestamp: Int64) throws -> Void
    ) -> Cancellable {
        let millis = max(1, interval.milliseconds)
        return task.schedule(node: nodeName, intervalMillis: millis, type: type, punctuator: punctuator)
    }

    /// Asks the runtime to commit this task's progress soon (after the current record).
    public func commit() { task.commitRequested = true }

    /// Counts (in the task's late records) and logs at debug level a record that arrived
    /// after every window it belongs to closed; `why` ends the log message ("its windows have
    /// closed"). Rare: not inlined.
    @usableFromInline
    func droppedLateRecord(_ why: String, timestamp: Int64, streamTime: Int64) {
        task.lateRecords += 1
        // Late records can be many: the node's logger (a metadata copy) only when it is logged.
        guard task.logger.logLevel <= .debug else { return }
        logger.debug(
            "dropped a late record: \(why)",
            metadata: [
                "record": .string(recordMetadata?.description ?? "?"),
                "timestamp": .stringConvertible(timestamp), "streamTime": .stringConvertible(streamTime),
            ])
    }
}

@available(*, unavailable, message: "a processor context is confined to its task")
extension ProcessorContext: Sendable {}

extension Duration {
    /// Whole milliseconds, rounded down.
    @inlinable package var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Whole nanoseconds (negative durations count as zero), for comparing with
    /// `monotonicNanos()`.
    package var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        return UInt64(max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
    }
}
