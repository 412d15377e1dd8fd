import MetricsTestKit
import Streams
import StreamsTestKit
import Testing

@Suite("Windowed stream-stream joins through the driver")
struct StreamStreamJoinTests {
    enum Kind: CaseIterable { case inner, left, outer }

    static let serdes = StreamJoined("pairs", key: .string, value: Serde<String>.string, otherValue: Serde<String>.string)

    /// Joins `left` and `right` into `joined` as "left+right", with "-" for a missing side.
    static func createStream(_ builder: StreamsBuilder, _ kind: Kind, windows: JoinWindows, named name: String? = nil) {
        let left = builder.stream("left", Consumed(key: .string, value: .string))
        let right = builder.stream("right", Consumed(key: .string, value: .string))
        let joined: KStream<String, String>
        switch kind {
        case .inner: joined = left.join(right, windows: windows, serdes, named: name) { l, r in "\(l)+\(r)" }
        case .left: joined = left.leftJoin(right, windows: windows, serdes, named: name) { l, r in "\(l)+\(r ?? "-")" }
        case .outer: joined = left.outerJoin(right, windows: windows, serdes, named: name) { l, r in "\(l ?? "-")+\(r ?? "-")" }
        }
        joined.to("joined", Produced(key: .string, value: .string))
    }

    struct Harness {
        let driver: TopologyTestDriver
        let left: TestInputTopic<String, String>
        let right: TestInputTopic<String, String>
        let output: TestOutputTopic<String, String>

        init(_ kind: Kind, windows: JoinWindows, metrics: TestMetrics? = nil) throws {
            let builder = StreamsBuilder()
            StreamStreamJoinTests.createStream(builder, kind, windows: windows)
            var config = StreamsConfig(applicationId: "joins")
            config.metricsFactory = metrics
            driver = try TopologyTestDriver(try builder.build(), config: config)
            left = driver.createInputTopic("left", key: .string, value: .string)
            right = driver.createInputTopic("right", key: .string, value: .string)
            output = driver.createOutputTopic("joined", key: .string, value: .string)
        }

        /// "key:value@timestamp" for each output record since the last read.
        func read() throws -> [String] {
            try output.readRecordsToList().map { "\($0.key):\($0.value)@\($0.timestamp)" }
        }
    }

    static let symmetric = JoinWindows.ofTimeDifference(.milliseconds(100), grace: .seconds(60))

    @Test func joinWindowsOfATimeDifferenceReachBothWays() {
        let windows = JoinWindows.ofTimeDifference(.milliseconds(100), grace: .milliseconds(5))
        #expect(windows.beforeMillis == 100 && windows.afterMillis == 100 && windows.graceMillis == 5)
        let onlyAfter = windows.before(.zero)
        #expect(onlyAfter.beforeMillis == 0 && onlyAfter.afterMillis == 100)
        #expect(windows.after(.milliseconds(20)).afterMillis == 20)
    }

    @Test func aRightRecordJoinsLeftRecordsWithinTheWindowIncludingItsEdges() throws {
        let h = try Harness(.inner, windows: Self.symmetric)
        try h.left.pipeInput(key: "a", value: "L", timestamp: 1000)
        #expect(try h.read().isEmpty)
        for time: Int64 in [899, 900, 1050, 1100, 1101] {
            try h.right.pipeInput(key: "a", value: "R\(time)", timestamp: time)
        }
        // 899 and 1101 are 101 ms away; the result has the later timestamp.
        #expect(try h.read() == ["a:L+R900@1000", "a:L+R1050@1050", "a:L+R1100@1100"])
        // Another key never joins.
        try h.right.pipeInput(key: "b", value: "R", timestamp: 1000)
        #expect(try h.read().isEmpty)
    }

    @Test func aLeftRecordJoinsRightRecordsWithinTheWindowInTheirTimeOrder() throws {
        let h = try Harness(.inner, windows: Self.symmetric)
        for time: Int64 in [2101, 2100, 1899, 2000, 1900] {
            try h.right.pipeInput(key: "a", value: "R\(time)", timestamp: time)
        }
        try h.left.pipeInput(key: "a", value: "L", timestamp: 2000)
        #expect(try h.read() == ["a:L+R1900@2000", "a:L+R2000@2000", "a:L+R2100@2100"])
    }

