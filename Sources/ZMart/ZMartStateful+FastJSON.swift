import Streams

// The fast JSON path of stateful ZMart's records and store values: the same JSON as their
// Codable conformances (fields in declaration order), without Codable's containers. Each
// record crosses a store or a topic several times (a get, a put and a changelog write per
// purchase), so the generic Codable path cost more than the rest of the aggregation.

extension RewardTotal: FastJSONCodable {
    /// Writes the reward total as one JSON object.
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
        writer.beginObject()
        writer.field("customerId", customerId)
        try writer.field("purchaseTotal", purchaseTotal)
        writer.field("rewardPoints", rewardPoints)
        writer.field("totalRewardPoints", totalRewardPoints)
        writer.endObject()
    }

    /// Reads a reward total from one JSON object; unknown members are skipped.
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
        var customerId: String?
        var purchaseTotal: Double?
        var rewardPoints: Int?
        var totalRewardPoints: Int?
        try reader.readObject { (key, reader) throws(JSONCodingError) in
            switch key {
            case "customerId": customerId = try reader.readString()
            case "purchaseTotal": purchaseTotal = try reader.readDouble()
            case "rewardPoints": rewardPoints = try reader.readInt()
            case "totalRewardPoints": totalRewardPoints = try reader.readInt()
            default: try reader.skipValue()
            }
        }
        guard let customerId else { throw reader.missing("customerId") }
        guard let purchaseTotal else { throw reader.missing("purchaseTotal") }
        guard let rewardPoints else { throw reader.missing("rewardPoints") }
        guard let totalRewardPoints else { throw reader.missing("totalRewardPoints") }
        self.init(
            customerId: customerId, purchaseTotal: purchaseTotal, rewardPoints: rewardPoints,
            totalRewardPoints: totalRewardPoints)
    }
}

extension ItemSales: FastJSONCodable {
    /// Writes the sales as one JSON object: `{"units": {item: units, …}}`, items in the order
    /// first sold.
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
        writer.beginObject()
        try writer.field("units", UnitsByItem(sales: self))
        writer.endObject()
    }

    /// Reads sales from one JSON object; unknown members are skipped.
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
        var units: UnitsByItem?
        try reader.readObject { (key, reader) throws(JSONCodingError) in
            switch key {
            case "units": units = try reader.read(UnitsByItem.self)
            default: try reader.skipValue()
            }
        }
        guard let units else { throw reader.missing("units") }
        self = units.sales
    }

    /// The `units` member: one JSON member per item.
    struct UnitsByItem: FastJSONCodable {
        var sales: ItemSales

        init(sales: ItemSales) { self.sales = sales }

        func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
            writer.beginObject()
            for (item, count) in zip(sales.items, sales.itemUnits) { try writer.member(item, count) }
            writer.endObject()
        }

        init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
            var sales = ItemSales()
            try reader.readObject { (key, reader) throws(JSONCodingError) in sales.set(try reader.readInt(), of: key.stringValue) }
            self.sales = sales
        }
    }
}

extension ItemUnits: FastJSONCodable {
    /// Writes the item's units as one JSON object.
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
        writer.beginObject()
        writer.field("item", item)
        writer.field("units", units)
        writer.endObject()
    }

    /// Reads an item's units from one JSON object; unknown members are skipped.
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
        var item: String?
        var units: Int?
        try reader.readObject { (key, reader) throws(JSONCodingError) in
            switch key {
            case "item": item = try reader.readString()
            case "units": units = try reader.readInt()
            default: try reader.skipValue()
            }
        }
        guard let item else { throw reader.missing("item") }
        guard let units else { throw reader.missing("units") }
        self.init(item: item, units: units)
    }
}

extension TopSellers: FastJSONCodable {
    /// Writes the top sellers as one JSON object.
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
        writer.beginObject()
        writer.field("zipCode", zipCode)
        writer.field("windowStart", windowStart)
        try writer.field("items", items)
        writer.endObject()
    }

    /// Reads top sellers from one JSON object; unknown members are skipped.
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
        var zipCode: String?
        var windowStart: Int64?
        var items: [ItemUnits]?
        try reader.readObject { (key, reader) throws(JSONCodingError) in
            switch key {
            case "zipCode": zipCode = try reader.readString()
            case "windowStart": windowStart = try reader.readInt(as: Int64.self)
            case "items": items = try reader.read([ItemUnits].self)
            default: try reader.skipValue()
            }
        }
        guard let zipCode else { throw reader.missing("zipCode") }
        guard let windowStart else { throw reader.missing("windowStart") }
        guard let items else { throw reader.missing("items") }
        self.init(zipCode: zipCode, windowStart: windowStart, items: items)
    }
}

