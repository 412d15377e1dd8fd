import Streams
import StreamsTestKit
import Testing

@Suite("Stream-table joins and suppression through the driver")
struct JoinAndSuppressTests {
    static let optionalLong = Serde<Int64>.int64.optional

    func joinDriver(left: Bool) throws -> TopologyTestDriver {
        let builder = StreamsBuilder()
        let zips = builder.table("customer-zips", Consumed(key: .string, value: .string), Materialized("zips", key: .string, value: .string))
        let purchases = builder.stream("purchases", Consumed(key: .string, value: .string))
        let joined = left
            ? purchases.leftJoin(zips) { item, zip in "\(item)@\(zip ?? "?")" }
            : purchases.join(zips) { item, zip in "\(item)@\(zip)" }
        joined.to("enriched", Produced(key: .string, value: .string))
        let topology = try builder.build()
        // The join reads the table's store, so both are one sub-topology (co-partitioned).
        #expect(topology.subtopologyCount == 1)
        return try TopologyTestDriver(topology)
    }

    @Test(arguments: [false, true])
    func aStreamJoinsTheTablesCurrentValue(left: Bool) throws {
        let driver = try joinDriver(left: left)
        let zips = driver.createInputTopic("customer-zips", key: .string, value: Serde<String>.string.optional)
        let purchases = driver.createInputTopic("purchases", key: .string, value: .string)
        try purchases.pipeInput(key: "c1", value: "lamp")  // no zip yet
        try zips.pipeInput(key: "c1", value: "90210")
        try purchases.pipeInput(key: "c1", value: "pen")
        try zips.pipeInput(key: "c1", value: "10001")
        try purchases.pipeInput(key: "c1", value: "desk")
        try zips.pipeInput(key: "c1", value: nil)  // the customer moves away
        try purchases.pipeInput(key: "c1", value: "mug")
        let output = try driver.createOutputTopic("enriched", key: .string, value: .string).readValuesToList()
        #expect(output == (left ? ["lamp@?", "pen@90210", "desk@10001", "mug@?"] : ["pen@90210", "desk@10001"]))
    }

    @Test func joiningATableThatIsNotMaterializedFailsTheBuild() throws {
        let builder = StreamsBuilder()
        let zips = builder.table("customer-zips", Consumed(key: .string, value: .string), Materialized("zips", key: .string, value: .string))
            .mapValues { $0.uppercased() }
        builder.stream("purchases", Consumed(key: .string, value: .string))
            .join(zips, named: "enrich") { item, zip in item + zip }
            .to("enriched", Produced(key: .string, value: .string))
        let error = #expect(throws: StreamsError.self) { try builder.build() }
        #expect(error?.message.contains("node enrich joins table") == true)
    }

    @Test func suppressionForwardsOneFinalCountPerWindowOnceItCloses() throws {
        let builder = StreamsBuilder()
        let windows = TimeWindows.ofSize(.milliseconds(1000), grace: .milliseconds(100))
        builder.stream("clicks", Consumed(key: .string, value: .string))
            .groupByKey()
            .windowedBy(windows)
            .count(Materialized("counts", key: .string, value: .int64))
            .suppress(untilWindowCloses: Suppressed("final", key: .string, value: .int64))
            .toStream()
            .to("final-counts", Produced(key: .windowed(.string, windowSize: .milliseconds(1000)), value: Self.optionalLong))
        let topology = try builder.build()
        #expect(topology.internalTopics.contains("final-store-changelog"))
        let driver = try TopologyTestDriver(topology)
        let input = driver.createInputTopic("clicks", key: .string, value: .string)
        let output = driver.createOutputTopic("final-counts", key: .windowed(.string, windowSize: .milliseconds(1000)), value: Self.optionalLong)
        func read() throws -> [String] { try output.readKeyValuesToList().map { "\($0.key.key)@\($0.key.start)=\($0.value!)" } }
        for time in [10, 20, 500, 999] as [Int64] { try input.pipeInput(key: "a", value: "x", timestamp: time) }
        try input.pipeInput(key: "b", value: "x", timestamp: 300)
        try input.pipeInput(key: "a", value: "x", timestamp: 1050)
        // Stream time 1050 < 1000 + 100: nothing has closed yet.
        #expect(try read().isEmpty)
        try input.pipeInput(key: "b", value: "x", timestamp: 1100)
        // Now [0, 1000) is closed: one final count per key, nothing for the open window.
        #expect(Set(try read()) == ["a@0=4", "b@0=1"])
        try input.pipeInput(key: "a", value: "x", timestamp: 2200)
        #expect(Set(try read()) == ["a@1000=1", "b@1000=1"])
    }

    @Test func suppressingATableThatIsNotWindowedFailsTheBuild() throws {
        let builder = StreamsBuilder()
        // A table of windowed keys read from a topic is not a windowed aggregation: no windows
        // to know when one closes.
        let fake = builder.table(
            "windowed-in", Consumed(key: .windowed(.string, windowSize: .seconds(1)), value: .int64),
            Materialized("fake", key: .windowed(.string, windowSize: .seconds(1)), value: .int64))
        _ = fake.suppress(untilWindowCloses: Suppressed(key: .string, value: .int64), named: "hold")
        let error = #expect(throws: StreamsError.self) { try builder.build() }
        #expect(error?.message.contains("node hold suppresses until windows close") == true)
    }
}
