import Foundation

/// Builds a topology with the DSL: start from ``stream(_:_:)``, chain operators on the
/// ``KStream`` it returns, and finish with ``build()``.
///
/// ```swift
/// let builder = StreamsBuilder()
/// builder.stream("words", Consumed(key: .string, value: .string))
///     .filter { _, word in !word.isEmpty }
///     .mapValues { $0.uppercased() }
///     .to("shouts", Produced(key: .string, value: .string))
/// let topology = try builder.build()
/// ```
///
/// Nodes are named like Kafka Streams names them (`KSTREAM-FILTER-0000000001`) unless an
/// operator is given a name.
public final class StreamsBuilder {
    @usableFromInline var topology = TopologyBuilder()
    @usableFromInline var counter = 0

    /// Creates an empty builder.
    public init() {}

    /// A new node name: `name` if given, else the prefix and a sequence number.
    @usableFromInline
    func nodeName(_ name: String?, prefix: String) -> String {
        defer { counter += 1 }
        if let name { return name }
        return prefix + String(format: "%010d", counter)
    }

    /// Reads a topic as a stream.
    /// - Parameters:
    ///   - topic: The topic.
    ///   - consumed: The key and value serdes, and optionally a timestamp extractor and name.
    /// - Returns: The stream of the topic's records.
    @inlinable
    public func stream<Key, Value>(_ topic: TopicName, _ consumed: Consumed<Key, Value>) -> KStream<Key, Value> {
        stream([topic], consumed)
    }

    /// Reads several topics as one stream.
    /// - Parameters:
    ///   - topics: The topics; they must have the same number of partitions.
    ///   - consumed: The key and value serdes, and optionally a timestamp extractor and name.
    /// - Returns: The stream of the topics' records.
    @inlinable
    public func stream<Key, Value>(_ topics: [TopicName], _ consumed: Consumed<Key, Value>) -> KStream<Key, Value> {
        let name = nodeName(consumed.name, prefix: "KSTREAM-SOURCE-")
        topology.addSource(
            name, topics: topics, key: consumed.key, value: consumed.value,
            timestamps: consumed.timestampExtractor)
        return KStream(builder: self, node: name)
    }

    /// Adds a state store for processors added with ``KStream/process(named:stores:_:)``.
    public func addStateStore(_ store: StoreBuilder) {
        topology.addStateStore(store)
    }

    /// Checks the graph and returns the topology.
    /// - Throws: ``StreamsError`` (``StreamsError/Code/invalidTopology``) naming the node.
    public func build() throws -> Topology {
        try topology.build()
    }
}

@available(*, unavailable, message: "build a topology on one thread; share the built Topology")
extension StreamsBuilder: Sendable {}
