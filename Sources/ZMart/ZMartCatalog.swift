/// Fixed reference data used by ``PurchaseGenerator``.
///
/// The lists are part of the generator's deterministic output: changing
/// them changes the records produced for every seed.
enum ZMartCatalog {
    /// An item on sale, with its department and base price in cents.
    struct Item: Sendable {
        let name: String
        let department: String
        let basePriceCents: Int
    }

    static let firstNames: [String] = [
        "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
        "David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica",
        "Thomas", "Sarah", "Carlos", "Karen", "Daniel", "Lisa", "Matthew", "Nancy",
        "Anthony", "Sandra", "Mark", "Ashley", "Wei", "Emily", "Steven", "Mei",
        "Andrew", "Priya", "Kenji", "Amara", "Luis", "Fatima", "Olga", "Diego",
    ]

    static let lastNames: [String] = [
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
        "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas",
        "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
        "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
        "Allen", "King", "Wright", "Nguyen", "Patel", "Kim", "Chen", "O'Brien",
    ]

    static let items: [Item] = [
        Item(name: "laptop", department: "electronics", basePriceCents: 899_99),
        Item(name: "headphones", department: "electronics", basePriceCents: 149_99),
        Item(name: "smartphone", department: "electronics", basePriceCents: 699_99),
        Item(name: "tablet", department: "electronics", basePriceCents: 329_99),
        Item(name: "smart watch", department: "electronics", basePriceCents: 249_99),
        Item(name: "jeans", department: "apparel", basePriceCents: 49_99),
        Item(name: "t-shirt", department: "apparel", basePriceCents: 14_99),
        Item(name: "winter jacket", department: "apparel", basePriceCents: 129_99),
        Item(name: "sneakers", department: "apparel", basePriceCents: 79_99),
        Item(name: "wool socks", department: "apparel", basePriceCents: 9_99),
        Item(name: "coffee beans", department: "grocery", basePriceCents: 12_99),
        Item(name: "olive oil", department: "grocery", basePriceCents: 8_99),
        Item(name: "sourdough bread", department: "grocery", basePriceCents: 5_49),
        Item(name: "cheddar cheese", department: "grocery", basePriceCents: 6_99),
        Item(name: "organic apples", department: "grocery", basePriceCents: 4_99),
        Item(name: "coffee maker", department: "home", basePriceCents: 79_99),
        Item(name: "bath towels", department: "home", basePriceCents: 24_99),
        Item(name: "table lamp", department: "home", basePriceCents: 39_99),
        Item(name: "cookware set", department: "home", basePriceCents: 149_99),
        Item(name: "throw pillow", department: "home", basePriceCents: 19_99),
        Item(name: "garden hose", department: "garden", basePriceCents: 29_99),
        Item(name: "pruning shears", department: "garden", basePriceCents: 18_99),
        Item(name: "potting soil", department: "garden", basePriceCents: 12_99),
        Item(name: "lawn mower", department: "garden", basePriceCents: 349_99),
        Item(name: "flower seeds", department: "garden", basePriceCents: 3_99),
        Item(name: "building blocks", department: "toys", basePriceCents: 39_99),
        Item(name: "jigsaw puzzle", department: "toys", basePriceCents: 14_99),
        Item(name: "plush bear", department: "toys", basePriceCents: 19_99),
        Item(name: "board game", department: "toys", basePriceCents: 29_99),
        Item(name: "remote control car", department: "toys", basePriceCents: 49_99),
    ]

    /// Zip codes of the first stores (S-001 is the first entry).
    static let storeZipCodes: [String] = [
        "10001", "90210", "60601", "94103", "98101", "02108", "30303", "33101", "75201", "77002",
        "85004", "80202", "97204", "55401", "48226", "19103", "20001", "37203", "70112", "89101",
        "84101", "63101", "64105", "46204", "43215", "44113", "15222", "21202", "27601", "28202",
        "32801", "33602", "78701", "78205", "92101", "95814", "87102", "73102", "68102", "53202",
        "40202", "38103", "35203", "23219", "06103", "04101", "96813", "99501", "83702", "59101",
    ]

    /// Left-pads the decimal form of a non-negative number with zeros.
    static func zeroPadded(_ value: Int, width: Int) -> String {
        let digits = String(value)
        let padding = width - digits.utf8.count
        return padding > 0 ? String(repeating: "0", count: padding) + digits : digits
    }
}
