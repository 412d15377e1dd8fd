import Foundation
import Streams
import StreamsTestKit
import Testing
import ZMart

@Suite("ZMart topology through the test driver")
struct ZMartTopologyTests {
    struct Harness {
        let driver: TopologyTestDriver
        let input: TestInputTopic<String, Purchase>
        let patterns: TestOutputTopic<String, PurchasePattern>
        let rewards: TestOutputTopic<String, RewardAccumulator>
        let purchases: TestOutputTopic<String, Purchase>

        init(partitions: Int32 = 1, config: StreamsConfig = StreamsConfig(applicationId: "zmart-test")) throws {
            driver = try TopologyTestDriver(try ZMartTopology.make(), config: config, partitions: partitions)
            input = driver.createInputTopic(ZMartTopology.transactions, key: .string, value: .json(Purchase.self))
            patterns = driver.createOutputTopic(ZMartTopology.patterns, key: .string, value: .json(PurchasePattern.self))
            rewards = driver.createOutputTopic(ZMartTopology.rewards, key: .string, value: .json(RewardAccumulator.self))
            purchases = driver.createOutputTopic(ZMartTopology.purchases, key: .string, value: .json(Purchase.self))
        }

        /// Every output record's key as text and value bytes, for privacy checks.
        func rawOutputRecords() throws -> [(key: String, value: [UInt8])] {
            try ZMartTopology.outputTopics.flatMap { topic in
                try (0..<driver.cluster.partitionCount(of: topic)).flatMap { partition in
                    try driver.cluster.read(topic: topic, partition: partition).map {
                        (String(decoding: $0.key ?? [], as: UTF8.self), $0.value ?? [])
                    }
                }
            }
        }

        /// Every output record as raw text.
        func rawOutputs() throws -> [String] {
            try rawOutputRecords().map { $0.key + "\t" + String(decoding: $0.value, as: UTF8.self) }
        }
    }

    static func purchase(card: String, quantity: Int = 2, price: Double = 10.25, customer: String = "C-000001") -> Purchase {
        Purchase(
            firstName: "Ada", lastName: "Lovelace", customerId: customer, creditCardNumber: card,
            itemPurchased: "lamp", department: "home", employeeId: "E-0001", quantity: quantity, price: price,
            purchaseDate: Date(timeIntervalSince1970: 1_795_593_600), zipCode: "90210", storeId: "S-001")
    }

    @Test func maskingIsTheParentOfTheThreeOutputs() throws {
        let description = try ZMartTopology.make().describe()
        #expect(description.subtopologies.count == 1)
        let masking = try #require(description.subtopologies[0].nodes.first { $0.name == "masking" })
        #expect(masking.predecessors == ["transactions-source"])
        #expect(masking.successors == ["patterns", "rewards", "purchases-sink"])
        let source = try #require(description.subtopologies[0].nodes.first)
        #expect(source.kind == .source(topics: ["transactions"]))
        #expect(source.successors == ["masking"])
    }

    @Test func onePurchaseGivesAPatternARewardAndAMaskedPurchase() throws {
        let harness = try Harness()
        let purchase = Self.purchase(card: "1234-5678-9012-3456", quantity: 3, price: 19.99)
        try harness.input.pipeInput(key: "C-000001", value: purchase)
        let masked = try harness.purchases.readKeyValue()
        #expect(masked.key == "C-000001")
        #expect(masked.value.creditCardNumber == "xxxx-xxxx-xxxx-3456")
        var expected = purchase
        expected.creditCardNumber = "xxxx-xxxx-xxxx-3456"
        #expect(masked.value == expected)

        let pattern = try harness.patterns.readRecord()
        #expect(pattern.value.zipCode == "90210")
        #expect(pattern.value.item == "lamp")
        #expect(pattern.value.date == purchase.purchaseDate)
        #expect(abs(pattern.value.amount - 59.97) < 1e-9)
        // Event time is the purchase date.
        #expect(pattern.timestamp == 1_795_593_600_000)

        let reward = try harness.rewards.readValue()
        #expect(reward.customerId == "C-000001")
        #expect(abs(reward.purchaseTotal - 59.97) < 1e-9)
        #expect(reward.rewardPoints == 59)
        try harness.driver.assertNoUnreadOutput()
    }

