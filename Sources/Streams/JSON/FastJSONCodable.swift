import Foundation

/// A type that reads and writes its JSON directly, bypassing Codable's containers.
///
/// Conforming is opt-in and works for any type: ``FastJSONEncoder`` and ``FastJSONDecoder``
/// then use ``writeJSON(to:)`` and ``init(readingJSON:)`` instead of `encode(to:)` and
/// `init(from:)`, with no containers, existentials or per-member allocations. The type stays
/// `Codable` (for other coders and for values nested in `Codable`-only types).
///
/// Write the members in declaration order, omitting `nil` optionals, and the output is
/// byte-identical to the `Codable` path's:
///
/// ```swift
/// struct Item: FastJSONCodable {
///     var sku: String
///     var quantity: Int
///     var note: String?
///
///     func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
///         writer.beginObject()
///         writer.field("sku", sku)
///         writer.field("quantity", quantity)
///         writer.field("note", note)
///         writer.endObject()
///     }
///
///     init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
///         var sku: String?, quantity: Int?, note: String?
///         try reader.readObject { key, r in
///             switch key {
///             case "sku": sku = try r.readString()
///             case "quantity": quantity = try r.readInt()
///             case "note": note = try r.readNull() ? nil : r.readString()
///             default: try r.skipValue()
///             }
///         }
///         guard let sku else { throw reader.missing("sku") }
///         guard let quantity else { throw reader.missing("quantity") }
///         self.init(sku: sku, quantity: quantity, note: note)
///     }
/// }
/// ```
///
/// `String`, `Bool`, `Double`, `Date`, the standard integer types and arrays of
/// `FastJSONCodable` elements conform already.
public protocol FastJSONCodable: Codable {
    /// Writes the value's JSON (exactly one JSON value) to `writer`.
    ///
    /// ```swift
    /// func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
    ///     writer.beginObject()
    ///     writer.field("sku", sku)
    ///     writer.endObject()
    /// }
    /// ```
    func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError)

    /// Reads the value from the JSON value at the reader's position.
    ///
    /// ```swift
    /// init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
    ///     var sku: String?
    ///     try reader.readObject { key, r in
    ///         if key == "sku" { sku = try r.readString() }
    ///     }
    ///     guard let sku else { throw reader.missing("sku") }
    ///     self.init(sku: sku)
    /// }
    /// ```
    init(readingJSON reader: inout JSONReader) throws(JSONCodingError)
}

extension FastJSONEncoder {
    /// Encodes a ``FastJSONCodable`` value as compact JSON with its ``FastJSONCodable/writeJSON(to:)``,
    /// appending to `buffer`.
    ///
    /// Overload resolution prefers this method over the `Codable` one for `FastJSONCodable`
    /// types; the bytes are the same.
    ///
    /// ```swift
    /// var buffer: [UInt8] = []
    /// buffer.reserveCapacity(512)
    /// for purchase in purchases {
    ///     buffer.removeAll(keepingCapacity: true)
    ///     try encoder.encode(purchase, into: &buffer)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - value: The value to encode.
    ///   - buffer: The buffer to append the JSON bytes to (its capacity is reused). Its contents
    ///     are unchanged if an error is thrown.
    /// - Throws: ``JSONCodingError`` from the value's `writeJSON(to:)`, for example for a
    ///   non-finite `Double`.
    @inlinable
    public func encode<T: FastJSONCodable>(_ value: T, into buffer: inout [UInt8]) throws(JSONCodingError) {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { scratch throws(JSONCodingError) in
            var writer = JSONWriter(scratch: scratch)
            try value.writeJSON(to: &writer)
            if writer.used == 0 { writer.putEmptyObject() }
            writer.append(to: &buffer)
        }
    }

    /// Encodes a ``FastJSONCodable`` value as compact JSON at the start of `space`, when it fits.
    ///
    /// The bytes are the same as `encode(_:into:)` appends. This is what a sink uses to write
    /// a value straight into an output log, with no intermediate buffer.
    ///
    /// ```swift
    /// let count = try withUnsafeTemporaryAllocation(byteCount: 512, alignment: 1) { space in
    ///     try FastJSONEncoder().encode(purchase, inPlace: space)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - value: The value to encode.
    ///   - space: Where to write the JSON bytes.
    /// - Returns: The number of bytes written, or `nil` if the JSON does not fit in `space` (its
    ///   content is then unspecified).
    /// - Throws: ``JSONCodingError`` from the value's `writeJSON(to:)`.
    @inlinable
    public func encode<T: FastJSONCodable>(
        _ value: T, inPlace space: UnsafeMutableRawBufferPointer
    ) throws(JSONCodingError) -> Int? {
        guard let base = space.baseAddress, space.count > 0 else { return nil }
        var writer = JSONWriter(scratch: UnsafeMutableBufferPointer(
            start: base.bindMemory(to: UInt8.self, capacity: space.count), count: space.count))
        try value.writeJSON(to: &writer)
        if writer.used == 0 { writer.putEmptyObject() }
        // A writer that outgrew the space moved to memory of its own: the JSON did not fit.
        return writer.ownsBase ? nil : writer.used
    }

