import Foundation
import Streams

/// A reward with the customer's running total: the `rewards` record of stateful ZMart.
public struct RewardTotal: Codable, Equatable, Hashable, Sendable {
    /// The customer.
    public var customerId: String
    /// This purchase's amount.
    public var purchaseTotal: Double
    /// This purchase's points.
    public var rewardPoints: Int
    /// The customer's points so far, this purchase's included; held at `Int.max` (or `Int.min`)
    /// rather than overflowing.
    public var totalRewardPoints: Int

    /// Creates a reward total.
    public init(customerId: String, purchaseTotal: Double, rewardPoints: Int, totalRewardPoints: Int) {
        self.customerId = customerId
        self.purchaseTotal = purchaseTotal
        self.rewardPoints = rewardPoints
        self.totalRewardPoints = totalRewardPoints
    }
}

/// Units sold per item, in one zip code and one window.
///
/// The items are kept in the order they were first sold, next to their units: a window
/// holds a few dozen items at most, so finding one by comparing names costs less than hashing
/// it, and the aggregate grows without rehashing. As JSON it is `{"units": {item: units, …}}`,
/// items in that order.
public struct ItemSales: Codable, Equatable, Sendable {
    /// The items sold, in the order first sold.
    public private(set) var items: [String] = []
    /// The units of each of ``items``, at the same position.
    public private(set) var itemUnits: [Int] = []

    /// No sales.
    public init() {}

    /// The sales of `units` (item by item, by name).
    public init(units: [String: Int]) {
        for (item, count) in units.sorted(by: { $0.key < $1.key }) { add(count, of: item) }
    }

    /// Units by item.
    public var units: [String: Int] { Dictionary(uniqueKeysWithValues: zip(items, itemUnits)) }

    /// Adds `units` sold of `item`; the item's units are held at `Int.max` (or `Int.min`) rather
    /// than overflowing.
    public mutating func add(_ units: Int, of item: String) {
        let position = position(of: item)
        itemUnits[position] = itemUnits[position].addingSaturated(units)
    }

    /// Sets the units sold of `item`.
    mutating func set(_ units: Int, of item: String) { itemUnits[position(of: item)] = units }

    /// Where `item` is in ``items``, added (with no units) if it is not there yet.
    private mutating func position(of item: String) -> Int {
        if let index = items.firstIndex(of: item) { return index }
        items.append(item)
        itemUnits.append(0)
        return items.count - 1
    }

    /// The best sellers, most units first, ties by name.
    public func top(_ count: Int) -> [ItemUnits] {
        zip(items, itemUnits).map { ItemUnits(item: $0, units: $1) }
            .sorted { ($0.units, $1.item) > ($1.units, $0.item) }
            .prefix(count).map { $0 }
    }

    /// The same units of the same items, in any order.
    public static func == (lhs: ItemSales, rhs: ItemSales) -> Bool { lhs.units == rhs.units }

    enum CodingKeys: String, CodingKey { case units }

    /// An item's name as a JSON member name.
    struct ItemKey: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let units = try decoder.container(keyedBy: CodingKeys.self).nestedContainer(keyedBy: ItemKey.self, forKey: .units)
        for key in units.allKeys { set(try units.decode(Int.self, forKey: key), of: key.stringValue) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var units = container.nestedContainer(keyedBy: ItemKey.self, forKey: .units)
        for (item, count) in zip(items, itemUnits) { try units.encode(count, forKey: ItemKey(stringValue: item)) }
    }
}

/// An item and its units sold.
public struct ItemUnits: Codable, Equatable, Hashable, Sendable {
    /// The item.
    public var item: String
    /// Units sold.
    public var units: Int

    /// Creates an item's units.
    public init(item: String, units: Int) {
        self.item = item
        self.units = units
    }
}

/// The five best-selling items of one zip code in one hour: a `top-sellers` record.
public struct TopSellers: Codable, Equatable, Sendable {
    /// The zip code.
    public var zipCode: String
    /// The hour's start, in milliseconds since the epoch.
    public var windowStart: Int64
    /// Up to five items, most units first.
    public var items: [ItemUnits]

    /// Creates a zip code's top sellers of one window.
    public init(zipCode: String, windowStart: Int64, items: [ItemUnits]) {
        self.zipCode = zipCode
        self.windowStart = windowStart
        self.items = items
    }
}

/// One card used in two zip codes within the alert window: a `fraud-alerts` record. The card
/// is masked (only its last four digits show).
public struct FraudAlert: Codable, Equatable, Hashable, Sendable {
    /// The customer.
    public var customerId: String
    /// The masked card.
    public var card: String
    /// The earlier use's zip code and time (ms since the epoch).
    public var firstZip: String
    public var firstTime: Int64
    /// The later use's zip code and time.
    public var secondZip: String
    public var secondTime: Int64