    @Test func asymmetricWindowsMirrorForTheRightSide() throws {
        // Right records join a left one only from the same time to 100 ms after it.
        let windows = JoinWindows.ofTimeDifference(.milliseconds(100), grace: .seconds(60)).before(.zero)
        let h = try Harness(.inner, windows: windows)
        try h.left.pipeInput(key: "a", value: "L", timestamp: 1000)
        for time: Int64 in [999, 1000, 1100, 1101] {
            try h.right.pipeInput(key: "a", value: "R\(time)", timestamp: time)
        }
        #expect(try h.read() == ["a:L+R1000@1000", "a:L+R1100@1100"])
        try h.right.pipeInput(key: "b", value: "R", timestamp: 5000)
        for time: Int64 in [4899, 4900, 5000, 5001] {
            try h.left.pipeInput(key: "b", value: "L\(time)", timestamp: time)
        }
        #expect(try h.read() == ["b:L4900+R@5000", "b:L5000+R@5000"])
    }

    @Test func duplicatesOnBothSidesGiveTheCrossProduct() throws {
        let h = try Harness(.inner, windows: Self.symmetric)
        try h.left.pipeInput(key: "a", value: "x1", timestamp: 100)
        try h.left.pipeInput(key: "a", value: "x2", timestamp: 100)
        try h.right.pipeInput(key: "a", value: "y1", timestamp: 100)
        try h.right.pipeInput(key: "a", value: "y2", timestamp: 100)
        #expect(try h.read() == ["a:x1+y1@100", "a:x2+y1@100", "a:x1+y2@100", "a:x2+y2@100"])
    }

    @Test func leftJoinEmitsTheUnmatchedRecordAtOnceAndTheJoinWhenItsMatchArrives() throws {
        let h = try Harness(.left, windows: Self.symmetric)
        try h.left.pipeInput(key: "a", value: "x", timestamp: 100)
        #expect(try h.read() == ["a:x+-@100"])
        try h.right.pipeInput(key: "a", value: "y", timestamp: 150)
        #expect(try h.read() == ["a:x+y@150"])
        // An unmatched right record gives nothing; a left one within its window joins it.
        try h.right.pipeInput(key: "b", value: "z", timestamp: 160)
        #expect(try h.read().isEmpty)
        try h.left.pipeInput(key: "b", value: "w", timestamp: 170)
        #expect(try h.read() == ["b:w+z@170"])
    }

    @Test func outerJoinEmitsUnmatchedRecordsOfBothSides() throws {
        let h = try Harness(.outer, windows: Self.symmetric)
        try h.right.pipeInput(key: "b", value: "z", timestamp: 100)
        #expect(try h.read() == ["b:-+z@100"])
        try h.left.pipeInput(key: "b", value: "w", timestamp: 120)
        #expect(try h.read() == ["b:w+z@120"])
        try h.left.pipeInput(key: "c", value: "v", timestamp: 130)
        #expect(try h.read() == ["c:v+-@130"])
        try h.right.pipeInput(key: "c", value: "u", timestamp: 131)
        #expect(try h.read() == ["c:v+u@131"])
    }

    @Test(arguments: Kind.allCases)
    func recordsAfterTheGracePeriodAreDroppedAndCounted(kind: Kind) throws {
        let metrics = TestMetrics()
        let windows = JoinWindows.ofTimeDifference(.milliseconds(100), grace: .milliseconds(50))
        let h = try Harness(kind, windows: windows, metrics: metrics)
        try h.left.pipeInput(key: "a", value: "x", timestamp: 1000)
        try h.right.pipeInput(key: "z", value: "tick", timestamp: 2000)
        _ = try h.read()
        // 1000 + 100 + 50 < 2000: both sides' records at 1000 are late.
        try h.left.pipeInput(key: "a", value: "late", timestamp: 1000)
        try h.right.pipeInput(key: "a", value: "late", timestamp: 1000)
        #expect(try h.read().isEmpty)
        #expect(metrics.counterTotal(label: StreamsMetricNames.Task.droppedRecordsTotal) == 2)
        // 1850 + 150 = 2000 is not before stream time: accepted, and joins.
        try h.left.pipeInput(key: "a", value: "edge", timestamp: 1850)
        try h.right.pipeInput(key: "a", value: "y", timestamp: 1900)
        let expected: [Kind: [String]] = [
            .inner: ["a:edge+y@1900"], .left: ["a:edge+-@1850", "a:edge+y@1900"], .outer: ["a:edge+-@1850", "a:edge+y@1900"],
        ]
        #expect(try h.read() == expected[kind])
        #expect(metrics.counterTotal(label: StreamsMetricNames.Task.droppedRecordsTotal) == 2)
    }

