import Streams
import StreamsTestKit
import Testing

// The README's "State" example, compiled and run, so the documentation stays true.
enum ReadmeStateExample {
    struct Purchase: Codable, Equatable {
        var customerId: String
        var itemPurchased: String
        var amount: Double
    }

    struct Located: Codable, Equatable {
        var purchase: Purchase
        var zip: String?
    }

    static func topology() throws -> Topology {
        let builder = StreamsBuilder()
        let purchases = builder.stream("purchases", Consumed(key: .string, value: .json(Purchase.self)))

        // Running totals per customer: re-keyed, so grouped through a repartition topic.
        purchases.groupBy(Grouped("by-customer", key: .string, value: .json(Purchase.self))) { _, p in p.customerId }
            .aggregate(initializer: { 0.0 }, Materialized("spend", key: .string, value: .double)) { _, p, total in
                total + p.amount
            }
            .toStream()
            .to("spend", Produced(key: .string, value: Serde<Double>.double.optional))

        // Purchases per item and hour, one final count per window once it closes.
        purchases.groupBy(Grouped("by-item", key: .string, value: .json(Purchase.self))) { _, p in p.itemPurchased }
            .windowedBy(.ofSize(.seconds(3600), grace: .seconds(300)))
            .count(Materialized("hourly", key: .string, value: .int64))
            .suppress(untilWindowCloses: Suppressed(key: .string, value: .int64))
            .toStream()
            .to("hourly-items", Produced(key: .windowed(.string, windowSize: .seconds(3600)), value: Serde<Int64>.int64.optional))

        // Each purchase with its customer's current zip code.
        let zips = builder.table("customer-zips", Consumed(key: .string, value: .string), Materialized("zips", key: .string, value: .string))
        purchases.leftJoin(zips) { purchase, zip in Located(purchase: purchase, zip: zip) }
            .to("located", Produced(key: .string, value: .json(Located.self)))
        return try builder.build()
    }
}

@Suite("README state example")
struct ReadmeStateExampleTests {
    typealias Example = ReadmeStateExample

    @Test func totalsHourlyCountsAndJoinsComeOut() throws {
        let driver = try TopologyTestDriver(try Example.topology())
        let purchases = driver.createInputTopic("purchases", key: .string, value: .json(Example.Purchase.self))
        try driver.createInputTopic("customer-zips", key: .string, value: .string).pipeInput(key: "c1", value: "90210")
        try purchases.pipeInput(key: "c1", value: Example.Purchase(customerId: "c1", itemPurchased: "lamp", amount: 20), timestamp: 0)
        try purchases.pipeInput(key: "c2", value: Example.Purchase(customerId: "c2", itemPurchased: "lamp", amount: 5), timestamp: 1000)
        try purchases.pipeInput(key: "c1", value: Example.Purchase(customerId: "c1", itemPurchased: "pen", amount: 2.5), timestamp: 2000)
        // Past the first hour and its grace: the hour's counts come out.
        try purchases.pipeInput(key: "c3", value: Example.Purchase(customerId: "c3", itemPurchased: "mug", amount: 1), timestamp: 3_900_000)
        var spend: [String: Double] = [:]
        for pair in try driver.createOutputTopic("spend", key: .string, value: Serde<Double>.double.optional).readKeyValuesToList() {
            spend[pair.key] = pair.value
        }
        #expect(spend == ["c1": 22.5, "c2": 5, "c3": 1])
        let hourly = try driver.createOutputTopic("hourly-items", key: .windowed(.string, windowSize: .seconds(3600)), value: Serde<Int64>.int64.optional)
            .readKeyValuesToList().map { "\($0.key.key)@\($0.key.start)=\($0.value!)" }
        #expect(Set(hourly) == ["lamp@0=2", "pen@0=1"])
        let located = try driver.createOutputTopic("located", key: .string, value: .json(Example.Located.self)).readValuesToList()
        #expect(located.map(\.zip) == ["90210", nil, "90210", nil])
    }
}
