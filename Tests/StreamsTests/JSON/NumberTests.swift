import Foundation
import Streams
import Testing

@Suite("Numbers")
struct NumberTests {
    struct Box<T: Codable & Equatable & Sendable>: Codable, Equatable, Sendable { var v: T }

    @Test("integers: exact integral values with fraction or exponent are accepted")
    func integralForms() throws {
        #expect(try decode(Int.self, "1.0") == 1)
        #expect(try decode(Int.self, "1e2") == 100)
        #expect(try decode(Int.self, "1.5e1") == 15)
        #expect(try decode(Int.self, "-0") == 0)
        #expect(try decode(Int.self, "-0.0e5") == 0)
        #expect(try decode(Int.self, "12300e-2") == 123)
        #expect(try decode(Int64.self, "9.223372036854775807e18") == .max)
        #expect(try decode(Int64.self, "-9223372036854775808") == .min)
        #expect(try decode(UInt64.self, "18446744073709551615") == .max)
        #expect(try decode(UInt8.self, "2.55E+2") == 255)
        #expect(try decode(Int.self, "0.000") == 0)
    }

    @Test("integers: fractional values are rejected", arguments: ["1.5", "1e-1", "-0.25", "123456789.000001", "1E-400"])
    func nonIntegral(text: String) throws {
        let e = try #require(decodeError(Box<Int>.self, #"{"v":\#(text)}"#))
        #expect(e.path == "$.v")
        #expect(e.reason == "expected an integer, found a number with a fractional part")
        #expect(e.byteOffset == 5)
    }

    @Test("integers out of range", arguments: [
        ("Int8", "128"), ("Int8", "-129"), ("UInt8", "256"), ("UInt8", "-1"), ("Int16", "32768"),
        ("UInt16", "65536"), ("Int32", "2147483648"), ("Int32", "-2147483649"), ("UInt32", "4294967296"),
        ("Int64", "9223372036854775808"), ("Int64", "-9223372036854775809"), ("UInt64", "18446744073709551616"),
        ("Int", "1e19"), ("UInt", "-1"), ("Int32", "3e9"), ("Int8", "1e400"),
    ])
    func outOfRange(type: String, text: String) throws {
        let json = #"{"v":\#(text)}"#
        let e: JSONCodingError?
        switch type {
        case "Int8": e = decodeError(Box<Int8>.self, json)
        case "UInt8": e = decodeError(Box<UInt8>.self, json)
        case "Int16": e = decodeError(Box<Int16>.self, json)
        case "UInt16": e = decodeError(Box<UInt16>.self, json)
        case "Int32": e = decodeError(Box<Int32>.self, json)
        case "UInt32": e = decodeError(Box<UInt32>.self, json)
        case "Int64": e = decodeError(Box<Int64>.self, json)
        case "UInt64": e = decodeError(Box<UInt64>.self, json)
        case "UInt": e = decodeError(Box<UInt>.self, json)
        default: e = decodeError(Box<Int>.self, json)
        }
        let error = try #require(e)
        #expect(error.path == "$.v")
        #expect(error.reason == "integer out of range for \(type)")
        #expect(!error.description.contains(text))
    }

