import Streams
import StreamsTestKit
import Testing

@Suite("Aggregations that change their aggregate in place")
struct AggregateIntoTests {
    static let units = Serde<[String: Int]>.json([String: Int].self)

    @Test func eachUpdateIsForwardedAsItWasAndLaterChangesDoNotReachIt() throws {
        let builder = StreamsBuilder()
        builder.stream("sales", Consumed(key: .string, value: .string))
            .groupByKey()
            .aggregate(into: { [String: Int]() }, Materialized("units", key: .string, value: Self.units)) { _, item, units in
                units[item, default: 0] += 1
            }
            .toStream()
            .to("units-per-zip", Produced(key: .string, value: Self.units.optional))
        let driver = try TopologyTestDriver(try builder.build())
        let input = driver.createInputTopic("sales", key: .string, value: .string)
        for (zip, item) in [("z1", "pen"), ("z1", "ink"), ("z2", "pen"), ("z1", "pen")] {
            try input.pipeInput(key: zip, value: item)
        }
        // Read after every update: each record holds the aggregate of its moment, although
        // the store changed the same dictionary since.
        let output = try driver.createOutputTopic("units-per-zip", key: .string, value: Self.units.optional).readKeyValuesToList()
        #expect(output.map(\.key) == ["z1", "z1", "z2", "z1"])
        #expect(output.map(\.value) == [["pen": 1], ["pen": 1, "ink": 1], ["pen": 1], ["pen": 2, "ink": 1]])
        let store = try #require(driver.stateStore(named: "units", as: KeyValueStore<String, [String: Int]>.self))
        #expect(try store.get("z1") == ["pen": 2, "ink": 1])
    }

    /// Random sales through one-hour windows: aggregating in place gives what a returning
    /// aggregator gives, with updates forwarded or only final windows.
    @Test(arguments: [EmitStrategy.onWindowUpdate, .onWindowClose])
    func inPlaceWindowedAggregationsMatchReturningOnes(emit: EmitStrategy) throws {
        func run(inPlace: Bool) throws -> [String] {
            let builder = StreamsBuilder()
            let windowed = builder.stream("sales", Consumed(key: .string, value: .string))
                .groupByKey()
                .windowedBy(TimeWindows.ofSize(.seconds(3600), grace: .seconds(300)).advanceBy(.seconds(1800)))
                .emitStrategy(emit)
            let materialized = Materialized("units", key: Serde<String>.string, value: Self.units)
            let table = inPlace
                ? windowed.aggregate(into: { [String: Int]() }, materialized) { _, item, units in units[item, default: 0] += 1 }
                : windowed.aggregate(initializer: { [String: Int]() }, materialized) { _, item, units in
                    var units = units
                    units[item, default: 0] += 1
                    return units
                }
            table.toStream().to("units", Produced(key: .windowed(.string, windowSize: .seconds(3600)), value: Self.units.optional))
            let driver = try TopologyTestDriver(try builder.build())
            let input = driver.createInputTopic("sales", key: .string, value: .string)
            var rng = SplitMix64(seed: 7)
            var time: Int64 = 0
            for _ in 0..<1_500 {
                time += Int64(rng.next() % 60_000)
                let back = rng.next() % 10 == 0 ? Int64(rng.next() % 900_000) : 0
                try input.pipeInput(key: "z\(rng.next() % 6)", value: "item\(rng.next() % 9)", timestamp: max(0, time - back))
            }
            return try driver.createOutputTopic("units", key: .windowed(.string, windowSize: .seconds(3600)), value: Self.units.optional)
                .readRecordsToList().map { record in
                    let units = (record.value ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                    return "\(record.key.key)@\(record.key.start) \(units) t=\(record.timestamp)"
                }
        }
        let inPlace = try run(inPlace: true)
        #expect(inPlace.count > 50)
        #expect(inPlace == (try run(inPlace: false)))
    }

    @Test func anAggregatorsErrorStopsProcessingWithIt() throws {
        struct Refused: Error {}
        let builder = StreamsBuilder()
        builder.stream("sales", Consumed(key: .string, value: .string))
            .groupByKey()
            .aggregate(into: { [String]() }, Materialized("items", key: .string, value: .json([String].self))) { _, item, items in
                items.append(item)
                if item == "bad" { throw Refused() }
            }
            .toStream()
            .to("items", Produced(key: .string, value: Serde<[String]>.json([String].self).optional))
        let driver = try TopologyTestDriver(try builder.build())
        let input = driver.createInputTopic("sales", key: .string, value: .string)
        try input.pipeInput(key: "z1", value: "pen")
        let error = #expect(throws: StreamsError.self) { try input.pipeInput(key: "z1", value: "bad") }
        #expect(error?.message.contains("Refused") == true)
        #expect(error.map(String.init(describing:))?.contains("node KSTREAM-AGGREGATE-") == true)
        let output = driver.createOutputTopic("items", key: .string, value: Serde<[String]>.json([String].self).optional)
        #expect(try output.readValuesToList() == [["pen"]])
    }
}