    /// Encodes a ``FastJSONCodable`` value as compact JSON with its ``FastJSONCodable/writeJSON(to:)``.
    ///
    /// ```swift
    /// let bytes = try FastJSONEncoder().encode(purchase)
    /// ```
    ///
    /// Like the `Codable` overload it replaces, it is declared `throws`; the error is always a
    /// ``JSONCodingError``.
    ///
    /// - Parameter value: The value to encode.
    /// - Returns: The UTF-8 bytes of the JSON document.
    /// - Throws: ``JSONCodingError`` from the value's `writeJSON(to:)`.
    @inlinable
    public func encode<T: FastJSONCodable>(_ value: T) throws -> [UInt8] {
        var buffer: [UInt8] = []
        try encode(value, into: &buffer)
        return buffer
    }
}

extension FastJSONDecoder {
    /// Decodes a ``FastJSONCodable`` value with its ``FastJSONCodable/init(readingJSON:)``.
    ///
    /// The input is read in a single validating pass; it is rejected as strictly as by the
    /// `Codable` path. Overload resolution prefers this method over the `Codable` one for
    /// `FastJSONCodable` types.
    ///
    /// ```swift
    /// let purchase = try bytes.withUnsafeBytes { try FastJSONDecoder().decode(Purchase.self, from: $0) }
    /// ```
    ///
    /// - Parameters:
    ///   - type: The type of the value to decode.
    ///   - bytes: The UTF-8 encoded JSON document. It is only read during the call.
    /// - Returns: The decoded value.
    /// - Throws: ``JSONCodingError`` if the input is not valid JSON or does not match `type`.
    ///   Like the `Codable` overload it replaces, it is declared `throws`; the error is always a
    ///   ``JSONCodingError``.
    @inlinable
    public func decode<T: FastJSONCodable>(_ type: T.Type, from bytes: UnsafeRawBufferPointer) throws -> T {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw JSONCodingError(path: "$", byteOffset: 0, reason: "unexpected end of input, expected a value")
        }
        return try JSONReader.readDocument(T.self, base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    /// Decodes a ``FastJSONCodable`` value from an array of UTF-8 JSON bytes.
    ///
    /// ```swift
    /// let purchase = try FastJSONDecoder().decode(Purchase.self, from: bytes)
    /// ```
    ///
    /// - Parameters:
    ///   - type: The type of the value to decode.
    ///   - bytes: The UTF-8 encoded JSON document.
    /// - Returns: The decoded value.
    /// - Throws: ``JSONCodingError`` if the input is not valid JSON or does not match `type`
    ///   (declared `throws`, as the `Codable` overload).
    @inlinable
    public func decode<T: FastJSONCodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try bytes.withUnsafeBytes { raw in try decode(type, from: raw) }
    }
}

// MARK: - Standard conformances

extension Array: FastJSONCodable where Element: FastJSONCodable {
    /// Writes the elements as a JSON array.
    ///
    /// ```swift
    /// try writer.field("items", items)   // [LineItem]
    /// ```
    @inlinable
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
        writer.beginArray()
        for i in indices {
            do {
                try writer.value(self[i])
            } catch {
                throw error.prefixed("[\(i)]")
            }
        }
        writer.endArray()
    }

    /// Reads a JSON array of elements.
    ///
    /// ```swift
    /// case "items": items = try r.read([LineItem].self)
    /// ```
    @inlinable
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
        var result: [Element] = []
        try reader.readArray { r in result.append(try r.read(Element.self)) }
        self = result
    }
}

extension String: FastJSONCodable {
    /// Writes the string as a JSON string.
    ///
    /// ```swift
    /// try "text".writeJSON(to: &writer)
    /// ```
    @inlinable
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) { writer.value(self) }

    /// Reads a JSON string.
    ///
    /// ```swift
    /// let s = try String(readingJSON: &reader)
    /// ```
    @inlinable
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) { self = try reader.readString() }
}

extension Bool: FastJSONCodable {
    /// Writes `true` or `false`.
    ///
    /// ```swift
    /// try true.writeJSON(to: &writer)
    /// ```
    @inlinable
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) { writer.value(self) }

    /// Reads `true` or `false`.
    ///
    /// ```swift
    /// let b = try Bool(readingJSON: &reader)
    /// ```
    @inlinable
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) { self = try reader.readBool() }
}

extension Double: FastJSONCodable {
    /// Writes the number in its shortest round-trip form.
    ///
    /// ```swift
    /// try 2.5.writeJSON(to: &writer)
    /// ```
    @inlinable
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) { try writer.value(self) }

    /// Reads a JSON number.
    ///
    /// ```swift
    /// let d = try Double(readingJSON: &reader)
    /// ```
    @inlinable
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) { self = try reader.readDouble() }
}