    @Test("integers in range decode for every width", arguments: 0..<8)
    func randomIntegers(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed))
        for _ in 0..<500 {
            let v = Integers(i8: .random(in: .min ... .max, using: &rng), i16: .random(in: .min ... .max, using: &rng),
                             i32: .random(in: .min ... .max, using: &rng), i64: .random(in: .min ... .max, using: &rng),
                             int: .random(in: .min ... .max, using: &rng), u8: .random(in: .min ... .max, using: &rng),
                             u16: .random(in: .min ... .max, using: &rng), u32: .random(in: .min ... .max, using: &rng),
                             u64: .random(in: .min ... .max, using: &rng), uint: .random(in: .min ... .max, using: &rng))
            #expect(try roundTrip(v) == v)
            let foundation = try JSONDecoder().decode(Integers.self, from: Data(try fastEncoder.encode(v)))
            #expect(foundation == v)
        }
    }

    /// Texts for the Clinger fast path and for the fallback.
    static let doubleTexts = [
        "0", "-0", "0.1", "0.2", "0.3", "1.5", "-2.25", "3.141592653589793", "2.718281828459045",
        "1e22", "1e23", "1e-22", "1e-23", "123456789012345", "1234567890123456", "12345678901234567890",
        "9007199254740993", "0.30000000000000004", "1.7976931348623157e308", "2.2250738585072014e-308",
        "4.9e-324", "5e-324", "2.4703282292062327e-324", "1e-400", "123.456e-7", "6.02214076e23",
        "1.00000000000000011102230246251565404236316680908203125", "0.000001", "999999999999999.9",
        "4.35679e-10", "7.0e+05", "100E-2", "8.5E1", "1e0", "0e12", "17.5", "0.000000000000000000000001",
    ]

    @Test("doubles match Swift's and Foundation's parse", arguments: doubleTexts)
    func doubleParsing(text: String) throws {
        let ours = try decode(Double.self, text)
        let swift = try #require(Double(text))
        #expect(ours.bitPattern == swift.bitPattern)
        // Foundation rejects numbers that underflow to zero; compare where it accepts.
        if let foundation = try? JSONDecoder().decode([Double].self, from: Data("[\(text)]".utf8))[0] {
            #expect(ours == foundation)
        }
    }

    @Test("random decimal strings parse exactly like Foundation", arguments: 0..<10)
    func randomDoubleTexts(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &+ 1000)
        var texts: [String] = []
        for _ in 0..<2000 {
            var t = rng.next() % 3 == 0 ? "-" : ""
            let intDigits = Int(rng.next() % 12)
            t += intDigits == 0 ? "0" : String(1 + rng.next() % 9) + Samples.digits(intDigits - 1, &rng)
            if rng.next() % 2 == 0 { t += "." + Samples.digits(1 + Int(rng.next() % 20), &rng) }
            if rng.next() % 3 == 0 { t += rng.next() % 2 == 0 ? "e" + String(rng.next() % 280) : "E-" + String(rng.next() % 300) }
            texts.append(t)
        }
        let array = "[" + texts.joined(separator: ",") + "]"
        let ours = try decode([Double].self, array)
        #expect(ours.count == texts.count)
        var compared = 0
        for (i, text) in texts.enumerated() {
            #expect(ours[i].bitPattern == Double(text)!.bitPattern, "\(text)")
            // Foundation rejects numbers that underflow to zero; compare wherever it accepts.
            if let foundation = try? JSONDecoder().decode(Double.self, from: Data(text.utf8)) {
                #expect(ours[i].bitPattern == foundation.bitPattern, "\(text)")
                compared += 1
            } else {
                #expect(ours[i].magnitude < 1e-300, "\(text)")
            }
        }
        #expect(compared > texts.count * 9 / 10)
    }

    @Test("doubles overflowing to infinity are rejected")
    func doubleOverflow() throws {
        let e = try #require(decodeError(Box<Double>.self, #"{"v":1e400}"#))
        #expect(e.path == "$.v" && e.reason == "number out of range for Double")
        let f = try #require(decodeError(Box<Float>.self, #"{"v":1e39}"#))
        #expect(f.reason == "number out of range for Float")
    }

    @Test("floats")
    func floats() throws {
        for text in ["0.1", "3.4028235e38", "1e-45", "16777217", "0.3333333", "1.17549435e-38"] {
            #expect(try decode(Float.self, text) == Float(text)!)
        }
        let values: [Float] = [0, -0.5, 1.1, .pi, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        #expect(try roundTrip(values) == values)
    }

    @Test("double encoding is shortest round-trip and valid JSON", arguments: 0..<10)
    func doubleEncoding(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &+ 77)
        var values: [Double] = [0, -0.0, 1, -1, 0.1, 1e20, 1e21, 1e-7, 123.45, 1e16, .leastNonzeroMagnitude,
                                .greatestFiniteMagnitude, .leastNormalMagnitude, 9007199254740994, 0.000123]
        for _ in 0..<3000 {
            switch rng.next() % 3 {
            case 0: values.append(Double(bitPattern: rng.next()))
            case 1: values.append(Double(Int64(bitPattern: rng.next()) % 10_000_000) / 100)
            default: values.append(Double(rng.next() % 1_000_000) * pow(10, Double(Int(rng.next() % 40) - 20)))
            }
        }
        values = values.filter(\.isFinite)
        let bytes = try fastEncoder.encode(values)
        let back = try fastDecoder.decode([Double].self, from: bytes)
        let foundation = try JSONDecoder().decode([Double].self, from: Data(bytes))
        for (i, v) in values.enumerated() {
            #expect(back[i].bitPattern == v.bitPattern)
            #expect(foundation[i] == v)
            let text = try encodeString(v)
            #expect(Double(text)!.bitPattern == v.bitPattern)
            #expect(significantDigits(text) <= significantDigits(v.description), "\(text) vs \(v.description)")
        }
    }

    @Test("non-finite doubles cannot be encoded", arguments: [Double.nan, .infinity, -.infinity])
    func nonFinite(value: Double) throws {
        var p = Samples.fixedPurchase
        p.price = value
        var buffer: [UInt8] = [1, 2, 3]
        #expect(throws: JSONCodingError.self) { try fastEncoder.encode(p, into: &buffer) }
        #expect(buffer == [1, 2, 3])
        do {
            _ = try fastEncoder.encode(p)
        } catch let e as JSONCodingError {
            #expect(e.path == "$.price")
            #expect(e.byteOffset == nil)
            #expect(e.reason == "non-finite floating-point value cannot be encoded in JSON")
            #expect(!e.description.contains("4111"))
        }
        #expect(throws: JSONCodingError.self) { try fastEncoder.encode([Float(value)]) }
    }

    @Test("Decimal is a JSON number")
    func decimals() throws {
        #expect(try decode(Decimal.self, "3.14159e2") == Decimal(string: "314.159")!)
        #expect(try encodeString(Decimal(string: "-0.001")!) == "-0.001")
        let e = try #require(decodeError(Decimal.self, #""1.5""#))
        #expect(e.reason == "expected a number, found a string")
    }

    func significantDigits(_ s: String) -> Int {
        let mantissa = s.split(whereSeparator: { $0 == "e" || $0 == "E" }).first ?? ""
        let digits = mantissa.filter(\.isNumber).drop(while: { $0 == "0" })
        return max(1, digits.reversed().drop(while: { $0 == "0" }).count)
    }
}
