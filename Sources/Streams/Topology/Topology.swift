/// A checked, immutable graph of sources, processors and sinks, ready to run.
///
/// Make one with ``StreamsBuilder`` (the DSL) or ``TopologyBuilder`` (node by node). The same
/// topology runs in memory, in the ``TopologyTestDriver``, or on Kafka: each runtime makes one
/// task per input partition from it.
public struct Topology: Sendable {
    let nodes: [NodeDefinition]
    let nodeIndex: [String: Int]
    let children: [[Int]]
    /// Node indices of each sub-topology, in declaration order.
    let subtopologyNodes: [[Int]]
    /// The topics internal to the application (repartition topics), without prefix.
    public let internalTopics: Set<TopicName>
    /// The state stores, by name.
    let stores: [String: StoreBuilder]

    init(validating nodes: [NodeDefinition], internalTopics: Set<TopicName>, stores: [String: StoreBuilder] = [:]) throws {
        func invalid(_ message: String, _ node: String) -> StreamsError {
            StreamsError(.invalidTopology, message, node: node)
        }
        guard !nodes.isEmpty else {
            throw StreamsError(.invalidTopology, "the topology has no nodes: add a source")
        }
        var index: [String: Int] = [:]
        for (position, node) in nodes.enumerated() {
            guard !node.name.isEmpty else {
                throw StreamsError(.invalidTopology, "node number \(position) has an empty name")
            }
            guard index[node.name] == nil else {
                throw invalid("duplicate node name \(node.name)", node.name)
            }
            index[node.name] = position
        }
        var children = Array(repeating: [Int](), count: nodes.count)
        var topicOwner: [TopicName: String] = [:]
        for (position, node) in nodes.enumerated() {
            if case .source(let topics, _, _) = node.kind {
                guard !topics.isEmpty else { throw invalid("source \(node.name) reads no topic", node.name) }
                for topic in topics {
                    if let owner = topicOwner[topic] {
                        throw invalid(
                            "topic \(topic) is read by both \(owner) and \(node.name)", node.name)
                    }
                    topicOwner[topic] = node.name
                }
            } else if node.parents.isEmpty {
                throw invalid("node \(node.name) is dangling: it has no parent", node.name)
            }
            if case .processor(let names) = node.kind {
                for store in names where stores[store] == nil {
                    throw invalid(
                        "processor \(node.name) uses state store \(store), which was not added (addStateStore)",
                        node.name)
                }
            }
            var seen: Set<String> = []
            for parentName in node.parents {
                guard let parent = index[parentName] else {
                    throw invalid("node \(node.name) names an unknown parent \(parentName)", node.name)
                }
                guard seen.insert(parentName).inserted else {
                    throw invalid("node \(node.name) names parent \(parentName) twice", node.name)
                }
                let parentNode = nodes[parent]
                guard let output = parentNode.output else {
                    throw invalid(
                        "node \(node.name) names sink \(parentName) as its parent; sinks have no children",
                        node.name)
                }
                if let input = node.input, input != output {
                    throw invalid(
                        "node \(node.name) takes records \(input) but its parent \(parentName) forwards \(output)",
                        node.name)
                }
                children[parent].append(position)
            }
        }
        for (position, node) in nodes.enumerated() where node.isSource && children[position].isEmpty {
            throw invalid("source \(node.name) is dangling: it has no child", node.name)
        }
        try Self.checkAcyclic(nodes: nodes, children: children)
        // Every node must be reachable from a source; with parents checked above this only
        // fails for nodes whose ancestry is a cycle, which checkAcyclic reports first.

        self.nodes = nodes
        self.nodeIndex = index
        self.children = children
        self.subtopologyNodes = Self.components(nodes: nodes, children: children)
        self.internalTopics = internalTopics
        self.stores = stores
    }

    /// The sub-topology whose tasks own the store `name`, if a processor uses it.
    package func subtopology(ofStore name: String) -> Int? {
        subtopologyNodes.indices.first { stores(ofSubtopology: $0).contains { $0.name == name } }
    }

    /// The stores the processors of a sub-topology use, by name.
    package func stores(ofSubtopology id: Int) -> [StoreBuilder] {
        var names: [String] = []
        for position in subtopologyNodes[id] {
            if case .processor(let stores) = nodes[position].kind {
                for store in stores where !names.contains(store) { names.append(store) }
            }
        }
        return names.compactMap { stores[$0] }
    }

    private static func checkAcyclic(nodes: [NodeDefinition], children: [[Int]]) throws {
        // 0 = unvisited, 1 = on the current path, 2 = done.
        var state = Array(repeating: 0, count: nodes.count)
        for start in nodes.indices where state[start] == 0 {
            var stack: [(node: Int, next: Int)] = [(start, 0)]
            state[start] = 1
            while let top = stack.last {
                if top.next < children[top.node].count {
                    stack[stack.count - 1].next += 1
                    let child = children[top.node][top.next]
                    if state[child] == 1 {
                        throw StreamsError(
                            .invalidTopology,
                            "the topology has a cycle through \(nodes[child].name) and \(nodes[top.node].name)",
                            node: nodes[child].name)
                    }
                    if state[child] == 0 {
                        state[child] = 1
                        stack.append((child, 0))
                    }
                } else {
                    state[top.node] = 2
                    stack.removeLast()
                }
            }
        }
    }

    /// Connected components of the graph (edges taken both ways), numbered by first node.
    private static func components(nodes: [NodeDefinition], children: [[Int]]) -> [[Int]] {
        var root = Array(nodes.indices)
        func find(_ x: Int) -> Int {
            var x = x
            while root[x] != x {
                root[x] = root[root[x]]
                x = root[x]
            }
            return x
        }
        func union(_ x: Int, _ y: Int) {
            let a = find(x)
            let b = find(y)
            if a != b { root[max(a, b)] = min(a, b) }
        }
        for (parent, list) in children.enumerated() {
            for child in list { union(parent, child) }
        }
        // Processors that share a state store are one sub-topology: one task owns the store.
        var storeUser: [String: Int] = [:]
        for (position, node) in nodes.enumerated() {
            guard case .processor(let stores) = node.kind else { continue }
            for store in stores {
                if let other = storeUser[store] { union(other, position) } else { storeUser[store] = position }
            }
        }
        var order: [Int: Int] = [:]
        var groups: [[Int]] = []
        for node in nodes.indices {
            let r = find(node)
            if let group = order[r] {
                groups[group].append(node)
            } else {
                order[r] = groups.count
                groups.append([node])
            }
        }
        return groups
    }

    /// The topics read by the topology's sources, including internal ones (unprefixed).
    public var sourceTopics: [TopicName] {
        nodes.flatMap { node -> [TopicName] in
            if case .source(let topics, _, _) = node.kind { return topics }
            return []
        }
    }

    /// The fixed topics written by the topology's sinks (unprefixed).
    public var sinkTopics: [TopicName] {
        nodes.compactMap { node in
            if case .sink(let topic, _, _) = node.kind { return topic }
            return nil
        }
    }

    /// Source topics of one sub-topology.
    func sourceTopics(ofSubtopology id: Int) -> [TopicName] {
        subtopologyNodes[id].flatMap { position -> [TopicName] in
            if case .source(let topics, _, _) = nodes[position].kind { return topics }
            return []
        }
    }

    /// The number of sub-topologies.
    public var subtopologyCount: Int { subtopologyNodes.count }
}
