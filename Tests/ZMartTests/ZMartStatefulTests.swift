import Foundation
import Streams
import StreamsTestKit
import Testing
import ZMart

@Suite("Stateful ZMart through the driver")
struct ZMartStatefulTests {
    static let base = Date(timeIntervalSince1970: 1_795_593_600)  // on the hour

    static func purchase(
        customer: String, card: String, item: String = "lamp", quantity: Int = 1, price: Double = 10,
        zip: String = "90210", minutes: Double
    ) -> Purchase {
        Purchase(
            firstName: "Ada", lastName: "Lovelace", customerId: customer, creditCardNumber: card,
            itemPurchased: item, department: "home", employeeId: "E-0001", quantity: quantity, price: price,
            purchaseDate: base.addingTimeInterval(minutes * 60), zipCode: zip, storeId: "S-001")
    }

    static let cards = ["4111 1111 1111 1111", "5105-1051-0510-5100", "378282246310005"]

    func run(_ purchases: [Purchase]) throws -> TopologyTestDriver {
        let topology = try ZMartTopology.makeStateful()
        let driver = try TopologyTestDriver(topology)
        let input = driver.createInputTopic("transactions", key: .string, value: .json(Purchase.self))
        for purchase in purchases { try input.pipeInput(key: purchase.customerId, value: purchase) }
        return driver
    }

    @Test func rewardsCarryEachCustomersRunningTotal() throws {
        let driver = try run([
            Self.purchase(customer: "C1", card: Self.cards[0], quantity: 2, price: 5.25, minutes: 0),  // 10 points
            Self.purchase(customer: "C2", card: Self.cards[1], quantity: 1, price: 7, minutes: 1),  // 7
            Self.purchase(customer: "C1", card: Self.cards[0], quantity: 1, price: 20.99, minutes: 2),  // 20
        ])
        let rewards = try driver.createOutputTopic("rewards", key: .string, value: Serde<RewardTotal>.json().optional)
            .readKeyValuesToList().map { "\($0.key):\($0.value!.rewardPoints)/\($0.value!.totalRewardPoints)" }
        #expect(rewards == ["C1:10/10", "C2:7/7", "C1:20/30"])
        let store = try #require(driver.stateStore(named: ZMartTopology.rewardPointsStore, as: KeyValueStore<String, RewardTotal>.self))
        #expect(try store.get("C1")?.totalRewardPoints == 30)
    }

    @Test func hugeTotalsAndUnitsAreHeldAtTheLimitInsteadOfStoppingTheStream() throws {
        let driver = try run([
            // Each earns Int.max points (its whole part does not fit): the sum must not trap.
            Self.purchase(customer: "C1", card: Self.cards[0], item: "gold", quantity: Int.max, price: 1e10, minutes: 0),
            Self.purchase(customer: "C1", card: Self.cards[0], item: "gold", quantity: Int.max, price: 1e10, minutes: 1),
            Self.purchase(customer: "C1", card: Self.cards[0], item: "pen", quantity: 1, price: 3, minutes: 2),
            Self.purchase(customer: "C2", card: Self.cards[1], quantity: 1, price: 3, minutes: 66),  // closes the hour
        ])
        let rewards = try driver.createOutputTopic("rewards", key: .string, value: Serde<RewardTotal>.json().optional)
            .readValuesToList().compactMap { $0 }
        #expect(rewards.map(\.totalRewardPoints) == [.max, .max, .max, 3])
        let top = try driver.createOutputTopic("top-sellers", key: .string, value: Serde<TopSellers>.json().optional)
            .readValuesToList().compactMap { $0 }
        #expect(top.first?.items == [ItemUnits(item: "gold", units: .max), ItemUnits(item: "pen", units: 1)])

        var sales = ItemSales()
        sales.add(.min, of: "returns")
        sales.add(-1, of: "returns")
        #expect(sales.units == ["returns": .min])
    }

