import Logging
import Streams
import StreamsTestKit
import Synchronization
import Testing

/// Every DSL operator through the test driver.
@Suite("KStream operators")
struct KStreamTests {
    let consumed = Consumed(key: Serde<String>.string, value: Serde<Int64>.int64)
    let produced = Produced(key: Serde<String>.string, value: Serde<Int64>.int64)

    func driver(_ build: (KStream<String, Int64>) -> Void) throws -> TopologyTestDriver {
        let builder = StreamsBuilder()
        build(builder.stream("in", consumed))
        return try TopologyTestDriver(try builder.build())
    }

    func pipe(_ driver: TopologyTestDriver, _ pairs: [(String, Int64)]) throws {
        let input = driver.createInputTopic("in", key: .string, value: .int64)
        for (index, (key, value)) in pairs.enumerated() {
            try input.pipeInput(key: key, value: value, timestamp: Int64(index) * 10)
        }
    }

    @Test func filterAndFilterNot() throws {
        let driver = try self.driver { stream in
            stream.filter { _, value in value % 2 == 0 }.to("even", produced)
            stream.filterNot { _, value in value % 2 == 0 }.to("odd", produced)
        }
        try pipe(driver, [("a", 1), ("b", 2), ("c", 3), ("d", 4)])
        #expect(try driver.createOutputTopic("even", key: .string, value: .int64).readValuesToList() == [2, 4])
        #expect(try driver.createOutputTopic("odd", key: .string, value: .int64).readValuesToList() == [1, 3])
        try driver.assertNoUnreadOutput()
    }

    @Test func mapValuesKeepsKeyAndTimestamp() throws {
        let driver = try self.driver { stream in
            stream.mapValues { "n=\($0)" }.to("out", Produced(key: .string, value: .string))
        }
        try pipe(driver, [("a", 1), ("b", 2)])
        let records = try driver.createOutputTopic("out", key: .string, value: .string).readRecordsToList()
        #expect(records.map(\.key) == ["a", "b"])
        #expect(records.map(\.value) == ["n=1", "n=2"])
        #expect(records.map(\.timestamp) == [0, 10])
    }

    @Test func mapChangesKeyAndValueTypes() throws {
        let driver = try self.driver { stream in
            stream.map { key, value in (key: Int32(value), value: key.uppercased()) }
                .to("out", Produced(key: .int32, value: .string))
        }
        try pipe(driver, [("a", 1), ("b", 2)])
        let out = driver.createOutputTopic("out", key: .int32, value: .string)
        let pairs = try out.readKeyValuesToList()
        #expect(pairs.map(\.key) == [1, 2])
        #expect(pairs.map(\.value) == ["A", "B"])
    }

    @Test func flatMapForwardsEveryResultInOrder() throws {
        let driver = try self.driver { stream in
            stream.flatMap { key, value in (0..<value).map { (key: "\(key)\($0)", value: $0) } }
                .to("out", produced)
        }
        try pipe(driver, [("a", 2), ("b", 0), ("c", 3)])
        let pairs = try driver.createOutputTopic("out", key: .string, value: .int64).readKeyValuesToList()
        #expect(pairs.map(\.key) == ["a0", "a1", "c0", "c1", "c2"])
        #expect(pairs.map(\.value) == [0, 1, 0, 1, 2])
    }

    @Test func flatMapValuesKeepsTheKey() throws {
        let driver = try self.driver { stream in
            stream.flatMapValues { [$0, $0 * 10] }.to("out", produced)
        }
        try pipe(driver, [("a", 1), ("b", 2)])
        let pairs = try driver.createOutputTopic("out", key: .string, value: .int64).readKeyValuesToList()
        #expect(pairs.map(\.key) == ["a", "a", "b", "b"])
        #expect(pairs.map(\.value) == [1, 10, 2, 20])
    }

    @Test func selectKey() throws {
        let driver = try self.driver { stream in
            stream.selectKey { key, value in "\(key)-\(value)" }.to("out", produced)
        }
        try pipe(driver, [("a", 1)])
        let pair = try driver.createOutputTopic("out", key: .string, value: .int64).readKeyValue()
        #expect(pair.key == "a-1")
        #expect(pair.value == 1)
    }

    @Test func peekSeesEveryRecordAndPassesItOn() throws {
        let seen = Locked<[String]>([])
        let driver = try self.driver { stream in
            stream.peek { key, _ in seen.withLock { $0.append(key) } }.to("out", produced)
        }
        try pipe(driver, [("a", 1), ("b", 2)])
        #expect(seen.withLock { $0 } == ["a", "b"])
        #expect(try driver.createOutputTopic("out", key: .string, value: .int64).readValuesToList() == [1, 2])
    }

    @Test func foreachIsTerminal() throws {
        let sum = Locked<Int64>(0)
        let builder = StreamsBuilder()
        builder.stream("in", consumed).foreach { _, value in sum.withLock { $0 += value } }
        let topology = try builder.build()
        #expect(topology.describe().description.contains("--> none"))
        let driver = try TopologyTestDriver(topology)
        try pipe(driver, [("a", 1), ("b", 2), ("c", 39)])
        #expect(sum.withLock { $0 } == 42)
    }

    @Test func splitSendsEachRecordToTheFirstMatchingBranch() throws {
        let builder = StreamsBuilder()
        let branches = builder.stream("in", consumed).split(named: "size-")
            .branch("small") { _, value in value < 10 }
            .branch("medium") { _, value in value < 100 }
            .defaultBranch("large")
        #expect(Set(branches.keys) == ["size-small", "size-medium", "size-large"])
        branches["size-small"]!.to("small", produced)
        branches["size-medium"]!.to("medium", produced)
        branches["size-large"]!.to("large", produced)
        let driver = try TopologyTestDriver(try builder.build())
        try pipe(driver, [("a", 5), ("b", 50), ("c", 500), ("d", 9), ("e", 99)])
        #expect(try driver.createOutputTopic("small", key: .string, value: .int64).readValuesToList() == [5, 9])
        #expect(try driver.createOutputTopic("medium", key: .string, value: .int64).readValuesToList() == [50, 99])
        #expect(try driver.createOutputTopic("large", key: .string, value: .int64).readValuesToList() == [500])
    }

