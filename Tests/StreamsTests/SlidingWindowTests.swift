import MetricsTestKit
import Streams
import StreamsTestKit
import Testing

@Suite("Sliding windows through the driver")
struct SlidingWindowTests {
    /// Each key's record ids per sliding window, joined in arrival order, written with
    /// windowed keys.
    func collectingDriver(_ windows: SlidingWindows, metrics: TestMetrics? = nil) throws -> TopologyTestDriver {
        let builder = StreamsBuilder()
        builder.stream("events", Consumed(key: .string, value: .string))
            .groupByKey()
            .windowedBy(windows)
            .aggregate(initializer: { "" }, Materialized("recent", key: .string, value: .string)) { _, id, ids in
                ids.isEmpty ? id : ids + "," + id
            }
            .toStream()
            .to("windows", Produced(key: .windowed(.string, windowSize: .milliseconds(windows.timeDifferenceMillis)), value: Serde<String>.string.optional))
        var config = StreamsConfig(applicationId: "sliding")
        config.metricsFactory = metrics
        return try TopologyTestDriver(try builder.build(), config: config)
    }

    func read(_ driver: TopologyTestDriver, difference: Int64) throws -> [String] {
        try driver.createOutputTopic("windows", key: .windowed(.string, windowSize: .milliseconds(difference)), value: Serde<String>.string.optional)
            .readKeyValuesToList().map { "\($0.key.key)@\($0.key.start)-\($0.key.end)=\($0.value ?? "nil")" }
    }

