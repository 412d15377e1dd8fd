/// Declares a topology node by node: the low-level API under the DSL.
///
/// Add sources, processors and sinks by name, naming each node's parents; ``build()``
/// checks the graph and returns an immutable ``Topology``.
///
/// ```swift
/// var builder = TopologyBuilder()
/// builder.addSource("Source", topics: ["transactions"], key: .string, value: .json(Purchase.self))
/// builder.addProcessor("Mask", parents: ["Source"]) { MaskingProcessor() }
/// builder.addSink("Purchases", topic: "purchases", key: .string, value: .json(Purchase.self),
///                 parents: ["Mask"])
/// let topology = try builder.build()
/// ```
public struct TopologyBuilder: Sendable {
    @usableFromInline var nodes: [NodeDefinition] = []
    @usableFromInline var internalTopics: Set<TopicName> = []
    /// State stores by name, in the order they were added.
    var stores: [StoreBuilder] = []
    /// Processors connected to stores after they were added: (processor, store).
    var storeConnections: [(processor: String, store: String)] = []
    /// Mistakes the DSL found while declaring; ``build()`` throws the first.
    @usableFromInline var deferredErrors: [StreamsError] = []

    /// Creates an empty builder.
    public init() {}

    /// Adds a source node that reads one or more topics.
    /// - Parameters:
    ///   - name: The node's name, unique in the topology.
    ///   - topics: The topics it reads.
    ///   - key: Deserializes keys.
    ///   - value: Deserializes values.
    @inlinable
    public mutating func addSource<Key, Value>(
        _ name: String, topics: [TopicName], key: Serde<Key>, value: Serde<Value>
    ) {
        let timestampExtractor: TimestampExtractor<Key, Value>? = nil
        addSource(name, topics: topics, key: key, value: value, timestamps: timestampExtractor)
    }

    @inlinable
    mutating func addSource<Key, Value>(
        _ name: String, topics: [TopicName], key: Serde<Key>, value: Serde<Value>,
        timestamps: TimestampExtractor<Key, Value>?
    ) {
        nodes.append(
            NodeDefinition(
                name: name,
                kind: .source(topics: topics, keySerde: key.name, valueSerde: value.name),
                parents: [], input: nil, output: .of(Key.self, Value.self),
                make: { task, children in
                    let context = ProcessorContext<Key, Value>(task: task, nodeName: name)
                    context.children = try downstreams(children, of: name, as: Record<Key, Value>.self)
                    let metrics = task.metrics(forNode: name)
                    return RuntimeNode(source: { raw in try task.measure(metrics) {
                        let recordKey: Key
                        let recordValue: Value
                        do {
                            recordKey = try key.deserialize(raw.key)
                        } catch {
                            try task.handleDeserializationFailure(error, part: "key", raw: raw, node: name)
                            return
                        }
                        do {
                            recordValue = try value.deserialize(raw.value)
                        } catch {
                            try task.handleDeserializationFailure(error, part: "value", raw: raw, node: name)
                            return
                        }
                        var record = Record(
                            key: recordKey, value: recordValue, timestamp: raw.timestamp,
                            headers: raw.headers, metadata: raw.metadata)
                        // Stamped in place: `withTimestamp` would copy the whole record.
                        if let timestamps { record._timestamp = timestamps.extract(record) }
                        task.observe(timestamp: record.timestamp)
                        try context.forward(record)
                    } })
                }))
    }

    /// Adds a processor node.
    /// - Parameters:
    ///   - name: The node's name, unique in the topology.
    ///   - parents: The nodes it receives records from; their output types must match the
    ///     processor's input types.
    ///   - supplier: Makes one processor per task.
    @inlinable
    public mutating func addProcessor<P: Processor>(
        _ name: String, parents: [String], _ supplier: @escaping @Sendable () -> P
    ) {
        addProcessor(name, parents: parents, stores: [], supplier)
    }