    @Test func splitWithoutDefaultDropsUnmatchedRecords() throws {
        let builder = StreamsBuilder()
        let branches = builder.stream("in", consumed).split()
            .branch("neg") { _, value in value < 0 }
            .noDefaultBranch()
        branches["neg"]!.to("neg", produced)
        let driver = try TopologyTestDriver(try builder.build())
        try pipe(driver, [("a", -1), ("b", 1), ("c", -2)])
        #expect(try driver.createOutputTopic("neg", key: .string, value: .int64).readValuesToList() == [-1, -2])
    }

    @Test func mergeCombinesTwoStreams() throws {
        let builder = StreamsBuilder()
        let left = builder.stream("left", consumed)
        let right = builder.stream("right", consumed)
        left.merge(right).to("out", produced)
        let driver = try TopologyTestDriver(try builder.build())
        try driver.createInputTopic("left", key: .string, value: .int64).pipeInput(key: "l", value: 1)
        try driver.createInputTopic("right", key: .string, value: .int64).pipeInput(key: "r", value: 2)
        try driver.createInputTopic("left", key: .string, value: .int64).pipeInput(key: "l", value: 3)
        #expect(try driver.createOutputTopic("out", key: .string, value: .int64).readValuesToList() == [1, 2, 3])
    }

    @Test func toWithTopicChosenPerRecordAndACustomPartitioner() throws {
        let builder = StreamsBuilder()
        let everythingToPartitionOne = StreamPartitioner<String, Int64> { _, _, _, _ in 1 }
        builder.stream("in", consumed).to(
            Produced(key: .string, value: .int64, partitioner: everythingToPartitionOne)
        ) { record in record.value >= 0 ? "positive" : "negative" }
        let driver = try TopologyTestDriver(try builder.build(), partitions: 2)
        let positive = driver.createOutputTopic("positive", key: .string, value: .int64)
        let negative = driver.createOutputTopic("negative", key: .string, value: .int64)
        try pipe(driver, [("a", 1), ("b", -1), ("c", 2)])
        let records = try positive.readRecordsToList()
        #expect(records.map(\.value) == [1, 2])
        #expect(records.allSatisfy { $0.metadata?.partition == 1 })
        #expect(try negative.readValuesToList() == [-1])
    }

    @Test func defaultPartitioningIsMurmur2OfTheKey() throws {
        let driver = try self.driver { stream in stream.to("out", produced) }
        _ = driver
        let builder = StreamsBuilder()
        builder.stream("in", consumed).to("out", produced)
        let wide = try TopologyTestDriver(try builder.build(), partitions: 6)
        let input = wide.createInputTopic("in", key: .string, value: .int64)
        for index in 0..<50 { try input.pipeInput(key: "key-\(index)", value: Int64(index)) }
        let records = try wide.createOutputTopic("out", key: .string, value: .int64).readRecordsToList()
        #expect(records.count == 50)
        for record in records {
            #expect(record.metadata?.partition == Murmur2.partition(forKey: Array(record.key.utf8), partitionCount: 6))
        }
    }

    @Test func printLogsEachRecordWithItsLabel() throws {
        let lines = LineCollector()
        let logger = Logger(label: "print-test") { _ in lines }
        let driver = try self.driver { stream in
            stream.print(Printed(logger: logger, label: "numbers") { key, value in "\(key)=\(value)" })
        }
        try pipe(driver, [("a", 1), ("b", 2)])
        #expect(lines.messages == ["[numbers]: a=1", "[numbers]: b=2"])
    }

    @Test func processRunsACustomProcessor() throws {
        let driver = try self.driver { stream in
            stream.process(named: "running-sum") { RunningSum() }.to("out", produced)
        }
        try pipe(driver, [("a", 1), ("b", 2), ("c", 3)])
        #expect(try driver.createOutputTopic("out", key: .string, value: .int64).readValuesToList() == [1, 3, 6])
    }

    @Test func namedOperatorsAppearInTheDescription() throws {
        let builder = StreamsBuilder()
        builder.stream("in", Consumed(key: .string, value: .int64, name: "numbers"))
            .filter(named: "positive") { _, value in value > 0 }
            .mapValues(named: "double") { $0 * 2 }
            .to("out", Produced(key: .string, value: .int64, name: "out-sink"))
        let text = try builder.build().describe().description
        #expect(text.contains("Source: numbers (topics: [in])"))
        #expect(text.contains("Processor: positive (stores: [])"))
        #expect(text.contains("Sink: out-sink (topic: out)"))
    }
}

final class RunningSum: Processor {
    private var context: ProcessorContext<String, Int64>!
    private var sum: Int64 = 0
    func initialize(context: ProcessorContext<String, Int64>) { self.context = context }
    func process(_ record: Record<String, Int64>) throws {
        sum += record.value
        try context.forward(record.withValue(sum))
    }
}

/// A swift-log handler that keeps messages, for asserting what was logged.
final class LineCollector: LogHandler, @unchecked Sendable {
    // Guarded by `lock`; swift-log requires LogHandler to be a value-ish Sendable type.
    private let lock = Locked<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    var messages: [String] { lock.withLock { $0 } }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        lock.withLock { $0.append(event.message.description) }
    }
}
