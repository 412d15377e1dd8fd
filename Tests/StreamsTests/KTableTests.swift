import Streams
import StreamsTestKit
import Testing

@Suite("Aggregations and tables through the driver")
struct KTableTests {
    static let optionalLong = Serde<Int64>.int64.optional

    @Test func countKeepsARunningCountPerKeyInAQueryableStore() throws {
        let builder = StreamsBuilder()
        builder.stream("words", Consumed(key: .string, value: .string))
            .groupByKey()
            .count(Materialized("word-counts", key: .string, value: .int64))
            .toStream()
            .to("counts", Produced(key: .string, value: Self.optionalLong))
        let topology = try builder.build()
        #expect(topology.describe().description.contains("(stores: [word-counts])"))
        let driver = try TopologyTestDriver(topology)
        let input = driver.createInputTopic("words", key: .string, value: .string)
        for word in ["a", "b", "a", "a", "c"] { try input.pipeInput(key: word, value: word) }
        let output = driver.createOutputTopic("counts", key: .string, value: Self.optionalLong)
        #expect(try output.readKeyValuesToList().map { "\($0.key)=\($0.value!)" } == ["a=1", "b=1", "a=2", "a=3", "c=1"])
        let store = try #require(driver.stateStore(named: "word-counts", as: KeyValueStore<String, Int64>.self))
        #expect(try store.all().map { "\($0.key)=\($0.value)" } == ["a=3", "b=1", "c=1"])
    }

    @Test func reduceAndAggregateFoldEachKey() throws {
        let builder = StreamsBuilder()
        let amounts = builder.stream("amounts", Consumed(key: .string, value: .double))
        amounts.groupByKey()
            .reduce(Materialized("max", key: .string, value: .double)) { a, b in max(a, b) }
            .toStream().to("max", Produced(key: .string, value: Serde<Double>.double.optional))
        amounts.groupByKey()
            .aggregate(initializer: { "" }, Materialized("trail", key: .string, value: .string)) { key, amount, trail in
                trail + (trail.isEmpty ? "" : ",") + "\(Int(amount))"
            }
            .toStream().to("trail", Produced(key: .string, value: Serde<String>.string.optional))
        let driver = try TopologyTestDriver(try builder.build())
        let input = driver.createInputTopic("amounts", key: .string, value: .double)
        for (key, amount) in [("x", 3.0), ("y", 1.0), ("x", 7.0), ("x", 5.0)] { try input.pipeInput(key: key, value: amount) }
        #expect(try driver.createOutputTopic("max", key: .string, value: Serde<Double>.double.optional).readValuesToList() == [3, 1, 7, 7])
        #expect(try driver.createOutputTopic("trail", key: .string, value: Serde<String>.string.optional).readValuesToList() == ["3", "1", "3,7", "3,7,5"])
    }

