import Foundation
import Streams
import StreamsTestKit
import Testing

// The README's examples, compiled and run, so the documentation stays true. Nested in an
// enum so the README's short type names do not clash with other tests.
enum ReadmeExample {

struct Order: Codable, Equatable {
    var orderId: String
    var store: String
    var quantity: Int
    var price: Double
    var total: Double { Double(quantity) * price }
}

struct LargeOrderAlert: Codable, Equatable {
    var orderId: String
    var total: Double
    init(order: Order) {
        orderId = order.orderId
        total = order.total
    }
}

final class RunningTotal: Processor {
    private var context: ProcessorContext<String, Double>!
    private var total = 0.0
    func initialize(context: ProcessorContext<String, Double>) {
        self.context = context
        context.schedule(every: .seconds(60), on: .wallClockTime) { now in
            try context.forward(Record(key: "total", value: self.total, timestamp: now))
        }
    }
    func process(_ record: Record<String, Double>) throws { total += record.value }
}

@Suite("README examples")
struct ReadmeExampleTests {
    func readmeTopology() throws -> Topology {
        let builder = StreamsBuilder()
        let orders = builder.stream("orders", Consumed(key: .string, value: .json(Order.self)))

        let branches = orders
            .filter { _, order in order.quantity > 0 }
            .split(named: "size-")
            .branch("large") { _, order in order.total >= 100 }
            .defaultBranch("small")

        branches["size-large"]!
            .mapValues { LargeOrderAlert(order: $0) }
            .to("alerts", Produced(key: .string, value: .json(LargeOrderAlert.self)))
        branches["size-small"]!
            .selectKey { _, order in order.store }
            .to("small-orders-by-store", Produced(key: .string, value: .json(Order.self)))

        return try builder.build()
    }

    @Test func dslExampleRoutesOrders() throws {
        let driver = try TopologyTestDriver(try readmeTopology())
        let input = driver.createInputTopic("orders", key: .string, value: .json(Order.self))
        let alerts = driver.createOutputTopic("alerts", key: .string, value: .json(LargeOrderAlert.self))
        let small = driver.createOutputTopic("small-orders-by-store", key: .string, value: .json(Order.self))
        try input.pipeInput(key: "o-1", value: Order(orderId: "o-1", store: "S-1", quantity: 2, price: 60), timestamp: 1_000)
        try input.pipeInput(key: "o-2", value: Order(orderId: "o-2", store: "S-2", quantity: 1, price: 5), timestamp: 2_000)
        try input.pipeInput(key: "o-3", value: Order(orderId: "o-3", store: "S-3", quantity: 0, price: 500), timestamp: 3_000)
        #expect(try alerts.readValue().orderId == "o-1")
        let smallOrder = try small.readKeyValue()
        #expect(smallOrder.key == "S-2")
        try driver.advanceWallClockTime(by: .seconds(60))
        try driver.assertNoUnreadOutput()
    }

    @Test func fastJSONExampleWritesWhatCodableWrites() throws {
        struct ViaCodable: Encodable {
            let order: Order
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Key.self)
                try container.encode(order.orderId, forKey: .orderId)
                try container.encode(order.store, forKey: .store)
                try container.encode(order.quantity, forKey: .quantity)
                try container.encode(order.price, forKey: .price)
            }
            enum Key: String, CodingKey { case orderId, store, quantity, price }
        }
        let order = Order(orderId: "o-9", store: "S-1", quantity: 3, price: 2.5)
        let fast = try FastJSONEncoder().encode(order)
        #expect(fast == (try FastJSONEncoder().encode(ViaCodable(order: order))))
        #expect(try FastJSONDecoder().decode(Order.self, from: fast) == order)
        let missing = #expect(throws: JSONCodingError.self) {
            try FastJSONDecoder().decode(Order.self, from: Array(#"{"orderId":"o"}"#.utf8))
        }
        #expect(missing?.description.contains("store") == true)
    }

    @Test func processorExampleEmitsItsTotalEveryMinute() throws {
        let builder = StreamsBuilder()
        builder.stream("amounts", Consumed(key: .string, value: .double))
            .process { RunningTotal() }
            .to("totals", Produced(key: .string, value: .double))
        let driver = try TopologyTestDriver(try builder.build())
        let input = driver.createInputTopic("amounts", key: .string, value: .double)
        try input.pipeInput(key: "a", value: 1.5)
        try input.pipeInput(key: "b", value: 2.5)
        try driver.advanceWallClockTime(by: .seconds(60))
        #expect(try driver.createOutputTopic("totals", key: .string, value: .double).readValue() == 4.0)
    }
}
}

extension ReadmeExample.Order: FastJSONCodable {
    func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
        writer.beginObject()
        writer.field("orderId", orderId)
        writer.field("store", store)
        writer.field("quantity", quantity)
        try writer.field("price", price)
        writer.endObject()
    }
    init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
        var orderId: String?, store: String?, quantity: Int?, price: Double?
        try reader.readObject { key, reader in
            switch key {
            case "orderId": orderId = try reader.readString()
            case "store": store = try reader.readString()
            case "quantity": quantity = try reader.readInt()
            case "price": price = try reader.readDouble()
            default: try reader.skipValue()
            }
        }
        guard let orderId else { throw reader.missing("orderId") }
        guard let store else { throw reader.missing("store") }
        guard let quantity else { throw reader.missing("quantity") }
        guard let price else { throw reader.missing("price") }
        self.init(orderId: orderId, store: store, quantity: quantity, price: price)
    }
}

