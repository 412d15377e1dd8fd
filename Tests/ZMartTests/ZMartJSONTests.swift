import Foundation
import Streams
import Testing
import ZMart

/// ZMart's models adopt the fast JSON path; it must write exactly what the Codable path writes
/// and read what it reads.
@Suite("ZMart JSON: fast path and Codable agree")
struct ZMartJSONTests {
    struct CodableOnly<T: Codable>: Codable {
        let value: T
        init(_ value: T) { self.value = value }
        init(from decoder: any Decoder) throws { value = try T(from: decoder) }
        func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
    }

    @Test func bytesAreIdenticalForGeneratedPurchases() throws {
        var generator = PurchaseGenerator(seed: 11)
        let encoder = FastJSONEncoder()
        for _ in 0..<2_000 {
            let purchase = generator.next()
            var fast: [UInt8] = []
            try encoder.encode(purchase, into: &fast)
            var viaCodable: [UInt8] = []
            try encoder.encode(CodableOnly(purchase), into: &viaCodable)
            #expect(fast == viaCodable)
            let pattern = PurchasePattern(purchase: purchase)
            var fastPattern: [UInt8] = []
            try encoder.encode(pattern, into: &fastPattern)
            var codablePattern: [UInt8] = []
            try encoder.encode(CodableOnly(pattern), into: &codablePattern)
            #expect(fastPattern == codablePattern)
            let reward = RewardAccumulator(purchase: purchase)
            var fastReward: [UInt8] = []
            try encoder.encode(reward, into: &fastReward)
            var codableReward: [UInt8] = []
            try encoder.encode(CodableOnly(reward), into: &codableReward)
            #expect(fastReward == codableReward)

            // Each path reads what the other wrote (compared as the JSON it writes again, since
            // dates travel with millisecond precision).
            let readFast = try FastJSONDecoder().decode(Purchase.self, from: viaCodable)
            let readCodable = try FastJSONDecoder().decode(CodableOnly<Purchase>.self, from: fast).value
            #expect(try encoder.encode(readFast) == fast)
            #expect(try encoder.encode(readCodable) == fast)
            #expect(abs(readFast.purchaseDate.timeIntervalSince(purchase.purchaseDate)) < 0.001)
        }
    }

    @Test func statefulRecordsAndStoreValuesAreIdenticalOnBothPaths() throws {
        var generator = PurchaseGenerator(seed: 12)
        let encoder = FastJSONEncoder()
        func same<T: FastJSONCodable & Equatable>(_ value: T) throws {
            var fast: [UInt8] = []
            try encoder.encode(value, into: &fast)
            var viaCodable: [UInt8] = []
            try encoder.encode(CodableOnly(value), into: &viaCodable)
            #expect(fast == viaCodable)
            #expect(try FastJSONDecoder().decode(T.self, from: viaCodable) == value)
            #expect(try FastJSONDecoder().decode(CodableOnly<T>.self, from: fast).value == value)
        }
        var sales = ItemSales()
        var uses: [CardUse] = []
        for index in 0..<500 {
            let purchase = generator.next()
            sales.add(purchase.quantity, of: purchase.itemPurchased)
            uses.append(CardUse(card: "xxxx-xxxx-xxxx-\(1000 + index % 7)", zipCode: purchase.zipCode, time: Int64(index) * 60_000 - 1_000_000))
            try same(CustomerActivity(purchase: purchase))
            try same(ItemSale(item: purchase.itemPurchased, quantity: purchase.quantity))
            try same(RewardTotal(
                customerId: purchase.customerId, purchaseTotal: purchase.price, rewardPoints: index, totalRewardPoints: index * 3))
            try same(sales)
            try same(uses)
            try same(TopSellers(zipCode: purchase.zipCode, windowStart: Int64(index) * 3_600_000, items: sales.top(5)))
            try same(FraudAlert(
                customerId: purchase.customerId, card: "xxxx-xxxx-xxxx-\(1000 + index)", firstZip: purchase.zipCode,
                firstTime: Int64(index), secondZip: "00000", secondTime: Int64(index) + 1))
        }
    }