extension Date: FastJSONCodable {
    /// Writes the date as an ISO-8601 UTC string.
    ///
    /// ```swift
    /// try Date().writeJSON(to: &writer)
    /// ```
    @inlinable
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) { try writer.value(self) }

    /// Reads an ISO-8601 date string.
    ///
    /// ```swift
    /// let d = try Date(readingJSON: &reader)
    /// ```
    @inlinable
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) { self = try reader.readDate() }
}

extension Int: FastJSONCodable {
    /// Writes the integer.
    ///
    /// ```swift
    /// try 42.writeJSON(to: &writer)
    /// ```
    @inlinable
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) { writer.value(self) }

    /// Reads an integer, checking its range.
    ///
    /// ```swift
    /// let n = try Int(readingJSON: &reader)
    /// ```
    @inlinable
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) { self = try reader.readInt() }
}

extension Int64: FastJSONCodable {
    /// Writes the integer.
    ///
    /// ```swift
    /// try Int64(42).writeJSON(to: &writer)
    /// ```
    @inlinable
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) { writer.value(self) }

    /// Reads an integer, checking its range.
    ///
    /// ```swift
    /// let n = try Int64(readingJSON: &reader)
    /// ```
    @inlinable
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) { self = try reader.readInt(as: Int64.self) }
}

extension Int32: FastJSONCodable {
    /// Writes the integer.
    ///
    /// ```swift
    /// try Int32(42).writeJSON(to: &writer)
    /// ```
    @inlinable
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) { writer.value(self) }

    /// Reads an integer, checking its range.
    ///
    /// ```swift
    /// let n = try Int32(readingJSON: &reader)
    /// ```
    @inlinable
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) { self = try reader.readInt(as: Int32.self) }
}

extension Int16: FastJSONCodable {
    /// Writes the integer.
    ///
    /// ```swift
    /// try Int16(42).writeJSON(to: &writer)
    /// ```
    @inlinable
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) { writer.value(self) }

    /// Reads an integer, checking its range.
    ///
    /// ```swift
    /// let n = try Int16(readingJSON: &reader)
    /// ```
    @inlinable
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) { self = try reader.readInt(as: Int16.self) }
}

extension Int8: FastJSONCodable {
    /// Writes the integer.
    ///
    /// ```swift
    /// try Int8(42).writeJSON(to: &writer)
    /// ```
    @inlinable
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) { writer.value(self) }

    /// Reads an integer, checking its range.
    ///
    /// ```swift
    /// let n = try Int8(readingJSON: &reader)
    /// ```
    @inlinable
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) { self = try reader.readInt(as: Int8.self) }
}

extension UInt: FastJSONCodable {
    /// Writes the integer.
    ///
    /// ```swift
    /// try UInt(42).writeJSON(to: &writer)
    /// ```
    @inlinable
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) { writer.value(self) }

    /// Reads an integer, checking its range.
    ///
    /// ```swift
    /// let n = try UInt(readingJSON: &reader)
    /// ```
    @inlinable
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) { self = try reader.readInt(as: UInt.self) }
}

extension UInt64: FastJSONCodable {
    /// Writes the integer.
    ///
    /// ```swift
    /// try UInt64(42).writeJSON(to: &writer)
    /// ```
    @inlinable
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) { writer.value(self) }

    /// Reads an integer, checking its range.
    ///
    /// ```swift
    /// let n = try UInt64(readingJSON: &reader)
    /// ```
    @inlinable
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) { self = try reader.readInt(as: UInt64.self) }
}

extension UInt32: FastJSONCodable {
    /// Writes the integer.
    ///
    /// ```swift
    /// try UInt32(42).writeJSON(to: &writer)
    /// ```
    @inlinable
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) { writer.value(self) }

    /// Reads an integer, checking its range.
    ///
    /// ```swift
    /// let n = try UInt32(readingJSON: &reader)
    /// ```
    @inlinable
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) { self = try reader.readInt(as: UInt32.self) }
}

extension UInt16: FastJSONCodable {
    /// Writes the integer.
    ///
    /// ```swift
    /// try UInt16(42).writeJSON(to: &writer)
    /// ```
    @inlinable
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) { writer.value(self) }

    /// Reads an integer, checking its range.
    ///
    /// ```swift
    /// let n = try UInt16(readingJSON: &reader)
    /// ```
    @inlinable
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) { self = try reader.readInt(as: UInt16.self) }
}

extension UInt8: FastJSONCodable {
    /// Writes the integer.
    ///
    /// ```swift
    /// try UInt8(42).writeJSON(to: &writer)
    /// ```
    @inlinable
    public func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) { writer.value(self) }

    /// Reads an integer, checking its range.
    ///
    /// ```swift
    /// let n = try UInt8(readingJSON: &reader)
    /// ```
    @inlinable
    public init(readingJSON reader: inout JSONReader) throws(JSONCodingError) { self = try reader.readInt(as: UInt8.self) }
}
