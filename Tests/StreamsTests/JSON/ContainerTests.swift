import Foundation
import Streams
import Testing

class Animal: Codable, @unchecked Sendable {
    var name: String
    init(name: String) { self.name = name }
}

final class Dog: Animal, @unchecked Sendable {
    var breed: String
    init(name: String, breed: String) {
        self.breed = breed
        super.init(name: name)
    }
    enum CodingKeys: String, CodingKey { case breed }
    required init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        breed = try c.decode(String.self, forKey: .breed)
        try super.init(from: c.superDecoder())
    }
    override func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(breed, forKey: .breed)
        try super.encode(to: c.superEncoder())
    }
}

/// Subclass sharing the parent's container (no superEncoder).
final class Cat: Animal, @unchecked Sendable {
    var lives: Int
    init(name: String, lives: Int) {
        self.lives = lives
        super.init(name: name)
    }
    enum CodingKeys: String, CodingKey { case lives }
    required init(from decoder: any Decoder) throws {
        lives = try decoder.container(keyedBy: CodingKeys.self).decode(Int.self, forKey: .lives)
        try super.init(from: decoder)
    }
    override func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(lives, forKey: .lives)
        try super.encode(to: encoder)
    }
}

/// Uses nested keyed/unkeyed containers and writes to the parent after the nested ones.
struct Manual: Codable, Equatable, Sendable {
    var id: Int
    var point: (x: Double, y: Double)
    var list: [String]
    var tail: Bool

    enum K: String, CodingKey { case id, point, list, tail, x, y }

    init(id: Int, point: (x: Double, y: Double), list: [String], tail: Bool) {
        self.id = id; self.point = point; self.list = list; self.tail = tail
    }

    static func == (a: Manual, b: Manual) -> Bool {
        a.id == b.id && a.point == b.point && a.list == b.list && a.tail == b.tail
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: K.self)
        try c.encode(id, forKey: .id)
        var p = c.nestedContainer(keyedBy: K.self, forKey: .point)
        try p.encode(point.x, forKey: .x)
        try p.encode(point.y, forKey: .y)
        var l = c.nestedUnkeyedContainer(forKey: .list)
        for s in list { try l.encode(s) }
        var deeper = l.nestedUnkeyedContainer()
        try deeper.encodeNil()
        try c.encode(tail, forKey: .tail)
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: K.self)
        id = try c.decode(Int.self, forKey: .id)
        let p = try c.nestedContainer(keyedBy: K.self, forKey: .point)
        point = (try p.decode(Double.self, forKey: .x), try p.decode(Double.self, forKey: .y))
        var l = try c.nestedUnkeyedContainer(forKey: .list)
        var items: [String] = []
        while l.count.map({ l.currentIndex < $0 - 1 }) ?? false { items.append(try l.decode(String.self)) }
        var deeper = try l.nestedUnkeyedContainer()
        #expect(try deeper.decodeNil())
        #expect(l.isAtEnd)
        list = items
        tail = try c.decode(Bool.self, forKey: .tail)
    }
}

@Suite("Containers")
struct ContainerTests {
    @Test("superEncoder / superDecoder")
    func superCoders() throws {
        let dog = Dog(name: "Rex", breed: "Beagle")
        #expect(try encodeString(dog) == #"{"breed":"Beagle","super":{"name":"Rex"}}"#)
        let back = try roundTrip(dog)
        #expect(back.name == "Rex" && back.breed == "Beagle")
        let foundation = try JSONDecoder().decode(Dog.self, from: Data(try fastEncoder.encode(dog)))
        #expect(foundation.name == "Rex")
        let fromFoundation = try fastDecoder.decode(Dog.self, from: [UInt8](try JSONEncoder().encode(dog)))
        #expect(fromFoundation.breed == "Beagle")
        let dogs = [dog, Dog(name: "Fido", breed: "Pug")]
        #expect(try encodeString(dogs) == #"[{"breed":"Beagle","super":{"name":"Rex"}},{"breed":"Pug","super":{"name":"Fido"}}]"#)
    }

