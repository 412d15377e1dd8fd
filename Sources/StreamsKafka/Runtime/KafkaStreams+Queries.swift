import Streams

/// Where one key of a state store lives: Kafka Streams' `KeyQueryMetadata`.
public struct KeyQueryMetadata: Sendable, Hashable {
    /// The store.
    public var store: String
    /// The input partition the key belongs to (Kafka's partitioner on the serialized key).
    public var partition: Int32
    /// The task that owns the key's store.
    public var task: TaskId
    /// Whether this instance owns that task now, so its queries answer for the key.
    public var isLocal: Bool
    /// The owning instance's client id (``KafkaStreams/clientId``): this instance's when it
    /// is local; another's, with ``KafkaConfig/applicationServer`` set, when the application's
    /// directory names one; `nil` when no instance is known to own it.
    public var owner: String?
    /// Where the owner answers interactive queries (its ``KafkaConfig/applicationServer``),
    /// Kafka Streams' `activeHost`; `nil` without application servers or a known owner.
    public var activeHost: String?
}

/// One instance of a running application: Kafka Streams' `StreamsMetadata`.
public struct StreamsMetadata: Sendable, Hashable {
    /// Its client id.
    public var clientId: String
    /// Where it answers interactive queries (its ``KafkaConfig/applicationServer``).
    public var host: String
    /// The input partitions it owns.
    public var partitions: [TopicPartition]
    /// The state stores of the tasks it runs.
    public var stores: [String]
}

/// Reads a key-value state store of a running application: Kafka Streams'
/// `ReadOnlyKeyValueStore`, from `KafkaStreams.store(...)`.
///
/// Each read runs on the stream thread that owns the store, between two batches, so it sees
/// a consistent store and waits at most about one poll; a store whose task is restoring or
/// moving answers after it is whole again, or the read times out. It reads this instance's
/// tasks only: ``KafkaStreams/queryMetadata(forKey:store:key:)`` says whether a key is here.
public struct ReadOnlyKeyValueStore<Key, Value>: Sendable {
    let streams: KafkaStreams
    /// The store's name.
    public let name: String
    let keySerde: Serde<Key>
    let valueSerde: Serde<Value>
    /// How long a read may wait for the store's thread.
    public var timeout: Duration

    /// The value of `key`, or `nil` if the store has none.
    /// - Throws: ``Streams/StreamsError`` if the key lives on another instance (`.illegalState`,
    ///   naming the partition), the store does not exist, or its thread does not answer in time.
    public func get(_ key: Key) throws -> Value? {
        let bytes = try streams.serializeKey(key, keySerde, store: name)
        let metadata = try streams.queryMetadata(forKeyBytes: bytes, store: name)
        guard metadata.isLocal else {
            throw StreamsError(
                .illegalState,
                "state store \(name) keeps this key in partition \(metadata.partition) (task \(metadata.task)), which instance \(streams.clientId) does not own now")
        }
        let name = self.name
        let task = metadata.task
        let stored = try streams.onOwner(of: task, timeout: timeout) { tasks -> [UInt8]? in
            try Self.bytesStore(name, in: tasks[task]).get(bytes)
        }
        return try stored.map { try valueSerde.deserialize($0) }
    }

    /// The entries with `from <= key <= to` (`nil` bounds are open) of every local task, in
    /// serialized-key order.
    public func range(from: Key? = nil, to: Key? = nil) throws -> [(key: Key, value: Value)] {
        let name = self.name
        let low = try from.map { try streams.serializeKey($0, keySerde, store: name) }
        let high = try to.map { try streams.serializeKey($0, keySerde, store: name) }
        var entries: [KeyValueBytes] = []
        for thread in streams.threads {
            entries += try thread.perform(timeout: timeout) { tasks -> [KeyValueBytes] in
                try tasks.values.compactMap { $0.stateStores[name] as? any BytesBackedStore }
                    .flatMap { store in
                        try store.writeCachedEntries()
                        return try store.bytes.range(from: low, to: high, reverse: false)
                    }
            }
        }
        entries.sort { compareKeyBytes($0.key, $1.key) < 0 }
        return try entries.map { (try keySerde.deserialize($0.key), try valueSerde.deserialize($0.value)) }
    }

    /// Every entry of every local task, in serialized-key order.
    public func all() throws -> [(key: Key, value: Value)] { try range() }

    static func bytesStore(_ name: String, in task: StreamTask?) throws -> any KeyValueBytesStore {
        guard let store = task?.stateStores[name] as? any BytesBackedStore else {
            throw StreamsError(.illegalState, "state store \(name) is not open on this instance now (its task moved or is closed)")
        }
        // Cached writes reach the bytes store (and its changelog, as at the next commit) first.
        try store.writeCachedEntries()
        return store.bytes
    }
}

extension KafkaStreams {
    /// A key-value store of this running instance, for interactive queries.
    ///
    /// ```swift
    /// let points = streams.store(named: "reward-points", key: .string, value: .int64)
    /// if try streams.queryMetadata(forKey: "C-42", store: "reward-points", key: .string).isLocal {
    ///     print(try points.get("C-42") ?? 0)
    /// }
    /// ```
    /// - Parameters:
    ///   - name: The store (a `Materialized` name, or one added with `addStateStore`).
    ///   - key: Its key serde.
    ///   - value: Its value serde.
    ///   - timeout: How long a read may wait for the store's thread.
    public func store<Key, Value>(
        named name: String, key: Serde<Key>, value: Serde<Value>, timeout: Duration = .seconds(10)
    ) -> ReadOnlyKeyValueStore<Key, Value> {
        ReadOnlyKeyValueStore(streams: self, name: name, keySerde: key, valueSerde: value, timeout: timeout)
    }

