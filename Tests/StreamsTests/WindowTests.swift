import MetricsTestKit
import Streams
import StreamsTestKit
import Testing

@Suite("Windowed aggregations through the driver")
struct WindowTests {
    static let optionalLong = Serde<Int64>.int64.optional

    @Test func windowStartsOfTumblingAndHoppingWindows() {
        let tumbling = TimeWindows.ofSize(.milliseconds(1000), grace: .zero)
        #expect(tumbling.windowStarts(containing: 0) == [0])
        #expect(tumbling.windowStarts(containing: 999) == [0])
        #expect(tumbling.windowStarts(containing: 1000) == [1000])
        let hopping = TimeWindows.ofSize(.milliseconds(1000), grace: .zero).advanceBy(.milliseconds(250))
        #expect(hopping.windowStarts(containing: 1100) == [250, 500, 750, 1000])
        #expect(hopping.windowStarts(containing: 100) == [0])
    }

    /// Counts per key in windows of 1 s with 200 ms of grace, written with windowed keys.
    func countingDriver(windows: TimeWindows, metrics: TestMetrics? = nil) throws -> TopologyTestDriver {
        let builder = StreamsBuilder()
        builder.stream("clicks", Consumed(key: .string, value: .string))
            .groupByKey()
            .windowedBy(windows)
            .count(Materialized("click-counts", key: .string, value: .int64))
            .toStream()
            .to("windowed-counts", Produced(key: .windowed(.string, windowSize: .milliseconds(windows.sizeMillis)), value: Self.optionalLong))
        var config = StreamsConfig(applicationId: "windows")
        config.metricsFactory = metrics
        return try TopologyTestDriver(try builder.build(), config: config)
    }

    func outputs(_ driver: TopologyTestDriver, size: Int64 = 1000) throws -> [String] {
        try driver.createOutputTopic("windowed-counts", key: .windowed(.string, windowSize: .milliseconds(size)), value: Self.optionalLong)
            .readKeyValuesToList().map { "\($0.key.key)@\($0.key.start)-\($0.key.end)=\($0.value!)" }
    }

    @Test func tumblingWindowsCountUntilTheGracePeriodEndsThenDropLateRecords() throws {
        let metrics = TestMetrics()
        let driver = try countingDriver(windows: .ofSize(.milliseconds(1000), grace: .milliseconds(200)), metrics: metrics)
        let input = driver.createInputTopic("clicks", key: .string, value: .string)
        try input.pipeInput(key: "a", value: "x", timestamp: 0)
        try input.pipeInput(key: "a", value: "x", timestamp: 999)
        try input.pipeInput(key: "a", value: "x", timestamp: 1000)
        try input.pipeInput(key: "a", value: "x", timestamp: 1100)
        // Stream time 1100: window [0, 1000) is past its end but within its grace.
        try input.pipeInput(key: "a", value: "x", timestamp: 950)
        try input.pipeInput(key: "b", value: "x", timestamp: 1200)
        // Stream time 1200 = end + grace: the first window has closed; this one is late.
        try input.pipeInput(key: "a", value: "x", timestamp: 500)
        #expect(try outputs(driver) == [
            "a@0-1000=1", "a@0-1000=2", "a@1000-2000=1", "a@1000-2000=2", "a@0-1000=3", "b@1000-2000=1",
        ])
        #expect(metrics.counterTotal(label: StreamsMetricNames.Task.droppedRecordsTotal) == 1)
        let store = try #require(driver.stateStore(named: "click-counts", as: WindowStore<String, Int64>.self))
        #expect(try store.fetch("a", from: 0, to: 5000).map { "\($0.start)=\($0.value)" } == ["0=3", "1000=2"])
        #expect(try store.fetch("a", windowStart: 1000) == 2)
        #expect(try store.fetch("b", from: 0, to: 999).isEmpty)
    }

    @Test func hoppingWindowsCountARecordInEveryWindowThatHoldsIt() throws {
        let driver = try countingDriver(windows: TimeWindows.ofSize(.milliseconds(1000), grace: .zero).advanceBy(.milliseconds(500)))
        let input = driver.createInputTopic("clicks", key: .string, value: .string)
        try input.pipeInput(key: "a", value: "x", timestamp: 700)
        try input.pipeInput(key: "a", value: "x", timestamp: 1200)
        #expect(try outputs(driver) == ["a@0-1000=1", "a@500-1500=1", "a@500-1500=2", "a@1000-2000=1"])
    }

    @Test func windowedReduceAndAggregateAndTheirChangelog() throws {
        let builder = StreamsBuilder()
        let windows = TimeWindows.ofSize(.milliseconds(100), grace: .zero)
        let grouped = builder.stream("amounts", Consumed(key: .string, value: .int64)).groupByKey()
        grouped.windowedBy(windows)
            .reduce(Materialized("window-max", key: .string, value: .int64)) { max($0, $1) }
            .toStream()
            .to("max", Produced(key: .windowed(.string, windowSize: .milliseconds(100)), value: Self.optionalLong))
        let topology = try builder.build()
        #expect(topology.internalTopics.contains("window-max-changelog"))
        let driver = try TopologyTestDriver(topology)
        let input = driver.createInputTopic("amounts", key: .string, value: .int64)
        for (amount, time) in [(5, 10), (9, 20), (3, 30), (1, 150)] as [(Int64, Int64)] {
            try input.pipeInput(key: "k", value: amount, timestamp: time)
        }
        let read = try driver.createOutputTopic("max", key: .windowed(.string, windowSize: .milliseconds(100)), value: Self.optionalLong)
            .readKeyValuesToList().map { "\($0.key.start)=\($0.value!)" }
        #expect(read == ["0=5", "0=9", "0=9", "100=1"])
        #expect(try driver.cluster.recordCount(of: "test-driver-window-max-changelog") == 4)
    }

    @Test func windowedKeysRoundTripThroughTheirSerde() throws {
        let serde = Serde<Windowed<String>>.windowed(.string, windowSize: .seconds(60))
        let key = Windowed(key: "café", start: 1_700_000_040_000, end: 1_700_000_100_000)
        let bytes = try #require(try serde.serialize(key))
        #expect(bytes.count == "café".utf8.count + 8)
        #expect(try serde.deserialize(bytes) == key)
        #expect(throws: StreamsError.self) { try serde.deserialize([1, 2, 3]) }
    }
}
