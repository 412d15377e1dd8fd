import Foundation
import Testing
import ZMart

@Suite("PurchaseGenerator")
struct PurchaseGeneratorTests {
    static func firstPurchases(seed: UInt64, count: Int = 1_000, customers: Int = 10_000) -> [Purchase] {
        var generator = PurchaseGenerator(seed: seed, customers: customers)
        return (0..<count).map { _ in generator.next() }
    }

    @Test("the same seed gives identical purchases")
    func deterministic() {
        #expect(Self.firstPurchases(seed: 42) == Self.firstPurchases(seed: 42))
    }

    @Test("different seeds give different purchases", arguments: [UInt64(1), 43, 0xFFFF_FFFF_FFFF_FFFF])
    func seedsDiffer(other: UInt64) {
        let reference = Self.firstPurchases(seed: 42)
        let candidate = Self.firstPurchases(seed: other)
        #expect(reference != candidate)
        let sameCustomer = zip(reference, candidate).filter { $0.customerId == $1.customerId }.count
        #expect(sameCustomer < 100)
    }

    @Test("the stream is pinned across platforms and Swift versions")
    func golden() {
        var generator = PurchaseGenerator(seed: 42)
        let first = generator.next()
        let expected = Purchase(
            firstName: GoldenRecord.firstName, lastName: GoldenRecord.lastName,
            customerId: GoldenRecord.customerId, creditCardNumber: GoldenRecord.card,
            itemPurchased: GoldenRecord.item, department: GoldenRecord.department,
            employeeId: GoldenRecord.employeeId, quantity: GoldenRecord.quantity,
            price: GoldenRecord.price, purchaseDate: PurchaseGenerator.startDate,
            zipCode: GoldenRecord.zipCode, storeId: GoldenRecord.storeId
        )
        #expect(first == expected)
        for _ in 0..<998 { _ = generator.next() }
        let thousandth = generator.next()
        #expect(thousandth.customerId == GoldenRecord.thousandthCustomerId)
        #expect(thousandth.purchaseDate.timeIntervalSince1970 == GoldenRecord.thousandthTime)
    }

    @Test("every generated card masks as a card number and is Luhn-valid")
    func cardsMask() {
        var lengths = Set<Int>()
        var styles = Set<String>()
        for purchase in Self.firstPurchases(seed: 2026, count: 3_000) {
            let card = purchase.creditCardNumber
            let masked = CardMasker.mask(card)
            #expect(CardMasker.isCardNumber(card), "\(card)")
            #expect(masked != CardMasker.unparseableMask, "\(card)")
            let digits = MaskOracle.asciiDigitsOnly(card)
            #expect(MaskOracle.asciiDigitsOnly(masked) == String(digits.suffix(4)))
            #expect(MaskOracle.isLuhnValid(digits), "\(card)")
            lengths.insert(digits.count)
            styles.insert(card.contains("-") ? "dash" : card.contains(" ") ? "space" : "plain")
            if card.hasPrefix("34") || card.hasPrefix("37") {
                #expect(digits.count == 15)
                if card.count == 17 {
                    let groups = card.split(whereSeparator: { $0 == " " || $0 == "-" }).map(\.count)
                    #expect(groups == [4, 6, 5])
                }
            }
        }
        #expect(lengths == [13, 15, 16, 19])
        #expect(styles == ["dash", "space", "plain"])
    }

    @Test("event time starts at 2026-11-25T08:00:00Z and never decreases")
    func monotonicDates() {
        let purchases = Self.firstPurchases(seed: 11, count: 5_000)
        #expect(purchases[0].purchaseDate == PurchaseGenerator.startDate)
        #expect(ISO8601DateFormatter().string(from: PurchaseGenerator.startDate) == "2026-11-25T08:00:00Z")
        var increased = 0
        for (previous, next) in zip(purchases, purchases.dropFirst()) {
            let step = next.purchaseDate.timeIntervalSince(previous.purchaseDate)
            #expect(step >= 0 && step <= 3)
            if step > 0 { increased += 1 }
        }
        #expect(increased > 4_900)
    }