    @Test func aTableFromATopicTakesTheLatestValueAndTombstonesDelete() throws {
        let builder = StreamsBuilder()
        let prices = builder.table("prices", Consumed(key: .string, value: .int64), Materialized("prices", key: .string, value: .int64))
        prices.filter { _, price in price >= 10 }
            .mapValues { $0 * 2 }
            .toStream()
            .to("doubled", Produced(key: .string, value: Self.optionalLong))
        let driver = try TopologyTestDriver(try builder.build())
        let input = driver.createInputTopic("prices", key: .string, value: Self.optionalLong)
        try input.pipeInput(key: "lamp", value: 12)
        try input.pipeInput(key: "pen", value: 2)
        try input.pipeInput(key: "lamp", value: 15)
        try input.pipeInput(key: "lamp", value: nil)
        let output = driver.createOutputTopic("doubled", key: .string, value: Self.optionalLong)
        // The pen fails the filter: a delete downstream. The lamp's tombstone deletes it.
        #expect(try output.readKeyValuesToList().map { "\($0.key)=\($0.value.map(String.init) ?? "nil")" }
            == ["lamp=24", "pen=nil", "lamp=30", "lamp=nil"])
        let store = try #require(driver.stateStore(named: "prices", as: KeyValueStore<String, Int64>.self))
        #expect(try store.all().map { "\($0.key)=\($0.value)" } == ["pen=2"])
    }

    @Test func aggregatesSurviveARestartThroughTheirChangelog() throws {
        func topology() throws -> Topology { try wordCountTopology(output: "counts") }
        let cluster = InMemoryCluster()
        try cluster.createTopic("words", partitions: 3)
        try cluster.createTopic("counts", partitions: 3)
        func run(_ words: [String]) throws -> [String: Int64] {
            for word in words {
                try cluster.send(Record(key: word, value: word, timestamp: 0), to: "words", key: .string, value: .string)
            }
            let streams = try InMemoryStreams(topology: try topology(), cluster: cluster, config: StreamsConfig(applicationId: "wc"))
            try streams.start()
            try streams.runUntilIdle()
            try streams.close()
            var last: [String: Int64] = [:]
            for record in try cluster.read(topic: "counts", key: Serde<String>.string, value: Self.optionalLong) {
                last[record.key] = record.value
            }
            return last
        }
        #expect(try run(["a", "b", "a"]) == ["a": 2, "b": 1])
        #expect(cluster.hasTopic("wc-counts-changelog"))
        #expect(try run(["a", "c"]) == ["a": 3, "b": 1, "c": 1])
    }

    @Test func groupByRepartitionsByTheNewKeyThroughAnInternalTopic() throws {
        let builder = StreamsBuilder()
        builder.stream("purchases", Consumed(key: .string, value: .string))
            .groupBy(Grouped("by-zip", key: .string, value: .string)) { _, value in String(value.split(separator: ":")[0]) }
            .count(Materialized("per-zip", key: .string, value: .int64))
            .toStream()
            .to("zip-counts", Produced(key: .string, value: Self.optionalLong))
        let topology = try builder.build()
        // The repartition topic splits the graph: the count reads it in a second sub-topology.
        #expect(topology.subtopologyCount == 2)
        #expect(topology.internalTopics.contains("by-zip-repartition"))
        let driver = try TopologyTestDriver(topology, partitions: 3)
        let input = driver.createInputTopic("purchases", key: .string, value: .string)
        for (customer, value) in [("c1", "90210:lamp"), ("c2", "10001:pen"), ("c3", "90210:desk"), ("c1", "90210:pen")] {
            try input.pipeInput(key: customer, value: value)
        }
        #expect(driver.cluster.hasTopic("test-driver-by-zip-repartition"))
        var last: [String: Int64] = [:]
        for pair in try driver.createOutputTopic("zip-counts", key: .string, value: Self.optionalLong).readKeyValuesToList() {
            last[pair.key] = pair.value
        }
        #expect(last == ["90210": 3, "10001": 1])
    }

    @Test func groupingARekeyedStreamNeedsSerdesForItsRepartitionTopic() throws {
        let builder = StreamsBuilder()
        let rekeyed = builder.stream("purchases", Consumed(key: .string, value: .string)).selectKey(named: "by-item") { _, value in value }
        #expect(rekeyed.keyChanged)
        rekeyed.groupByKey().count(Materialized(key: .string, value: .int64))
        let error = #expect(throws: StreamsError.self) { try builder.build() }
        #expect(error?.message.contains("node by-item changed the keys") == true)

        let fixed = StreamsBuilder()
        fixed.stream("purchases", Consumed(key: .string, value: .string)).selectKey { _, value in value }
            .groupByKey(Grouped("by-item", key: .string, value: .string))
            .count(Materialized("per-item", key: .string, value: .int64))
            .toStream().to("item-counts", Produced(key: .string, value: Self.optionalLong))
        let driver = try TopologyTestDriver(try fixed.build())
        let input = driver.createInputTopic("purchases", key: .string, value: .string)
        for item in ["lamp", "pen", "lamp"] { try input.pipeInput(key: "c1", value: item) }
        #expect(try driver.createOutputTopic("item-counts", key: .string, value: Self.optionalLong).readKeyValuesToList().map { "\($0.key)=\($0.value!)" }
            == ["lamp=1", "pen=1", "lamp=2"])
    }
}
