import Streams
import StreamsTestKit
import Testing

@Suite("Topology validation and description")
struct TopologyTests {
    func source(_ builder: inout TopologyBuilder, _ name: String = "src", topic: TopicName = "in") {
        builder.addSource(name, topics: [topic], key: Serde<String>.string, value: Serde<String>.string)
    }

    func invalid(_ builder: TopologyBuilder) -> StreamsError? {
        let error = #expect(throws: StreamsError.self) { try builder.build() }
        #expect(error?.code == .invalidTopology)
        return error
    }

    @Test func duplicateNameIsNamed() {
        var builder = TopologyBuilder()
        source(&builder)
        builder.addProcessor("p", parents: ["src"]) { Passing() }
        builder.addProcessor("p", parents: ["src"]) { Passing() }
        let error = invalid(builder)
        #expect(error?.node == "p")
        #expect(error?.message.contains("duplicate node name p") == true)
    }

    @Test func unknownParentIsNamed() {
        var builder = TopologyBuilder()
        source(&builder)
        builder.addProcessor("p", parents: ["nope"]) { Passing() }
        let error = invalid(builder)
        #expect(error?.node == "p")
        #expect(error?.message.contains("unknown parent nope") == true)
    }

    @Test func cycleIsNamed() {
        var builder = TopologyBuilder()
        source(&builder)
        builder.addProcessor("a", parents: ["src", "c"]) { Passing() }
        builder.addProcessor("b", parents: ["a"]) { Passing() }
        builder.addProcessor("c", parents: ["b"]) { Passing() }
        let error = invalid(builder)
        #expect(error?.message.contains("cycle") == true)
        #expect(["a", "b", "c"].contains(error?.node ?? ""))
    }

    @Test func danglingNodesAreNamed() {
        var orphan = TopologyBuilder()
        source(&orphan)
        orphan.addProcessor("p", parents: ["src"]) { Passing() }
        orphan.addProcessor("orphan", parents: []) { Passing() }
        #expect(invalid(orphan)?.node == "orphan")

        var lonelySource = TopologyBuilder()
        source(&lonelySource)
        #expect(invalid(lonelySource)?.message.contains("dangling") == true)
    }

    @Test func sinkCannotBeAParent() {
        var builder = TopologyBuilder()
        source(&builder)
        builder.addSink("sink", topic: "out", key: .string, value: .string, parents: ["src"])
        builder.addProcessor("after", parents: ["sink"]) { Passing() }
        #expect(invalid(builder)?.node == "after")
    }

    @Test func mismatchedTypesAreNamed() {
        var builder = TopologyBuilder()
        source(&builder)
        builder.addSink("sink", topic: "out", key: Serde<String>.string, value: Serde<Int64>.int64, parents: ["src"])
        let error = invalid(builder)
        #expect(error?.node == "sink")
        #expect(error?.message.contains("(String, Int64)") == true)
        #expect(error?.message.contains("(String, String)") == true)
    }

    @Test func aTopicReadTwiceIsAnError() {
        var builder = TopologyBuilder()
        source(&builder, "one")
        source(&builder, "two")
        builder.addProcessor("p", parents: ["one", "two"]) { Passing() }
        #expect(invalid(builder)?.message.contains("read by both one and two") == true)
    }

    @Test func emptyTopologyIsAnError() {
        _ = invalid(TopologyBuilder())
    }

    @Test func describeMatchesKafkaStreamsFormat() throws {
        var builder = TopologyBuilder()
        source(&builder)
        builder.addProcessor("upper", parents: ["src"]) { Passing() }
        builder.addSink("sink", topic: "out", key: .string, value: .string, parents: ["upper"])
        builder.addSource("other", topics: ["in2", "in3"], key: Serde<String>.string, value: Serde<String>.string)
        builder.addSink("sink2", topic: "out2", key: .string, value: .string, parents: ["other"])
        let description = try builder.build().describe()
        #expect(description.subtopologies.count == 2)
        #expect(description.description == """
            Topologies:
               Sub-topology: 0
                Source: src (topics: [in])
                  --> upper
                Processor: upper (stores: [])
                  --> sink
                  <-- src
                Sink: sink (topic: out)
                  <-- upper

               Sub-topology: 1
                Source: other (topics: [in2, in3])
                  --> sink2
                Sink: sink2 (topic: out2)
                  <-- other


            """)
    }

    @Test func mermaidAndDotDrawTheSameGraph() throws {
        var builder = TopologyBuilder()
        source(&builder)
        builder.addProcessor("upper", parents: ["src"]) { Passing() }
        builder.addSink("sink", topic: "out", key: .string, value: .string, parents: ["upper"])
        let description = try builder.build().describe()
        let mermaid = description.mermaid
        #expect(mermaid.hasPrefix("flowchart TD\n"))
        #expect(mermaid.contains("subgraph sub0 [\"Sub-topology 0\"]"))
        #expect(mermaid.contains("([\"in\"])"))
        #expect(mermaid.contains("([\"out\"])"))
        // topic in -> source -> upper -> sink -> topic out: four edges.
        #expect(mermaid.components(separatedBy: " --> ").count - 1 == 4)
        let dot = description.dot
        #expect(dot.hasPrefix("digraph topology {"))
        #expect(dot.contains("label=\"upper\", shape=box"))
        #expect(dot.contains("label=\"in\", shape=ellipse"))
        #expect(dot.components(separatedBy: " -> ").count - 1 == 4)
        #expect(dot.hasSuffix("}\n"))
    }
}

final class Passing: Processor {
    private var context: ProcessorContext<String, String>!
    func initialize(context: ProcessorContext<String, String>) { self.context = context }
    func process(_ record: Record<String, String>) throws { try context.forward(record) }
}
