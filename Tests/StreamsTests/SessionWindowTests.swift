import Streams
import StreamsTestKit
import Testing

@Suite("Session windows through the driver")
struct SessionWindowTests {
    @Test func sessionsGrowMergeAndDeleteTheSessionsTheyReplace() throws {
        let builder = StreamsBuilder()
        builder.stream("clicks", Consumed(key: .string, value: .string))
            .groupByKey()
            .windowedBy(SessionWindows.ofInactivityGap(.milliseconds(100), grace: .zero))
            .count(Materialized("visits", key: .string, value: .int64))
            .toStream()
            .to("sessions", Produced(key: .windowed(.string, windowSize: .zero), value: Serde<Int64>.int64.optional))
        let driver = try TopologyTestDriver(try builder.build())
        let input = driver.createInputTopic("clicks", key: .string, value: .string)
        let output = driver.createOutputTopic("sessions", key: .windowed(.string, windowSize: .zero), value: Serde<Int64>.int64.optional)
        func read() throws -> [String] {
            try output.readKeyValuesToList().map { "\($0.key.key)@\($0.key.start)=\($0.value.map(String.init) ?? "nil")" }
        }
        try input.pipeInput(key: "a", value: "x", timestamp: 0)
        try input.pipeInput(key: "a", value: "x", timestamp: 50)
        #expect(try read() == ["a@0=1", "a@0=nil", "a@0=2"])
        try input.pipeInput(key: "a", value: "x", timestamp: 300)
        #expect(try read() == ["a@300=1"])
        // 200 is within the gap of 300 but not of 50: it joins the later session only.
        try input.pipeInput(key: "a", value: "x", timestamp: 200)
        #expect(try read() == ["a@300=nil", "a@200=2"])
        // 120 bridges both sessions: they merge into one of 5 records, from 0 to 300.
        try input.pipeInput(key: "a", value: "x", timestamp: 120)
        #expect(try read() == ["a@0=nil", "a@200=nil", "a@0=5"])
        let store = try #require(driver.stateStore(named: "visits", as: SessionStore<String, Int64>.self))
        #expect(try store.fetch("a").map { "\($0.session.start)-\($0.session.end)=\($0.value)" } == ["0-300=5"])
        // Another key has its own sessions; a record behind stream time by more than the
        // grace is late.
        try input.pipeInput(key: "b", value: "x", timestamp: 400)
        try input.pipeInput(key: "b", value: "x", timestamp: 10)
        #expect(try read() == ["b@400=1"])
    }

    @Test func sessionReduceMergesWithTheReducerAndWritesSessionWindowedKeys() throws {
        let builder = StreamsBuilder()
        builder.stream("amounts", Consumed(key: .string, value: .int64))
            .groupByKey()
            .windowedBy(SessionWindows.ofInactivityGap(.milliseconds(20), grace: .milliseconds(5)))
            .reduce(Materialized("spend", key: .string, value: .int64)) { $0 + $1 }
            .toStream()
            .to("spend", Produced(key: .sessionWindowed(.string), value: Serde<Int64>.int64.optional))
        let driver = try TopologyTestDriver(try builder.build())
        let input = driver.createInputTopic("amounts", key: .string, value: .int64)
        let output = driver.createOutputTopic("spend", key: .sessionWindowed(.string), value: Serde<Int64>.int64.optional)
        func read() throws -> [String] {
            try output.readKeyValuesToList().map { "\($0.key.key)@\($0.key.start)-\($0.key.end)=\($0.value.map(String.init) ?? "nil")" }
        }
        try input.pipeInput(key: "a", value: 5, timestamp: 100)
        try input.pipeInput(key: "a", value: 7, timestamp: 130)
        #expect(try read() == ["a@100-100=5", "a@130-130=7"])
        // 120 is within 20 of both: they merge, the reducer adds their sums and the record.
        try input.pipeInput(key: "a", value: 1, timestamp: 120)
        #expect(try read() == ["a@100-100=nil", "a@130-130=nil", "a@100-130=13"])
        // Stream time 130: a session ending at 124 or earlier closed past its grace.
        try input.pipeInput(key: "b", value: 2, timestamp: 114)
        #expect(try read().isEmpty)
        let store = try #require(driver.stateStore(named: "spend", as: SessionStore<String, Int64>.self))
        #expect(try store.all().map { "\($0.session.key)@\($0.session.start)-\($0.session.end)=\($0.value)" } == ["a@100-130=13"])
    }
}