    /// Creates an alert.
    public init(customerId: String, card: String, firstZip: String, firstTime: Int64, secondZip: String, secondTime: Int64) {
        self.customerId = customerId
        self.card = card
        self.firstZip = firstZip
        self.firstTime = firstTime
        self.secondZip = secondZip
        self.secondTime = secondTime
    }
}

/// What the customer branch of stateful ZMart needs of one masked purchase: its reward and
/// where its (masked) card was used. Repartitioned by customer (the record key, so the
/// customer id is not repeated here) instead of the whole purchase, so the repartition topic
/// carries a fraction of the bytes to write and read back.
public struct CustomerActivity: Codable, Equatable, Sendable {
    /// The purchase's total (quantity × price).
    public var purchaseTotal: Double
    /// The purchase's reward points.
    public var rewardPoints: Int
    /// The masked card (only its last four digits show).
    public var card: String
    /// Where it was used.
    public var zipCode: String

    /// Creates an activity.
    public init(purchaseTotal: Double, rewardPoints: Int, card: String, zipCode: String) {
        self.purchaseTotal = purchaseTotal
        self.rewardPoints = rewardPoints
        self.card = card
        self.zipCode = zipCode
    }

    /// The activity of a masked purchase.
    public init(purchase: Purchase) {
        let reward = RewardAccumulator(purchase: purchase)
        self.init(
            purchaseTotal: reward.purchaseTotal, rewardPoints: reward.rewardPoints, card: purchase.creditCardNumber,
            zipCode: purchase.zipCode)
    }
}

/// Units of one item sold: what the top sellers of a zip code are counted from, repartitioned
/// by zip code instead of the whole purchase.
public struct ItemSale: Codable, Equatable, Sendable {
    /// The item.
    public var item: String
    /// Units sold.
    public var quantity: Int

    /// Creates a sale.
    public init(item: String, quantity: Int) {
        self.item = item
        self.quantity = quantity
    }
}

/// A card's use, as the fraud detector remembers it (among its customer's recent uses).
public struct CardUse: Codable, Equatable, Sendable {
    /// The masked card (only its last four digits show).
    public var card: String
    /// Where.
    public var zipCode: String
    /// When, in milliseconds since the epoch.
    public var time: Int64

    /// Creates a use.
    public init(card: String, zipCode: String, time: Int64) {
        self.card = card
        self.zipCode = zipCode
        self.time = time
    }
}

extension ZMartTopology {
    /// Output of stateful ZMart: the five best sellers per zip code and hour.
    public static let topSellers: TopicName = "top-sellers"
    /// Output of stateful ZMart: a card used in two zip codes within ten minutes.
    public static let fraudAlerts: TopicName = "fraud-alerts"
    /// The outputs of stateful ZMart.
    public static let statefulOutputTopics: [TopicName] = [patterns, rewards, purchases, topSellers, fraudAlerts]
    /// The store of each customer's running reward total (queryable by customer id).
    public static let rewardPointsStore = "reward-points"

