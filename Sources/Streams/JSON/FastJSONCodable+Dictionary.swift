extension Dictionary: FastJSONCodable where Key == String, Value: FastJSONCodable {
    /// Writes the dictionary as a JSON object, one member per entry, in the dictionary's
    /// iteration order (the order Codable's encoding uses, so the bytes are the same).
    ///
    /// ```swift
    /// try writer.field("unitsByItem", unitsByItem)   // [String: Int]
    /// ```
    @inlinable
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
        writer.beginObject()
        for (key, value) in self {
            try writer.member(key, value)
        }
        writer.endObject()
    }

    /// Reads a JSON object into a dictionary keyed by its member names.
    ///
    /// ```swift
    /// case "unitsByItem": unitsByItem = try r.read([String: Int].self)
    /// ```
    @inlinable
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
        var result: [String: Value] = [:]
        try reader.readObject { key, r in result[key.stringValue] = try r.read(Value.self) }
        self = result
    }
}

extension JSONWriter {
    /// Writes a member whose name is data rather than a declared key (a dictionary's keys),
    /// escaping the name as needed.
    ///
    /// ```swift
    /// writer.beginObject()
    /// for (item, units) in unitsByItem { try writer.member(item, units) }
    /// writer.endObject()
    /// ```
    ///
    /// - Throws: ``JSONCodingError`` from the value's `writeJSON(to:)`, with `.*` (never the
    ///   name itself) added to its path.
    @inlinable
    public mutating func member<T: FastJSONCodable>(_ name: String, _ value: T) throws(JSONCodingError) {
        separator()
        putString(name)
        put(0x3A)
        do {
            try putNested(value, member: nil)
        } catch {
            // A name read from data may be anything (even a card number): paths show `.*`.
            throw error.prefixed(".*")
        }
    }
}