extension FraudAlert: FastJSONCodable {
    /// Writes the alert as one JSON object.
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
        writer.beginObject()
        writer.field("customerId", customerId)
        writer.field("card", card)
        writer.field("firstZip", firstZip)
        writer.field("firstTime", firstTime)
        writer.field("secondZip", secondZip)
        writer.field("secondTime", secondTime)
        writer.endObject()
    }

    /// Reads an alert from one JSON object; unknown members are skipped.
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
        var customerId: String?
        var card: String?
        var firstZip: String?
        var firstTime: Int64?
        var secondZip: String?
        var secondTime: Int64?
        try reader.readObject { (key, reader) throws(JSONCodingError) in
            switch key {
            case "customerId": customerId = try reader.readString()
            case "card": card = try reader.readString()
            case "firstZip": firstZip = try reader.readString()
            case "firstTime": firstTime = try reader.readInt(as: Int64.self)
            case "secondZip": secondZip = try reader.readString()
            case "secondTime": secondTime = try reader.readInt(as: Int64.self)
            default: try reader.skipValue()
            }
        }
        guard let customerId else { throw reader.missing("customerId") }
        guard let card else { throw reader.missing("card") }
        guard let firstZip else { throw reader.missing("firstZip") }
        guard let firstTime else { throw reader.missing("firstTime") }
        guard let secondZip else { throw reader.missing("secondZip") }
        guard let secondTime else { throw reader.missing("secondTime") }
        self.init(
            customerId: customerId, card: card, firstZip: firstZip, firstTime: firstTime, secondZip: secondZip,
            secondTime: secondTime)
    }
}

extension CardUse: FastJSONCodable {
    /// Writes the use as one JSON object.
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
        writer.beginObject()
        writer.field("card", card)
        writer.field("zipCode", zipCode)
        writer.field("time", time)
        writer.endObject()
    }

    /// Reads a use from one JSON object; unknown members are skipped.
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
        var card: String?
        var zipCode: String?
        var time: Int64?
        try reader.readObject { (key, reader) throws(JSONCodingError) in
            switch key {
            case "card": card = try reader.readString()
            case "zipCode": zipCode = try reader.readString()
            case "time": time = try reader.readInt(as: Int64.self)
            default: try reader.skipValue()
            }
        }
        guard let card else { throw reader.missing("card") }
        guard let zipCode else { throw reader.missing("zipCode") }
        guard let time else { throw reader.missing("time") }
        self.init(card: card, zipCode: zipCode, time: time)
    }
}

extension CustomerActivity: FastJSONCodable {
    /// Writes the activity as one JSON object.
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
        writer.beginObject()
        try writer.field("purchaseTotal", purchaseTotal)
        writer.field("rewardPoints", rewardPoints)
        writer.field("card", card)
        writer.field("zipCode", zipCode)
        writer.endObject()
    }

    /// Reads an activity from one JSON object; unknown members are skipped.
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
        var purchaseTotal: Double?
        var rewardPoints: Int?
        var card: String?
        var zipCode: String?
        try reader.readObject { (key, reader) throws(JSONCodingError) in
            switch key {
            case "purchaseTotal": purchaseTotal = try reader.readDouble()
            case "rewardPoints": rewardPoints = try reader.readInt()
            case "card": card = try reader.readString()
            case "zipCode": zipCode = try reader.readString()
            default: try reader.skipValue()
            }
        }
        guard let purchaseTotal else { throw reader.missing("purchaseTotal") }
        guard let rewardPoints else { throw reader.missing("rewardPoints") }
        guard let card else { throw reader.missing("card") }
        guard let zipCode else { throw reader.missing("zipCode") }
        self.init(purchaseTotal: purchaseTotal, rewardPoints: rewardPoints, card: card, zipCode: zipCode)
    }
}

extension ItemSale: FastJSONCodable {
    /// Writes the sale as one JSON object.
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
        writer.beginObject()
        writer.field("item", item)
        writer.field("quantity", quantity)
        writer.endObject()
    }

    /// Reads a sale from one JSON object; unknown members are skipped.
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
        var item: String?
        var quantity: Int?
        try reader.readObject { (key, reader) throws(JSONCodingError) in
            switch key {
            case "item": item = try reader.readString()
            case "quantity": quantity = try reader.readInt()
            default: try reader.skipValue()
            }
        }
        guard let item else { throw reader.missing("item") }
        guard let quantity else { throw reader.missing("quantity") }
        self.init(item: item, quantity: quantity)
    }
}
