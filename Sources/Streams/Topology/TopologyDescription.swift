import Foundation

/// A readable description of a topology: its sub-topologies and nodes, with arrows.
///
/// `description` prints it in the style of Kafka Streams' `TopologyDescription`:
///
/// ```text
/// Topologies:
///    Sub-topology: 0
///     Source: transactions-source (topics: [transactions])
///       --> mask
///     Processor: mask (stores: [])
///       --> patterns, rewards, purchases-sink
///       <-- transactions-source
/// ```
///
/// ``mermaid`` and ``dot`` draw the same graph for Mermaid and Graphviz; ``svg`` draws it as a
/// self-contained SVG picture, laid out by this library (no Graphviz needed).
public struct TopologyDescription: Sendable, CustomStringConvertible {
    /// A node as described.
    public struct Node: Sendable, Hashable {
        /// What kind of node this is.
        public enum Kind: Sendable, Hashable {
            /// Reads these topics.
            case source(topics: [TopicName])
            /// Processes records, with these state stores.
            case processor(stores: [String])
            /// Writes this topic, or a topic chosen per record when `nil`.
            case sink(topic: TopicName?)
        }
        /// The node's name.
        public let name: String
        /// What kind of node this is.
        public let kind: Kind
        /// Names of the nodes it forwards to, in order.
        public let successors: [String]
        /// Names of the nodes it receives from, in order.
        public let predecessors: [String]
    }

    /// A connected part of the topology; one task per input partition runs each.
    public struct Subtopology: Sendable, Hashable {
        /// Its number.
        public let id: Int
        /// Its nodes, sources first, each after its parents.
        public let nodes: [Node]
    }

    /// The sub-topologies, by number.
    public let subtopologies: [Subtopology]

    init(_ topology: Topology) {
        let nodes = topology.nodes
        var subtopologies: [Subtopology] = []
        for (id, members) in topology.subtopologyNodes.enumerated() {
            // Kahn's algorithm over the sub-topology, ties broken by declaration order.
            var indegree: [Int: Int] = [:]
            for member in members {
                indegree[member] = nodes[member].parents.count
            }
            var ready = members.filter { indegree[$0] == 0 }
            var ordered: [Int] = []
            while !ready.isEmpty {
                let next = ready.removeFirst()
                ordered.append(next)
                for child in topology.children[next] {
                    indegree[child]! -= 1
                    if indegree[child] == 0 {
                        let slot = ready.firstIndex { $0 > child } ?? ready.endIndex
                        ready.insert(child, at: slot)
                    }
                }
            }
            let described = ordered.map { position -> Node in
                let node = nodes[position]
                let kind: Node.Kind
                switch node.kind {
                case .source(let topics, _, _): kind = .source(topics: topics)
                case .processor(let stores): kind = .processor(stores: stores)
                case .sink(let topic, _, _): kind = .sink(topic: topic)
                }
                return Node(
                    name: node.name, kind: kind,
                    successors: topology.children[position].map { nodes[$0].name },
                    predecessors: node.parents)
            }
            subtopologies.append(Subtopology(id: id, nodes: described))
        }
        self.subtopologies = subtopologies
    }

    /// The description in Kafka Streams' text format.
    public var description: String {
        var text = "Topologies:\n"
        for subtopology in subtopologies {
            text += "   Sub-topology: \(subtopology.id)\n"
            for node in subtopology.nodes {
                switch node.kind {
                case .source(let topics):
                    text += "    Source: \(node.name) (topics: [\(topics.map(\.rawValue).joined(separator: ", "))])\n"
                case .processor(let stores):
                    text += "    Processor: \(node.name) (stores: [\(stores.joined(separator: ", "))])\n"
                case .sink(let topic):
                    text += "    Sink: \(node.name) (\(topic.map { "topic: \($0)" } ?? "topic extractor"))\n"
                }
                if case .sink = node.kind {} else {
                    text += "      --> \(node.successors.isEmpty ? "none" : node.successors.joined(separator: ", "))\n"
                }
                if !node.predecessors.isEmpty {
                    text += "      <-- \(node.predecessors.joined(separator: ", "))\n"
                }
            }
            text += "\n"
        }
        return text
    }

