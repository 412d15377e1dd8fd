// Throughput benchmark: FastJSON (Codable path and FastJSONCodable fast path) vs Foundation's
// JSONEncoder/JSONDecoder for `Purchase`.
//
//   swift run -c release json-bench [iterations] [foundation-iterations] [all|decode|encode|floor|fast|fast-decode|fast-encode]
import Streams
import ZMart
import Foundation

// The benchmark runs ZMart's own `Purchase`, whose `FastJSONCodable` conformance lives in the
// ZMart module (as a user's conformance would, outside Streams).

/// SplitMix64: a tiny seeded generator so every run uses the same varied data.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func makePurchases(_ count: Int) -> [Purchase] {
    var rng = SplitMix64(state: 42)
    let first = ["Alice", "Bob", "Carol", "Dmitri", "Élodie", "Frank", "Grace", "Hiroshi", "Ingrid", "José"]
    let last = ["Smith", "Johnson", "Müller", "Nakamura", "O'Brien", "Rossi", "Kowalski", "Dubois"]
    let items = ["Wireless Headphones", "USB-C Cable", "Coffee Maker", "Running Shoes", "Desk Lamp", "Notebook"]
    let departments = ["electronics", "kitchen", "sports", "office", "garden"]
    func digits(_ n: Int) -> String {
        String((0..<n).map { _ in Character(Unicode.Scalar(UInt8(48 + rng.next() % 10))) })
    }
    return (0..<count).map { _ in
        Purchase(
            firstName: first[Int(rng.next() % UInt64(first.count))],
            lastName: last[Int(rng.next() % UInt64(last.count))],
            customerId: "CUST-" + digits(8),
            creditCardNumber: digits(4) + "-" + digits(4) + "-" + digits(4) + "-" + digits(4),
            itemPurchased: items[Int(rng.next() % UInt64(items.count))],
            department: departments[Int(rng.next() % UInt64(departments.count))],
            employeeId: "EMP-" + digits(5),
            quantity: Int(rng.next() % 20) + 1,
            price: Double(rng.next() % 100_000) / 100,
            purchaseDate: Date(timeIntervalSince1970: Double(1_600_000_000 + rng.next() % 200_000_000)),
            zipCode: digits(5),
            storeId: "STORE-" + digits(3))
    }
}

// `Purchase` is FastJSONCodable (PurchaseFastJSON.swift), so direct calls pick the fast path;
// these generic wrappers resolve to the Codable overloads.
@inline(__always)
func codableDecode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
    try fastDecoder.decode(type, from: bytes)
}

@inline(__always)
func codableEncode<T: Encodable>(_ value: T, into buffer: inout [UInt8]) throws {
    try fastEncoder.encode(value, into: &buffer)
}

@inline(__always)
func codableEncode<T: Encodable>(_ value: T) throws -> [UInt8] {
    try fastEncoder.encode(value)
}

func measure(_ label: String, iterations: Int, _ body: () throws -> Int) rethrows -> Double {
    let clock = ContinuousClock()
    var checksum = 0
    let elapsed = try clock.measure { checksum = try body() }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    let rate = Double(iterations) / seconds
    let padded = label.padding(toLength: 28, withPad: " ", startingAt: 0)
    print("\(padded) \(String(format: "%12.0f", rate)) records/s   (\(String(format: "%.3f", seconds)) s, checksum \(checksum))")
    return rate
}

let iterations = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 1_000_000 : 1_000_000
let purchases = makePurchases(1024)
let fastEncoder = FastJSONEncoder()
let fastDecoder = FastJSONDecoder()
let foundationEncoder = JSONEncoder()
foundationEncoder.dateEncodingStrategy = .iso8601
let foundationDecoder = JSONDecoder()
foundationDecoder.dateDecodingStrategy = .iso8601

let documents: [[UInt8]] = try purchases.map { try codableEncode($0) }
let foundationDocuments: [Data] = documents.map { Data($0) }
let averageSize = documents.reduce(0) { $0 + $1.count } / documents.count
print("Purchase JSON: \(averageSize) bytes on average, \(iterations) iterations, 1024 distinct records")

// Sanity: all decoders agree with the original values, both encoders write the same bytes.
for (i, doc) in documents.prefix(16).enumerated() {
    let codable = try codableDecode(Purchase.self, from: doc)
    let foundation = try foundationDecoder.decode(Purchase.self, from: foundationDocuments[i])
    precondition(codable == purchases[i] && foundation == purchases[i], "decoders disagree")
}
for (i, doc) in documents.enumerated() {
    let decoded = try fastDecoder.decode(Purchase.self, from: doc)
    let encoded = try fastEncoder.encode(purchases[i])
    precondition(decoded == purchases[i], "fast path decoder disagrees")
    precondition(encoded == doc, "fast path encoder disagrees")
}