    @Test func topSellersComeOutPerZipCodeOnceTheHourCloses() throws {
        let driver = try run([
            Self.purchase(customer: "C1", card: Self.cards[0], item: "pen", quantity: 5, zip: "90210", minutes: 1),
            Self.purchase(customer: "C2", card: Self.cards[1], item: "lamp", quantity: 2, zip: "90210", minutes: 10),
            Self.purchase(customer: "C3", card: Self.cards[2], item: "desk", quantity: 1, zip: "90210", minutes: 20),
            Self.purchase(customer: "C1", card: Self.cards[0], item: "mug", quantity: 3, zip: "10001", minutes: 30),
            // 1 h 5 min after the hour: its window and grace are over, so it closes.
            Self.purchase(customer: "C2", card: Self.cards[1], item: "pen", quantity: 1, zip: "10001", minutes: 66),
        ])
        let top = try driver.createOutputTopic("top-sellers", key: .string, value: Serde<TopSellers>.json().optional)
            .readValuesToList().compactMap { $0 }
        let byZip = Dictionary(uniqueKeysWithValues: top.map { ($0.zipCode, $0) })
        #expect(byZip.count == 2)
        #expect(byZip["90210"]?.items.map(\.item) == ["pen", "lamp", "desk"])
        #expect(byZip["90210"]?.items.map(\.units) == [5, 2, 1])
        #expect(byZip["10001"]?.items == [ItemUnits(item: "mug", units: 3)])
        #expect(top.allSatisfy { $0.windowStart == Int64(Self.base.timeIntervalSince1970 * 1000) })
    }

    @Test func oneCardInTwoZipCodesWithinTenMinutesRaisesAnAlert() throws {
        let driver = try run([
            Self.purchase(customer: "C1", card: Self.cards[0], zip: "90210", minutes: 0),
            Self.purchase(customer: "C1", card: Self.cards[0], zip: "10001", minutes: 5),  // alert
            Self.purchase(customer: "C2", card: Self.cards[1], zip: "90210", minutes: 0),
            Self.purchase(customer: "C2", card: Self.cards[1], zip: "10001", minutes: 20),  // too far apart
            Self.purchase(customer: "C3", card: Self.cards[2], zip: "60601", minutes: 1),
            Self.purchase(customer: "C3", card: Self.cards[2], zip: "60601", minutes: 2),  // same zip
            // One customer, two cards, two zip codes: each card was used in one zip code.
            Self.purchase(customer: "C4", card: Self.cards[1], zip: "30301", minutes: 3),
            Self.purchase(customer: "C4", card: Self.cards[2], zip: "73301", minutes: 4),
        ])
        let alerts = try driver.createOutputTopic("fraud-alerts", key: .string, value: .json(FraudAlert.self)).readValuesToList()
        #expect(alerts.count == 1)
        let alert = try #require(alerts.first)
        #expect(alert.customerId == "C1")
        #expect((alert.firstZip, alert.secondZip) == ("90210", "10001"))
        #expect(alert.card.hasSuffix("1111"))
        // No output holds a raw card number or its digits.
        let texts = try ["patterns", "rewards", "purchases", "top-sellers", "fraud-alerts"].flatMap { topic in
            try driver.cluster.read(topic: TopicName(topic), partition: 0).map { String(decoding: $0.value ?? [], as: UTF8.self) }
        }
        for card in Self.cards {
            let digits = card.filter(\.isNumber)
            #expect(!texts.contains { $0.contains(card) || $0.filter(\.isNumber).contains(digits) })
        }
    }

    @Test func theTopologyIsTheStatelessOnePlusThreeStatefulBranches() throws {
        let topology = try ZMartTopology.makeStateful()
        let description = topology.describe().description
        #expect(description.contains("(stores: [reward-points])"))
        #expect(description.contains("(stores: [card-uses])"))
        #expect(topology.internalTopics.isSuperset(of: [
            "purchases-by-customer-repartition", "purchases-by-zip-repartition",
            "reward-points-changelog", "item-sales-changelog", "card-uses-changelog",
        ]))
    }
}