    /// Builds stateful ZMart: the same masking, patterns and purchases; `rewards` records that
    /// carry the customer's running total (kept in ``rewardPointsStore``, keyed by customer id
    /// through a repartition topic); the top five items per zip code and one-hour window once
    /// the window closes (`top-sellers`); and an alert when one masked card of one customer is
    /// used in two zip codes within ten minutes (`fraud-alerts`).
    /// - Parameters:
    ///   - hour: The top sellers' window (one hour).
    ///   - grace: How long a window waits for late purchases.
    ///   - fraudWindow: How close in time two uses must be to raise an alert (ten minutes).
    ///   - stores: Makes the bytes stores of the reward totals, the item sales and the card
    ///     uses (e.g. `RocksDBStores.persistentKeyValueStore(name, directory:)`); in memory
    ///     when `nil`.
    public static func makeStateful(
        hour: Duration = .seconds(3600), grace: Duration = .seconds(300), fraudWindow: Duration = .seconds(600),
        stores: (@Sendable (_ name: String) -> KeyValueBytesStoreSupplier)? = nil
    ) throws -> Topology {
        func materialized<Value>(_ name: String, _ value: Serde<Value>) -> Materialized<String, Value> {
            var materialized = Materialized(name, key: .string, value: value)
            materialized.storeSupplier = stores
            return materialized
        }
        let builder = StreamsBuilder()
        let masked = builder
            .stream(transactions, Consumed(key: .string, value: .json(Purchase.self), timestampExtractor: purchaseTime, name: "transactions-source"))
            .process(named: "masking") { PurchaseMasker() }
        masked.mapValues(named: "patterns") { PurchasePattern(purchase: $0) }
            .to(patterns, Produced(key: .string, value: .json(PurchasePattern.self), name: "patterns-sink"))
        masked.to(purchases, Produced(key: .string, value: .json(Purchase.self), name: "purchases-sink"))

        // One repartition by customer serves the reward totals and the fraud detector: a card
        // is one customer's, so all uses of a card meet where the customer's records do. What
        // crosses the repartition topics is only what the branches need, not the purchase.
        let byCustomer = masked.map(named: "by-customer") { _, purchase in
            (purchase.customerId, CustomerActivity(purchase: purchase))
        }
        .repartition(Grouped("purchases-by-customer", key: .string, value: .json(CustomerActivity.self)))
        byCustomer.groupByKey()
            .aggregate(
                named: "rewards",
                initializer: { RewardTotal(customerId: "", purchaseTotal: 0, rewardPoints: 0, totalRewardPoints: 0) },
                materialized(rewardPointsStore, .json(RewardTotal.self))
            ) { customer, activity, total in
                RewardTotal(
                    customerId: customer, purchaseTotal: activity.purchaseTotal, rewardPoints: activity.rewardPoints,
                    totalRewardPoints: total.totalRewardPoints.addingSaturated(activity.rewardPoints))
            }
            .toStream()
            .to(rewards, Produced(key: .string, value: Serde<RewardTotal>.json().optional, name: "rewards-sink"))

        masked.map(named: "by-zip") { _, purchase in (purchase.zipCode, ItemSale(item: purchase.itemPurchased, quantity: purchase.quantity)) }
            .groupByKey(Grouped("purchases-by-zip", key: .string, value: .json(ItemSale.self)))
            .windowedBy(.ofSize(hour, grace: grace))
            .emitStrategy(.onWindowClose)
            .aggregate(named: "item-sales", into: { ItemSales() }, materialized("item-sales", .json(ItemSales.self))) {
                _, sale, sales in sales.add(sale.quantity, of: sale.item)
            }
            .toStream()
            .map(named: "top-five") { window, sales in
                (window.key, sales.map { TopSellers(zipCode: window.key, windowStart: window.start, items: $0.top(5)) })
            }
            .to(topSellers, Produced(key: .string, value: Serde<TopSellers>.json().optional, name: "top-sellers-sink"))

        builder.addStateStore(
            Stores.keyValueStoreBuilder(
                stores?("card-uses") ?? Stores.inMemoryKeyValueStore("card-uses"), key: .string, value: .json([CardUse].self)
            ).withCachingEnabled())
        let window = fraudWindow.milliseconds
        byCustomer.process(named: "fraud-detector", stores: ["card-uses"]) { FraudDetector(window: window) }
            .to(fraudAlerts, Produced(key: .string, value: .json(FraudAlert.self), name: "fraud-alerts-sink"))
        return try builder.build()
    }
}

/// Remembers each card's recent uses and alerts when one comes from another zip code within
/// the window.
final class FraudDetector: Processor {
    typealias KeyIn = String
    typealias ValueIn = CustomerActivity
    typealias KeyOut = String
    typealias ValueOut = FraudAlert
    let window: Int64
    private var context: ProcessorContext<String, FraudAlert>!
    private var uses: KeyValueStore<String, [CardUse]>!

    init(window: Int64) { self.window = window }

    func initialize(context: ProcessorContext<String, FraudAlert>) throws {
        self.context = context
        uses = try context.stateStore(named: "card-uses", as: KeyValueStore<String, [CardUse]>.self)
    }

    /// Records come keyed by customer, and the recent uses of all a customer's cards are kept
    /// under the customer (no key to make per record, and one entry per customer); alerts
    /// are keyed by customer and card.
    func process(_ record: Record<String, CustomerActivity>) throws {
        let now = record.timestamp
        let activity = record.value
        let use = CardUse(card: activity.card, zipCode: activity.zipCode, time: now)
        // In place: the cached uses are changed where they are, not copied first (nothing
        // here throws).
        let other = try uses.update(record.key, inPlace: true) { recent -> CardUse? in
            if recent == nil { recent = [] }
            recent!.removeAll { abs(now - $0.time) > window }
            let other = recent!.first { $0.zipCode != activity.zipCode && $0.card == activity.card }
            recent!.append(use)
            return other
        }
        if let other {
            let (first, second) = other.time <= now ? (other, use) : (use, other)
            try context.forward(
                record.withKey(record.key + " " + activity.card).withValue(
                    FraudAlert(
                        customerId: record.key, card: activity.card, firstZip: first.zipCode,
                        firstTime: first.time, secondZip: second.zipCode, secondTime: second.time)))
        }
    }
}

extension Int {
    /// `self + other`, held at `Int.max` or `Int.min` instead of overflowing: a sum of input
    /// numbers must not stop the stream, however large the numbers.
    func addingSaturated(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
