import Logging

/// One sub-topology working on one partition: the unit of work every runtime runs.
///
/// The in-memory runtime, the test driver and the Kafka runtime all feed records to this same
/// type, so a topology tested in the driver runs the production code. A task is confined to
/// one thread.
package final class StreamTask {
    package let id: TaskId
    let context: TaskContext
    /// Source entry points by the topic's name on the cluster.
    private var sources: [TopicName: (RawRecord) throws -> Void] = [:]
    /// Source entry points in a fixed order, for runtimes that look a source up once per batch.
    @exclusivity(unchecked) private var sourceList: [(topic: TopicName, entry: (RawRecord) throws -> Void)] = []
    private var initializers: [() throws -> Void] = []
    private var closers: [() -> Void] = []
    @exclusivity(unchecked) private var hasStreamTimePunctuation = false
    private var closed = false
    /// Records read back from changelogs to rebuild the task's stores.
    package private(set) var restoredRecords = 0
    /// Change-logged stores (the store under the logging layer) and their changelog topics.
    private var logged: [(store: any KeyValueBytesStore, topic: TopicName)] = []
    /// Records processed since creation.
    @exclusivity(unchecked) package private(set) var processedRecords = 0
    /// Records and bytes read through each source handle (the index of ``source(for:)``).
    @exclusivity(unchecked) private var consumed: [TopicCount] = []
    /// Sampled times to process one record.
    @exclusivity(unchecked) private var latency = LatencySamples()
    /// One record in this many is timed, at the task and at every node: a clock read per
    /// record and node would cost more than some nodes' work.
    package static let sampleEvery = 64

    /// Makes the task's nodes; processors are created but not initialized.
    package init(
        topology: Topology, subtopology: Int, partition: Int32, applicationId: String,
        logger: Logger, wallClock: @escaping () -> Int64, collector: any RecordCollector,
        deserializationHandler: DeserializationErrorHandler
    ) throws {
        id = TaskId(subtopology: subtopology, partition: partition)
        let resolve = topology.resolver(applicationId: applicationId)
        context = TaskContext(
            applicationId: applicationId, taskId: id, logger: logger, wallClock: wallClock,
            collector: collector, resolveTopic: resolve,
            deserializationHandler: deserializationHandler)
        let members = topology.subtopologyNodes[subtopology]
        // The stores first: processors reach them from `initialize`.
        for store in topology.stores(ofSubtopology: subtopology) {
            switch store.kind {
            case .custom(let make):
                context.stores[store.name] = try make(id)
            case .keyValue(let supplier, let typed):
                let bytes = try supplier.make(id)
                if store.loggingEnabled {
                    let topic = resolve(store.changelogTopic)
                    logged.append((bytes, topic))
                    context.stores[store.name] = typed(
                        ChangeLoggingKeyValueStore(bytes, context: context, topic: topic, partition: partition),
                        store.cacheCapacity)
                } else {
                    context.stores[store.name] = typed(bytes, store.cacheCapacity)
                }
            }
        }
        for position in members {
            if case .processor(let stores) = topology.nodes[position].kind, !stores.isEmpty {
                context.storesOfNode[topology.nodes[position].name] = stores
            }
        }
        // Children are made before their parents, so each parent gets its children's entries.
        var made: [Int: RuntimeNode] = [:]
        for position in topology.postOrder(of: members) {
            let definition = topology.nodes[position]
            let children = topology.children[position].map { made[$0]!.downstream! }
            let node = try definition.make(context, children)
            made[position] = node
            if case .source(let topics, _, _) = definition.kind, let entry = node.source {
                for topic in topics { sources[resolve(topic)] = entry }
            }
        }
        // Initialize parents after children (Kafka initializes in reverse topological order
        // too), close in the same order.
        for position in topology.postOrder(of: members) {
            initializers.append(made[position]!.initialize)
            closers.append(made[position]!.close)
        }
    }

    /// A handle on the source that reads `topic`, for
    /// ``process(source:offset:key:value:timestamp:headers:)``.
    /// - Throws: ``StreamsError`` if the task does not read the topic.
    package func source(for topic: TopicName) throws -> Int {
        if let index = sourceList.firstIndex(where: { $0.topic == topic }) { return index }
        guard let entry = sources[topic] else {
            throw StreamsError(.unknownTopic, "task \(id) does not read topic \(topic)")
        }
        sourceList.append((topic, entry))
        consumed.append(TopicCount())
        return sourceList.count - 1
    }

    /// After a clean final commit: records, for every persistent change-logged store, the
    /// changelog offset its data reflects (`end` gives the partition's end), so a restart
    /// reads only what comes after. Errors are logged, not thrown: a missing checkpoint only
    /// costs a longer restore.
    package func writeCheckpoints(end: (TopicName, Int32) throws -> Int64) {
        for (store, topic) in logged {
            guard let path = store.checkpointPath else { continue }
            do {
                try store.flush()
                Checkpoint.write(try end(topic, id.partition), to: path)
            } catch {
                context.logger.warning(
                    "could not checkpoint a state store; its next restore reads the whole changelog",
                    metadata: ["store": .string(store.name), "error": .string(String(describing: error))])
            }
        }
    }

    /// Rebuilds the change-logged stores from their changelogs (the task's partition of each),
    /// one after the other, writing straight into the stores under the logging layer; call
    /// before ``initialize()``. Progress goes to the log (start, every 100,000 records, end)
    /// and to `listener`.
    /// - Returns: The records restored per store.
    /// - Throws: ``StreamsError`` from the reader or a store.
    @discardableResult
    package func restoreStores(
        listener: StateRestoreListener? = nil, using read: ChangelogReader
    ) throws -> [(store: String, records: Int)] {
        try changelogRestorations(listener: listener).map { restoration in
            _ = try read(restoration.changelog.topic, restoration.changelog.partition, restoration.from, restoration.begin, restoration.apply)
            try restoration.finish()
            return (restoration.store.name, restoration.restored)
        }
    }

    /// What rebuilding each change-logged store takes, for a runtime that reads many
    /// changelog partitions at once: where to read from, and where the records go. A
    /// persistent store's checkpoint (how far its data goes) is consumed here: it is removed
    /// while the store runs, since a crash leaves the data ahead of it.
    ///
    /// With `wipeUncheckpointed` (exactly-once), a persistent store without a checkpoint is
    /// emptied first: after a crash its data may hold writes of transactions that never
    /// committed, and only the committed changelog can say what the state is.
    /// - Throws: ``StreamsError`` from a store that cannot be emptied.
    package func changelogRestorations(
        listener: StateRestoreListener? = nil, wipeUncheckpointed: Bool = false
    ) throws -> [ChangelogRestoration] {
        try logged.map { store, topic in
            let checkpoint = store.checkpointPath.flatMap(Checkpoint.read)
            if let path = store.checkpointPath { Checkpoint.remove(path) }
            if wipeUncheckpointed, checkpoint == nil, store.checkpointPath != nil {
                try store.removeAll()
                context.logger.info(
                    "emptied a persistent state store without a checkpoint: it is rebuilt from the committed changelog",
                    metadata: ["store": .string(store.name)])
            }
            return ChangelogRestoration(
                task: self, store: store, changelog: TopicPartition(topic: topic, partition: id.partition),
                from: checkpoint, listener: listener)
        }
    }

    /// Counts records a restoration applied.
    fileprivate func addRestored(_ count: Int) { restoredRecords += count }

    /// Initializes every processor.
    package func initialize() throws {
        for initialize in initializers { try initialize() }
        hasStreamTimePunctuation = context.hasStreamTimePunctuations
    }

    /// Processes one record read at `offset` through a source handle from ``source(for:)``,
    /// then runs due stream-time punctuations.
    /// - Throws: ``StreamsError`` from a processor, a serde or a handler that answered fail.
    @inline(__always)
    package func process(
        source: Int, offset: Int64, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        timestamp: Int64, headers: Headers
    ) throws {
        let (topic, entry) = sourceList[source]
        let metadata = RecordMetadata(topic: topic, partition: id.partition, offset: offset)
        context.currentMetadata = metadata
        defer { context.currentMetadata = nil }
        let raw = RawRecord(key: key, value: value, timestamp: timestamp, headers: headers, metadata: metadata)
        if processedRecords & (Self.sampleEvery - 1) == 0 {
            let start = monotonicNanos()
            context.sampling = true
            defer {
                context.sampling = false
                latency.add(since: start)
            }
            try entry(raw)
        } else {
            try entry(raw)
        }
        processedRecords += 1
        consumed[source].add(bytes: (key?.count ?? 0) + (value?.count ?? 0))
        if hasStreamTimePunctuation {
            context.currentMetadata = nil
            try context.punctuate(.streamTime, now: context.streamTime)
        }
    }

    /// Runs the wall-clock punctuations that are due at `now`.
    @discardableResult
    package func punctuateWallClock(now: Int64) throws -> Int {
        try context.punctuate(.wallClockTime, now: now)
    }

    /// The task's stream time.
    package var streamTime: Int64 { context.streamTime }

    /// Records skipped by the deserialization handler.
    package var skippedRecords: Int { context.skippedRecords }

    /// Records dropped because they arrived after their windows closed.
    package var lateRecords: Int { context.lateRecords }

    /// Records the deserialization handler sent to a dead-letter topic.
    package var deadLetteredRecords: Int { context.deadLetteredRecords }

    /// Records and bytes read from each input topic since the task was made.
    package var consumedByTopic: [(topic: TopicName, records: Int, bytes: Int)] {
        zip(sourceList, consumed).map { ($0.topic, $1.records, $1.bytes) }
    }

    /// Takes the task's latency samples and its nodes' since the last call.
    package func takeLatencySamples() -> (task: LatencySamples, nodes: [String: LatencySamples]) {
        var nodes: [String: LatencySamples] = [:]
        for node in context.nodeMetrics { nodes[node.name] = node.latency.take() }
        return (latency.take(), nodes)
    }

    /// Records each node received since the task was made.
    package var nodeProcessed: [(node: String, records: Int)] {
        context.nodeMetrics.map { ($0.name, $0.processed) }
    }

    /// Records and bytes each sink wrote, by topic, since the task was made.
    package var produced: [(node: String, topic: TopicName, records: Int, bytes: Int)] {
        context.nodeMetrics.flatMap { node in
            node.producedByTopic.sorted { $0.key < $1.key }.map { (node.name, $0.key, $0.value.records, $0.value.bytes) }
        }
    }

    /// Whether a processor asked for a commit; reading it clears the request.
    package func takeCommitRequest() -> Bool {
        defer { context.commitRequested = false }
        return context.commitRequested
    }

    /// Closes every processor once, then the state stores.
    package func close() {
        guard !closed else { return }
        closed = true
        for close in closers { close() }
        for store in context.stores.values { store.close() }
    }

    /// Writes the state stores' buffered changes; runtimes call it before committing offsets.
    /// - Throws: ``StreamsError`` from a store.
    package func flushStores() throws {
        for store in context.stores.values { try store.flush() }
    }

    /// The task's state stores, by name.
    package var stateStores: [String: any StateStore] { context.stores }
}

