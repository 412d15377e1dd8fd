import Foundation
import Streams
import Testing

@Suite("Round trips")
struct RoundTripTests {
    @Test("Purchase round trips", arguments: 0..<20)
    func purchaseRoundTrip(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed))
        for _ in 0..<50 {
            let p = Samples.purchase(&rng)
            #expect(try roundTrip(p) == p)
        }
    }

    @Test("Purchase encodes to the expected compact JSON")
    func purchaseExactOutput() throws {
        let json = try encodeString(Samples.fixedPurchase)
        #expect(json == #"{"firstName":"Ada","lastName":"Lovelace","customerId":"CUST-00000042","creditCardNumber":"4111-1111-1111-1111","itemPurchased":"Analytical Engine","department":"engineering","employeeId":"EMP-00001","quantity":3,"price":1234.5,"purchaseDate":"2026-11-26T13:10:44Z","zipCode":"02139","storeId":"STORE-007"}"#)
    }

    @Test("encode(into:) appends to an existing buffer")
    func encodeAppends() throws {
        var buffer = Array("prefix:".utf8)
        try fastEncoder.encode(42, into: &buffer)
        try fastEncoder.encode("x", into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == #"prefix:42"x""#)
    }

    @Test("decode from an UnsafeRawBufferPointer")
    func decodeFromRawBuffer() throws {
        let bytes = try fastEncoder.encode(Samples.fixedPurchase)
        let p = try bytes.withUnsafeBytes { try fastDecoder.decode(Purchase.self, from: $0) }
        #expect(p == Samples.fixedPurchase)
    }

    @Test("nested types, arrays, dictionaries, enums", arguments: 0..<10)
    func orderRoundTrip(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed))
        let order = Samples.order(&rng)
        #expect(try roundTrip(order) == order)
    }

    @Test("enums with associated values use nested containers")
    func associatedValueEnums() throws {
        #expect(try encodeString(Shape.circle(radius: 1.5)) == #"{"circle":{"radius":1.5}}"#)
        #expect(try encodeString(Shape.rect(width: 2, height: 3)) == #"{"rect":{"width":2,"height":3}}"#)
        #expect(try encodeString(Shape.labelled("a", 1)) == #"{"labelled":{"_0":"a","_1":1}}"#)
        #expect(try encodeString(Shape.empty) == #"{"empty":{}}"#)
        #expect(try encodeString([Shape.empty, .circle(radius: 0)]) == #"[{"empty":{}},{"circle":{"radius":0}}]"#)
        for s in [Shape.circle(radius: 1.5), .rect(width: 2, height: 3), .labelled("a", 1), .empty] {
            #expect(try roundTrip(s) == s)
        }
    }

    @Test("arrays")
    func arrays() throws {
        #expect(try encodeString([Int]()) == "[]")
        #expect(try encodeString([1, 2, 3]) == "[1,2,3]")
        #expect(try encodeString([[1], [], [2, 3]]) == "[[1],[],[2,3]]")
        #expect(try encodeString(["a", "b"]) == #"["a","b"]"#)
        #expect(try decode([[Int]].self, "[ [1] , [ ] ,[2,3] ]") == [[1], [], [2, 3]])
        #expect(try decode([String].self, "[]") == [])
        #expect(try decode([Bool].self, "[true,false]") == [true, false])
        let many = (0..<1000).map { $0 * 7 }
        #expect(try roundTrip(many) == many)
        var rng = SplitMix64(seed: 9)
        let purchases = (0..<100).map { _ in Samples.purchase(&rng) }
        #expect(try roundTrip(purchases) == purchases)
    }

    @Test("dictionaries with String and Int keys")
    func dictionaries() throws {
        #expect(try encodeString([String: Int]()) == "{}")
        #expect(try encodeString(["only": 1]) == #"{"only":1}"#)
        #expect(try encodeString([7: "seven"]) == #"{"7":"seven"}"#)
        let d: [String: [Int]] = ["a": [1], "b": [], "c": [2, 3], "quo\"te": [4]]
        #expect(try roundTrip(d) == d)
        let i: [Int: String] = [1: "one", -2: "minus two", 300: "x"]
        #expect(try roundTrip(i) == i)
        #expect(try decode([Int: String].self, #"{"1":"a","-2":"b"}"#) == [1: "a", -2: "b"])
        #expect(try decode([String: Double].self, #"{"x": 1.5, "y": -2}"#) == ["x": 1.5, "y": -2])
    }

    @Test("optionals: present, absent and null")
    func optionals() throws {
        let full = Optionals(a: 1, b: "x", c: [1, nil, 3], d: Address(street: "s", city: "c", zip: nil))
        #expect(try encodeString(full) == #"{"a":1,"b":"x","c":[1,null,3],"d":{"street":"s","city":"c"}}"#)
        #expect(try roundTrip(full) == full)
        let empty = Optionals(a: nil, b: nil, c: [], d: nil)
        #expect(try encodeString(empty) == #"{"c":[]}"#)
        #expect(try roundTrip(empty) == empty)
        let nulls = try decode(Optionals.self, #"{"a":null,"b":null,"c":[null],"d":null}"#)
        #expect(nulls == Optionals(a: nil, b: nil, c: [nil], d: nil))
        #expect(try encodeString(Int?.none) == "null")
        #expect(try decode(Int?.self, "null") == nil)
        #expect(try decode(Int?.self, "5") == 5)
    }

    @Test("raw value enums")
    func rawValueEnums() throws {
        #expect(try encodeString([Status.pending, .delivered]) == #"["pending","delivered"]"#)
        #expect(try encodeString(Priority.high) == "2")
        #expect(try decode([Priority].self, "[1,2]") == [.low, .high])
        #expect(try decode(Status.self, #""shipped""#) == .shipped)
    }

    @Test("special Foundation types")
    func specials() throws {
        let s = Specials(uuid: UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F")!,
                         url: URL(string: "https://example.com/a?b=c&d=%20")!,
                         data: Data([0, 1, 2, 250, 255]), decimal: Decimal(string: "12345.6789")!,
                         float: 1.25, double: -0.1, flag: true)
        #expect(try encodeString(s) == #"{"uuid":"E621E1F8-C36C-495A-93FC-0C247A3E6E5F","url":"https://example.com/a?b=c&d=%20","data":"AAEC+v8=","decimal":12345.6789,"float":1.25,"double":-0.1,"flag":true}"#)
        #expect(try roundTrip(s) == s)
        let lower = try decode(UUID.self, #""e621e1f8-c36c-495a-93fc-0c247a3e6e5f""#)
        #expect(lower == s.uuid)
    }

    @Test("integer types at their limits", arguments: [Integers.min, Integers.max])
    func integerLimits(_ value: Integers) throws {
        #expect(try roundTrip(value) == value)
    }

    @Test("Int128 and UInt128")
    func wideIntegers() throws {
        let values: [Int128] = [.min, -1, 0, 1, .max]
        #expect(try roundTrip(values) == values)
        #expect(try encodeString(UInt128.max) == "340282366920938463463374607431768211455")
        #expect(try decode(UInt128.self, "340282366920938463463374607431768211455") == .max)
    }

    @Test("top-level scalars and whitespace")
    func topLevel() throws {
        #expect(try decode(Int.self, " 42 ") == 42)
        #expect(try decode(String.self, "\t\"x\"\r\n") == "x")
        #expect(try decode(Bool.self, "false") == false)
        #expect(try decode(Double.self, "-0") == 0)
        #expect(try encodeString("x") == #""x""#)
        #expect(try encodeString(true) == "true")
        let pretty = """
        {
          "firstName" : "Ada", "lastName": "Lovelace",
          "customerId" : "CUST-00000042", "creditCardNumber" : "4111-1111-1111-1111",
          "itemPurchased" : "Analytical Engine", "department" : "engineering",
          "employeeId" : "EMP-00001", "quantity" : 3, "price" : 1234.5,
          "purchaseDate" : "2026-11-26T13:10:44Z", "zipCode" : "02139", "storeId" : "STORE-007"
        }
        """
        #expect(try decode(Purchase.self, pretty) == Samples.fixedPurchase)
    }

    @Test("keys in any order, unknown keys skipped, escaped keys matched")
    func keyOrder() throws {
        let json = """
        {"storeId":"STORE-007","zipCode":"02139","unknown":{"deep":[1,{"x":[true,null]}],"s":"\\u0041"},
         "purchaseDate":"2026-11-26T13:10:44Z","price":1234.5,"quantity":3,"employeeId":"EMP-00001",
         "department":"engineering","itemPurchased":"Analytical Engine","creditCardNumber":"4111-1111-1111-1111",
         "customerId":"CUST-00000042","last\\u004eame":"Lovelace","firstName":"Ada","extra":[]}
        """
        #expect(try decode(Purchase.self, json) == Samples.fixedPurchase)
    }

    @Test("keyed container queries: contains, allKeys, decodeNil, decodeIfPresent")
    func containerQueries() throws {
        struct Probe: Decodable {
            var keys: [String]
            var hasA: Bool
            var hasZ: Bool
            var bIsNil: Bool
            var c: Int?
            var missing: Int?
            struct K: CodingKey {
                var stringValue: String
                init(stringValue: String) { self.stringValue = stringValue }
                var intValue: Int? { nil }
                init?(intValue: Int) { return nil }
            }
            init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: K.self)
                keys = c.allKeys.map(\.stringValue)
                hasA = c.contains(K(stringValue: "a"))
                hasZ = c.contains(K(stringValue: "z"))
                bIsNil = try c.decodeNil(forKey: K(stringValue: "b"))
                self.c = try c.decodeIfPresent(Int.self, forKey: K(stringValue: "c"))
                missing = try c.decodeIfPresent(Int.self, forKey: K(stringValue: "zz"))
            }
        }
        let p = try decode(Probe.self, #"{"a":1,"b":null,"c":3}"#)
        #expect(p.keys == ["a", "b", "c"])
        #expect(p.hasA && !p.hasZ && p.bIsNil)
        #expect(p.c == 3 && p.missing == nil)
    }
}