    @Test(arguments: [
        (1, 0.29 * 100, 28),  // 28.999999999999996 is 29 within float error, times 1
        (100, 0.29, 29),
        (3, 19.99, 59),
        (1, 0.99, 0),
        (4, 25.0, 100),
    ])
    func rewardPointsAreTheWholePartOfTheTotal(quantity: Int, price: Double, points: Int) throws {
        let harness = try Harness()
        try harness.input.pipeInput(key: "k", value: Self.purchase(card: "4111111111111111", quantity: quantity, price: price))
        let reward = try harness.rewards.readValue()
        #expect(reward.purchaseTotal == Double(quantity) * price)
        #expect(reward.rewardPoints == (quantity == 1 && price == 0.29 * 100 ? 29 : points))
    }

    @Test(arguments: [1, 3, 8] as [Int32])
    func everyPurchaseFansOutToEachOutput(partitions: Int32) throws {
        let harness = try Harness(partitions: partitions)
        var generator = PurchaseGenerator(seed: UInt64(partitions) * 7919)
        let count = 500
        for _ in 0..<count {
            let (key, purchase) = generator.nextRecord()
            try harness.input.pipeInput(key: key, value: purchase)
        }
        #expect(try harness.patterns.readValuesToList().count == count)
        #expect(try harness.rewards.readValuesToList().count == count)
        let purchases = try harness.purchases.readRecordsToList()
        #expect(purchases.count == count)
        // Outputs keep the input key, so they land where Kafka's partitioner puts it.
        for record in purchases {
            #expect(record.metadata?.partition == Murmur2.partition(forKey: Array(record.key.utf8), partitionCount: partitions))
        }
        try harness.driver.assertNoUnreadOutput()
    }

    @Test func noDigitOfTheCardButTheLastFourReachesAnyOutput() throws {
        var random = SplitMix(seed: 2026)
        let harness = try Harness(partitions: 2)
        var cards: [String] = []
        for index in 0..<400 {
            let card = RandomCard.make(&random)
            cards.append(card)
            // Half the time the till also puts the card number into the key.
            let key = index % 2 == 0 ? "C-\(index)" : card
            try harness.input.pipeInput(key: key, value: Self.purchase(card: card, customer: "C-\(index)"))
        }
        let masked = try harness.purchases.readValuesToList()
        #expect(masked.count == cards.count)
        // Every text an output carries: keys and every string field except dates. Apart from a
        // card's last four digits, none holds more than five digits in a row, so any six of a
        // card's hidden digits found there would be a leak.
        let texts = try harness.rawOutputRecords().flatMap { key, value in
            [key] + (try Self.stringFields(of: value))
        }
        let textDigits = texts.map { $0.filter(\.isNumber) }.joined(separator: "|")
        for card in cards {
            let digits = Array(card.filter(\.isNumber))
            let hidden = digits.dropLast(4)
            for start in hidden.indices where start + 6 <= hidden.endIndex {
                let window = String(hidden[start..<(start + 6)])
                #expect(!textDigits.contains(window), "hidden card digits reached an output")
            }
            #expect(!texts.contains { $0.contains(card.trimmingCharacters(in: .whitespaces)) })
        }
        for purchase in masked {
            let shown = purchase.creditCardNumber.filter(\.isNumber)
            #expect(shown.count == 4)
            #expect(purchase.creditCardNumber.allSatisfy { $0 == "x" || $0 == "-" || $0 == " " || $0.isNumber })
        }
        #expect(Set(masked.map { $0.creditCardNumber.filter(\.isNumber) }) == Set(cards.map { String($0.filter(\.isNumber).suffix(4)) }))
    }