    /// The graph as a Mermaid flowchart: topics as stadiums, sources and sinks as
    /// parallelograms, processors as boxes, one subgraph per sub-topology.
    public var mermaid: String {
        var ids = GraphIds()
        var text = "flowchart TD\n"
        var topicLines: [String] = []
        var declaredTopics: Set<TopicName> = []
        func topicNode(_ topic: TopicName) -> String {
            let id = ids.id(forTopic: topic)
            if declaredTopics.insert(topic).inserted {
                topicLines.append("    \(id)([\"\(escapeMermaid(topic.rawValue))\"])")
            }
            return id
        }
        var edges: [String] = []
        for subtopology in subtopologies {
            text += "    subgraph sub\(subtopology.id) [\"Sub-topology \(subtopology.id)\"]\n"
            for node in subtopology.nodes {
                let id = ids.id(forNode: node.name)
                let label = escapeMermaid(node.name)
                switch node.kind {
                case .source(let topics):
                    text += "        \(id)[/\"\(label)\"/]\n"
                    for topic in topics { edges.append("    \(topicNode(topic)) --> \(id)") }
                case .processor:
                    text += "        \(id)[\"\(label)\"]\n"
                case .sink(let topic):
                    text += "        \(id)[\\\"\(label)\"\\]\n"
                    if let topic { edges.append("    \(id) --> \(topicNode(topic))") }
                }
                for successor in node.successors {
                    edges.append("    \(id) --> \(ids.id(forNode: successor))")
                }
            }
            text += "    end\n"
        }
        for line in topicLines { text += line + "\n" }
        for edge in edges { text += edge + "\n" }
        return text
    }

    /// The graph in Graphviz DOT: topics as ellipses, nodes as boxes, one cluster per
    /// sub-topology.
    public var dot: String {
        var ids = GraphIds()
        var text = "digraph topology {\n    rankdir=TB;\n    node [fontname=\"Helvetica\"];\n"
        var topics: [TopicName] = []
        var edges: [String] = []
        for subtopology in subtopologies {
            text += "    subgraph cluster_\(subtopology.id) {\n        label=\"Sub-topology \(subtopology.id)\";\n"
            for node in subtopology.nodes {
                let id = ids.id(forNode: node.name)
                let shape: String
                switch node.kind {
                case .source(let list):
                    shape = "invhouse"
                    for topic in list {
                        if !topics.contains(topic) { topics.append(topic) }
                        edges.append("    \(ids.id(forTopic: topic)) -> \(id);")
                    }
                case .processor: shape = "box"
                case .sink(let topic):
                    shape = "house"
                    if let topic {
                        if !topics.contains(topic) { topics.append(topic) }
                        edges.append("    \(id) -> \(ids.id(forTopic: topic));")
                    }
                }
                text += "        \(id) [label=\"\(escapeDot(node.name))\", shape=\(shape)];\n"
                for successor in node.successors {
                    edges.append("    \(id) -> \(ids.id(forNode: successor));")
                }
            }
            text += "    }\n"
        }
        for topic in topics {
            text += "    \(ids.id(forTopic: topic)) [label=\"\(escapeDot(topic.rawValue))\", shape=ellipse, style=filled, fillcolor=\"#e8f0fe\"];\n"
        }
        for edge in edges { text += edge + "\n" }
        text += "}\n"
        return text
    }
}

extension Topology {
    /// Describes the topology: sub-topologies, nodes and arrows.
    public func describe() -> TopologyDescription { TopologyDescription(self) }
}

/// Stable identifiers for graph languages, which restrict the characters of ids.
private struct GraphIds {
    private var nodes: [String: String] = [:]
    private var topics: [TopicName: String] = [:]

    mutating func id(forNode name: String) -> String {
        if let id = nodes[name] { return id }
        let id = "n\(nodes.count)"
        nodes[name] = id
        return id
    }

    mutating func id(forTopic topic: TopicName) -> String {
        if let id = topics[topic] { return id }
        let id = "t\(topics.count)"
        topics[topic] = id
        return id
    }
}

private func escapeMermaid(_ text: String) -> String {
    text.replacingOccurrences(of: "\"", with: "#quot;")
}

private func escapeDot(_ text: String) -> String {
    text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
}
