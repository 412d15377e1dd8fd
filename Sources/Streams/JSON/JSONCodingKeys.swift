/// The coding key used for elements of unkeyed containers.
struct JSONIndexKey: CodingKey {
    let index: Int
    init(_ index: Int) { self.index = index }
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { self.index = intValue }
    var stringValue: String { "Index \(index)" }
    var intValue: Int? { index }
}

/// The coding key used by `superEncoder()` / `superDecoder()`.
struct JSONSuperKey: CodingKey {
    init() {}
    init?(stringValue: String) { if stringValue != "super" { return nil } }
    init?(intValue: Int) { return nil }
    var stringValue: String { "super" }
    var intValue: Int? { nil }
}

/// Used as the `key` of values that have no key of their own (root, single values).
struct JSONNoKey: CodingKey {
    init() {}
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { return nil }
    var stringValue: String { "" }
    var intValue: Int? { nil }
}
