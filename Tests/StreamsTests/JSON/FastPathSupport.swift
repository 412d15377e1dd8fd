import Foundation
import Streams
import Testing

// MARK: - FastJSONCodable conformances of the test models

extension Purchase: FastJSONCodable {
    func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
        writer.beginObject()
        writer.field("firstName", firstName)
        writer.field("lastName", lastName)
        writer.field("customerId", customerId)
        writer.field("creditCardNumber", creditCardNumber)
        writer.field("itemPurchased", itemPurchased)
        writer.field("department", department)
        writer.field("employeeId", employeeId)
        writer.field("quantity", quantity)
        try writer.field("price", price)
        try writer.field("purchaseDate", purchaseDate)
        writer.field("zipCode", zipCode)
        writer.field("storeId", storeId)
        writer.endObject()
    }

    init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
        var firstName: String?, lastName: String?, customerId: String?, creditCardNumber: String?
        var itemPurchased: String?, department: String?, employeeId: String?, quantity: Int?
        var price: Double?, purchaseDate: Date?, zipCode: String?, storeId: String?
        try reader.readObject { key, r in
            switch key {
            case "firstName": firstName = try r.readString()
            case "lastName": lastName = try r.readString()
            case "customerId": customerId = try r.readString()
            case "creditCardNumber": creditCardNumber = try r.readString()
            case "itemPurchased": itemPurchased = try r.readString()
            case "department": department = try r.readString()
            case "employeeId": employeeId = try r.readString()
            case "quantity": quantity = try r.readInt()
            case "price": price = try r.readDouble()
            case "purchaseDate": purchaseDate = try r.readDate()
            case "zipCode": zipCode = try r.readString()
            case "storeId": storeId = try r.readString()
            default: try r.skipValue()
            }
        }
        guard let firstName else { throw reader.missing("firstName") }
        guard let lastName else { throw reader.missing("lastName") }
        guard let customerId else { throw reader.missing("customerId") }
        guard let creditCardNumber else { throw reader.missing("creditCardNumber") }
        guard let itemPurchased else { throw reader.missing("itemPurchased") }
        guard let department else { throw reader.missing("department") }
        guard let employeeId else { throw reader.missing("employeeId") }
        guard let quantity else { throw reader.missing("quantity") }
        guard let price else { throw reader.missing("price") }
        guard let purchaseDate else { throw reader.missing("purchaseDate") }
        guard let zipCode else { throw reader.missing("zipCode") }
        guard let storeId else { throw reader.missing("storeId") }
        self.init(firstName: firstName, lastName: lastName, customerId: customerId,
                  creditCardNumber: creditCardNumber, itemPurchased: itemPurchased, department: department,
                  employeeId: employeeId, quantity: quantity, price: price, purchaseDate: purchaseDate,
                  zipCode: zipCode, storeId: storeId)
    }
}

extension Address: FastJSONCodable {
    func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
        writer.beginObject()
        writer.field("street", street)
        writer.field("city", city)
        writer.field("zip", zip)
        writer.endObject()
    }

    init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
        var street: String?, city: String?, zip: String?
        try reader.readObject { key, r in
            switch key {
            case "street": street = try r.readString()
            case "city": city = try r.readString()
            case "zip": zip = try r.readNull() ? nil : r.readString()
            default: try r.skipValue()
            }
        }
        guard let street else { throw reader.missing("street") }
        guard let city else { throw reader.missing("city") }
        self.init(street: street, city: city, zip: zip)
    }
}

extension LineItem: FastJSONCodable {
    func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
        writer.beginObject()
        writer.field("sku", sku)
        writer.field("quantity", quantity)
        try writer.field("unitPrice", unitPrice)
        writer.endObject()
    }

    init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
        var sku: String?, quantity: Int?, unitPrice: Double?
        try reader.readObject { key, r in
            switch key {
            case "sku": sku = try r.readString()
            case "quantity": quantity = try r.readInt()
            case "unitPrice": unitPrice = try r.readDouble()
            default: break // left unread: the reader skips it
            }
        }
        guard let sku else { throw reader.missing("sku") }
        guard let quantity else { throw reader.missing("quantity") }
        guard let unitPrice else { throw reader.missing("unitPrice") }
        self.init(sku: sku, quantity: quantity, unitPrice: unitPrice)
    }
}