    /// Adds a processor node that uses state stores.
    /// - Parameters:
    ///   - name: The node's name, unique in the topology.
    ///   - parents: The nodes it receives records from.
    ///   - stores: Names of stores (added with ``addStateStore(_:processors:)``) its processor
    ///     reaches through ``ProcessorContext/stateStore(named:as:)``.
    ///   - supplier: Makes one processor per task.
    @inlinable
    public mutating func addProcessor<P: Processor>(
        _ name: String, parents: [String], stores: [String], _ supplier: @escaping @Sendable () -> P
    ) {
        nodes.append(
            NodeDefinition(
                name: name, kind: .processor(stores: stores), parents: parents,
                input: .of(P.KeyIn.self, P.ValueIn.self), output: .of(P.KeyOut.self, P.ValueOut.self),
                make: { task, children in
                    let processor = supplier()
                    let context = ProcessorContext<P.KeyOut, P.ValueOut>(task: task, nodeName: name)
                    let downs = try downstreams(children, of: name, as: Record<P.KeyOut, P.ValueOut>.self)
                    context.children = downs
                    context.childrenByName = Dictionary(downs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
                    let metrics = task.metrics(forNode: name)
                    let entry = Downstream<P.KeyIn, P.ValueIn>(name: name) { record in
                        do {
                            try task.measure(metrics) { try processor.process(record) }
                        } catch let error as StreamsError {
                            throw error
                        } catch {
                            throw StreamsError(
                                .processing, "processor failed with \(type(of: error))",
                                location: task.currentMetadata, node: name,
                                underlying: error)
                        }
                    }
                    return RuntimeNode(
                        downstream: entry,
                        initialize: { try processor.initialize(context: context) },
                        close: { processor.close() })
                }))
    }

    /// Adds a sink node that writes every record it receives to one topic.
    /// - Parameters:
    ///   - name: The node's name, unique in the topology.
    ///   - topic: The topic it writes.
    ///   - key: Serializes keys.
    ///   - value: Serializes values.
    ///   - partitioner: Chooses partitions; `nil` for Kafka's default (murmur2 of the key).
    ///   - parents: The nodes it receives records from.
    @inlinable
    public mutating func addSink<Key, Value>(
        _ name: String, topic: TopicName, key: Serde<Key>, value: Serde<Value>,
        partitioner: StreamPartitioner<Key, Value>? = nil, parents: [String]
    ) {
        addSink(
            name, fixedTopic: topic, key: key, value: value, partitioner: partitioner, parents: parents,
            topicFor: { _ in topic })
    }

    /// Adds a sink node that chooses the topic of each record.
    /// - Parameters:
    ///   - name: The node's name, unique in the topology.
    ///   - key: Serializes keys.
    ///   - value: Serializes values.
    ///   - partitioner: Chooses partitions; `nil` for Kafka's default (murmur2 of the key).
    ///   - parents: The nodes it receives records from.
    ///   - topicFor: Returns the topic of a record; the topic must exist.
    @inlinable
    public mutating func addSink<Key, Value>(
        _ name: String, key: Serde<Key>, value: Serde<Value>,
        partitioner: StreamPartitioner<Key, Value>? = nil, parents: [String],
        topicFor: @escaping @Sendable (Record<Key, Value>) -> TopicName
    ) {
        addSink(
            name, fixedTopic: nil, key: key, value: value, partitioner: partitioner, parents: parents,
            topicFor: topicFor)
    }

    @inlinable
    mutating func addSink<Key, Value>(
        _ name: String, fixedTopic: TopicName?, key: Serde<Key>, value: Serde<Value>,
        partitioner: StreamPartitioner<Key, Value>?, parents: [String],
        topicFor: @escaping @Sendable (Record<Key, Value>) -> TopicName
    ) {
        nodes.append(
            NodeDefinition(
                name: name, kind: .sink(topic: fixedTopic, keySerde: key.name, valueSerde: value.name),
                parents: parents, input: .of(Key.self, Value.self), output: nil,
                make: { task, _ in
                    let resolved = fixedTopic.map(task.resolveTopic)
                    let metrics = task.metrics(forNode: name, fixedTopic: resolved)
                    let writer = SinkWriter(
                        task: task, node: name, key: key, value: value, partitioner: partitioner,
                        metrics: metrics)
                    let entry = Downstream<Key, Value>(name: name) { record in
                        try task.measure(metrics) {
                            try writer.write(record, to: resolved ?? task.resolveTopic(topicFor(record)))
                        }
                    }
                    return RuntimeNode(downstream: entry)
                }))
    }

    /// Adds a state store: every task of the sub-topology of the processors that use it gets
    /// its own store, made by `store`.
    /// - Parameters:
    ///   - store: Makes the store (see ``Stores``).
    ///   - processors: Processors that use the store, added before or after.
    public mutating func addStateStore(_ store: StoreBuilder, processors: [String] = []) {
        stores.append(store)
        for processor in processors { storeConnections.append((processor, store.name)) }
    }

    /// Lets a processor use stores added with ``addStateStore(_:processors:)``.
    public mutating func connectProcessorAndStateStores(_ processor: String, _ stores: [String]) {
        for store in stores { storeConnections.append((processor, store)) }
    }

    /// Marks a topic as internal to the application: on a cluster its name gets the
    /// application id as prefix, `<applicationId>-<name>`.
    @usableFromInline
    mutating func addInternalTopic(_ topic: TopicName) {
        internalTopics.insert(topic)
    }

    /// Checks the graph and returns the topology.
    /// - Throws: ``StreamsError`` with code ``StreamsError/Code/invalidTopology`` naming the
    ///   node, for a duplicate name, an unknown parent, a cycle, a dangling node (one that no
    ///   source reaches, or a source with no children), a sink used as a parent, a topic read
    ///   by two sources, or a parent whose output types do not match its child's input types.
    public func build() throws -> Topology {
        if let error = deferredErrors.first { throw error }
        var nodes = self.nodes
        var known: [String: StoreBuilder] = [:]
        for store in stores {
            guard known[store.name] == nil else {
                throw StreamsError(.invalidTopology, "state store \(store.name) is added twice")
            }
            known[store.name] = store
        }
        for (processor, store) in storeConnections {
            guard let position = nodes.firstIndex(where: { $0.name == processor }) else {
                throw StreamsError(
                    .invalidTopology, "state store \(store) is connected to an unknown processor \(processor)",
                    node: processor)
            }
            guard case .processor(let connected) = nodes[position].kind else {
                throw StreamsError(
                    .invalidTopology, "state store \(store) is connected to \(processor), which is not a processor",
                    node: processor)
            }
            if !connected.contains(store) { nodes[position].kind = .processor(stores: connected + [store]) }
        }
        // Change-logged stores write `<applicationId>-<store>-changelog`, an internal topic.
        var internalTopics = self.internalTopics
        for store in stores where store.loggingEnabled { internalTopics.insert(store.changelogTopic) }
        return try Topology(validating: nodes, internalTopics: internalTopics, stores: known)
    }
}