    @Test func windowsEndAtEachRecordAndStartAfterItWhenLaterRecordsFollow() throws {
        let driver = try collectingDriver(.ofTimeDifference(.milliseconds(10), grace: .seconds(10)))
        let input = driver.createInputTopic("events", key: .string, value: .string)
        try input.pipeInput(key: "a", value: "r100", timestamp: 100)
        #expect(try read(driver, difference: 10) == ["a@90-100=r100"])
        try input.pipeInput(key: "a", value: "r105", timestamp: 105)
        // The window after 100 now holds 105; the window ending at 105 holds both.
        #expect(try read(driver, difference: 10) == ["a@95-105=r100,r105", "a@101-111=r105"])
        try input.pipeInput(key: "a", value: "r112", timestamp: 112)
        #expect(try read(driver, difference: 10) == ["a@102-112=r105,r112", "a@106-116=r112"])
        // 130 is more than 10 after 112: a window of its own, no window after 112.
        try input.pipeInput(key: "a", value: "r130", timestamp: 130)
        #expect(try read(driver, difference: 10) == ["a@120-130=r130"])
        // Out of order (within grace): joins the windows that hold it, gets a window ending at
        // it, and one starting after it that holds 112 only.
        try input.pipeInput(key: "a", value: "r108", timestamp: 108)
        #expect(try read(driver, difference: 10) == [
            "a@98-108=r100,r105,r108", "a@101-111=r105,r108", "a@102-112=r105,r112,r108", "a@106-116=r112,r108",
            "a@109-119=r112",
        ])
        // Another key has windows of its own.
        try input.pipeInput(key: "b", value: "s105", timestamp: 105)
        #expect(try read(driver, difference: 10) == ["b@95-105=s105"])
        let store = try #require(driver.stateStore(named: "recent", as: WindowStore<String, SlidingWindowEntry<String>>.self))
        #expect(try store.fetch("a", from: .min, to: .max).map { "\($0.start)=\($0.value.aggregate)" } == [
            "90=r100", "95=r100,r105", "98=r100,r105,r108", "101=r105,r108", "102=r105,r112,r108", "106=r112,r108",
            "109=r112", "120=r130",
        ])
    }

    /// The windows of `records` by definition: one ending at each record and one starting
    /// just after each record that has a later record within the difference, each holding
    /// the ids of its records in arrival order.
    func referenceWindows(_ records: [(key: String, id: String, time: Int64)], difference: Int64) -> [String: String] {
        var windows: [String: String] = [:]
        for key in Set(records.map(\.key)) {
            let own = records.filter { $0.key == key }
            var starts = Set<Int64>()
            for record in own {
                starts.insert(record.time - difference)
                let after = record.time + 1
                if own.contains(where: { $0.time >= after && $0.time <= after + difference }) { starts.insert(after) }
            }
            for start in starts {
                windows["\(key)@\(start)"] = own.filter { $0.time >= start && $0.time <= start + difference }.map(\.id)
                    .joined(separator: ",")
            }
        }
        return windows
    }

    @Test(arguments: [(1, 1_000_000), (2, 1_000_000), (3, 5), (4, 0)] as [(UInt64, Int64)])
    func randomOutOfOrderRecordsGiveTheWindowsOfTheDefinition(seed: UInt64, grace: Int64) throws {
        let difference: Int64 = 20
        let metrics = TestMetrics()
        let driver = try collectingDriver(.ofTimeDifference(.milliseconds(difference), grace: .milliseconds(grace)), metrics: metrics)
        let input = driver.createInputTopic("events", key: .string, value: .string)
        var random = SplitMix64(seed: seed)
        var kept: [(key: String, id: String, time: Int64)] = []
        var streamTime = Int64.min
        var late = 0
        for index in 0..<400 {
            // Mostly moving forward, often out of order, sometimes on the same millisecond.
            let base = Int64(1000 + index / 2)
            let time = base + Int64.random(in: -40...15, using: &random)
            let key = ["a", "b", "c"].randomElement(using: &random)!
            streamTime = max(streamTime, time)
            // Late: every window holding it ended more than the grace before stream time.
            if time + difference + grace < streamTime { late += 1 } else { kept.append((key, "\(index)", time)) }
            try input.pipeInput(key: key, value: "\(index)", timestamp: time)
        }
        let expected = referenceWindows(kept, difference: difference)
        #expect(metrics.counterTotal(label: StreamsMetricNames.Task.droppedRecordsTotal) == Int64(late))
        if grace <= 5 { #expect(late > 0, "the short grace drops records") }
        // The store holds every window of the records kept, closed ones too.
        let store = try #require(driver.stateStore(named: "recent", as: WindowStore<String, SlidingWindowEntry<String>>.self))
        var stored: [String: String] = [:]
        for entry in try store.all() { stored["\(entry.key)@\(entry.start)"] = entry.value.aggregate }
        #expect(stored == expected)
        // Every window forwarded is one of them; with a long grace, none closes early and
        // each window's last update is its whole aggregate.
        var last: [String: String] = [:]
        for line in try read(driver, difference: difference) {
            let (window, value) = (String(line.split(separator: "=")[0]), String(line.split(separator: "=")[1]))
            last[String(window.split(separator: "-", maxSplits: 1)[0])] = value
        }
        #expect(Set(last.keys).isSubset(of: Set(expected.keys)))
        if late == 0 { #expect(last == expected) }
    }

    @Test func recordsPastTheGraceAreDroppedAndClosedWindowsNoLongerForwarded() throws {
        let metrics = TestMetrics()
        let driver = try collectingDriver(.ofTimeDifference(.milliseconds(10), grace: .milliseconds(5)), metrics: metrics)
        let input = driver.createInputTopic("events", key: .string, value: .string)
        try input.pipeInput(key: "a", value: "r100", timestamp: 100)
        try input.pipeInput(key: "a", value: "r200", timestamp: 200)
        #expect(try read(driver, difference: 10) == ["a@90-100=r100", "a@190-200=r200"])
        // Stream time 200: windows holding 184 end by 194, and 194 + 5 is before 200.
        try input.pipeInput(key: "a", value: "r184", timestamp: 184)
        #expect(try read(driver, difference: 10).isEmpty)
        #expect(metrics.counterTotal(label: StreamsMetricNames.Task.droppedRecordsTotal) == 1)
        // 192 still reaches the window ending at 200 and makes [193, 203] (holding 200); its
        // own window [182, 192] has closed and is not forwarded.
        try input.pipeInput(key: "a", value: "r192", timestamp: 192)
        #expect(try read(driver, difference: 10) == ["a@190-200=r200,r192", "a@193-203=r200"])
        #expect(metrics.counterTotal(label: StreamsMetricNames.Task.droppedRecordsTotal) == 1)
    }

    @Test func suppressionForwardsEachSlidingWindowOnceItCloses() throws {
        let builder = StreamsBuilder()
        builder.stream("events", Consumed(key: .string, value: .string))
            .groupByKey()
            .windowedBy(SlidingWindows.ofTimeDifference(.milliseconds(10), grace: .zero))
            .count(Materialized("recent-counts", key: .string, value: .int64))
            .suppress(untilWindowCloses: Suppressed("final", key: .string, value: .int64))
            .toStream()
            .to("final", Produced(key: .windowed(.string, windowSize: .milliseconds(10)), value: Serde<Int64>.int64.optional))
        let driver = try TopologyTestDriver(try builder.build())
        let input = driver.createInputTopic("events", key: .string, value: .string)
        let output = driver.createOutputTopic("final", key: .windowed(.string, windowSize: .milliseconds(10)), value: Serde<Int64>.int64.optional)
        func read() throws -> [String] {
            try output.readKeyValuesToList().map { "\($0.key.key)@\($0.key.start)-\($0.key.end)=\($0.value!)" }
        }
        try input.pipeInput(key: "a", value: "x", timestamp: 100)
        #expect(try read().isEmpty)
        // Stream time 104 closes [90, 100]: its final count, once.
        try input.pipeInput(key: "a", value: "x", timestamp: 104)
        #expect(try read() == ["a@90-100=1"])
        try input.pipeInput(key: "a", value: "x", timestamp: 109)
        #expect(try read() == ["a@94-104=2"])
        // Stream time 115: [105, 115] could still take a record at 115, the others are final.
        try input.pipeInput(key: "b", value: "x", timestamp: 115)
        #expect(try read() == ["a@99-109=3", "a@101-111=2"])
        try input.pipeInput(key: "a", value: "x", timestamp: 116)
        #expect(try read() == ["a@105-115=1", "b@105-115=1"])
    }
}