    @Test("fields are non-empty and well-formed")
    func wellFormed() {
        let departments: Set<String> = ["electronics", "apparel", "grocery", "home", "garden", "toys"]
        var seenDepartments = Set<String>()
        var seenItems = Set<String>()
        var quantities = [Int: Int]()
        for purchase in Self.firstPurchases(seed: 5, count: 3_000) {
            #expect(!purchase.firstName.isEmpty && !purchase.lastName.isEmpty)
            #expect(!purchase.itemPurchased.isEmpty)
            #expect(departments.contains(purchase.department))
            #expect(Self.matches(purchase.customerId, prefix: "C-", digits: 6))
            #expect(Self.matches(purchase.storeId, prefix: "S-", digits: 3))
            #expect(Self.matches(purchase.employeeId, prefix: "E-", digits: 4))
            #expect(Self.matches(purchase.zipCode, prefix: "", digits: 5))
            #expect((1...10).contains(purchase.quantity))
            #expect(purchase.price > 0)
            #expect(abs(purchase.price * 100 - (purchase.price * 100).rounded()) < 1e-6)
            #expect(purchase.total > 0)
            seenDepartments.insert(purchase.department)
            seenItems.insert(purchase.itemPurchased)
            quantities[purchase.quantity, default: 0] += 1
        }
        #expect(seenDepartments == departments)
        #expect(seenItems.count == 30)
        let small = (1...5).reduce(0) { $0 + quantities[$1, default: 0] }
        #expect(small > 2_850)
    }

    static func matches(_ value: String, prefix: String, digits: Int) -> Bool {
        guard value.hasPrefix(prefix) else { return false }
        let rest = value.dropFirst(prefix.count)
        return rest.count == digits && rest.allSatisfy { $0.isASCII && $0.isNumber }
    }

    @Test("customers repeat with stable attributes; stores have fixed zip codes")
    func stableEntities() {
        let purchases = Self.firstPurchases(seed: 8, count: 2_000, customers: 200)
        var customers = [String: Purchase]()
        var stores = [String: String]()
        for purchase in purchases {
            if let known = customers[purchase.customerId] {
                #expect(known.firstName == purchase.firstName)
                #expect(known.lastName == purchase.lastName)
                #expect(known.creditCardNumber == purchase.creditCardNumber)
            } else {
                customers[purchase.customerId] = purchase
            }
            if let zip = stores[purchase.storeId] {
                #expect(zip == purchase.zipCode)
            } else {
                stores[purchase.storeId] = purchase.zipCode
            }
        }
        #expect(customers.count <= 200)
        #expect(customers.count > 100)
        #expect(stores.count > 40)
        #expect(stores["S-002"] == nil || stores["S-002"] == "90210")
    }

    @Test("records are keyed by customer id; the sequence matches next()")
    func recordsAndSequence() {
        var generator = PurchaseGenerator(seed: 3)
        let viaSequence = Array(generator.prefix(50))
        #expect(generator.seed == 3)
        var viaRecords: [Purchase] = []
        for _ in 0..<50 {
            let record = generator.nextRecord()
            #expect(record.key == record.value.customerId)
            viaRecords.append(record.value)
        }
        #expect(viaSequence == viaRecords)
    }

    @Test("large store counts get fixed five-digit zip codes")
    func manyStores() {
        var generator = PurchaseGenerator(seed: 12, customers: 50, stores: 2_000)
        var stores = [String: String]()
        for _ in 0..<3_000 {
            let purchase = generator.next()
            #expect(Self.matches(purchase.zipCode, prefix: "", digits: 5))
            if let zip = stores[purchase.storeId] { #expect(zip == purchase.zipCode) }
            stores[purchase.storeId] = purchase.zipCode
        }
    }
}
