import Foundation
import Streams
import Testing

/// Interoperability with Foundation's JSONEncoder/JSONDecoder (`.iso8601` dates).
@Suite("Foundation compatibility")
struct CompatibilityTests {
    func fromFoundation<T: Codable & Equatable>(_ value: T) throws {
        let data = try foundationISOEncoder.encode(value)
        #expect(try fastDecoder.decode(T.self, from: [UInt8](data)) == value)
    }

    func toFoundation<T: Codable & Equatable>(_ value: T) throws {
        let bytes = try fastEncoder.encode(value)
        #expect(try foundationISODecoder.decode(T.self, from: Data(bytes)) == value)
    }

    @Test("Purchase values", arguments: 0..<5)
    func purchases(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &+ 10)
        for _ in 0..<40 {
            let p = Samples.purchase(&rng, wholeSeconds: true)
            try fromFoundation(p)
            try toFoundation(p)
        }
    }

    @Test("nested orders with dictionaries, optionals and enums", arguments: 0..<5)
    func orders(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &+ 20)
        let o = Samples.order(&rng)
        try fromFoundation(o)
        try toFoundation(o)
    }

    @Test("integers, optionals, special types, strings")
    func miscellaneous() throws {
        try fromFoundation(Integers.max)
        try toFoundation(Integers.min)
        let o = Optionals(a: nil, b: "x", c: [nil, 2], d: nil)
        try fromFoundation(o)
        try toFoundation(o)
        let s = Specials(uuid: UUID(), url: URL(string: "https://example.com/path?q=1")!, data: Data((0..<40).map { UInt8($0 * 6) }),
                         decimal: Decimal(string: "-1234.000015")!, float: 0.1, double: 1e-300, flag: false)
        try fromFoundation(s)
        try toFoundation(s)
        let strings = ["", "\u{0}\u{1F}", "\"\\/", "ümlaut 😀 \u{2028}", String(repeating: "x", count: 1000)]
        try fromFoundation(strings)
        try toFoundation(strings)
        try fromFoundation(["a": [1.5, -0.0, 1e300], "b": []])
        try toFoundation([1: "one", 2: "two"])
        try fromFoundation([Shape.circle(radius: 2), .empty, .labelled("q", 3)])
        try toFoundation([Shape.rect(width: 1, height: 2)])
    }

    @Test("dates with fractional seconds from Foundation's formatter")
    func fractionalDates() throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, enc in
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            var c = enc.singleValueContainer()
            try c.encode(formatter.string(from: date))
        }
        let dates = (0..<50).map { Date(timeIntervalSince1970: 1_700_000_000 + Double($0) * 1234.567) }
        let decoded = try fastDecoder.decode([Date].self, from: [UInt8](try encoder.encode(dates)))
        for (a, b) in zip(dates, decoded) { #expect(abs(a.timeIntervalSince(b)) < 0.001) }
    }
}
