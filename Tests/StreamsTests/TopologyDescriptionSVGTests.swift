@testable import Streams
import Testing

@Suite("TopologyDescription SVG")
struct TopologyDescriptionSVGTests {
    /// ZMart's shape: one source, a masking processor, two mapping processors, three sinks.
    static func zmartLike() throws -> Topology {
        var builder = TopologyBuilder()
        builder.addSource("transactions-source", topics: ["transactions"], key: Serde<String>.string, value: Serde<String>.string)
        builder.addProcessor("masking", parents: ["transactions-source"]) { Passing() }
        builder.addProcessor("patterns", parents: ["masking"]) { Passing() }
        builder.addProcessor("rewards", parents: ["masking"]) { Passing() }
        builder.addSink("patterns-sink", topic: "patterns", key: .string, value: .string, parents: ["patterns"])
        builder.addSink("rewards-sink", topic: "rewards", key: .string, value: .string, parents: ["rewards"])
        builder.addSink("purchases-sink", topic: "purchases", key: .string, value: .string, parents: ["masking"])
        return try builder.build()
    }

    /// Three sub-topologies: stores, a sink choosing its topic per record, an arrow that
    /// skips a layer, a sink with two parents, and names that XML must escape.
    static func several() throws -> Topology {
        var builder = TopologyBuilder()
        for store in ["customers", "prices", "counts"] {
            builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(store), key: .string, value: .string))
        }
        builder.addSource("orders-source", topics: ["orders", "orders-eu"], key: Serde<String>.string, value: Serde<String>.string)
        builder.addProcessor("enrich", parents: ["orders-source"], stores: ["customers", "prices"]) { Passing() }
        builder.addProcessor("a<b & c", parents: ["enrich"]) { Passing() }
        builder.addSink("route", key: .string, value: .string, parents: ["a<b & c"]) { _ in "somewhere" }
        builder.addSink("audit-sink", topic: "audit", key: .string, value: .string, parents: ["enrich", "a<b & c"])
        builder.addSource("quoted \"source\"", topics: ["in'2>"], key: Serde<String>.string, value: Serde<String>.string)
        builder.addSink("other-sink", topic: "out&more", key: .string, value: .string, parents: ["quoted \"source\""])
        builder.addSource("audit-source", topics: ["audit"], key: Serde<String>.string, value: Serde<String>.string)
        builder.addProcessor("count", parents: ["audit-source"], stores: ["counts"]) { Passing() }
        builder.addSink("count-sink", topic: "counts", key: .string, value: .string, parents: ["count"])
        return try builder.build()
    }

    static let topologies: [String] = ["zmart-like", "several"]

    static func describe(_ name: String) throws -> TopologyDescription {
        try (name == "zmart-like" ? zmartLike() : several()).describe()
    }

    /// Arrows the description implies: topic to source, node to successor, sink to topic.
    static func arrowCount(_ description: TopologyDescription) -> Int {
        description.subtopologies.flatMap(\.nodes).map { node in
            switch node.kind {
            case .source(let topics): topics.count + node.successors.count
            case .processor: node.successors.count
            case .sink: 1
            }
        }.reduce(0, +)
    }

    @Test(arguments: topologies)
    func isWellFormedAndNamesEveryNodeAndTopic(name: String) throws {
        let description = try Self.describe(name)
        let document = try SVGDocument(description.svg)
        let root = try #require(document.elements.first)
        #expect(root.name == "svg")
        #expect(root.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(root.attributes["viewBox"] == "0 0 \(root.attributes["width"] ?? "?") \(root.attributes["height"] ?? "?")")
        #expect(document.elements.contains { $0.name == "title" && !$0.text.isEmpty })
        #expect(document.elements.contains { $0.name == "marker" && $0.attributes["id"] == "arrow" })

        let texts = Set(document.elements.filter { $0.name == "text" }.map(\.text))
        for subtopology in description.subtopologies {
            #expect(texts.contains("Sub-topology \(subtopology.id)"))
            for node in subtopology.nodes {
                #expect(texts.contains(node.name), "node \(node.name)")
                switch node.kind {
                case .source(let topics):
                    for topic in topics { #expect(texts.contains(topic.rawValue), "topic \(topic)") }
                case .processor(let stores):
                    if !stores.isEmpty { #expect(texts.contains("stores: " + stores.joined(separator: ", "))) }
                case .sink(let topic):
                    #expect(texts.contains(topic?.rawValue ?? "(topic chosen per record)"))
                }
            }
        }
        let nodeGroups = document.elements.filter { $0.name == "g" && $0.classes.contains("node") }
        #expect(nodeGroups.count == description.subtopologies.map(\.nodes.count).reduce(0, +))
        let ids = document.elements.compactMap { $0.attributes["id"] }
        #expect(Set(ids).count == ids.count, "ids are unique")
    }

    @Test(arguments: topologies)
    func drawsOneEdgePerArrowBetweenExistingIds(name: String) throws {
        let description = try Self.describe(name)
        let document = try SVGDocument(description.svg)
        let edges = document.elements.filter { $0.classes.contains("edge") }
        #expect(edges.count == Self.arrowCount(description))
        let ids = Set(document.elements.compactMap { $0.attributes["id"] })
        for edge in edges {
            #expect(edge.attributes["marker-end"] == "url(#arrow)")
            #expect(ids.contains(edge.attributes["data-from"] ?? ""))
            #expect(ids.contains(edge.attributes["data-to"] ?? ""))
        }
    }

    @Test func zmartNodesHaveStableIdsAndKindClasses() throws {
        let document = try SVGDocument(try Self.zmartLike().describe().svg)
        func group(_ id: String) -> SVGDocument.Element? {
            document.elements.first { $0.name == "g" && $0.attributes["id"] == id }
        }
        #expect(group("node-transactions-source")?.attributes["class"] == "node source")
        #expect(group("node-masking")?.attributes["class"] == "node processor")
        #expect(group("node-purchases-sink")?.attributes["class"] == "node sink")
        #expect(group("topic-0-in-transactions")?.attributes["class"] == "topic")
        #expect(group("topic-0-out-purchases")?.attributes["class"] == "topic")
        let edges = document.elements.filter { $0.classes.contains("edge") }
        let arrows = Set(edges.map { "\($0.attributes["data-from"] ?? "") -> \($0.attributes["data-to"] ?? "")" })
        #expect(arrows.contains("topic-0-in-transactions -> node-transactions-source"))
        #expect(arrows.contains("node-masking -> node-purchases-sink"))
        #expect(arrows.contains("node-purchases-sink -> topic-0-out-purchases"))
    }

    @Test func escapesNamesAndSanitizesIds() throws {
        let svg = try Self.several().describe().svg
        #expect(svg.contains(">a&lt;b &amp; c</text>"))
        #expect(svg.contains(">quoted &quot;source&quot;</text>"))
        #expect(svg.contains(">in&#39;2&gt;</text>"))
        #expect(svg.contains(">out&amp;more</text>"))
        #expect(!svg.contains("a<b"))
        #expect(svg.contains("id=\"node-a_b___c\""))
        let document = try SVGDocument(svg)
        let route = try #require(document.elements.first { $0.attributes["id"] == "per-record-route" })
        #expect(route.classes == ["topic", "per-record"])
    }

    @Test(arguments: topologies)
    func boxesDoNotOverlapAndChildrenAreBelowParents(name: String) throws {
        let layout = TopologyLayout(try Self.describe(name))
        for (index, box) in layout.boxes.enumerated() {
            #expect(box.width > 0 && box.height > 0)
            for other in layout.boxes[(index + 1)...] {
                #expect(!box.overlaps(other), "\(box.id) overlaps \(other.id)")
            }
            let frame = try #require(layout.frames.first { $0.subtopology == box.subtopology })
            #expect(
                box.x >= frame.x && box.right <= frame.x + frame.width
                    && box.y >= frame.y + 20 && box.bottom <= frame.y + frame.height,
                "\(box.id) inside its frame")
            // Text fits: the widest line at the estimated width per character.
            let widest = box.lines.map(\.count).max() ?? 0
            #expect(Double(box.width) >= Double(widest) * 7)
        }
        for (index, frame) in layout.frames.enumerated() {
            #expect(frame.x >= 0 && frame.y >= 0)
            #expect(frame.x + frame.width <= layout.width && frame.y + frame.height <= layout.height)
            for other in layout.frames[(index + 1)...] {
                #expect(frame.x + frame.width <= other.x || other.x + other.width <= frame.x)
            }
        }
        for edge in layout.edges {
            let parent = layout.boxes[edge.from]
            let child = layout.boxes[edge.to]
            #expect(child.y > parent.bottom, "\(child.id) below \(parent.id)")
            #expect(child.layer > parent.layer)
            let start = try #require(edge.points.first)
            let end = try #require(edge.points.last)
            #expect(start.y == parent.bottom && (parent.x...parent.right).contains(start.x))
            #expect(end.y == child.y && (child.x...child.right).contains(end.x))
            // Downwards all the way.
            for (a, b) in zip(edge.points, edge.points.dropFirst()) { #expect(a.y <= b.y) }
        }
    }

    @Test func topicsAreAboveSourcesAndBelowSinks() throws {
        let layout = TopologyLayout(try Self.several().describe())
        for edge in layout.edges {
            let parent = layout.boxes[edge.from]
            let child = layout.boxes[edge.to]
            if child.kind == .source { #expect(parent.kind == .topic) }
            if parent.kind == .sink { #expect(child.kind == .topic || child.kind == .perRecordTopic) }
            if parent.kind == .topic { #expect(child.kind == .source) }
        }
        // audit-sink's parents are enrich and "a<b & c", so its arrow from enrich skips a
        // layer and bends around the layer between.
        let enrich = try #require(layout.boxes.firstIndex { $0.id == "node-enrich" })
        let audit = try #require(layout.boxes.firstIndex { $0.id == "node-audit-sink" })
        let skipping = try #require(layout.edges.first { $0.from == enrich && $0.to == audit })
        #expect(layout.boxes[audit].layer == layout.boxes[enrich].layer + 2)
        #expect(skipping.points.count == 4)
        #expect(layout.frames.map(\.label) == ["Sub-topology 0", "Sub-topology 1", "Sub-topology 2"])
    }

    @Test(arguments: topologies)
    func sameTopologySameBytes(name: String) throws {
        #expect(try Self.describe(name).svg == Self.describe(name).svg)
    }
}