    /// String values of a JSON document, except date fields.
    static func stringFields(of json: [UInt8]) throws -> [String] {
        func collect(_ value: Any, _ key: String?) -> [String] {
            switch value {
            case let text as String: return key == "date" || key == "purchaseDate" ? [] : [text]
            case let object as [String: Any]: return object.flatMap { collect($0.value, $0.key) }
            case let array as [Any]: return array.flatMap { collect($0, key) }
            default: return []
            }
        }
        return collect(try JSONSerialization.jsonObject(with: Data(json)), nil)
    }

    @Test(arguments: ["4111.1111.1111.1111", "１２３４５６７８９０１２３４５６", "12345", "card 4111111111111111", "", "4111--1111-1111-1111"])
    func unparseableCardsAreMaskedWhole(card: String) throws {
        let harness = try Harness()
        try harness.input.pipeInput(key: "k", value: Self.purchase(card: card))
        let masked = try harness.purchases.readValue()
        #expect(masked.creditCardNumber.allSatisfy { !$0.isNumber })
        let outputs = try harness.rawOutputs().joined()
        let digits = card.filter(\.isNumber)
        if digits.count >= 5 { #expect(!outputs.contains(digits)) }
    }

    @Test func aMalformedRecordIsSkippedAndTheStreamGoesOn() throws {
        var config = StreamsConfig(applicationId: "zmart-test")
        config.deserializationErrorHandler = .logAndContinue
        let harness = try Harness(config: config)
        let raw = harness.driver.createInputTopic(ZMartTopology.transactions, key: .string, value: .bytes)
        try harness.input.pipeInput(key: "a", value: Self.purchase(card: "4111111111111111"))
        try raw.pipeInput(key: "b", value: Array(#"{"firstName":"4111111111111111","quantity":"two"}"#.utf8))
        try harness.input.pipeInput(key: "c", value: Self.purchase(card: "4111111111111111"))
        #expect(try harness.purchases.readKeyValuesToList().map(\.key) == ["a", "c"])
        #expect(harness.driver.cluster.committedOffset(group: "zmart-test", topic: "transactions", partition: 0) == 3)
    }

    @Test func aMalformedRecordFailsByDefaultWithoutItsContent() throws {
        let harness = try Harness()
        let raw = harness.driver.createInputTopic(ZMartTopology.transactions, key: .string, value: .bytes)
        let error = #expect(throws: StreamsError.self) {
            try raw.pipeInput(key: "b", value: Array(#"{"creditCardNumber":"4111 1111 1111 1111"}"#.utf8))
        }
        #expect(error?.code == .deserialization)
        #expect(error?.location?.description == "transactions-0@0")
        let text = String(describing: error)
        #expect(!text.contains("4111"))
        #expect(text.contains("firstName"))
    }
}

/// Random card numbers in many written formats.
enum RandomCard {
    static func make(_ random: inout SplitMix) -> String {
        let length = 12 + Int(random.next() % 8)
        var digits = ""
        for _ in 0..<length { digits.append(Character(String(random.next() % 10))) }
        switch random.next() % 5 {
        case 0: return digits
        case 1: return group(digits, by: 4, with: "-")
        case 2: return group(digits, by: 4, with: " ")
        case 3: return "  " + group(digits, by: 3, with: random.next() % 2 == 0 ? "-" : " ") + " "
        default:
            var text = ""
            for (index, digit) in digits.enumerated() {
                if index > 0 && random.next() % 3 == 0 { text.append(random.next() % 2 == 0 ? "-" : " ") }
                text.append(digit)
            }
            return text
        }
    }

    static func group(_ digits: String, by size: Int, with separator: String) -> String {
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && index % size == 0 { text += separator }
            text.append(digit)
        }
        return text
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
