// The opt-in fast path for `Purchase`: written by hand, in another module than FastJSON
// (as a user's conformance would be).
import Streams
import Foundation

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
