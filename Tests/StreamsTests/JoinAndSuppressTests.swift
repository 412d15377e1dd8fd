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

    /// Runs a suppressed hourly-style count (1 s windows, 100 ms grace) over what `clicks`
    /// holds now, on one partition, and closes the instance; returns the final counts it wrote.
    func runSuppressedCountOnce(_ cluster: InMemoryCluster) throws -> [String] {
        let builder = StreamsBuilder()
        builder.stream("clicks", Consumed(key: .string, value: .string))
            .groupByKey()
            .windowedBy(TimeWindows.ofSize(.milliseconds(1000), grace: .milliseconds(100)))
            .count(Materialized("counts", key: .string, value: .int64))
            .suppress(untilWindowCloses: Suppressed("final", key: .string, value: .int64))
            .toStream()
            .to("final-counts", Produced(key: .windowed(.string, windowSize: .milliseconds(1000)), value: Self.optionalLong))
        let before = try cluster.recordCount(of: "final-counts")
        let streams = try InMemoryStreams(topology: try builder.build(), cluster: cluster, config: StreamsConfig(applicationId: "app"))
        try streams.start()
        try streams.runUntilIdle()
        try streams.close()
        return try cluster.read(
            topic: "final-counts", key: .windowed(.string, windowSize: .milliseconds(1000)), value: Self.optionalLong
        ).dropFirst(Int(before)).map { "\($0.key.key)@\($0.key.start)=\($0.value.map(String.init) ?? "nil")" }
    }

    @Test func aRestartedSuppressionForwardsTheWindowsItHeldBeforeTheRestart() throws {
        let cluster = InMemoryCluster()
        for topic: TopicName in ["clicks", "final-counts"] { try cluster.createTopic(topic, partitions: 1) }
        func click(_ key: String, at time: Int64) throws {
            try cluster.send(Record(key: key, value: "x", timestamp: time), to: "clicks", key: .string, value: .string)
        }
        for time in [10, 20, 30] as [Int64] { try click("a", at: time) }
        try click("b", at: 300)
        #expect(try runSuppressedCountOnce(cluster).isEmpty)
        // One commit, at the close: each held window reached the buffer's changelog once,
        // with its latest count, however often it changed before.
        #expect(try cluster.recordCount(of: "app-final-store-changelog") == 2)

        // Stream time 1100 closes [0, 1000): the counts held before the restart come out.
        try click("a", at: 1100)
        #expect(Set(try runSuppressedCountOnce(cluster)) == ["a@0=3", "b@0=1"])
        // Forwarded windows leave the buffer as tombstones, so a third run does not repeat them.
        try click("a", at: 2200)
        #expect(try runSuppressedCountOnce(cluster) == ["a@1000=1"])
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