extension Topology {
    /// Maps a topic of the topology to its name on the cluster.
    package func resolver(applicationId: String) -> (TopicName) -> TopicName {
        let internalTopics = self.internalTopics
        return { topic in
            internalTopics.contains(topic) ? TopicName("\(applicationId)-\(topic.rawValue)") : topic
        }
    }

    /// Source topics of a sub-topology, as named on the cluster.
    package func sourceTopics(ofSubtopology id: Int, applicationId: String) -> [TopicName] {
        let resolve = resolver(applicationId: applicationId)
        return sourceTopics(ofSubtopology: id).map(resolve)
    }

    /// Fixed sink topics, as named on the cluster.
    package func sinkTopics(applicationId: String) -> [TopicName] {
        sinkTopics.map(resolver(applicationId: applicationId))
    }

    /// The members in an order where every node comes after all its children.
    func postOrder(of members: [Int]) -> [Int] {
        let set = Set(members)
        var visited: Set<Int> = []
        var order: [Int] = []
        func visit(_ node: Int) {
            guard visited.insert(node).inserted else { return }
            for child in children[node] where set.contains(child) { visit(child) }
            order.append(node)
        }
        for member in members { visit(member) }
        return order
    }
}

/// Rebuilding one change-logged store of a task from its changelog partition. A runtime calls
/// ``begin(start:end:)`` with the offsets it will read, ``apply(key:value:)`` for each record
/// in offset order, then ``finish()``; progress goes to the task's log and the listener.
package final class ChangelogRestoration {
    /// The task.
    package unowned let task: StreamTask
    /// The store under the logging layer: restored records must not be logged again.
    let store: any KeyValueBytesStore
    /// The changelog partition, as named on the cluster.
    package let changelog: TopicPartition
    /// Where the store's data ends (its checkpoint), or `nil` to read from the start.
    package let from: Int64?
    private let listener: StateRestoreListener?
    /// Records in the partition from where reading starts to its end.
    package private(set) var total: Int64 = 0
    /// Records applied so far.
    package private(set) var restored = 0

    init(task: StreamTask, store: any KeyValueBytesStore, changelog: TopicPartition, from: Int64?, listener: StateRestoreListener?) {
        self.task = task
        self.store = store
        self.changelog = changelog
        self.from = from
        self.listener = listener
    }

    private var metadata: Logger.Metadata {
        ["store": .string(store.name), "changelog": .string(changelog.description)]
    }

    private func progress() -> RestoreProgress {
        RestoreProgress(task: task.id, store: store.name, changelog: changelog, restored: restored, total: total)
    }

    /// Reading starts at `start` and ends before `end`.
    package func begin(start: Int64, end: Int64) {
        total = max(0, end - start)
        guard total > 0 else { return }
        task.context.logger.info(
            "restoring a state store from its changelog",
            metadata: metadata.merging(["records": .stringConvertible(total)]) { old, _ in old })
        listener?.onRestoreStart?(progress())
    }

    /// Changelog records read but not yet written to a persistent store: they go in batches
    /// (``KeyValueBytesStore/putAll(_:)``, one write batch on RocksDB), as Kafka Streams
    /// restores a batch of records at a time, and only the last record of a key in a batch
    /// is written: the store ends the same, with fewer writes (a changelog holds a key once
    /// per commit, and a batch spans several). An in-memory store takes each record at once:
    /// its write costs no more than finding a batch's duplicates would.
    private var batch: [(key: [UInt8], value: [UInt8]?)] = []
    private static let batchSize = 8192

    /// Writes one changelog record into the store (at the latest when the batch it joins is
    /// full, or at ``finish()``): a value, or a delete for a tombstone.
    @inline(__always)
    package func apply(key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?) throws {
        guard let key else { return }
        if !store.persistent {
            if let value { try store.put(Array(key), Array(value)) } else { try store.delete(Array(key)) }
        } else {
            if batch.isEmpty { batch.reserveCapacity(Self.batchSize) }
            batch.append((Array(key), value.map { Array($0) }))
            if batch.count >= Self.batchSize { try writeBatch() }
        }
        restored += 1
        if restored % 100_000 == 0 {
            task.context.logger.info(
                "restoring a state store",
                metadata: metadata.merging(["restored": .stringConvertible(restored), "of": .stringConvertible(total)]) { old, _ in old })
            listener?.onBatchRestored?(progress())
        }
    }

    private func writeBatch() throws {
        var seen = Set<KeyBytes>(minimumCapacity: batch.count)
        var latest: [(key: [UInt8], value: [UInt8]?)] = []
        latest.reserveCapacity(batch.count)
        for entry in batch.reversed() where seen.insert(KeyBytes(entry.key)).inserted { latest.append(entry) }
        // The keys are distinct now, so their order does not matter to the result: in key
        // order, RocksDB's memtable inserts each one next to the last instead of searching
        // its skip list from the top.
        latest.sort { $0.key.lexicographicallyPrecedes($1.key) }
        try store.putAll(latest)
        batch.removeAll(keepingCapacity: true)
    }

    /// Writes what is left of the last batch: the store is whole again.
    /// - Throws: ``StreamsError`` from the store.
    package func finish() throws {
        if !batch.isEmpty { try writeBatch() }
        batch = []
        task.addRestored(restored)
        guard total > 0 else { return }
        task.context.logger.info(
            "state store restored from its changelog",
            metadata: metadata.merging(["restored": .stringConvertible(restored), "of": .stringConvertible(total)]) { old, _ in old })
        listener?.onRestoreEnd?(progress())
    }
}
