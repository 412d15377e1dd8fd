// No-op Decoder/Encoder used to measure the cost of Codable's own dispatch (container
// boxes, protocol witnesses, key conversions) for `Purchase` on this machine: an upper
// bound for any Codable-based JSON coder.
import Foundation

final class NullDecoder: Decoder {
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(NullKeyedDecodingContainer<Key>(decoder: self))
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw CancellationError() }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { throw CancellationError() }
}

struct NullKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    unowned(unsafe) let decoder: NullDecoder
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { [] }
    func contains(_ key: Key) -> Bool { true }
    func decodeNil(forKey key: Key) throws -> Bool { false }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { "x" }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { 1 }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { 1 }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard T.self == Date.self else { throw CancellationError() }
        return unsafeBitCast(Date(timeIntervalSinceReferenceDate: 0), to: T.self)
    }
    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey> { throw CancellationError() }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { throw CancellationError() }
    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { decoder }
}

final class NullEncoder: Encoder {
    var sink = 0
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(NullKeyedEncodingContainer<Key>(encoder: self))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { fatalError("unused") }
    func singleValueContainer() -> any SingleValueEncodingContainer { fatalError("unused") }
}

struct NullKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    unowned(unsafe) let encoder: NullEncoder
    var codingPath: [any CodingKey] { [] }
    mutating func encodeNil(forKey key: Key) throws {}
    mutating func encode(_ value: String, forKey key: Key) throws { encoder.sink &+= value.utf8.count }
    mutating func encode(_ value: Int, forKey key: Key) throws { encoder.sink &+= value }
    mutating func encode(_ value: Double, forKey key: Key) throws { encoder.sink &+= 1 }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { encoder.sink &+= 1 }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type,
                                                        forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        fatalError("unused")
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { fatalError("unused") }
    mutating func superEncoder() -> any Encoder { encoder }
    mutating func superEncoder(forKey key: Key) -> any Encoder { encoder }
}
