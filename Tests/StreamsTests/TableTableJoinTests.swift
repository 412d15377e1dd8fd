import Streams
import StreamsTestKit
import Testing

@Suite("Table-table joins through the driver")
struct TableTableJoinTests {
    enum Kind: String, CaseIterable { case inner, left, outer }

    func driver(_ kind: Kind) throws -> TopologyTestDriver {
        let builder = StreamsBuilder()
        let names = builder.table("names", Consumed(key: .string, value: .string), Materialized("names", key: .string, value: .string))
        let zips = builder.table("zips", Consumed(key: .string, value: .string), Materialized("zips", key: .string, value: .string))
        let joined: KTable<String, String>
        switch kind {
        case .inner: joined = names.join(zips) { name, zip in "\(name)@\(zip)" }
        case .left: joined = names.leftJoin(zips) { name, zip in "\(name)@\(zip ?? "-")" }
        case .outer: joined = names.outerJoin(zips) { name, zip in "\(name ?? "-")@\(zip ?? "-")" }
        }
        joined.toStream().to("profiles", Produced(key: .string, value: Serde<String>.string.optional))
        let topology = try builder.build()
        #expect(topology.subtopologyCount == 1)
        return try TopologyTestDriver(topology)
    }

    @Test(arguments: Kind.allCases)
    func eitherSidesChangeUpdatesTheJoin(kind: Kind) throws {
        let driver = try driver(kind)
        let names = driver.createInputTopic("names", key: .string, value: Serde<String>.string.optional)
        let zips = driver.createInputTopic("zips", key: .string, value: Serde<String>.string.optional)
        try zips.pipeInput(key: "c1", value: "90210")  // no name yet
        try names.pipeInput(key: "c1", value: "Ada")
        try names.pipeInput(key: "c2", value: "Bob")  // no zip
        try zips.pipeInput(key: "c1", value: "10001")
        try names.pipeInput(key: "c1", value: nil)  // Ada leaves
        let output = try driver.createOutputTopic("profiles", key: .string, value: Serde<String>.string.optional)
            .readKeyValuesToList().map { "\($0.key)=\($0.value ?? "nil")" }
        switch kind {
        case .inner: #expect(output == ["c1=nil", "c1=Ada@90210", "c2=nil", "c1=Ada@10001", "c1=nil"])
        case .left: #expect(output == ["c1=nil", "c1=Ada@90210", "c2=Bob@-", "c1=Ada@10001", "c1=nil"])
        case .outer: #expect(output == ["c1=-@90210", "c1=Ada@90210", "c2=Bob@-", "c1=Ada@10001", "c1=-@10001"])
        }
    }

    @Test func joiningATableThatIsNotMaterializedFailsTheBuild() throws {
        let builder = StreamsBuilder()
        let names = builder.table("names", Consumed(key: .string, value: .string), Materialized("names", key: .string, value: .string))
        let upper = names.mapValues { $0.uppercased() }
        _ = names.join(upper, named: "self-join") { a, b in a + b }
        let error = #expect(throws: StreamsError.self) { try builder.build() }
        #expect(error?.message.contains("node self-join joins a table that is not materialized") == true)
    }
}