    /// Where `key` of store `store` lives: its partition, its task, and whether this instance
    /// owns it now. Kafka Streams' `queryMetadataForKey`.
    /// - Throws: ``Streams/StreamsError`` if no processor uses the store or the instance has
    ///   not started.
    public func queryMetadata<Key>(forKey key: Key, store: String, key serde: Serde<Key>) throws -> KeyQueryMetadata {
        try queryMetadata(forKeyBytes: try serializeKey(key, serde, store: store), store: store)
    }

    func queryMetadata(forKeyBytes bytes: [UInt8], store: String) throws -> KeyQueryMetadata {
        guard let subtopology = topology.subtopology(ofStore: store) else {
            throw StreamsError(.illegalState, "no processor of the topology uses a state store named \(store)")
        }
        guard let partitions = partitionCount(ofSubtopology: subtopology) else {
            throw StreamsError(.illegalState, "instance \(clientId) has not started: no store to query yet")
        }
        let partition = Murmur2.partition(forKey: bytes, partitionCount: partitions)
        let task = TaskId(subtopology: subtopology, partition: partition)
        let sources = Set(topology.sourceTopics(ofSubtopology: subtopology, applicationId: config.applicationId))
        let local = assignedPartitions.contains { $0.partition == partition && sources.contains($0.topic) }
        if local {
            return KeyQueryMetadata(
                store: store, partition: partition, task: task, isLocal: true, owner: clientId,
                activeHost: kafka.applicationServer)
        }
        var metadata = KeyQueryMetadata(store: store, partition: partition, task: task, isLocal: false, owner: nil)
        if let directory = shared.withLock({ $0.directory }) {
            let owners = InstanceDirectory.owners(try directory.entries(timeout: kafka.startupTimeout))
            // Another instance's claim; this instance's own entry is stale when it is not local.
            if let owner = sources.lazy.compactMap({ owners["\($0.rawValue):\(partition)"] }).first(where: { $0.instance != directory.instance }) {
                metadata.owner = owner.clientId
                metadata.activeHost = owner.endpoint
            }
        }
        return metadata
    }

    /// Every instance of the application that has published where it is, with the input
    /// partitions it owns and the stores of their tasks: Kafka Streams'
    /// `metadataForAllStreamsClients()`. A partition appears under its newest owner only.
    /// - Throws: ``Streams/StreamsError`` (`.illegalState`) without
    ///   ``KafkaConfig/applicationServer`` or before ``start()``; `.timeout` if the directory
    ///   cannot be read in time.
    public func allMetadata() throws -> [StreamsMetadata] {
        guard let directory = shared.withLock({ $0.directory }) else {
            throw StreamsError(
                .illegalState,
                "instance \(clientId) knows no other instance: set KafkaConfig.applicationServer and start it")
        }
        let entries = try directory.read(timeout: kafka.startupTimeout)
        let owners = InstanceDirectory.owners(entries)
        let applicationId = config.applicationId
        var subtopologyOf: [String: Int] = [:]
        for subtopology in 0..<topology.subtopologyCount {
            for topic in topology.sourceTopics(ofSubtopology: subtopology, applicationId: applicationId) {
                subtopologyOf[topic.rawValue] = subtopology
            }
        }
        return entries.sorted { $0.clientId < $1.clientId }.compactMap { entry -> StreamsMetadata? in
            let partitions = entry.partitions.filter { owners[$0]?.instance == entry.instance }.compactMap { text -> TopicPartition? in
                guard let colon = text.lastIndex(of: ":"), let number = Int32(text[text.index(after: colon)...]) else { return nil }
                return TopicPartition(topic: TopicName(String(text[..<colon])), partition: number)
            }
            guard !partitions.isEmpty else { return nil }
            let subtopologies = Set(partitions.compactMap { subtopologyOf[$0.topic.rawValue] })
            let stores = Set(subtopologies.flatMap { topology.stores(ofSubtopology: $0).map(\.name) })
            return StreamsMetadata(clientId: entry.clientId, host: entry.endpoint, partitions: partitions, stores: stores.sorted())
        }
    }

    func serializeKey<Key>(_ key: Key, _ serde: Serde<Key>, store: String) throws -> [UInt8] {
        guard let bytes = try serde.serialize(key) else {
            throw StreamsError(.serialization, "state store \(store) has no null keys to query")
        }
        return bytes
    }

    /// Runs `body` on the stream thread that owns `task`.
    func onOwner<T: Sendable>(
        of task: TaskId, timeout: Duration, _ body: @escaping @Sendable ([TaskId: StreamTask]) throws -> T
    ) throws -> T {
        for thread in threads where thread.ownsTask(task) {
            return try thread.perform(timeout: timeout, body)
        }
        throw StreamsError(.illegalState, "task \(task) is not running on instance \(clientId) now")
    }
}