/// A nested type with arrays, optionals of every kind and the less common scalar types.
struct Basket: Codable, Equatable, Sendable, FastJSONCodable {
    var id: Int64
    var owner: Address
    var items: [LineItem]
    var note: String?
    var shipping: Address?
    var delivered: Date?
    var gift: Bool
    var priority: Int32?
    var tags: [String]
    var weight: Double?
    var counts: [UInt8]

    func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
        writer.beginObject()
        writer.field("id", id)
        try writer.field("owner", owner)
        try writer.field("items", items)
        writer.field("note", note)
        try writer.field("shipping", shipping)
        try writer.field("delivered", delivered)
        writer.field("gift", gift)
        writer.field("priority", priority)
        try writer.field("tags", tags)
        try writer.field("weight", weight)
        try writer.field("counts", counts)
        writer.endObject()
    }

    init(id: Int64, owner: Address, items: [LineItem], note: String?, shipping: Address?, delivered: Date?,
         gift: Bool, priority: Int32?, tags: [String], weight: Double?, counts: [UInt8]) {
        self.id = id; self.owner = owner; self.items = items; self.note = note; self.shipping = shipping
        self.delivered = delivered; self.gift = gift; self.priority = priority; self.tags = tags
        self.weight = weight; self.counts = counts
    }

    init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
        var id: Int64?, owner: Address?, items: [LineItem]?, note: String?, shipping: Address?
        var delivered: Date?, gift: Bool?, priority: Int32?, tags: [String]?, weight: Double?, counts: [UInt8]?
        try reader.readObject { key, r in
            switch key {
            case "id": id = try r.readInt(as: Int64.self)
            case "owner": owner = try r.read(Address.self)
            case "items": items = try r.read([LineItem].self)
            case "note": note = try r.readNull() ? nil : r.readString()
            case "shipping": shipping = try r.readNull() ? nil : r.read(Address.self)
            case "delivered": delivered = try r.readNull() ? nil : r.readDate()
            case "gift": gift = try r.readBool()
            case "priority": priority = try r.readNull() ? nil : r.readInt(as: Int32.self)
            case "tags":
                var t: [String] = []
                try r.readArray { e in t.append(try e.readString()) }
                tags = t
            case "weight": weight = try r.readNull() ? nil : r.readDouble()
            case "counts": counts = try r.read([UInt8].self)
            default: try r.skipValue()
            }
        }
        guard let id else { throw reader.missing("id") }
        guard let owner else { throw reader.missing("owner") }
        guard let items else { throw reader.missing("items") }
        guard let gift else { throw reader.missing("gift") }
        guard let tags else { throw reader.missing("tags") }
        guard let counts else { throw reader.missing("counts") }
        self.init(id: id, owner: owner, items: items, note: note, shipping: shipping, delivered: delivered,
                  gift: gift, priority: priority, tags: tags, weight: weight, counts: counts)
    }
}

// MARK: - Generators

enum FastSamples {
    static let tricky = ["", "plain", "quote \" in", "back\\slash", "new\nline", "tab\t", "\u{0}\u{1}\u{1F}\u{7F}",
                         "é ü ß", "李雷", "😀 emoji", "\u{2028}\u{2029}", "/slash/", String(repeating: "x", count: 40),
                         String(repeating: "long ü \"q\" ", count: 200)]

