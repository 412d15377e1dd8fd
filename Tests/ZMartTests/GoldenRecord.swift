/// Values from `PurchaseGenerator(seed: 42)`, pinned so that a change of
/// PRNG, catalog or mapping (or a platform difference) is noticed.
enum GoldenRecord {
    static let firstName = "John"
    static let lastName = "Young"
    static let customerId = "C-000190"
    static let card = "5168 8641 5968 6415"
    static let item = "remote control car"
    static let department = "toys"
    static let employeeId = "E-1311"
    static let quantity = 3
    static let price = 53.98
    static let zipCode = "68102"
    static let storeId = "S-039"
    static let thousandthCustomerId = "C-008417"
    static let thousandthTime = 1_795_595_080.871
}
