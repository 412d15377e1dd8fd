/// A fast encoder of any `Encodable` value into compact JSON (UTF-8 bytes).
///
/// The encoder streams: bytes are written as the value's `encode(to:)` runs, without
/// building an intermediate tree. The output is compact (no whitespace) and valid JSON;
/// strings are escaped as needed (quote, backslash and control characters) and non-ASCII
/// text is passed through as UTF-8.
///
/// Special representations: `Date` as an ISO-8601 UTC string with milliseconds only when
/// non-zero (`2026-11-25T13:10:44Z`, `2026-11-25T13:10:44.123Z`), `UUID` as its
/// `uuidString`, `URL` as its `absoluteString`, `Data` as base64, `Decimal` as a JSON number.
/// `nil` optionals written with `encodeIfPresent` (as synthesized conformances do) are
/// omitted; `nil` in arrays or single-value containers is written as `null`.
///
/// Because it streams, a container created with `nestedContainer`, `nestedUnkeyedContainer`
/// or `superEncoder` can only be written to until its parent container is written to again.
///
/// Errors are always ``JSONCodingError``s and never contain values being encoded.
public struct FastJSONEncoder: Sendable {
    /// Creates an encoder.
    public init() {}

    /// Encodes `value` as compact JSON (no whitespace), appending to `buffer`.
    ///
    /// - Parameters:
    ///   - value: The value to encode.
    ///   - buffer: The buffer to append the JSON bytes to. It is unchanged if an error is thrown.
    /// - Throws: ``JSONCodingError`` if the value cannot be encoded, for example a
    ///   non-finite floating-point number, a date outside the years 0...9999, or an error
    ///   thrown by the value's own `encode(to:)` (converted to ``JSONCodingError``).
    public func encode<T: Encodable>(_ value: T, into buffer: inout [UInt8]) throws(JSONCodingError) {
        let impl = JSONEncoderImpl.make()
        try withExtendedLifetime(impl) { () throws(JSONCodingError) in
            try Self.run(impl, value)
            buffer.append(contentsOf: impl.output)
        }
    }

    /// Encodes `value` as compact JSON (no whitespace).
    ///
    /// - Parameter value: The value to encode.
    /// - Returns: The UTF-8 bytes of the JSON document.
    /// - Throws: ``JSONCodingError`` if the value cannot be encoded, for example a
    ///   non-finite floating-point number, a date outside the years 0...9999, or an error
    ///   thrown by the value's own `encode(to:)` (converted to ``JSONCodingError``).
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let impl = JSONEncoderImpl.make()
        return try withExtendedLifetime(impl) { () throws(JSONCodingError) -> [UInt8] in
            try Self.run(impl, value)
            return Array(impl.output)
        }
    }

    static func run<T: Encodable>(_ impl: JSONEncoderImpl, _ value: T) throws(JSONCodingError) {
        do {
            try impl.writer.encodeTop(value)
        } catch {
            throw JSONCodingError.wrapping(error, byteOffset: nil)
        }
    }
}
