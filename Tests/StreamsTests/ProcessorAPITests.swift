import Streams
import StreamsTestKit
import Synchronization
import Testing

@Suite("Processor API")
struct ProcessorAPITests {
    @Test func contextGivesMetadataAndNamedChildren() throws {
        var builder = TopologyBuilder()
        builder.addSource("src", topics: ["in"], key: Serde<String>.string, value: Serde<String>.string)
        builder.addProcessor("router", parents: ["src"]) { Router() }
        builder.addSink("a-sink", topic: "a", key: .string, value: .string, parents: ["router"])
        builder.addSink("b-sink", topic: "b", key: .string, value: .string, parents: ["router"])
        let driver = try TopologyTestDriver(try builder.build())
        let input = driver.createInputTopic("in", key: .string, value: .string)
        try input.pipeInput(key: "k", value: "to-a", timestamp: 5)
        try input.pipeInput(key: "k", value: "to-b", timestamp: 6)
        let a = try driver.createOutputTopic("a", key: .string, value: .string).readValuesToList()
        let b = try driver.createOutputTopic("b", key: .string, value: .string).readValuesToList()
        #expect(a == ["to-a@in-0@0"])
        #expect(b == ["to-b@in-0@1"])
    }

    @Test func forwardingToAnUnknownChildIsAnError() throws {
        var builder = TopologyBuilder()
        builder.addSource("src", topics: ["in"], key: Serde<String>.string, value: Serde<String>.string)
        builder.addProcessor("router", parents: ["src"]) { Router() }
        builder.addSink("a-sink", topic: "a", key: .string, value: .string, parents: ["router"])
        let driver = try TopologyTestDriver(try builder.build())
        let error = #expect(throws: StreamsError.self) {
            try driver.createInputTopic("in", key: .string, value: .string).pipeInput(key: "k", value: "to-b")
        }
        #expect(error?.message.contains("no child named b-sink") == true)
        #expect(error?.location?.description == "in-0@0")
    }

    @Test func streamTimePunctuationIsDrivenByRecordTimestamps() throws {
        let calls = Locked<[Int64]>([])
        let driver = try countingDriver(type: .streamTime, interval: .seconds(10), calls: calls)
        let input = driver.createInputTopic("in", key: .string, value: .string)
        try input.pipeInput(key: "k", value: "v", timestamp: 1_000)  // first record: fires at 1000
        try input.pipeInput(key: "k", value: "v", timestamp: 5_000)  // next due at 11000
        #expect(calls.withLock { $0 } == [1_000])
        try input.pipeInput(key: "k", value: "v", timestamp: 11_000)
        try input.pipeInput(key: "k", value: "v", timestamp: 4_000)  // late record: stream time stays
        #expect(calls.withLock { $0 } == [1_000, 11_000])
        try driver.advanceWallClockTime(by: .seconds(60))  // wall clock does not drive stream time
        #expect(calls.withLock { $0 } == [1_000, 11_000])
    }

    @Test func wallClockPunctuationIsDrivenByTheClock() throws {
        let calls = Locked<[Int64]>([])
        let driver = try countingDriver(type: .wallClockTime, interval: .seconds(5), calls: calls)
        try driver.advanceWallClockTime(by: .seconds(4))
        #expect(calls.withLock { $0 }.isEmpty)
        try driver.advanceWallClockTime(by: .seconds(1))
        #expect(calls.withLock { $0 } == [5_000])
        try driver.advanceWallClockTime(by: .seconds(12))  // one call catches up
        #expect(calls.withLock { $0 } == [5_000, 17_000])
        let outputs = try driver.createOutputTopic("out", key: .string, value: .string).readValuesToList()
        #expect(outputs == ["tick@5000", "tick@17000"])
    }

    @Test func closeClosesEveryProcessorOnce() throws {
        let closed = Locked(0)
        var builder = TopologyBuilder()
        builder.addSource("src", topics: ["in"], key: Serde<String>.string, value: Serde<String>.string)
        builder.addProcessor("p", parents: ["src"]) { Closing(closed: closed) }
        let driver = try TopologyTestDriver(try builder.build(), partitions: 3)
        try driver.close()
        try driver.close()
        #expect(closed.withLock { $0 } == 3)  // one task per partition
    }

    func countingDriver(type: PunctuationType, interval: Duration, calls: Locked<[Int64]>) throws -> TopologyTestDriver {
        var builder = TopologyBuilder()
        builder.addSource("src", topics: ["in"], key: Serde<String>.string, value: Serde<String>.string)
        builder.addProcessor("ticker", parents: ["src"]) { Ticker(type: type, interval: interval, calls: calls) }
        builder.addSink("sink", topic: "out", key: .string, value: .string, parents: ["ticker"])
        return try TopologyTestDriver(try builder.build())
    }
}

final class Router: Processor {
    private var context: ProcessorContext<String, String>!
    func initialize(context: ProcessorContext<String, String>) { self.context = context }
    func process(_ record: Record<String, String>) throws {
        let metadata = context.recordMetadata.map { "\($0.topic)-\($0.partition)@\($0.offset)" } ?? "none"
        let child = record.value == "to-a" ? "a-sink" : "b-sink"
        try context.forward(record.withValue("\(record.value)@\(metadata)"), to: child)
    }
}

final class Ticker: Processor {
    let type: PunctuationType
    let interval: Duration
    let calls: Locked<[Int64]>
    init(type: PunctuationType, interval: Duration, calls: Locked<[Int64]>) {
        self.type = type
        self.interval = interval
        self.calls = calls
    }
    func initialize(context: ProcessorContext<String, String>) {
        context.schedule(every: interval, on: type) { [calls] now in
            calls.withLock { $0.append(now) }
            #expect(context.recordMetadata == nil)
            try context.forward(Record(key: "tick", value: "tick@\(now)", timestamp: now))
        }
    }
    func process(_ record: Record<String, String>) throws {}
}

final class Closing: Processor {
    typealias KeyOut = String
    typealias ValueOut = String
    let closed: Locked<Int>
    init(closed: Locked<Int>) { self.closed = closed }
    func process(_ record: Record<String, String>) throws {}
    func close() { closed.withLock { $0 += 1 } }
}
