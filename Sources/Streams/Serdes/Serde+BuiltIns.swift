import Foundation

extension Serde where Value == String {
    /// UTF-8 strings. Invalid UTF-8 is an error, not silently repaired.
    public static var string: Serde<String> {
        Serde(
            name: "string",
            serialize: { value, buffer in
                if let done: Void = value.utf8.withContiguousStorageIfAvailable({ buffer.append(contentsOf: $0) }) {
                    return done
                }
                buffer.append(contentsOf: value.utf8)
            },
            deserialize: { bytes in
                // Keys are mostly short ASCII: check that cheaply, and validate fully otherwise.
                if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
                guard let string = String(validating: bytes, as: UTF8.self) else {
                    throw StreamsError(
                        .deserialization, "invalid UTF-8 in a \(bytes.count)-byte string")
                }
                return string
            },
            serializeInPlace: { value, space in
                var value = value
                return value.withUTF8 { utf8 in
                    guard utf8.count <= space.count else { return nil }
                    if let base = utf8.baseAddress { space.baseAddress!.copyMemory(from: base, byteCount: utf8.count) }
                    return utf8.count
                }
            }
        )
    }
}

extension Serde where Value == Int32 {
    /// 32-bit integers, 4 bytes big-endian, as Kafka's `IntegerSerializer`.
    public static var int32: Serde<Int32> {
        Serde(
            name: "int32",
            serialize: { value, buffer in appendBigEndian(UInt32(bitPattern: value), to: &buffer) },
            deserialize: { bytes in Int32(bitPattern: try readBigEndian(bytes, as: UInt32.self, "int32")) }
        )
    }
}

extension Serde where Value == Int64 {
    /// 64-bit integers, 8 bytes big-endian, as Kafka's `LongSerializer`.
    public static var int64: Serde<Int64> {
        Serde(
            name: "int64",
            serialize: { value, buffer in appendBigEndian(UInt64(bitPattern: value), to: &buffer) },
            deserialize: { bytes in Int64(bitPattern: try readBigEndian(bytes, as: UInt64.self, "int64")) }
        )
    }
}

extension Serde where Value == Double {
    /// IEEE 754 doubles, 8 bytes big-endian, as Kafka's `DoubleSerializer`.
    public static var double: Serde<Double> {
        Serde(
            name: "double",
            serialize: { value, buffer in appendBigEndian(value.bitPattern, to: &buffer) },
            deserialize: { bytes in Double(bitPattern: try readBigEndian(bytes, as: UInt64.self, "double")) }
        )
    }
}

extension Serde where Value == [UInt8] {
    /// Raw bytes, unchanged.
    public static var bytes: Serde<[UInt8]> {
        Serde(
            name: "bytes",
            serialize: { value, buffer in buffer.append(contentsOf: value) },
            deserialize: { bytes in Array(bytes) },
            serializeInPlace: { value, space in
                guard value.count <= space.count else { return nil }
                value.withUnsafeBytes { bytes in
                    if let base = bytes.baseAddress { space.baseAddress!.copyMemory(from: base, byteCount: bytes.count) }
                }
                return value.count
            }
        )
    }
}

extension Serde where Value == UUID {
    /// UUIDs as their 36-character string, as Kafka's `UUIDSerializer`. Either case is read.
    public static var uuid: Serde<UUID> {
        Serde(
            name: "uuid",
            serialize: { value, buffer in buffer.append(contentsOf: value.uuidString.lowercased().utf8) },
            deserialize: { bytes in
                guard bytes.count == 36, let text = String(validating: bytes, as: UTF8.self),
                    let uuid = UUID(uuidString: text)
                else {
                    throw StreamsError(
                        .deserialization, "not a UUID string (\(bytes.count) bytes, need 36)")
                }
                return uuid
            }
        )
    }
}

extension Serde where Value: Codable & SendableMetatype {
    /// Any `Codable` type as compact JSON, through ``FastJSONEncoder`` and ``FastJSONDecoder``.
    ///
    /// Dates are ISO-8601 strings. Bad JSON, a missing field or a value of the wrong type is a
    /// ``JSONCodingError`` that names the field's path and the byte offset, never the bytes.
    /// - Parameter type: The value type.
    @inlinable
    public static func json(_ type: Value.Type = Value.self) -> Serde<Value> {
        let encoder = FastJSONEncoder()
        let decoder = FastJSONDecoder()
        return Serde(
            name: "json<\(Value.self)>",
            serialize: { value, buffer in try encoder.encode(value, into: &buffer) },
            deserialize: { bytes in try decoder.decode(Value.self, from: bytes) }
        )
    }
}

extension Serde where Value: FastJSONCodable & SendableMetatype {
    /// A type with its own fast JSON path (``FastJSONCodable``) as compact JSON: the same
    /// bytes as the `Codable` path, written and read without Codable's containers.
    ///
    /// Adopt ``FastJSONCodable`` for types on a hot path; everything else works unchanged.
    /// Sinks write the JSON straight into the output topic's memory (see
    /// ``Serde/InPlaceSerializer``).
    /// - Parameter type: The value type.
    @inlinable
    public static func json(_ type: Value.Type = Value.self) -> Serde<Value> {
        let encoder = FastJSONEncoder()
        let decoder = FastJSONDecoder()
        return Serde(
            name: "json<\(Value.self)>",
            serialize: { value, buffer in try encoder.encode(value, into: &buffer) },
            deserialize: { bytes in try decoder.decode(Value.self, from: bytes) },
            serializeInPlace: { value, space in try encoder.encode(value, inPlace: space) }
        )
    }
}

@inlinable
func appendBigEndian<T: FixedWidthInteger>(_ value: T, to buffer: inout [UInt8]) {
    var bigEndian = value.bigEndian
    withUnsafeBytes(of: &bigEndian) { buffer.append(contentsOf: $0) }
}

/// Appends `time` as 8 big-endian bytes with the sign bit flipped, so that byte order is
/// numeric order, negative times first: how store keys hold times.
@inlinable
func appendSortable(_ time: Int64, to buffer: inout [UInt8]) {
    appendBigEndian(UInt64(bitPattern: time) ^ (1 << 63), to: &buffer)
}

/// The time ``appendSortable(_:to:)`` wrote at `offset` in `bytes`.
/// - Precondition: `bytes` has 8 bytes from `offset`.
@inlinable
func readSortable(_ bytes: [UInt8], at offset: Int) -> Int64 {
    var value: UInt64 = 0
    for byte in bytes[offset..<(offset + 8)] { value = value << 8 | UInt64(byte) }
    return Int64(bitPattern: value ^ (1 << 63))
}

@inlinable
func readBigEndian<T: FixedWidthInteger>(
    _ bytes: UnsafeRawBufferPointer, as type: T.Type, _ serde: String
) throws -> T {
    guard bytes.count == MemoryLayout<T>.size else {
        throw StreamsError(
            .deserialization,
            "\(serde) needs exactly \(MemoryLayout<T>.size) bytes, got \(bytes.count)")
    }
    var value: T = 0
    withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: bytes) }
    return T(bigEndian: value)
}
