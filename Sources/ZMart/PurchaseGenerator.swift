import Foundation

/// Generates an endless, deterministic stream of realistic ZMart purchases.
///
/// The same seed produces the same purchases on every platform and Swift
/// version: the generator uses its own ``Xoshiro256StarStar`` PRNG and maps
/// raw 64-bit outputs to ranges itself.
///
/// The data models a retail chain on Black Friday:
/// - a fixed population of customers (`"C-000001"`…), each with a stable
///   name, home store and Luhn-valid card number in one of several real-world
///   formats (16 digits with dashes, spaces or none; 15-digit Amex grouped
///   4-6-5; 13 and 19 digits). A twentieth of the customers are regulars who
///   make a quarter of all purchases;
/// - stores `"S-001"`… each with a fixed five-digit US zip code and eight
///   employees (`"E-1000"`…);
/// - thirty items in six departments (electronics, apparel, grocery, home,
///   garden, toys), priced within ±15 % of a base price, in whole cents;
/// - quantities of 1 to 5 (rarely up to 10);
/// - event times starting at ``startDate`` and advancing by 0 to 3 seconds
///   (millisecond resolution) per purchase, so they never decrease.
///
/// Use it as an iterator with ``next()`` / ``nextRecord()``, or as an
/// infinite `Sequence` (for example `generator.prefix(1_000)`); iterating a
/// sequence works on a copy and does not advance the original.
public struct PurchaseGenerator: Sequence, Sendable {
    /// The event time of the first purchase: 2026-11-25T08:00:00Z.
    public static let startDate = Date(timeIntervalSince1970: 1_795_593_600)

    /// The number of employees per store.
    public static let employeesPerStore = 8

    /// The seed this generator was created with.
    public let seed: UInt64
    /// The size of the customer population.
    public let customers: Int
    /// The number of stores.
    public let stores: Int

    private var random: Xoshiro256StarStar
    private var eventMillis: Int64 = 1_795_593_600_000
    private let regulars: Int

    /// Creates a generator.
    ///
    /// - Parameters:
    ///   - seed: The seed; equal seeds give identical streams.
    ///   - customers: The size of the customer population (at least 1).
    ///   - stores: The number of stores (at least 1).
    public init(seed: UInt64, customers: Int = 10_000, stores: Int = 50) {
        precondition(customers >= 1, "customers must be at least 1")
        precondition(stores >= 1, "stores must be at least 1")
        self.seed = seed
        self.customers = customers
        self.stores = stores
        self.random = Xoshiro256StarStar(seed: seed)
        self.regulars = Swift.max(1, customers / 20)
    }

    /// Generates the next purchase. Never ends.
    ///
    /// - Returns: The next purchase, with a raw (unmasked) card number.
    public mutating func next() -> Purchase {
        let customerIndex = random.nextBool(probability: 0.25)
            ? random.nextInt(below: regulars)
            : random.nextInt(below: customers)
        var profile = Xoshiro256StarStar(seed: seed ^ ((UInt64(customerIndex) &+ 1) &* 0x9E37_79B9_7F4A_7C15))
        let firstName = ZMartCatalog.firstNames[profile.nextInt(below: ZMartCatalog.firstNames.count)]
        let lastName = ZMartCatalog.lastNames[profile.nextInt(below: ZMartCatalog.lastNames.count)]
        let homeStore = profile.nextInt(below: stores)
        let card = SyntheticCardNumber.make(using: &profile)

        let storeIndex = random.nextBool(probability: 0.7) ? homeStore : random.nextInt(below: stores)
        let employee = storeIndex * Self.employeesPerStore + random.nextInt(below: Self.employeesPerStore)

        let item = ZMartCatalog.items[random.nextInt(below: ZMartCatalog.items.count)]
        let priceCents = item.basePriceCents * (85 + random.nextInt(below: 31)) / 100
        let quantity = nextQuantity()

        let date = Date(timeIntervalSince1970: Double(eventMillis) / 1000)
        eventMillis += Int64(random.nextInt(below: 3_001))

        return Purchase(
            firstName: firstName,
            lastName: lastName,
            customerId: "C-" + ZMartCatalog.zeroPadded(customerIndex + 1, width: 6),
            creditCardNumber: card,
            itemPurchased: item.name,
            department: item.department,
            employeeId: "E-" + ZMartCatalog.zeroPadded(1_000 + employee % 9_000, width: 4),
            quantity: quantity,
            price: Double(priceCents) / 100,
            purchaseDate: date,
            zipCode: Self.zipCode(forStoreIndex: storeIndex),
            storeId: "S-" + ZMartCatalog.zeroPadded(storeIndex + 1, width: 3)
        )
    }

    /// Generates the next purchase as a keyed record.
    ///
    /// - Returns: The purchase as `value`, keyed by its customer id.
    public mutating func nextRecord() -> (key: String, value: Purchase) {
        let purchase = next()
        return (purchase.customerId, purchase)
    }

    /// Returns an iterator over an endless copy of this generator's stream.
    ///
    /// - Returns: An iterator that never returns `nil`.
    public func makeIterator() -> Iterator {
        Iterator(base: self)
    }

    /// An iterator over an endless stream of purchases.
    public struct Iterator: IteratorProtocol, Sendable {
        var base: PurchaseGenerator

        /// Generates the next purchase.
        ///
        /// - Returns: The next purchase; never `nil`.
        public mutating func next() -> Purchase? {
            base.next()
        }
    }

    /// Draws a quantity: 1 to 5 in 98 % of purchases, otherwise 6 to 10.
    private mutating func nextQuantity() -> Int {
        let roll = random.nextInt(below: 100)
        switch roll {
        case 0..<45: return 1
        case 45..<70: return 2
        case 70..<85: return 3
        case 85..<93: return 4
        case 93..<98: return 5
        default: return 6 + random.nextInt(below: 5)
        }
    }

    /// The fixed zip code of a store (0-based index).
    ///
    /// The first fifty stores use real city zip codes; further stores get a
    /// pseudo-random but fixed code in 01001…99949.
    static func zipCode(forStoreIndex index: Int) -> String {
        if index < ZMartCatalog.storeZipCodes.count {
            return ZMartCatalog.storeZipCodes[index]
        }
        var state = UInt64(index)
        let hash = Xoshiro256StarStar.splitMix64(&state)
        return ZMartCatalog.zeroPadded(1_001 + Int(hash % 98_949), width: 5)
    }
}
