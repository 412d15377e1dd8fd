import Foundation
import Streams
import Testing

/// The `FastJSONCodable` fast path: `JSONWriter` output must be byte-identical to the `Codable`
/// path's, `JSONReader` must accept and reject exactly what the `Codable` path does.
@Suite("Fast path: compatibility with the Codable path")
struct FastPathCompatibilityTests {
    @Test("Purchase: writer bytes equal the Codable encoder's, both readers agree", arguments: 0..<8)
    func purchases(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &+ 9000)
        for i in 0..<250 {
            let p = i % 2 == 0 ? FastSamples.purchase(&rng) : Samples.purchase(&rng)
            let fast = try fastBytes(p)
            let codable = try codableBytes(p)
            expectSameBytes(fast, codable)
            #expect(try fastDecode(Purchase.self, codable) == codableDecode(Purchase.self, codable))
            #expect(try codableDecode(Purchase.self, fast) == fastDecode(Purchase.self, fast))
            // Round trip at millisecond precision, as the Codable path.
            let back = try fastDecode(Purchase.self, fast)
            #expect(back.firstName == p.firstName && back.price.bitPattern == p.price.bitPattern
                    && abs(back.purchaseDate.timeIntervalSince(p.purchaseDate)) < 0.001)
        }
    }

    @Test("the fixed Purchase encodes to the documented bytes on both paths")
    func fixedPurchase() throws {
        let expected = #"{"firstName":"Ada","lastName":"Lovelace","customerId":"CUST-00000042","creditCardNumber":"4111-1111-1111-1111","itemPurchased":"Analytical Engine","department":"engineering","employeeId":"EMP-00001","quantity":3,"price":1234.5,"purchaseDate":"2026-11-26T13:10:44Z","zipCode":"02139","storeId":"STORE-007"}"#
        #expect(String(decoding: try fastBytes(Samples.fixedPurchase), as: UTF8.self) == expected)
        #expect(try fastDecode(Purchase.self, expected) == Samples.fixedPurchase)
    }

    @Test("nested type with arrays and optionals: bytes and values agree", arguments: 0..<8)
    func baskets(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &+ 7000)
        for _ in 0..<200 {
            let b = FastSamples.basket(&rng)
            let fast = try fastBytes(b)
            let codable = try codableBytes(b)
            expectSameBytes(fast, codable)
            let viaFast = try fastDecode(Basket.self, codable)
            let viaCodable = try codableDecode(Basket.self, codable)
            #expect(viaFast == viaCodable)
            expectSameBytes(try fastBytes(viaFast), codable)
        }
    }

    @Test("nil optionals are omitted, as encodeIfPresent does; null and absent both read as nil")
    func optionals() throws {
        let b = Basket(id: 1, owner: Address(street: "s", city: "c", zip: nil), items: [], note: nil, shipping: nil,
                       delivered: nil, gift: false, priority: nil, tags: [], weight: nil, counts: [])
        let json = String(decoding: try fastBytes(b), as: UTF8.self)
        #expect(json == #"{"id":1,"owner":{"street":"s","city":"c"},"items":[],"gift":false,"tags":[],"counts":[]}"#)
        let withNulls = #"{"id":1,"owner":{"street":"s","city":"c","zip":null},"items":[],"note":null,"shipping":null,"# +
            #""delivered":null,"gift":false,"priority":null,"tags":[],"weight":null,"counts":[]}"#
        #expect(try fastDecode(Basket.self, withNulls) == b)
        #expect(try fastDecode(Basket.self, json) == b)
    }

    @Test("top-level arrays, strings and numbers use the fast path with the same bytes")
    func topLevel() throws {
        var rng = SplitMix64(seed: 5)
        let purchases = (0..<20).map { _ in FastSamples.purchase(&rng) }
        expectSameBytes(try fastBytes(purchases), try codableBytes(purchases))
        #expect(try fastDecode([Purchase].self, try codableBytes(purchases)).count == 20)
        let strings = FastSamples.tricky
        expectSameBytes(try fastBytes(strings), try codableBytes(strings))
        #expect(try fastDecode([String].self, try codableBytes(strings)) == strings)
        let ints: [Int64] = [.min, -1, 0, 1, .max]
        expectSameBytes(try fastBytes(ints), try codableBytes(ints))
        #expect(try fastDecode([Int64].self, try codableBytes(ints)) == ints)
        let doubles = (0..<200).map { _ in FastSamples.double(&rng) }
        expectSameBytes(try fastBytes(doubles), try codableBytes(doubles))
        #expect(try fastDecode([Double].self, try codableBytes(doubles)).map(\.bitPattern) == doubles.map(\.bitPattern))
        expectSameBytes(try fastBytes(true), try codableBytes(true))
        expectSameBytes(try fastBytes([[UInt8]]([[1, 2], [], [255]])), try codableBytes([[UInt8]]([[1, 2], [], [255]])))
    }

    @Test("dates: the same ISO-8601 text as the Codable path, and the same instants read back", arguments: 0..<4)
    func dates(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &+ 300)
        let dates = (0..<500).map { _ in FastSamples.date(&rng) }
        let fast = try fastBytes(dates)
        expectSameBytes(fast, try codableBytes(dates))
        #expect(try fastDecode([Date].self, fast) == codableDecode([Date].self, fast))
        // Other accepted forms (offsets, fractions, lowercase) read as the Codable path reads them.
        let forms = [#""2026-11-25T13:10:44Z""#, #""2026-11-25T13:10:44.5Z""#, #""2026-11-25T13:10:44.123456789Z""#,
                     #""2026-11-25t13:10:44z""#, #""2026-11-25T13:10:44+05:30""#, #""2026-11-25T13:10:44-0800""#,
                     #""2024-02-29T23:59:59.999Z""#, #""0000-01-01T00:00:00Z""#, #""9999-12-31T23:59:59.999Z""#,
                     #""2026-11-25T13:10:44\u002e123Z""#]
        for form in forms {
            let bytes = Array(form.utf8)
            #expect(try fastDecode(Date.self, bytes) == codableDecode(Date.self, bytes), "\(form)")
        }
        for bad in [#""2023-02-29T00:00:00Z""#, #""2026-13-01T00:00:00Z""#, #""2026-11-25T24:00:00Z""#,
                    #""2026-11-25 13:10:44Z""#, #""2026-11-25T13:10:4xZ""#, #""2026-11-25T13:10:44.Z""#,
                    #""2026-11-25T13:10:44""#, #""2026-11-25T13:10:44.12xZ""#, #""20261125T131044Z""#,
                    #""2026-11-25T13:10:44.123Y""#, #""2026-00-10T13:10:44Z""#, #""2026-11-25T13:60:44.123Z""#] {
            let e = try #require(fastError(Date.self, bad))
            #expect(e.reason == "not a valid ISO-8601 date", "\(bad)")
            #expect(codableError(Date.self, Array(bad.utf8))?.reason == e.reason)
        }
    }

    @Test("members in any order, with whitespace, escaped keys and unknown members")
    func keyOrder() throws {
        var rng = SplitMix64(seed: 77)
        for _ in 0..<100 {
            let p = FastSamples.purchase(&rng)
            let json = try codableBytes(p)
            // Re-encode each member on its own, then shuffle the members and add unknown ones.
            var members: [String] = []
            for (key, value) in Mirror(reflecting: p).children.map({ ($0.label!, $0.value) }) {
                let encoded: [UInt8]
                switch value {
                case let s as String: encoded = try fastBytes(s)
                case let i as Int: encoded = try fastBytes(i)
                case let d as Double: encoded = try fastBytes(d)
                case let d as Date: encoded = try fastBytes(d)
                default: Issue.record("unexpected member"); return
                }
                members.append("\"\(key)\" :\n \(String(decoding: encoded, as: UTF8.self))")
            }
            members.append(#""unknown": {"a": [1, 2.5e3, {"b": null}], "c": "\u00e9\n"}"#)
            members.append(#""zz": [true, false, null, -0.0, "x"]"#)
            var order = Array(members.indices)
            for i in order.indices.reversed() { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            let shuffled = " {\n  " + order.map { members[$0] }.joined(separator: " ,\r\n\t") + "\n} \n"
            #expect(try fastDecode(Purchase.self, shuffled) == codableDecode(Purchase.self, json))
            #expect(try fastDecode(Purchase.self, shuffled) == codableDecode(Purchase.self, Array(shuffled.utf8)))
        }
        // Escaped keys match their unescaped form.
        let escaped = #"{"street":"s","c\u0069ty":"c","\u007a\u0069p":"z"}"#
        #expect(try fastDecode(Address.self, escaped) == Address(street: "s", city: "c", zip: "z"))
    }

    @Test("Foundation reads the fast writer's output and the fast reader reads Foundation's", arguments: 0..<3)
    func foundation(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &+ 40)
        for _ in 0..<40 {
            let p = Samples.purchase(&rng, wholeSeconds: true)
            #expect(try foundationISODecoder.decode(Purchase.self, from: Data(try fastBytes(p))) == p)
            #expect(try fastDecode(Purchase.self, [UInt8](try foundationISOEncoder.encode(p))) == p)
        }
    }

    @Test("single corruptions: the fast reader accepts, rejects and reports exactly as the Codable path",
          arguments: 0..<6)
    func corruption(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &+ 31337)
        let alphabet: [UInt8] = Array(#"{}[]:,"\ 0123456789-+.eEtrufalsnZT"#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xED, 0xF0, 0xFF]
        for _ in 0..<400 {
            let valid = seed % 2 == 0 ? try codableBytes(FastSamples.purchase(&rng)) : try codableBytes(FastSamples.basket(&rng))
            var bytes = valid
            let i = Int(rng.next() % UInt64(bytes.count))
            switch rng.next() % 3 {
            case 0: bytes[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
            case 1: bytes.remove(at: i)
            default: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: i)
            }
            if seed % 2 == 0 {
                compare(Purchase.self, bytes)
            } else {
                compare(Basket.self, bytes)
            }
        }
    }

    @Test("multiple corruptions: the fast reader accepts exactly what the Codable path accepts", arguments: 0..<4)
    func multipleCorruptions(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &+ 4711)
        let alphabet: [UInt8] = Array(#"{}[]:,"\ 0123456789-+.eEtrufalsn"#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xED, 0xF0, 0xFF]
        for _ in 0..<300 {
            var bytes = try codableBytes(FastSamples.basket(&rng))
            for _ in 0..<(2 + Int(rng.next() % 3)) {
                let i = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: i)
                default: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: i)
                }
            }
            let codable = Result { try codableDecode(Basket.self, bytes) }
            let fast = Result { try fastDecode(Basket.self, bytes) }
            switch (codable, fast) {
            case (.success(let a), .success(let b)): #expect(a == b)
            case (.failure, .failure(let e as JSONCodingError)): #expect(!e.reason.isEmpty && e.path.hasPrefix("$"))
            default: Issue.record("paths disagree on \(String(decoding: bytes, as: UTF8.self))")
            }
        }
    }

    /// An object of strings, keys as data: both paths read the same dictionary.
    struct StringMap: FastJSONCodable, Equatable {
        var values: [String: String]
        init(from decoder: any Decoder) throws { values = try [String: String](from: decoder) }
        func encode(to encoder: any Encoder) throws { try values.encode(to: encoder) }
        func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {}
        init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
            var values: [String: String] = [:]
            try reader.readObject { key, r in values[key.stringValue] = try r.readString() }
            self.values = values
        }
    }

    @Test("keys and strings of every length, with a special byte at every position, and every truncation")
    func scanning() throws {
        let specials: [[UInt8]] = [Array(#"\n"#.utf8), Array(#"\u00e9"#.utf8), Array("é".utf8), Array("😀".utf8), [0x01],
                                   Array(#"\q"#.utf8), [0xFF], [0xC3], Array(#"\ud800"#.utf8), Array(#"\""#.utf8)]
        for n in 0..<36 {
            for position in -1..<n {
                for special in position < 0 ? [[]] : specials {
                    var text = Array(repeating: UInt8(ascii: "k"), count: n)
                    if position >= 0 { text.replaceSubrange(position..<(position + 1), with: special) }
                    let key = [UInt8(ascii: "\"")] + text + [UInt8(ascii: "\"")]
                    let other = [UInt8(ascii: "\"")] + text.reversed() + [UInt8(ascii: "!"), UInt8(ascii: "\"")]
                    let asKey = Array("{".utf8) + key + Array(#":"v","#.utf8) + other + Array(#":"w"}"#.utf8)
                    let asValue = Array(#"{"a":"#.utf8) + key + Array(#","b":"#.utf8) + other + Array("}".utf8)
                    compare(StringMap.self, asKey)
                    compare(StringMap.self, asValue)
                    compare(StringMap.self, Array(asKey.prefix(1 + key.count)))
                }
            }
        }
        let document = try codableBytes(["firstName": "Ada", "a\u{1}b": "x\"y", "long key with spaces and ü": "z"])
        for cut in 0...document.count {
            compare(StringMap.self, Array(document.prefix(cut)))
        }
    }

    func compare<T: FastJSONCodable & Equatable>(_ type: T.Type, _ bytes: [UInt8],
                                                 sourceLocation: SourceLocation = #_sourceLocation) {
        let codable = Result { try codableDecode(T.self, bytes) }
        let fast = Result { try fastDecode(T.self, bytes) }
        let text = String(decoding: bytes, as: UTF8.self)
        switch (codable, fast) {
        case (.success(let a), .success(let b)):
            #expect(a == b, "\(text)", sourceLocation: sourceLocation)
        case (.failure(let a as JSONCodingError), .failure(let b as JSONCodingError)):
            #expect(a.reason == b.reason && a.byteOffset == b.byteOffset,
                    "codable: \(a)\nfast: \(b)\n\(text)", sourceLocation: sourceLocation)
        default:
            Issue.record("paths disagree on \(text): \(codable) vs \(fast)", sourceLocation: sourceLocation)
        }
    }
}

@Suite("Fast path: errors")
struct FastPathErrorTests {
    /// Checks that the error's description contains none of the distinctive input values.
    func expectNoLeak(_ e: JSONCodingError, _ extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) {
        for secret in ["SECRET", "4111", "1111-1111", "94107"] + extra {
            #expect(!e.description.contains(secret), "leaked \(secret): \(e.description)", sourceLocation: sourceLocation)
        }
    }

    /// Paths that differ from the Codable path's (which reports the innermost container its
    /// typed decoding visited): the fast reader reports where it was reading.
    static let fastPaths = [
        "malformed unknown member": "$.*",
        "missing colon": "$",
    ]

    @Test("every malformed-input class is rejected with the Codable path's reason and offset",
          arguments: ErrorTests.malformed)
    func malformed(_ c: ErrorTests.Case) throws {
        let e = try #require(fastError(Purchase.self, c.bytes))
        #expect(e.reason == c.reason)
        #expect(e.path == (Self.fastPaths[c.name] ?? c.path))
        let codable = try #require(codableError(Purchase.self, c.bytes))
        #expect(e.byteOffset == codable.byteOffset)
        #expect(e.description.contains(e.reason) && e.description.contains(e.path))
        expectNoLeak(e, ["SECRETKEY", "SECRETTRAIL"])
    }

    @Test("malformed input is rejected wherever it is, also inside members the type skips")
    func malformedAnywhere() throws {
        let base = ErrorTests.purchaseJSON()
        let cases: [(String, String)] = [
            (#","extra":{"a":[1,2,]}"#, "unexpected character, expected a value"),
            (#","extra":"SECRET\u12G4""#, "invalid \\u escape, expected 4 hexadecimal digits"),
            (#","extra":[tru]"#, "invalid literal"),
            (#","extra":{"k" 1}"#, "expected ':' after an object key"),
            (#","extra":[1 2]"#, "expected ',' or ']' after an array element"),
            (#","extra":01"#, "invalid number, leading zero"),
            (#","SECRETKEY":nulL"#, "invalid literal"),
        ]
        for (extra, reason) in cases {
            let json = String(base.dropLast()) + extra + "}"
            let e = try #require(fastError(Purchase.self, json))
            #expect(e.reason == reason, "\(json)")
            #expect(e.path == "$.*", "unknown keys are never shown: \(e.path)")
            #expect(codableError(Purchase.self, Array(json.utf8))?.reason == reason)
            expectNoLeak(e, ["SECRETKEY"])
        }
        // Malformed input after a type mismatch still wins, as in the Codable path.
        let both = ErrorTests.purchaseJSON(["quantity": #""SECRET""#]) + " x"
        #expect(fastError(Purchase.self, both)?.reason == "trailing characters after the JSON value")
        // Invalid UTF-8 in a key.
        let key: [UInt8] = Array(#"{"a"#.utf8) + [0xFF] + Array(#"":1}"#.utf8)
        #expect(fastError(Purchase.self, key)?.reason == "invalid UTF-8")
    }

    @Test("type mismatches name what was expected and found", arguments: [
        ("quantity", #""SECRET""#, "expected an integer, found a string"),
        ("quantity", "null", "expected an integer, found null"),
        ("quantity", "[1]", "expected an integer, found an array"),
        ("quantity", "true", "expected an integer, found a boolean"),
        ("price", "true", "expected a number, found a boolean"),
        ("price", #"{"x":1}"#, "expected a number, found an object"),
        ("firstName", "{\"SECRET\":1}", "expected a string, found an object"),
        ("lastName", "12345", "expected a string, found a number"),
        ("purchaseDate", "1700000000", "expected an ISO-8601 date string, found a number"),
        ("purchaseDate", #""SECRET""#, "not a valid ISO-8601 date"),
        ("quantity", "7.5", "expected an integer, found a number with a fractional part"),
        ("quantity", "1e30", "integer out of range for Int"),
        ("quantity", "-99999999999999999999", "integer out of range for Int"),
        ("price", "1e999", "number out of range for Double"),
    ])
    func mismatches(field: String, raw: String, reason: String) throws {
        let json = ErrorTests.purchaseJSON([field: raw])
        let e = try #require(fastError(Purchase.self, json))
        #expect(e.path == "$.\(field)")
        #expect(e.reason == reason)
        let codable = try #require(codableError(Purchase.self, Array(json.utf8)))
        #expect(e.reason == codable.reason && e.byteOffset == codable.byteOffset && e.path == codable.path)
        expectNoLeak(e, ["12345", "1700000000"])
    }

    @Test("integral numbers are accepted for integers, with range checks per type")
    func integers() throws {
        #expect(try fastDecode(Int.self, "1.0") == 1)
        #expect(try fastDecode(Int.self, "1e3") == 1000)
        #expect(try fastDecode(Int.self, "-0") == 0)
        #expect(try fastDecode(Int64.self, "-9223372036854775808") == .min)
        #expect(try fastDecode(UInt64.self, "18446744073709551615") == .max)
        #expect(fastError(Int32.self, "2147483648")?.reason == "integer out of range for Int32")
        #expect(fastError(UInt8.self, "-1")?.reason == "integer out of range for UInt8")
        #expect(fastError(UInt8.self, "256")?.reason == "integer out of range for UInt8")
        #expect(fastError(Int.self, "1.5")?.reason == "expected an integer, found a number with a fractional part")
        let json = #"{"id":1,"owner":{"street":"s","city":"c"},"items":[],"gift":true,"tags":[],"counts":[1,300]}"#
        let e = try #require(fastError(Basket.self, json))
        #expect(e.path == "$.counts[1]" && e.reason == "integer out of range for UInt8")
    }

    @Test("missing keys are named with their path")
    func missingKeys() throws {
        let e = try #require(fastError(Purchase.self, ErrorTests.purchaseJSON(omit: ["quantity"])))
        #expect(e.reason == "missing key 'quantity'")
        #expect(e.path == "$.quantity")
        #expect(e.byteOffset == 0)
        expectNoLeak(e)
        #expect(fastError(Purchase.self, "{}")?.reason == "missing key 'firstName'")
        let nested = #"{"id":1,"owner":{"street":"s","city":"c"},"items":[{"sku":"a","quantity":1,"unitPrice":1},"# +
            #"  {"quantity":2,"unitPrice":2}],"gift":true,"tags":[],"counts":[]}"#
        let n = try #require(fastError(Basket.self, nested))
        #expect(n.path == "$.items[1].sku")
        #expect(n.reason == "missing key 'sku'")
        #expect(n.byteOffset == nested.utf8.distance(from: nested.utf8.startIndex,
                                                      to: nested.range(of: #"{"quantity":2"#)!.lowerBound))
        #expect(codableError(Basket.self, Array(nested.utf8)) == n)
        let owner = #"{"id":1,"owner":{"street":"s"},"items":[],"gift":true,"tags":[],"counts":[]}"#
        #expect(fastError(Basket.self, owner)?.path == "$.owner.city")
    }

    @Test("nested paths: matched keys and array indices")
    func nestedPaths() throws {
        let json = #"{"id":1,"owner":{"street":"s","city":"c"},"items":[{"sku":"a","quantity":1,"unitPrice":1},"# +
            #"{"sku":"b","quantity":"SECRET","unitPrice":2}],"gift":true,"tags":["a",7],"counts":[]}"#
        let e = try #require(fastError(Basket.self, json))
        #expect(e.path == "$.items[1].quantity")
        #expect(e.reason == "expected an integer, found a string")
        expectNoLeak(e)
        let tags = json.replacingOccurrences(of: #""quantity":"SECRET""#, with: #""quantity":2"#)
        let t = try #require(fastError(Basket.self, tags))
        #expect(t.path == "$.tags[1]" && t.reason == "expected a string, found a number")
        #expect(codableError(Basket.self, Array(tags.utf8)) == t)
    }

    /// A type that reads an object as a dictionary: its keys are data, never shown.
    struct Counts: FastJSONCodable, Equatable {
        var values: [String: Int]
        init(values: [String: Int]) { self.values = values }
        init(from decoder: any Decoder) throws { values = try [String: Int](from: decoder) }
        func encode(to encoder: any Encoder) throws { try values.encode(to: encoder) }
        func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
            writer.beginObject()
            writer.endObject()
        }
        init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
            var values: [String: Int] = [:]
            try reader.readObject { key, r in values[key.stringValue] = try r.readInt() }
            self.values = values
        }
    }

    @Test("keys read from the input appear only when matched and made of [A-Za-z0-9_]")
    func keyRedaction() throws {
        let e = try #require(fastError(Counts.self, #"{"ok":1,"4111111111111111":"SECRET"}"#))
        #expect(e.path == "$.*")
        #expect(e.reason == "expected an integer, found a string")
        expectNoLeak(e)
        #expect(try fastDecode(Counts.self, #"{"a\"b":1,"é":2}"#).values == ["a\"b": 1, "é": 2])
        // Matched keys that are not identifiers, or longer than 64 bytes, are not shown either.
        struct Odd: FastJSONCodable {
            init() {}
            init(from decoder: any Decoder) throws {}
            func encode(to encoder: any Encoder) throws {}
            func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {}
            init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
                try reader.readObject { key, r in
                    switch key {
                    case "a-b", "x_1", "k\u{e9}y", "a234567890123456789012345678901234567890123456789012345678901234",
                         "a2345678901234567890123456789012345678901234567890123456789012345":
                        _ = try r.readInt()
                    default: try r.skipValue()
                    }
                }
            }
        }
        #expect(fastError(Odd.self, #"{"a-b":"v"}"#)?.path == "$.*")
        #expect(fastError(Odd.self, #"{"x_1":"v"}"#)?.path == "$.x_1")
        #expect(fastError(Odd.self, #"{"k\u00e9y":"v"}"#)?.path == "$.*")
        #expect(fastError(Odd.self, #"{"a234567890123456789012345678901234567890123456789012345678901234":"v"}"#)?.path
                == "$.a234567890123456789012345678901234567890123456789012345678901234")
        #expect(fastError(Odd.self, #"{"a2345678901234567890123456789012345678901234567890123456789012345":"v"}"#)?.path
                == "$.*")
        #expect(fastError(Odd.self, #"{"other":01}"#)?.path == "$.*")
    }

    @Test("non-finite doubles and out-of-range dates are encoding errors naming the key")
    func encodingErrors() throws {
        var p = Samples.fixedPurchase
        p.price = .nan
        let e = try #require(#expect(throws: JSONCodingError.self) { try fastBytes(p) })
        #expect(e.path == "$.price")
        #expect(e.reason == "non-finite floating-point value cannot be encoded in JSON")
        #expect(e.byteOffset == nil)
        #expect(!e.description.contains("4111"))
        let codable = try #require(#expect(throws: JSONCodingError.self) { try codableBytes(p) })
        #expect(codable == e)

        var b = Basket(id: 1, owner: Address(street: "s", city: "c", zip: nil), items: [], note: nil, shipping: nil,
                       delivered: nil, gift: false, priority: nil, tags: [], weight: nil, counts: [])
        b.items = [LineItem(sku: "a", quantity: 1, unitPrice: 1), LineItem(sku: "b", quantity: 1, unitPrice: -.infinity)]
        let n = try #require(#expect(throws: JSONCodingError.self) { try fastBytes(b) })
        #expect(n.path == "$.items[1].unitPrice")
        #expect(n == (try #require(#expect(throws: JSONCodingError.self) { try codableBytes(b) })))
        b.items = []
        b.weight = .infinity
        #expect((#expect(throws: JSONCodingError.self) { try fastBytes(b) })?.path == "$.weight")
        b.weight = nil
        b.delivered = Date(timeIntervalSince1970: 1e12)
        let d = try #require(#expect(throws: JSONCodingError.self) { try fastBytes(b) })
        #expect(d.path == "$.delivered" && d.reason == "date outside the years 0000...9999 cannot be encoded as ISO-8601")
        #expect((#expect(throws: JSONCodingError.self) { try fastBytes([1.0, .nan]) })?.path == "$[1]")

        // The buffer is unchanged by a failed encode.
        var buffer = Array("prefix".utf8)
        #expect(throws: JSONCodingError.self) { try fastEncoder.encode(p, into: &buffer) }
        #expect(buffer == Array("prefix".utf8))
    }

    /// A recursive type for the nesting limit.
    struct Tree: FastJSONCodable {
        var children: [Tree]
        init(children: [Tree]) { self.children = children }
        init(from decoder: any Decoder) throws { children = try [Tree](from: decoder) }
        func encode(to encoder: any Encoder) throws { try children.encode(to: encoder) }
        func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) { try children.writeJSON(to: &writer) }
        init(readingJSON reader: inout JSONReader) throws(JSONCodingError) { children = try [Tree](readingJSON: &reader) }
        var depth: Int { 1 + (children.map(\.depth).max() ?? 0) }
    }

    @Test("nesting is limited to 512 levels, read or skipped")
    func nesting() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(try fastDecode(Tree.self, ok).depth == 512)
        let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        let e = try #require(fastError(Tree.self, deep))
        #expect(e.reason == "nesting deeper than 512 levels")
        #expect(e.byteOffset == 512)
        let codable = try #require(codableError(Tree.self, Array(deep.utf8)))
        #expect(codable.reason == e.reason && codable.byteOffset == e.byteOffset)
        // Skipped values count too (the Purchase object is the first level).
        let skipped = String(ErrorTests.purchaseJSON().dropLast()) + #","x":"# + String(repeating: "[", count: 511)
            + String(repeating: "]", count: 511) + "}"
        #expect(throws: Never.self) { try fastDecode(Purchase.self, skipped) }
        let tooDeep = skipped.replacingOccurrences(of: #""x":["#, with: #""x":[["#) + "]"
        #expect(fastError(Purchase.self, tooDeep)?.reason == "nesting deeper than 512 levels")
    }
}

@Suite("Fast path: API")
struct FastPathAPITests {
    /// Writes something else than its Codable encoding, to see which path runs.
    struct Marker: FastJSONCodable {
        init() {}
        init(from decoder: any Decoder) throws { _ = try decoder.singleValueContainer().decode(String.self) }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode("codable")
        }
        func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) { writer.value("fast") }
        init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
            guard try reader.readString() == "fast" else { throw reader.missing("fast") }
        }
    }

    @Test("overload resolution prefers the fast path for FastJSONCodable types")
    func overloads() throws {
        #expect(try fastEncoder.encode(Marker()) == Array(#""fast""#.utf8))
        var buffer: [UInt8] = []
        try fastEncoder.encode(Marker(), into: &buffer)
        #expect(buffer == Array(#""fast""#.utf8))
        #expect(try codableBytes(Marker()) == Array(#""codable""#.utf8))
        _ = try fastDecoder.decode(Marker.self, from: Array(#""fast""#.utf8))
        #expect(throws: JSONCodingError.self) { try fastDecoder.decode(Marker.self, from: Array(#""codable""#.utf8)) }
        let raw = Array(#""fast""#.utf8)
        _ = try raw.withUnsafeBytes { try fastDecoder.decode(Marker.self, from: $0) }
    }

    @Test("a reusable JSONWriter: removeAll, count, bytes, growth beyond the initial capacity")
    func writerReuse() throws {
        var writer = JSONWriter(capacity: 16)
        var rng = SplitMix64(seed: 3)
        for _ in 0..<50 {
            let p = FastSamples.purchase(&rng)
            writer.removeAll()
            try p.writeJSON(to: &writer)
            expectSameBytes(writer.bytes, try codableBytes(p))
            #expect(writer.count == writer.bytes.count)
            #expect(writer.withUnsafeBytes { Array($0) } == writer.bytes)
        }
        writer.removeAll()
        #expect(writer.bytes.isEmpty)
        // A hand-written document: commas are inserted by the writer.
        writer.beginArray()
        writer.value("a")
        writer.value(1)
        try writer.value(2.5)
        writer.value(true)
        writer.null()
        writer.beginObject()
        writer.field("k", "v")
        writer.fieldNull("n")
        writer.field("o", nil as String?)
        writer.field("u", UInt64.max)
        writer.field("i", Int8.min)
        writer.endObject()
        writer.beginArray()
        writer.endArray()
        try writer.value(Date(timeIntervalSince1970: 0.25))
        writer.endArray()
        #expect(String(decoding: writer.bytes, as: UTF8.self)
                == #"["a",1,2.5,true,null,{"k":"v","n":null,"u":18446744073709551615,"i":-128},[],"1970-01-01T00:00:00.250Z"]"#)
    }

    @Test("encode(into:) appends after existing bytes; large documents spill to the heap")
    func appending() throws {
        var buffer = Array("[".utf8)
        try fastEncoder.encode(Samples.fixedPurchase, into: &buffer)
        buffer.append(UInt8(ascii: ","))
        let big = Address(street: String(repeating: "street \"x\" ", count: 500), city: "é", zip: "1")
        try fastEncoder.encode(big, into: &buffer)
        buffer.append(UInt8(ascii: "]"))
        expectSameBytes(buffer, Array("[".utf8) + (try codableBytes(Samples.fixedPurchase)) + Array(",".utf8)
                        + (try codableBytes(big)) + Array("]".utf8))
        #expect(try fastDecode(Address.self, try codableBytes(big)) == big)
    }

    /// Counts duplicate members and leaves some values unread.
    struct Lenient: FastJSONCodable {
        var seen = 0
        var last = ""
        init() {}
        init(from decoder: any Decoder) throws {}
        func encode(to encoder: any Encoder) throws {}
        func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {}
        init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
            var seen = 0, last = ""
            try reader.readObject { key, r in
                if key == "a" {
                    seen += 1
                    last = try r.readString()
                } else if try r.readNull() {
                    seen += 100
                }
            }
            self.seen = seen
            self.last = last
        }
    }

    @Test("duplicate keys are all passed to the body; unread values are skipped; an empty writeJSON writes {}")
    func lenient() throws {
        let l = try fastDecode(Lenient.self, #"{"a":"1","b":{"c":[1,{"d":2}]},"a":"2","n":null,"e":[]}"#)
        #expect(l.seen == 102 && l.last == "2")
        #expect(try fastBytes(Lenient()) == Array("{}".utf8))
        #expect(try codableBytes(Lenient()) == Array("{}".utf8))
    }

    @Test("a body may try another read after a type mismatch")
    func retry() throws {
        struct Either: FastJSONCodable {
            var value: String
            init(from decoder: any Decoder) throws { value = "" }
            func encode(to encoder: any Encoder) throws {}
            func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {}
            init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
                var values: [String] = []
                try reader.readArray { r in
                    if let i = try? r.readInt() {
                        values.append("int \(i)")
                    } else if let s = try? r.readString() {
                        values.append("string \(s)")
                    }
                }
                value = values.joined(separator: ",")
            }
        }
        #expect(try fastDecode(Either.self, #"[1,"x",true]"#).value == "int 1,string x")
        // A swallowed syntax error is found again when the value is skipped.
        #expect(fastError(Either.self, #"[1,"x",01]"#)?.reason == "invalid number, leading zero")
        #expect(fastError(Either.self, #"[1,"x",01]"#)?.path == "$[2]")
    }

    @Test("JSONKey compares bytes, length first, and after unescaping")
    func keys() throws {
        struct Probe: FastJSONCodable {
            var log: [String] = []
            init(from decoder: any Decoder) throws {}
            func encode(to encoder: any Encoder) throws {}
            func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {}
            init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
                var log: [String] = []
                try reader.readObject { key, r in
                    switch key {
                    case "": log.append("empty")
                    case "a": log.append("a")
                    case "ab": log.append("ab")
                    case "abcdefghijklmnopq": log.append("long")
                    case "é": log.append("e-acute")
                    default: log.append("other:" + key.stringValue)
                    }
                }
                self.log = log
            }
        }
        let p = try fastDecode(Probe.self, #"{"":0,"a":0,"ab":0,"abc":0,"abcdefghijklmnopq":0,"abcdefghijklmnopr":0,"\u0061":0,"\u00e9":0,"é":0,"a\"":0}"#)
        #expect(p.log == ["empty", "a", "ab", "other:abc", "long", "other:abcdefghijklmnopr", "a", "e-acute", "e-acute", "other:a\""])
    }
}
