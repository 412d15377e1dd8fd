/// A fast decoder of JSON (UTF-8 bytes) into any `Decodable` type.
///
/// Decoding first validates the whole input in one pass, building a flat tape of tokens,
/// then runs the type's `init(from:)` over the tape. The input is validated strictly:
/// trailing characters, bad literals, control characters in strings, invalid escapes and
/// lone surrogates, invalid UTF-8, leading zeros, unterminated input and nesting deeper than
/// 512 levels are all rejected. Unknown object members are skipped (but still validated).
///
/// Special representations: `Date` as an ISO-8601 string (`Z` or a `±HH:MM`/`±HHMM`
/// offset, optional fractional seconds), `UUID` as its string (either case), `URL` as its
/// absolute string, `Data` as base64, `Decimal` as a JSON number.
///
/// Errors are always ``JSONCodingError``s and never contain values from the input.
public struct FastJSONDecoder: Sendable {
    /// Creates a decoder.
    public init() {}

    /// Decodes a value of the given type from UTF-8 JSON bytes.
    ///
    /// - Parameters:
    ///   - type: The type of the value to decode.
    ///   - bytes: The UTF-8 encoded JSON document. It is only read during the call.
    /// - Returns: The decoded value.
    /// - Throws: ``JSONCodingError`` if the input is not valid JSON or does not match `type`;
    ///   errors thrown by the type's own `init(from:)` are converted to ``JSONCodingError``.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: UnsafeRawBufferPointer) throws -> T {
        try Self.decode(type, from: bytes)
    }

    /// Decodes a value of the given type from an array of UTF-8 JSON bytes.
    ///
    /// - Parameters:
    ///   - type: The type of the value to decode.
    ///   - bytes: The UTF-8 encoded JSON document.
    /// - Returns: The decoded value.
    /// - Throws: ``JSONCodingError`` if the input is not valid JSON or does not match `type`;
    ///   errors thrown by the type's own `init(from:)` are converted to ``JSONCodingError``.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try bytes.withUnsafeBytes { raw throws(JSONCodingError) -> T in try Self.decode(type, from: raw) }
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: UnsafeRawBufferPointer) throws(JSONCodingError) -> T {
        guard bytes.count < Int(UInt32.max) else {
            throw JSONCodingError(path: "$", byteOffset: 0, reason: "input larger than 4 GiB")
        }
        if bytes.isEmpty {
            throw JSONCodingError(path: "$", byteOffset: 0, reason: "unexpected end of input, expected a value")
        }
        let p = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let impl = JSONDecoderImpl.make(input: p, count: bytes.count)
        return try withExtendedLifetime(impl) { () throws(JSONCodingError) -> T in try impl.decodeRoot(type) }
    }
}
