import Foundation
import Streams

// The fast JSON path: the same JSON as the Codable conformance (fields in declaration order),
// written and read without Codable's containers. Tests check both paths agree byte for byte.

extension Purchase: FastJSONCodable {
    /// Writes the purchase as one JSON object.
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
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

    /// Reads a purchase from one JSON object; unknown members are skipped.
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
        var firstName: String?
        var lastName: String?
        var customerId: String?
        var creditCardNumber: String?
        var itemPurchased: String?
        var department: String?
        var employeeId: String?
        var quantity: Int?
        var price: Double?
        var purchaseDate: Date?
        var zipCode: String?
        var storeId: String?
        try reader.readObject { (key, reader) throws(JSONCodingError) in
            switch key {
            case "firstName": firstName = try reader.readString()
            case "lastName": lastName = try reader.readString()
            case "customerId": customerId = try reader.readString()
            case "creditCardNumber": creditCardNumber = try reader.readString()
            case "itemPurchased": itemPurchased = try reader.readString()
            case "department": department = try reader.readString()
            case "employeeId": employeeId = try reader.readString()
            case "quantity": quantity = try reader.readInt()
            case "price": price = try reader.readDouble()
            case "purchaseDate": purchaseDate = try reader.readDate()
            case "zipCode": zipCode = try reader.readString()
            case "storeId": storeId = try reader.readString()
            default: try reader.skipValue()
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
        if let reason = Purchase.invalidAmount(quantity: quantity, price: price) { throw reader.invalid("price", reason) }
        self.init(
            firstName: firstName, lastName: lastName, customerId: customerId,
            creditCardNumber: creditCardNumber, itemPurchased: itemPurchased, department: department,
            employeeId: employeeId, quantity: quantity, price: price, purchaseDate: purchaseDate,
            zipCode: zipCode, storeId: storeId)
    }
}

extension PurchasePattern: FastJSONCodable {
    /// Writes the pattern as one JSON object.
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
        writer.beginObject()
        writer.field("zipCode", zipCode)
        writer.field("item", item)
        try writer.field("date", date)
        try writer.field("amount", amount)
        writer.endObject()
    }

    /// Reads a pattern from one JSON object.
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
        var zipCode: String?
        var item: String?
        var date: Date?
        var amount: Double?
        try reader.readObject { (key, reader) throws(JSONCodingError) in
            switch key {
            case "zipCode": zipCode = try reader.readString()
            case "item": item = try reader.readString()
            case "date": date = try reader.readDate()
            case "amount": amount = try reader.readDouble()
            default: try reader.skipValue()
            }
        }
        guard let zipCode else { throw reader.missing("zipCode") }
        guard let item else { throw reader.missing("item") }
        guard let date else { throw reader.missing("date") }
        guard let amount else { throw reader.missing("amount") }
        self.init(zipCode: zipCode, item: item, date: date, amount: amount)
    }
}

extension RewardAccumulator: FastJSONCodable {
    /// Writes the reward as one JSON object.
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
        writer.beginObject()
        writer.field("customerId", customerId)
        try writer.field("purchaseTotal", purchaseTotal)
        writer.field("rewardPoints", rewardPoints)
        writer.endObject()
    }

    /// Reads a reward from one JSON object.
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
        var customerId: String?
        var purchaseTotal: Double?
        var rewardPoints: Int?
        try reader.readObject { (key, reader) throws(JSONCodingError) in
            switch key {
            case "customerId": customerId = try reader.readString()
            case "purchaseTotal": purchaseTotal = try reader.readDouble()
            case "rewardPoints": rewardPoints = try reader.readInt()
            default: try reader.skipValue()
            }
        }
        guard let customerId else { throw reader.missing("customerId") }
        guard let purchaseTotal else { throw reader.missing("purchaseTotal") }
        guard let rewardPoints else { throw reader.missing("rewardPoints") }
        self.init(customerId: customerId, purchaseTotal: purchaseTotal, rewardPoints: rewardPoints)
    }
}
