import Foundation
import Streams
import Testing

// MARK: - Models

struct Purchase: Codable, Equatable, Sendable {
    var firstName: String; var lastName: String; var customerId: String
    var creditCardNumber: String; var itemPurchased: String; var department: String
    var employeeId: String; var quantity: Int; var price: Double
    var purchaseDate: Date; var zipCode: String; var storeId: String
}

struct Address: Codable, Equatable, Sendable {
    var street: String
    var city: String
    var zip: String?
}

struct LineItem: Codable, Equatable, Sendable {
    var sku: String
    var quantity: Int
    var unitPrice: Double
}

enum Status: String, Codable, Sendable { case pending, shipped, delivered }
enum Priority: Int, Codable, Sendable { case low = 1, high = 2 }

enum Shape: Codable, Equatable, Sendable {
    case circle(radius: Double)
    case rect(width: Double, height: Double)
    case labelled(String, Int)
    case empty
}

struct Order: Codable, Equatable, Sendable {
    var id: UUID
    var customer: Address
    var items: [LineItem]
    var tags: [String]
    var notes: String?
    var status: Status
    var priority: Priority
    var metadata: [String: String]
    var counts: [Int: Int]
    var shipping: Address?
    var created: Date
    var shapes: [Shape]
    var matrix: [[Int]]
}

struct Integers: Codable, Equatable, Sendable {
    var i8: Int8; var i16: Int16; var i32: Int32; var i64: Int64; var int: Int
    var u8: UInt8; var u16: UInt16; var u32: UInt32; var u64: UInt64; var uint: UInt

    static let min = Integers(i8: .min, i16: .min, i32: .min, i64: .min, int: .min,
                              u8: .min, u16: .min, u32: .min, u64: .min, uint: .min)
    static let max = Integers(i8: .max, i16: .max, i32: .max, i64: .max, int: .max,
                              u8: .max, u16: .max, u32: .max, u64: .max, uint: .max)
}

struct Optionals: Codable, Equatable, Sendable {
    var a: Int?
    var b: String?
    var c: [Int?]
    var d: Address?
}

struct Specials: Codable, Equatable, Sendable {
    var uuid: UUID
    var url: URL
    var data: Data
    var decimal: Decimal
    var float: Float
    var double: Double
    var flag: Bool
}

struct Wrapper<T: Codable & Equatable & Sendable>: Codable, Equatable, Sendable {
    var value: T
}

/// Any JSON value; decodes every valid document (used for nesting and fuzz tests).
indirect enum JSONValue: Codable, Equatable, Sendable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    struct Key: CodingKey {
        var stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { return nil }
    }

    init(from decoder: any Decoder) throws {
        if let c = try? decoder.container(keyedBy: Key.self) {
            var o: [String: JSONValue] = [:]
            for k in c.allKeys { o[k.stringValue] = try c.decode(JSONValue.self, forKey: k) }
            self = .object(o)
        } else if var c = try? decoder.unkeyedContainer() {
            var a: [JSONValue] = []
            while !c.isAtEnd { a.append(try c.decode(JSONValue.self)) }
            self = .array(a)
        } else {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let d = try? c.decode(Double.self) { self = .number(d) }
            else { self = .string(try c.decode(String.self)) }
        }
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .null: var c = encoder.singleValueContainer(); try c.encodeNil()
        case .bool(let b): var c = encoder.singleValueContainer(); try c.encode(b)
        case .number(let d): var c = encoder.singleValueContainer(); try c.encode(d)
        case .string(let s): var c = encoder.singleValueContainer(); try c.encode(s)
        case .array(let a):
            var c = encoder.unkeyedContainer()
            for v in a { try c.encode(v) }
        case .object(let o):
            var c = encoder.container(keyedBy: Key.self)
            for (k, v) in o.sorted(by: { $0.key < $1.key }) { try c.encode(v, forKey: Key(stringValue: k)) }
        }
    }
}

// MARK: - Generators

/// SplitMix64: small seeded generator for reproducible random test data.
struct SplitMix64: RandomNumberGenerator {
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

enum Samples {
    static func digits(_ n: Int, _ rng: inout SplitMix64) -> String {
        String((0..<n).map { _ in Character(Unicode.Scalar(UInt8(48 + rng.next() % 10))) })
    }