    static func string(_ rng: inout SplitMix64) -> String {
        if rng.next() % 3 == 0 { return tricky[Int(rng.next() % UInt64(tricky.count))] }
        let alphabet = Array("abcXYZ019 -_.,:;{}[]\"\\/\n\t\u{1}éß€😀")
        return String((0..<Int(rng.next() % 24)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
    }

    /// A finite double from a random bit pattern or a short decimal.
    static func double(_ rng: inout SplitMix64) -> Double {
        switch rng.next() % 4 {
        case 0: return Double(Int64(bitPattern: rng.next()) % 10_000_000) / 100
        case 1:
            var d: Double
            repeat { d = Double(bitPattern: rng.next()) } while !d.isFinite
            return d
        case 2: return Double(Int64(bitPattern: rng.next()) % 1_000_000)
        default: return [0.0, -0.0, 1e-7, Double.leastNonzeroMagnitude, 1.7976931348623157e308, 0.1, 1e21, 123456789.125][Int(rng.next() % 8)]
        }
    }

    static func date(_ rng: inout SplitMix64) -> Date {
        let ms = Double(rng.next() % 4_000_000_000_000) - 1_000_000_000_000
        return Date(timeIntervalSince1970: ms / 1000)
    }

    static func purchase(_ rng: inout SplitMix64) -> Purchase {
        Purchase(firstName: string(&rng), lastName: string(&rng), customerId: string(&rng),
                 creditCardNumber: string(&rng), itemPurchased: string(&rng), department: string(&rng),
                 employeeId: string(&rng), quantity: Int(bitPattern: UInt(rng.next())) >> Int(rng.next() % 64),
                 price: double(&rng), purchaseDate: date(&rng), zipCode: string(&rng), storeId: string(&rng))
    }

    static func address(_ rng: inout SplitMix64) -> Address {
        Address(street: string(&rng), city: string(&rng), zip: rng.next() % 2 == 0 ? nil : string(&rng))
    }

    static func basket(_ rng: inout SplitMix64) -> Basket {
        Basket(id: Int64(bitPattern: rng.next()),
               owner: address(&rng),
               items: (0..<Int(rng.next() % 4)).map { _ in
                   LineItem(sku: string(&rng), quantity: Int(rng.next() % 1000) - 500, unitPrice: double(&rng))
               },
               note: rng.next() % 2 == 0 ? nil : string(&rng),
               shipping: rng.next() % 2 == 0 ? nil : address(&rng),
               delivered: rng.next() % 2 == 0 ? nil : date(&rng),
               gift: rng.next() % 2 == 0,
               priority: rng.next() % 2 == 0 ? nil : Int32(truncatingIfNeeded: rng.next()),
               tags: (0..<Int(rng.next() % 3)).map { _ in string(&rng) },
               weight: rng.next() % 2 == 0 ? nil : double(&rng),
               counts: (0..<Int(rng.next() % 5)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
    }
}

// MARK: - Helpers choosing the path explicitly

/// The `Codable` path's bytes (generic over `Encodable`, so the fast overload is not chosen).
func codableBytes<T: Encodable>(_ value: T) throws -> [UInt8] {
    try fastEncoder.encode(value)
}

/// The `Codable` path's decoding (generic over `Decodable`).
func codableDecode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> T {
    try fastDecoder.decode(type, from: bytes)
}

/// The `Codable` path's error for `bytes`, or nil if it decodes.
func codableError<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) -> JSONCodingError? {
    do {
        _ = try fastDecoder.decode(type, from: bytes)
        return nil
    } catch {
        return error as? JSONCodingError
    }
}

/// The fast path's bytes.
func fastBytes<T: FastJSONCodable>(_ value: T) throws(JSONCodingError) -> [UInt8] {
    var buffer: [UInt8] = []
    try fastEncoder.encode(value, into: &buffer)
    return buffer
}

/// The fast path's decoding.
func fastDecode<T: FastJSONCodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> T {
    try fastDecoder.decode(type, from: bytes)
}

func fastDecode<T: FastJSONCodable>(_ type: T.Type, _ json: String) throws -> T {
    try fastDecoder.decode(type, from: Array(json.utf8))
}

/// The fast path's error for `bytes`; records an issue if it decodes.
func fastError<T: FastJSONCodable>(_ type: T.Type, _ bytes: [UInt8],
                                   sourceLocation: SourceLocation = #_sourceLocation) -> JSONCodingError? {
    do {
        _ = try fastDecoder.decode(type, from: bytes)
        Issue.record("expected an error decoding \(String(decoding: bytes.prefix(200), as: UTF8.self))",
                     sourceLocation: sourceLocation)
        return nil
    } catch {
        guard let e = error as? JSONCodingError else {
            Issue.record("expected a JSONCodingError, got \(Swift.type(of: error))", sourceLocation: sourceLocation)
            return nil
        }
        return e
    }
}

func fastError<T: FastJSONCodable>(_ type: T.Type, _ json: String,
                                   sourceLocation: SourceLocation = #_sourceLocation) -> JSONCodingError? {
    fastError(type, Array(json.utf8), sourceLocation: sourceLocation)
}

/// Byte equality, reporting the two texts (not the arrays) on failure.
func expectSameBytes(_ a: [UInt8], _ b: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(Bool(a == b), "\(String(decoding: a, as: UTF8.self))\nvs\n\(String(decoding: b, as: UTF8.self))",
            sourceLocation: sourceLocation)
}
