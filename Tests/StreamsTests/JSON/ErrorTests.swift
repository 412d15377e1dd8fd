import Foundation
import Streams
import Testing

/// Malformed input, type mismatches and encoding failures: every error is a
/// `JSONCodingError` with a path and a reason, and never echoes input values.
@Suite("Errors")
struct ErrorTests {
    static let secretCard = "4111-1111-1111-1111"

    /// A valid Purchase document whose fields can be replaced by raw JSON text.
    static func purchaseJSON(_ overrides: [String: String] = [:], omit: Set<String> = []) -> String {
        let fields: [(String, String)] = [
            ("firstName", #""SECRETFIRST""#), ("lastName", #""SECRETLAST""#), ("customerId", #""CUST-SECRET""#),
            ("creditCardNumber", "\"\(secretCard)\""), ("itemPurchased", #""Gadget""#), ("department", #""toys""#),
            ("employeeId", #""EMP-1""#), ("quantity", "7"), ("price", "19.99"),
            ("purchaseDate", #""2026-11-25T13:10:44Z""#), ("zipCode", #""94107""#), ("storeId", #""STORE-1""#),
        ]
        let members = fields.filter { !omit.contains($0.0) }.map { "\"\($0.0)\":\(overrides[$0.0] ?? $0.1)" }
        return "{" + members.joined(separator: ",") + "}"
    }

    /// Checks that the error's description contains none of the distinctive input values.
    func expectNoLeak(_ e: JSONCodingError, _ extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) {
        for secret in ["SECRET", "4111", "1111-1111", "94107"] + extra {
            #expect(!e.description.contains(secret), "leaked \(secret): \(e.description)", sourceLocation: sourceLocation)
            #expect(!e.path.contains(secret), sourceLocation: sourceLocation)
        }
    }

    @Test("the template is valid")
    func templateIsValid() throws {
        let p = try decode(Purchase.self, Self.purchaseJSON())
        #expect(p.creditCardNumber == Self.secretCard)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var path: String
        var reason: String
        var testDescription: String { name }

        init(_ name: String, _ json: String, _ path: String, _ reason: String) {
            self.init(name, Array(json.utf8), path, reason)
        }
        init(_ name: String, _ bytes: [UInt8], _ path: String, _ reason: String) {
            self.name = name; self.bytes = bytes; self.path = path; self.reason = reason
        }
    }

    static func withBytes(_ field: String, _ bytes: [UInt8]) -> [UInt8] {
        let marker = "\"@@@\""
        let json = purchaseJSON([field: marker])
        let r = json.range(of: marker)!
        return Array(json[..<r.lowerBound].utf8) + [0x22] + bytes + [0x22] + Array(json[r.upperBound...].utf8)
    }

    static let malformed: [Case] = [
        Case("trailing garbage", purchaseJSON() + " SECRETTRAIL", "$", "trailing characters after the JSON value"),
        Case("two documents", purchaseJSON() + purchaseJSON(), "$", "trailing characters after the JSON value"),
        Case("bad literal", purchaseJSON(["quantity": "tru"]), "$.quantity", "invalid literal"),
        Case("bad literal nul", purchaseJSON(["firstName": "nul"]), "$.firstName", "invalid literal"),
        Case("bad literal falsy", purchaseJSON(["price": "falsy"]), "$.price", "invalid literal"),
        Case("unexpected character", purchaseJSON(["zipCode": "'SECRET'"]), "$.zipCode", "unexpected character, expected a value"),
        Case("control character", withBytes("firstName", Array("SECRET".utf8) + [0x01] + Array("NAME".utf8)),
             "$.firstName", "control character in string"),
        Case("raw newline in string", withBytes("lastName", Array("SECRET\nLAST".utf8)), "$.lastName", "control character in string"),
        Case("invalid escape", purchaseJSON(["lastName": #""SECRET\xLAST""#]), "$.lastName", "invalid escape sequence"),
        Case("short unicode escape", purchaseJSON(["lastName": #""SECRET\u12""#]), "$.lastName",
             "invalid \\u escape, expected 4 hexadecimal digits"),
        Case("lone surrogate", purchaseJSON(["department": #""SECRET\ud800""#]), "$.department", "invalid \\u escape: lone surrogate"),
        Case("invalid UTF-8 byte", withBytes("customerId", Array("SECRET".utf8) + [0xFF]), "$.customerId", "invalid UTF-8"),
        Case("overlong UTF-8", withBytes("customerId", [0xC0, 0x80]), "$.customerId", "invalid UTF-8"),
        Case("UTF-8 surrogate", withBytes("customerId", [0xED, 0xA0, 0x80]), "$.customerId", "invalid UTF-8"),
        Case("truncated UTF-8", withBytes("customerId", [0xE2, 0x82]), "$.customerId", "invalid UTF-8"),
        Case("UTF-8 above U+10FFFF", withBytes("customerId", [0xF4, 0x90, 0x80, 0x80]), "$.customerId", "invalid UTF-8"),
        Case("leading zero", purchaseJSON(["quantity": "0123"]), "$.quantity", "invalid number, leading zero"),
        Case("negative leading zero", purchaseJSON(["quantity": "-01"]), "$.quantity", "invalid number, leading zero"),
        Case("lone minus", purchaseJSON(["quantity": "-"]), "$.quantity", "invalid number, expected a digit"),
        Case("missing fraction digits", purchaseJSON(["price": "19."]), "$.price",
             "invalid number, expected a digit after the decimal point"),
        Case("missing exponent digits", purchaseJSON(["price": "1e+"]), "$.price", "invalid number, expected a digit in the exponent"),
        Case("plus sign", purchaseJSON(["price": "+1"]), "$.price", "unexpected character, expected a value"),
        Case("unterminated string", String(purchaseJSON().dropLast(3)), "$.storeId", "unterminated string"),
        Case("unterminated object", #"{"firstName":"SECRETFIRST""#, "$", "unterminated object"),
        Case("unterminated after comma", #"{"firstName":"SECRETFIRST","#, "$", "unterminated object"),
        Case("unterminated array", #"{"firstName":["SECRET""#, "$.firstName", "unterminated array"),
        Case("empty input", "", "$", "unexpected end of input, expected a value"),
        Case("whitespace only", "  \n ", "$", "unexpected end of input, expected a value"),
        Case("missing colon", #"{"firstName" "SECRETFIRST"}"#, "$.firstName", "expected ':' after an object key"),
        Case("missing comma", #"{"firstName":"SECRETFIRST" "lastName":"x"}"#, "$", "expected ',' or '}' after an object member"),
        Case("non-string key", #"{SECRET:1}"#, "$", "expected a string key"),
        Case("trailing comma in object", #"{"firstName":"SECRETFIRST",}"#, "$", "expected a string key"),
        Case("nesting too deep", purchaseJSON(["firstName": String(repeating: "[", count: 600)]), "$.firstName",
             "nesting deeper than 512 levels"),
        Case("malformed unknown member", purchaseJSON(["zipCode": #""94107","SECRETKEY":{"x":[01]}"#]), "$",
             "invalid number, leading zero"),
        Case("malformed key", #"{"SECRET\qKEY":1}"#, "$", "invalid escape sequence"),
    ]

    @Test("malformed input is rejected with path and reason", arguments: malformed)
    func malformedInput(_ c: Case) throws {
        let e = try #require(decodeError(Purchase.self, c.bytes))
        #expect(e.path == c.path)
        #expect(e.reason == c.reason)
        #expect(e.byteOffset != nil)
        expectNoLeak(e, ["SECRETKEY", "SECRETTRAIL"])
        #expect(e.description.contains(c.path) && e.description.contains(c.reason))
    }

    @Test("byte offsets point at the problem")
    func offsets() throws {
        #expect(decodeError(Int.self, "01")?.byteOffset == 0)
        #expect(decodeError([Int].self, "[1, 2, x]")?.byteOffset == 7)
        #expect(decodeError([Int].self, "[1, 2, x]")?.path == "$[2]")
        #expect(decodeError([String].self, "[\"a\", \"b\\q\"]")?.byteOffset == 8)
        #expect(decodeError(Int.self, "1 2")?.byteOffset == 2)
        #expect(decodeError(String.self, "\"abc")?.byteOffset == 0)
        let json = Self.purchaseJSON(["quantity": #""SECRET""#])
        let e = try #require(decodeError(Purchase.self, json))
        let r = try #require(json.range(of: #""quantity":"SECRET""#))
        #expect(e.byteOffset == json.utf8.distance(from: json.startIndex, to: r.lowerBound) + 11)
    }

    @Test("type mismatches name what was expected and found", arguments: [
        ("quantity", #""SECRET""#, "expected an integer, found a string"),
        ("quantity", "null", "expected an integer, found null"),
        ("quantity", "[1]", "expected an integer, found an array"),
        ("price", "true", "expected a number, found a boolean"),
        ("firstName", "{\"SECRET\":1}", "expected a string, found an object"),
        ("lastName", "12345", "expected a string, found a number"),
        ("purchaseDate", "1700000000", "expected an ISO-8601 date string, found a number"),
        ("quantity", "7.5", "expected an integer, found a number with a fractional part"),
        ("quantity", "1e30", "integer out of range for Int"),
    ])
    func mismatches(field: String, raw: String, reason: String) throws {
        let e = try #require(decodeError(Purchase.self, Self.purchaseJSON([field: raw])))
        #expect(e.path == "$.\(field)")
        #expect(e.reason == reason)
        expectNoLeak(e, ["12345", "1700000000"])
    }

    @Test("missing keys are named (declared keys only)")
    func missingKey() throws {
        let e = try #require(decodeError(Purchase.self, Self.purchaseJSON(omit: ["quantity"])))
        #expect(e.reason == "missing key 'quantity'")
        #expect(e.path == "$.quantity")
        #expect(e.byteOffset == 0)
        expectNoLeak(e)
        #expect(decodeError(Purchase.self, "{}")?.reason == "missing key 'firstName'")
    }

    @Test("nested paths")
    func nestedPaths() throws {
        var rng = SplitMix64(seed: 1)
        var order = Samples.order(&rng)
        order.items = (0..<4).map { LineItem(sku: "SKU\($0)", quantity: $0, unitPrice: 1) }
        let valid = try encodeString(order)
        let broken = valid.replacingOccurrences(of: #""sku":"SKU2","quantity":2"#, with: #""sku":"SKU2","quantity":"SECRET""#)
        let e = try #require(decodeError(Order.self, broken))
        #expect(e.path == "$.items[2].quantity")
        #expect(e.reason == "expected an integer, found a string")
        expectNoLeak(e)

        let malformed = valid.replacingOccurrences(of: #""sku":"SKU3","quantity":3"#, with: #""sku":"SKU3","quantity":03"#)
        let m = try #require(decodeError(Order.self, malformed))
        #expect(m.path == "$.items[3].quantity")
        #expect(m.reason == "invalid number, leading zero")

        let missing = valid.replacingOccurrences(of: #""sku":"SKU1","#, with: "")
        let k = try #require(decodeError(Order.self, missing))
        #expect(k.path == "$.items[1].sku")
        #expect(k.reason == "missing key 'sku'")

        let nestedMatrix = valid.replacingOccurrences(of: "[[1,2],[],[3]]", with: #"[[1,2],[],[3,"SECRET"]]"#)
        let n = try #require(decodeError(Order.self, nestedMatrix))
        #expect(n.path == "$.matrix[2][1]")
    }

    @Test("keys read from the input are never echoed")
    func inputKeysRedacted() throws {
        let e = try #require(decodeError([String: Int].self, #"{"ok":1,"4111111111111111":"SECRET"}"#))
        #expect(e.path == "$.*")
        #expect(e.reason == "expected an integer, found a string")
        expectNoLeak(e)
        let m = try #require(decodeError([String: [Int]].self, #"{"SECRETKEY":[1,01]}"#))
        #expect(m.path == "$.*[1]")
        expectNoLeak(m, ["SECRETKEY"])
        let i = try #require(decodeError([Int: Int].self, #"{"41111111":"x"}"#))
        #expect(!i.description.contains("41111111"))
    }

    @Test("invalid enum raw values are reported without the value")
    func invalidEnum() throws {
        let e = try #require(decodeError(Wrapper<Status>.self, #"{"value":"SECRETSTATUS"}"#))
        #expect(e.path == "$.value")
        #expect(e.reason.contains("Cannot initialize Status from invalid String value"))
        #expect(e.byteOffset == 9)
        expectNoLeak(e)
        let p = try #require(decodeError(Wrapper<Priority>.self, #"{"value":41111}"#))
        #expect(!p.description.contains("41111"))
    }

    @Test("errors thrown by user code are wrapped")
    func userErrors() throws {
        struct Picky: Decodable {
            init(from decoder: any Decoder) throws {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "picky says no"))
            }
        }
        struct Custom: Error {}
        struct Throws: Codable {
            init() {}
            init(from decoder: any Decoder) throws { throw Custom() }
            func encode(to encoder: any Encoder) throws { throw Custom() }
        }
        let e = try #require(decodeError([Picky].self, "[1, 2]"))
        #expect(e.path == "$[0]" && e.reason == "data corrupted: picky says no" && e.byteOffset == 1)
        let c = try #require(decodeError(Throws.self, "{}"))
        #expect(c.reason.contains("Custom"))
        #expect(throws: JSONCodingError.self) { try fastEncoder.encode(Throws()) }
    }

    @Test("nesting up to the limit is accepted")
    func nestingLimit() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(try decode(JSONValue.self, ok) != .null)
        let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        let e = try #require(decodeError(JSONValue.self, deep))
        #expect(e.reason == "nesting deeper than 512 levels")
        #expect(e.byteOffset == 512)
    }

    @Test("encoding errors carry the path and no values")
    func encodingErrors() throws {
        struct Holder: Encodable { var purchases: [Purchase] }
        var p = Samples.fixedPurchase
        p.price = .nan
        let e = #expect(throws: JSONCodingError.self) {
            try fastEncoder.encode(Holder(purchases: [Samples.fixedPurchase, p]))
        }
        #expect(e?.path == "$.purchases[1].price")
        #expect(e?.byteOffset == nil)
        #expect(e.map { !$0.description.contains("4111") } == true)
        let d = #expect(throws: JSONCodingError.self) { try fastEncoder.encode(["4111111111111111": Double.infinity]) }
        #expect(d?.path == "$.*")
    }

    @Test("random corruption never crashes and always throws JSONCodingError", arguments: 0..<4)
    func fuzz(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &+ 4242)
        var order = Samples.order(&rng)
        order.notes = "n\u{1}ö\"😀"
        let valid = try fastEncoder.encode(order)
        let alphabet: [UInt8] = Array(#"{}[]:,"\ 0123456789-+.eEtrufalsn"#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xED, 0xF0, 0xFF]
        for _ in 0..<400 {
            var bytes = valid
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let i = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: i)
                default: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: i)
                }
            }
            let ourValue: JSONValue?
            do {
                ourValue = try fastDecoder.decode(JSONValue.self, from: bytes)
            } catch is JSONCodingError {
                ourValue = nil
            }
            do {
                _ = try fastDecoder.decode(Order.self, from: bytes)
            } catch let e as JSONCodingError {
                #expect(!e.reason.isEmpty && e.path.hasPrefix("$"))
            }
            // We are at least as strict as Foundation (which, for example, accepts "[1,]").
            if ourValue != nil {
                let foundationOK = (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
                #expect(foundationOK, "\(String(decoding: bytes, as: UTF8.self))")
            }
        }
    }
}