    @Test("a subclass and its superclass share one keyed container")
    func sharedContainer() throws {
        let cat = Cat(name: "Tom", lives: 9)
        #expect(try encodeString(cat) == #"{"lives":9,"name":"Tom"}"#)
        let back = try roundTrip(cat)
        #expect(back.name == "Tom" && back.lives == 9)
    }

    @Test("nested containers close lazily when the parent writes again")
    func nestedContainers() throws {
        let m = Manual(id: 1, point: (1.5, -2), list: ["a", "b"], tail: true)
        #expect(try encodeString(m) == #"{"id":1,"point":{"x":1.5,"y":-2},"list":["a","b",[null]],"tail":true}"#)
        #expect(try roundTrip(m) == m)
        #expect(try foundationISODecoder.decode(Manual.self, from: Data(try fastEncoder.encode(m))) == m)
    }

    @Test("superEncoder with nothing written produces an empty object")
    func emptySuper() throws {
        struct S: Encodable {
            enum K: CodingKey { case a, b }
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: K.self)
                _ = c.superEncoder(forKey: .a)
                try c.encode(1, forKey: .b)
                var u = c.superEncoder().unkeyedContainer()
                try u.encode(2)
            }
        }
        #expect(try encodeString(S()) == #"{"a":{},"b":1,"super":[2]}"#)
    }

    @Test("values that encode nothing become empty objects")
    func emptyValues() throws {
        struct Nothing: Codable, Equatable {}
        #expect(try encodeString(Nothing()) == "{}")
        #expect(try encodeString([Nothing(), Nothing()]) == "[{},{}]")
        #expect(try decode([Nothing].self, "[{},{}]").count == 2)
    }

    @Test("using a nested container after its parent moved on is an error")
    func outOfOrder() throws {
        struct Bad: Encodable {
            enum K: CodingKey { case a, b, x }
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: K.self)
                var n = c.nestedContainer(keyedBy: K.self, forKey: .a)
                try c.encode(1, forKey: .b)
                try n.encode(2, forKey: .x)
            }
        }
        let e = #expect(throws: JSONCodingError.self) { try fastEncoder.encode(Bad()) }
        #expect(e?.path == "$.a")
        #expect(e?.reason.contains("streaming encoder") == true)
    }

    @Test("single value containers: one value only")
    func singleValueTwice() throws {
        struct Twice: Encodable {
            func encode(to encoder: any Encoder) throws {
                var c = encoder.singleValueContainer()
                try c.encode(1)
                try c.encode(2)
            }
        }
        #expect(throws: JSONCodingError.self) { try fastEncoder.encode(Twice()) }
        #expect(throws: JSONCodingError.self) { try fastEncoder.encode([Twice()]) }
    }

    @Test("coding paths seen by user code")
    func codingPaths() throws {
        struct Probe: Codable {
            var path = ""
            init() {}
            init(from decoder: any Decoder) throws {
                path = decoder.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "/")
                _ = try decoder.singleValueContainer().decode(Int.self)
            }
            func encode(to encoder: any Encoder) throws {
                var c = encoder.singleValueContainer()
                try c.encode(encoder.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "/"))
            }
        }
        struct Outer: Codable { var a: [String: [Probe]] }
        let o = try decode(Outer.self, #"{"a":{"k":[1,2]}}"#)
        #expect(o.a["k"]?.map(\.path) == ["a/k/0", "a/k/1"])
        #expect(try encodeString(Outer(a: ["k": [Probe()]])) == #"{"a":{"k":["a/k/0"]}}"#)
    }

    @Test("unkeyed containers report the end of the array")
    func unkeyedEnd() throws {
        struct Pair: Decodable {
            var a: Int, b: Int
            init(from decoder: any Decoder) throws {
                var c = try decoder.unkeyedContainer()
                a = try c.decode(Int.self)
                b = try c.decode(Int.self)
            }
        }
        #expect(try decode(Pair.self, "[1,2]").b == 2)
        let e = try #require(decodeError(Pair.self, "[1]"))
        #expect(e.path == "$[1]")
        #expect(e.reason == "expected a value, but the array has no more elements")
    }
}