    @Test func membersInAnyOrderAndUnknownMembersAreRead() throws {
        let text = #"{"storeId":"S-1","extra":{"nested":[1,2,{"a":null}]},"zipCode":"90210","purchaseDate":"2026-11-25T09:30:00+01:00","price":2.5,"quantity":4,"employeeId":"E-1","department":"home","itemPurchased":"lamp","creditCardNumber":"4111-1111-1111-1111","customerId":"C-1","lastName":"L","firstName":"F"}"#
        let purchase = try FastJSONDecoder().decode(Purchase.self, from: Array(text.utf8))
        #expect(purchase.quantity == 4)
        #expect(purchase.purchaseDate == Date(timeIntervalSince1970: 1_795_595_400))
        #expect(purchase.zipCode == "90210")
    }

    @Test(arguments: [
        (#"{"firstName":"F"}"#, "lastName"),
        (#"{"firstName":"F","lastName":"L","customerId":"C","creditCardNumber":"4111111111111111","itemPurchased":"i","department":"d","employeeId":"e","quantity":"4111111111111111","price":1,"purchaseDate":"2026-01-01T00:00:00Z","zipCode":"z","storeId":"s"}"#, "quantity"),
        (#"{"firstName":"F","lastName":"L","customerId":"C","creditCardNumber":"4111111111111111","itemPurchased":"i","department":"d","employeeId":"e","quantity":1.5,"price":1,"purchaseDate":"2026-01-01T00:00:00Z","zipCode":"z","storeId":"s"}"#, "quantity"),
        (#"{"firstName":"F","lastName":"L","customerId":"C","creditCardNumber":"4111111111111111","itemPurchased":"i","department":"d","employeeId":"e","quantity":1,"price":1,"purchaseDate":"4111111111111111","zipCode":"z","storeId":"s"}"#, "purchaseDate"),
        (#"{"creditCardNumber":"4111 1111 1111 1111", "#, "$"),
    ])
    func badPurchasesNameTheFieldNeverTheValue(json: String, field: String) {
        do {
            _ = try FastJSONDecoder().decode(Purchase.self, from: Array(json.utf8))
            Issue.record("decoded a bad purchase")
        } catch {
            let text = String(describing: error)
            #expect(text.contains(field), "\(text)")
            #expect(!text.contains("4111"), "\(text)")
        }
    }

    @Test(arguments: [("10", "1e308"), ("9223372036854775807", "-1e300")])
    func bothDecodersRefuseAPurchaseWhoseAmountIsNotFinite(quantity: String, price: String) throws {
        let json = #"{"firstName":"F","lastName":"L","customerId":"C","creditCardNumber":"4111111111111111","itemPurchased":"i","department":"d","employeeId":"e","quantity":\#(quantity),"price":\#(price),"purchaseDate":"2026-01-01T00:00:00Z","zipCode":"z","storeId":"s"}"#
        let fast = #expect(throws: JSONCodingError.self) {
            try FastJSONDecoder().decode(Purchase.self, from: Array(json.utf8))
        }
        #expect(fast?.path == "$.price")
        #expect(fast?.reason == "quantity × price is not a finite amount")
        let codable = #expect(throws: JSONCodingError.self) {
            try FastJSONDecoder().decode(CodableOnly<Purchase>.self, from: Array(json.utf8))
        }
        #expect(codable?.path == "$.price")
        #expect(codable?.reason.contains("not a finite amount") == true)
        #expect(codable?.description.contains("4111") == false)
        // Within range, the same purchase decodes on both paths.
        let fine = json.replacingOccurrences(of: #""price":\#(price)"#, with: #""price":1"#)
        #expect(try FastJSONDecoder().decode(Purchase.self, from: Array(fine.utf8))
            == FastJSONDecoder().decode(CodableOnly<Purchase>.self, from: Array(fine.utf8)).value)
    }
}