    static func purchase(_ rng: inout SplitMix64, wholeSeconds: Bool = false) -> Purchase {
        let first = ["Alice", "Bob", "Zoë", "Dmitri", "Élodie", "François \"Frank\"", "李雷", "O'Neil", "Tab\tName", "😀 Smiley"]
        let last = ["Smith", "Müller", "Nakamura", "Back\\slash", "New\nLine", "Ünïcödé"]
        let ms = Double(rng.next() % 4_000_000_000_000) - 1_000_000_000_000
        let date = wholeSeconds
            ? Date(timeIntervalSince1970: (ms / 1000).rounded(.down))
            : Date(timeIntervalSinceReferenceDate: (ms - 978_307_200_000) / 1000)
        return Purchase(
            firstName: first[Int(rng.next() % UInt64(first.count))],
            lastName: last[Int(rng.next() % UInt64(last.count))],
            customerId: "CUST-" + digits(8, &rng),
            creditCardNumber: digits(4, &rng) + "-" + digits(4, &rng) + "-" + digits(4, &rng) + "-" + digits(4, &rng),
            itemPurchased: ["Headphones", "Cable", "Coffee Maker", ""][Int(rng.next() % 4)],
            department: "dept-" + digits(2, &rng),
            employeeId: "EMP-" + digits(5, &rng),
            quantity: Int(Int64(bitPattern: rng.next()) % 1_000_000),
            price: Double(rng.next() % 10_000_000) / 100,
            purchaseDate: date,
            zipCode: digits(5, &rng),
            storeId: "STORE-" + digits(3, &rng))
    }

    static let fixedPurchase = Purchase(
        firstName: "Ada", lastName: "Lovelace", customerId: "CUST-00000042",
        creditCardNumber: "4111-1111-1111-1111", itemPurchased: "Analytical Engine", department: "engineering",
        employeeId: "EMP-00001", quantity: 3, price: 1234.5,
        purchaseDate: Date(timeIntervalSince1970: 1_795_698_644), zipCode: "02139", storeId: "STORE-007")

    static func order(_ rng: inout SplitMix64) -> Order {
        Order(
            id: UUID(),
            customer: Address(street: "1 Main St", city: "Springfield", zip: rng.next() % 2 == 0 ? nil : "12345"),
            items: (0..<Int(rng.next() % 5)).map { i in
                LineItem(sku: "SKU-\(i)", quantity: Int(rng.next() % 10), unitPrice: Double(rng.next() % 10000) / 100)
            },
            tags: ["a", "b \"quoted\"", "ü"],
            notes: rng.next() % 2 == 0 ? nil : "fragile",
            status: .shipped,
            priority: .high,
            metadata: ["k1": "v1", "k2": ""],
            counts: [1: 10, -5: 3],
            shipping: Address(street: "2 Side St", city: "Shelbyville", zip: nil),
            created: Date(timeIntervalSince1970: Double(1_600_000_000 + Int(rng.next() % 100_000_000))),
            shapes: [.circle(radius: 1.5), .rect(width: 2, height: 3), .labelled("x", 7), .empty],
            matrix: [[1, 2], [], [3]])
    }
}

// MARK: - Helpers

let fastEncoder = FastJSONEncoder()
let fastDecoder = FastJSONDecoder()

func encodeString<T: Encodable>(_ value: T) throws -> String {
    String(decoding: try fastEncoder.encode(value), as: UTF8.self)
}

func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
    try fastDecoder.decode(type, from: Array(json.utf8))
}

func roundTrip<T: Codable>(_ value: T) throws -> T {
    try fastDecoder.decode(T.self, from: try fastEncoder.encode(value))
}

/// Decodes `json`, requiring a `JSONCodingError`, and returns it.
func decodeError<T: Decodable>(_ type: T.Type, _ json: [UInt8]) -> JSONCodingError? {
    do {
        _ = try fastDecoder.decode(type, from: json)
        return nil
    } catch let e as JSONCodingError {
        return e
    } catch {
        Issue.record("expected JSONCodingError, got \(Swift.type(of: error))")
        return nil
    }
}

func decodeError<T: Decodable>(_ type: T.Type, _ json: String) -> JSONCodingError? {
    decodeError(type, Array(json.utf8))
}

let foundationISOEncoder: JSONEncoder = {
    let e = JSONEncoder()
    e.dateEncodingStrategy = .iso8601
    return e
}()

let foundationISODecoder: JSONDecoder = {
    let d = JSONDecoder()
    d.dateDecodingStrategy = .iso8601
    return d
}()
