// TEMPORARY shim until the fast coder lands.
import Foundation
public struct FastJSONEncoder: Sendable {
    public init() {}
    public func encode<T: Encodable>(_ value: T, into buffer: inout [UInt8]) throws {
        let e = JSONEncoder(); e.dateEncodingStrategy = .iso8601
        buffer.append(contentsOf: try e.encode(value))
    }
}
public struct FastJSONDecoder: Sendable {
    public init() {}
    public func decode<T: Decodable>(_ type: T.Type, from bytes: UnsafeRawBufferPointer) throws -> T {
        let d = JSONDecoder(); d.dateDecodingStrategy = .iso8601
        return try d.decode(T.self, from: Data(bytes))
    }
}
