import Streams
import StreamsTestKit
import Testing

@Suite("Windowed aggregations that emit on window close")
struct EmitStrategyTests {
    static let optionalLong = Serde<Int64>.int64.optional
    static let windowedKey = Serde<Windowed<String>>.windowed(.string, windowSize: .milliseconds(1000))

    /// Counts clicks per key in 1 s windows (advancing by `advance` ms, 100 ms grace), finals
    /// only: through the emit strategy, or through `suppress` when `suppressed`.
    static func finalCounts(advance: Int64 = 1000, suppressed: Bool) throws -> Topology {
        let builder = StreamsBuilder()
        let windowed = builder.stream("clicks", Consumed(key: .string, value: .string))
            .groupByKey()
            .windowedBy(TimeWindows.ofSize(.milliseconds(1000), grace: .milliseconds(100)).advanceBy(.milliseconds(advance)))
        let counts = suppressed
            ? windowed.count(Materialized("counts", key: .string, value: .int64))
                .suppress(untilWindowCloses: Suppressed("final", key: .string, value: .int64))
            : windowed.emitStrategy(.onWindowClose).count(Materialized("counts", key: .string, value: .int64))
        counts.toStream().to("final-counts", Produced(key: windowedKey, value: optionalLong))
        return try builder.build()
    }

    static func describe(_ record: Record<Windowed<String>, Int64?>) -> String {
        "\(record.key.key)@\(record.key.start)=\(record.value.map(String.init) ?? "nil") t=\(record.timestamp)"
    }

    @Test func eachWindowIsForwardedOnceWithItsFinalCountWhenItCloses() throws {
        let topology = try Self.finalCounts(suppressed: false)
        // No suppression buffer: the window store's changelog is the only one.
        #expect(topology.internalTopics == ["counts-changelog"])
        let driver = try TopologyTestDriver(topology)
        let input = driver.createInputTopic("clicks", key: .string, value: .string)
        let output = driver.createOutputTopic("final-counts", key: Self.windowedKey, value: Self.optionalLong)
        func read() throws -> [String] { try output.readRecordsToList().map(Self.describe) }
        for time in [10, 20, 500, 999] as [Int64] { try input.pipeInput(key: "a", value: "x", timestamp: time) }
        try input.pipeInput(key: "b", value: "x", timestamp: 300)
        try input.pipeInput(key: "a", value: "x", timestamp: 1050)
        // Stream time 1050 < 1000 + 100: nothing has closed, and no update is forwarded.
        #expect(try read().isEmpty)
        try input.pipeInput(key: "b", value: "x", timestamp: 1100)
        #expect(try read() == ["a@0=4 t=1100", "b@0=1 t=1100"])
        // Late for [0, 1000): dropped, and the closed window is not forwarded again.
        try input.pipeInput(key: "a", value: "x", timestamp: 900)
        #expect(try read().isEmpty)
        // The window left the store when it was forwarded; the open one is still there.
        let store = try #require(driver.stateStore(named: "counts", as: WindowStore<String, Int64>.self))
        #expect(try store.fetch("a", windowStart: 0) == nil)
        #expect(try store.fetch("a", windowStart: 1000) == 1)
        try input.pipeInput(key: "a", value: "x", timestamp: 3000)
        #expect(try read() == ["a@1000=1 t=3000", "b@1000=1 t=3000"])
    }

    /// Random clicks, some out of order and some late, through hopping and tumbling windows:
    /// emitting on close forwards exactly what suppressing the updates forwards, in order.
    @Test(arguments: [(1000 as Int64, 1 as UInt64), (1000, 2), (500, 3), (250, 4)])
    func emittingOnCloseForwardsWhatSuppressionForwards(advance: Int64, seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var time: Int64 = 0
        var clicks: [(key: String, time: Int64)] = []
        for _ in 0..<2_000 {
            time += Int64(rng.next() % 40)
            // One in eight goes back up to 1.5 s: within grace, or late.
            let back = rng.next() % 8 == 0 ? Int64(rng.next() % 1500) : 0
            clicks.append(("k\(rng.next() % 25)", max(0, time - back)))
        }
        func run(suppressed: Bool) throws -> [String] {
            let driver = try TopologyTestDriver(try Self.finalCounts(advance: advance, suppressed: suppressed))
            let input = driver.createInputTopic("clicks", key: .string, value: .string)
            for click in clicks { try input.pipeInput(key: click.key, value: "x", timestamp: click.time) }
            return try driver.createOutputTopic("final-counts", key: Self.windowedKey, value: Self.optionalLong)
                .readRecordsToList().map(Self.describe)
        }
        let emitted = try run(suppressed: false)
        #expect(emitted.count > 100)
        #expect(emitted == (try run(suppressed: true)))
    }

    /// Runs the final counts (emitted on close, or suppressed) over what `clicks` holds now,
    /// on one partition, and closes the instance; returns the final counts it wrote.
    func runOnce(_ cluster: InMemoryCluster, suppressed: Bool) throws -> [String] {
        let before = try cluster.recordCount(of: "final-counts")
        let streams = try InMemoryStreams(
            topology: try Self.finalCounts(suppressed: suppressed), cluster: cluster, config: StreamsConfig(applicationId: "app"))
        try streams.start()
        try streams.runUntilIdle()
        try streams.close()
        return try cluster.read(topic: "final-counts", key: Self.windowedKey, value: Self.optionalLong)
            .dropFirst(Int(before)).map { "\($0.key.key)@\($0.key.start)=\($0.value.map(String.init) ?? "nil")" }
    }

    @Test(arguments: [false, true])
    func aRestartedInstanceForwardsTheWindowsItHeldAndNotThoseItForwarded(suppressed: Bool) throws {
        let cluster = InMemoryCluster()
        for topic: TopicName in ["clicks", "final-counts"] { try cluster.createTopic(topic, partitions: 1) }
        func click(_ key: String, at time: Int64) throws {
            try cluster.send(Record(key: key, value: "x", timestamp: time), to: "clicks", key: .string, value: .string)
        }
        for time in [10, 20, 30] as [Int64] { try click("a", at: time) }
        try click("b", at: 300)
        #expect(try runOnce(cluster, suppressed: suppressed).isEmpty)
        // One commit, at the close: each held window reached the changelog of what holds it
        // (the suppression buffer, or the window store) once, with its latest count.
        #expect(try cluster.recordCount(of: suppressed ? "app-final-store-changelog" : "app-counts-changelog") == 2)

        // Stream time 1100 closes [0, 1000): the counts held before the restart come out.
        try click("a", at: 1100)
        #expect(Set(try runOnce(cluster, suppressed: suppressed)) == ["a@0=3", "b@0=1"])
        // Forwarded windows leave the buffer or the store as tombstones: not repeated.
        try click("a", at: 2200)
        #expect(try runOnce(cluster, suppressed: suppressed) == ["a@1000=1"])
    }
}