    @Test func bufferedRecordsThatCanNoLongerJoinAreDeleted() throws {
        let builder = StreamsBuilder()
        Self.createStream(builder, .inner, windows: .ofTimeDifference(.milliseconds(100), grace: .milliseconds(50)))
        let driver = try TopologyTestDriver(try builder.build())
        let left = driver.createInputTopic("left", key: .string, value: .string)
        let buffer = try #require(driver.stateStore(named: "pairs-this-join-store", as: KeyValueStore<[UInt8], [UInt8]>.self))
        try left.pipeInput(key: "old", value: "x", timestamp: 0)
        for time in 1...999 as ClosedRange<Int64> { try left.pipeInput(key: "k\(time % 7)", value: "x", timestamp: time * 10) }
        // The 1,000th record cleans up: it keeps the records at 9740 (= 9990 - 100 - 100 - 50) and later.
        #expect(try buffer.all().count == 26)
        #expect(try buffer.all().allSatisfy { !$0.key.starts(with: Array("old".utf8)) })
    }

    @Test func theJoinIsOneSubtopologyWithTwoChangeloggedBuffers() throws {
        let builder = StreamsBuilder()
        Self.createStream(builder, .inner, windows: Self.symmetric)
        let topology = try builder.build()
        #expect(topology.subtopologyCount == 1)
        #expect(topology.internalTopics.contains("pairs-this-join-store-changelog"))
        #expect(topology.internalTopics.contains("pairs-other-join-store-changelog"))

        // Without a name, the stores are named after the join's node.
        let unnamed = StreamsBuilder()
        let left = unnamed.stream("left", Consumed(key: .string, value: .string))
        let right = unnamed.stream("right", Consumed(key: .string, value: .string))
        left.join(right, windows: Self.symmetric, StreamJoined(key: .string, value: .string, otherValue: .string), named: "match") { l, r in l + r }
            .to("joined", Produced(key: .string, value: .string))
        let topics = try unnamed.build().internalTopics
        #expect(topics.contains("match-this-join-store-changelog") && topics.contains("match-other-join-store-changelog"))
    }

    @Test(arguments: [false, true])
    func aRekeyedSideFailsTheBuildNamingTheNode(rekeyRight: Bool) throws {
        let builder = StreamsBuilder()
        var left = builder.stream("left", Consumed(key: .string, value: .string))
        var right = builder.stream("right", Consumed(key: .string, value: .string))
        if rekeyRight { right = right.selectKey { _, value in value } } else { left = left.selectKey { _, value in value } }
        left.join(right, windows: Self.symmetric, Self.serdes, named: "match") { l, r in l + r }
            .to("joined", Produced(key: .string, value: .string))
        let error = #expect(throws: StreamsError.self) { try builder.build() }
        #expect(error?.message.contains("node match joins a stream") == true)
        #expect(error?.message.contains(rekeyRight ? "other side" : "this side") == true)
    }

    @Test func aRestartedJoinStillJoinsRecordsBufferedBeforeTheRestart() throws {
        let cluster = InMemoryCluster()
        for topic: TopicName in ["left", "right", "joined"] { try cluster.createTopic(topic, partitions: 2) }
        func runOnce() throws {
            let builder = StreamsBuilder()
            Self.createStream(builder, .inner, windows: Self.symmetric)
            let streams = try InMemoryStreams(topology: try builder.build(), cluster: cluster, config: StreamsConfig(applicationId: "app"))
            try streams.start()
            try streams.runUntilIdle()
            try streams.close()
        }
        func joined() throws -> [String] {
            try cluster.read(topic: "joined", key: Serde<String>.string, value: Serde<String>.string).map { "\($0.key):\($0.value)" }
        }
        for key in ["a", "b"] { try cluster.send(Record(key: key, value: "x", timestamp: 1000), to: "left", key: .string, value: .string) }
        try runOnce()
        #expect(try joined().isEmpty)
        #expect(cluster.hasTopic("app-pairs-this-join-store-changelog"))
        // A second record with the same key and timestamp must not overwrite the restored one.
        try cluster.send(Record(key: "a", value: "x2", timestamp: 1000), to: "left", key: .string, value: .string)
        for key in ["a", "b"] { try cluster.send(Record(key: key, value: "y", timestamp: 1050), to: "right", key: .string, value: .string) }
        try runOnce()
        #expect(try joined().sorted() == ["a:x+y", "a:x2+y", "b:x+y"])
    }
}