// Warm up.
for i in 0..<20_000 {
    _ = try codableDecode(Purchase.self, from: documents[i & 1023])
    _ = try fastDecoder.decode(Purchase.self, from: documents[i & 1023])
}

let mask = 1023
let only = CommandLine.arguments.count > 3 ? CommandLine.arguments[3] : "all"
let runs = { (modes: [String]) in modes.contains(only) }
let codablePathDecode = !runs(["all", "decode"]) ? 0 : try measure("FastJSON Codable decode", iterations: iterations) {
    var sum = 0
    for i in 0..<iterations {
        let p = try codableDecode(Purchase.self, from: documents[i & mask])
        sum &+= p.quantity &+ p.creditCardNumber.utf8.count
    }
    return sum
}
let codablePathEncode = !runs(["all", "encode"]) ? 0 : try measure("FastJSON Codable encode", iterations: iterations) {
    var sum = 0
    var buffer: [UInt8] = []
    buffer.reserveCapacity(512)
    try purchases.withUnsafeBufferPointer { records in
        for i in 0..<iterations {
            buffer.removeAll(keepingCapacity: true)
            try codableEncode(records[i & mask], into: &buffer)
            sum &+= buffer.count
        }
    }
    return sum
}
let codablePathEncodeArray = only != "all" ? 0 : try measure("FastJSON Codable enc->[UInt8]", iterations: iterations) {
    var sum = 0
    try purchases.withUnsafeBufferPointer { records in
        for i in 0..<iterations {
            sum &+= try codableEncode(records[i & mask]).count
        }
    }
    return sum
}
let fastPathDecode = !runs(["all", "decode", "fast", "fast-decode"]) ? 0 : try measure("Fast path decode", iterations: iterations) {
    var sum = 0
    for i in 0..<iterations {
        let p = try fastDecoder.decode(Purchase.self, from: documents[i & mask])
        sum &+= p.quantity &+ p.creditCardNumber.utf8.count
    }
    return sum
}
let fastPathEncode = !runs(["all", "encode", "fast", "fast-encode"]) ? 0 : try measure("Fast path encode", iterations: iterations) {
    var sum = 0
    var buffer: [UInt8] = []
    buffer.reserveCapacity(512)
    try purchases.withUnsafeBufferPointer { records in
        for i in 0..<iterations {
            buffer.removeAll(keepingCapacity: true)
            try fastEncoder.encode(records[i & mask], into: &buffer)
            sum &+= buffer.count
        }
    }
    return sum
}
if only == "all" || only == "fast" {
    _ = try measure("Fast path JSONWriter reuse", iterations: iterations) {
        var sum = 0
        var writer = JSONWriter(capacity: 512)
        try purchases.withUnsafeBufferPointer { records in
            for i in 0..<iterations {
                writer.removeAll()
                try records[i & mask].writeJSON(to: &writer)
                sum &+= writer.count
            }
        }
        return sum
    }
    _ = try measure("Fast path encode->[UInt8]", iterations: iterations) {
        var sum = 0
        try purchases.withUnsafeBufferPointer { records in
            for i in 0..<iterations {
                sum &+= try fastEncoder.encode(records[i & mask]).count
            }
        }
        return sum
    }
}
let foundationIterations = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? iterations : iterations
let foundationDecode = only != "all" ? 1 : try measure("Foundation decode", iterations: foundationIterations) {
    var sum = 0
    for i in 0..<foundationIterations {
        let p = try foundationDecoder.decode(Purchase.self, from: foundationDocuments[i & mask])
        sum &+= p.quantity &+ p.creditCardNumber.utf8.count
    }
    return sum
}
let foundationEncode = only != "all" ? 1 : try measure("Foundation encode", iterations: foundationIterations) {
    var sum = 0
    try purchases.withUnsafeBufferPointer { records in
        for i in 0..<foundationIterations {
            sum &+= try foundationEncoder.encode(records[i & mask]).count
        }
    }
    return sum
}
if only == "all" || only == "floor" {
    _ = try measure("Codable floor decode", iterations: iterations) {
        var sum = 0
        for _ in 0..<iterations { sum &+= try Purchase(from: NullDecoder()).quantity }
        return sum
    }
    _ = try measure("Codable floor encode", iterations: iterations) {
        let encoder = NullEncoder()
        try purchases.withUnsafeBufferPointer { records in
            for i in 0..<iterations { try records[i & mask].encode(to: encoder) }
        }
        return encoder.sink
    }
}
if only == "all" {
    print(String(format: "speed-up over Foundation: Codable path decode %.1fx, encode %.1fx; fast path decode %.1fx, encode %.1fx",
                 codablePathDecode / foundationDecode, codablePathEncode / foundationEncode,
                 fastPathDecode / foundationDecode, fastPathEncode / foundationEncode))
}
_ = codablePathEncodeArray
