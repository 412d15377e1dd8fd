import Streams
import StreamsTestKit
import Testing

@Suite("TopologyTestDriver")
struct TopologyTestDriverTests {
    func echo() throws -> Topology {
        let builder = StreamsBuilder()
        builder.stream("in", Consumed(key: .string, value: .string)).to("out", Produced(key: .string, value: .string))
        return try builder.build()
    }

    @Test func readingPastTheEndIsAnError() throws {
        let driver = try TopologyTestDriver(try echo())
        let out = driver.createOutputTopic("out", key: .string, value: .string)
        #expect(out.isEmpty)
        let error = #expect(throws: StreamsError.self) { try out.readValue() }
        #expect(error?.message.contains("no unread record left in topic out") == true)
    }

    @Test func unreadOutputIsReportedByTopic() throws {
        let driver = try TopologyTestDriver(try echo())
        let input = driver.createInputTopic("in", key: .string, value: .string)
        try input.pipeKeyValues([("a", "1"), ("b", "2")])
        let out = driver.createOutputTopic("out", key: .string, value: .string)
        #expect(out.queueSize == 2)
        let error = #expect(throws: StreamsError.self) { try driver.assertNoUnreadOutput() }
        #expect(error?.message.contains("out: 2") == true)
        #expect(try out.readValue() == "1")
        #expect(out.queueSize == 1)
        _ = try out.readValuesToList()
        try driver.assertNoUnreadOutput()
    }

    @Test func inputTopicsAdvanceTheirTimestamps() throws {
        let driver = try TopologyTestDriver(try echo())
        let input = driver.createInputTopic("in", key: .string, value: .string, startTimestamp: 1_000, autoAdvance: .seconds(2))
        try input.pipeInput(key: "a", value: "1")
        try input.pipeInput(key: "b", value: "2")
        input.advanceTime(by: .seconds(10))
        try input.pipeInput(key: "c", value: "3")
        try input.pipeInput(key: "d", value: "4", timestamp: 7)
        let records = try driver.createOutputTopic("out", key: .string, value: .string).readRecordsToList()
        #expect(records.map(\.timestamp) == [1_000, 3_000, 15_000, 7])
        #expect(records.map { $0.metadata?.offset } == [0, 1, 2, 3])
    }

    @Test func headersTravelWithTheRecord() throws {
        let driver = try TopologyTestDriver(try echo())
        try driver.createInputTopic("in", key: .string, value: .string)
            .pipeInput(key: "a", value: "1", headers: ["trace": "t-1"])
        let record = try driver.createOutputTopic("out", key: .string, value: .string).readRecord()
        #expect(record.headers.lastString("trace") == "t-1")
    }

    @Test func rawBytesReachTheDeserializer() throws {
        var config = StreamsConfig(applicationId: "driver")
        config.deserializationErrorHandler = .logAndContinue
        let driver = try TopologyTestDriver(try echo(), config: config)
        let input = driver.createInputTopic("in", key: .string, value: .string)
        try input.pipeRaw(key: Array("a".utf8), value: [0xc3, 0x28])
        try input.pipeInput(key: "b", value: "ok")
        #expect(try driver.createOutputTopic("out", key: .string, value: .string).readValuesToList() == ["ok"])
        #expect(driver.cluster.committedOffset(group: "driver", topic: "in", partition: 0) == 2)
    }

    @Test func theWallClockMovesOnlyWhenTold() throws {
        let driver = try TopologyTestDriver(try echo(), initialWallClockTime: 5_000)
        #expect(driver.wallClockTime == 5_000)
        try driver.advanceWallClockTime(by: .milliseconds(1_500))
        #expect(driver.wallClockTime == 6_500)
    }
}
