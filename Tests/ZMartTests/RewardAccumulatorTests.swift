import Foundation
import Testing
import ZMart

@Suite("RewardAccumulator and PurchasePattern")
struct RewardAccumulatorTests {
    static let pointTable: [(total: Double, points: Int)] = [
        (0.29 * 100, 29),
        (28.999999999999996, 29),
        (59.97000000000001, 59),
        (9.999, 9),
        (-3.5, -3),
        (-28.999999999999996, -29),
        (0, 0),
        (-0.0, 0),
        (0.5, 0),
        (-0.5, 0),
        (0.999, 0),
        (1e-12, 0),
        (29.99, 29),
        (100, 100),
        (99.99999999999, 100),
        (249.00000000000003, 249),
        (122.99999999999999, 123),
        (899.99 * 5, 4499),
        (.nan, 0),
        (.infinity, 0),
        (-.infinity, 0),
        (1e300, Int.max),
        (-1e300, Int.min),
        (0x1p63, Int.max),
        (-0x1p63, Int.min),
        (0x1p62, 1 << 62),
    ]

    @Test("points are the whole part of the total, tolerant of float error", arguments: pointTable)
    func points(total: Double, points: Int) {
        #expect(RewardAccumulator.points(for: total) == points)
    }

    static func purchase(quantity: Int, price: Double) -> Purchase {
        Purchase(
            firstName: "Ada", lastName: "Lovelace", customerId: "C-000042",
            creditCardNumber: "4111-1111-1111-1111", itemPurchased: "board game",
            department: "toys", employeeId: "E-1001", quantity: quantity, price: price,
            purchaseDate: PurchaseGenerator.startDate, zipCode: "90210", storeId: "S-002"
        )
    }

    static let purchaseTable: [(quantity: Int, price: Double, points: Int)] = [
        (100, 0.29, 29),
        (15, 8.2, 123),
        (15, 16.6, 249),
        (3, 19.99, 59),
        (1, 0.99, 0),
        (2, 29.99, 59),
        (-1, 3.5, -3),   // a refund
    ]

    @Test("reward from a purchase", arguments: purchaseTable)
    func rewardFromPurchase(quantity: Int, price: Double, points: Int) {
        let purchase = Self.purchase(quantity: quantity, price: price)
        let reward = RewardAccumulator(purchase: purchase)
        #expect(reward.customerId == "C-000042")
        #expect(reward.purchaseTotal == Double(quantity) * price)
        #expect(reward.rewardPoints == points)
    }

    @Test("pattern carries zip, item, date and amount")
    func pattern() {
        let purchase = Self.purchase(quantity: 3, price: 19.99)
        let pattern = PurchasePattern(purchase: purchase)
        #expect(pattern == PurchasePattern(
            zipCode: "90210", item: "board game",
            date: PurchaseGenerator.startDate, amount: 3 * 19.99
        ))
        #expect(abs(pattern.amount - 59.97) < 1e-9)
        #expect(purchase.total == pattern.amount)
    }

    @Test("models round-trip through JSON")
    func codable() throws {
        let purchase = Self.purchase(quantity: 2, price: 12.5)
        let encoder = JSONEncoder()
        let decoder = JSONDecoder()
        #expect(try decoder.decode(Purchase.self, from: encoder.encode(purchase)) == purchase)
        let pattern = PurchasePattern(purchase: purchase)
        #expect(try decoder.decode(PurchasePattern.self, from: encoder.encode(pattern)) == pattern)
        let reward = RewardAccumulator(purchase: purchase)
        #expect(try decoder.decode(RewardAccumulator.self, from: encoder.encode(reward)) == reward)
        #expect(reward.rewardPoints == 25)
    }
}
