/// Keyed decoding over an object on the tape.
///
/// Keys are matched by comparing the UTF-8 bytes of `key.stringValue` with the key bytes on
/// the tape. The object's tape token stores a hint (the next expected key), so decoding
/// members in declaration order costs O(1) per member. The struct is plain data (no
/// reference counting when the standard library's box copies it).
struct JSONKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    unowned(unsafe) let impl: JSONDecoderImpl
    let tape: JSONTape
    let object: Int
    let depth: Int
    let tail: Int

    var codingPath: [any CodingKey] { impl.path(depth: depth, tail: tail) }

    var allKeys: [Key] { tape.keyStrings(object).compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { tape.findValue(object, key, moveHint: false) != nil }

    @inline(__always)
    private func get<T>(_ key: Key, _ body: (JSONTape, Int) throws(JSONValueError) -> T) throws -> T {
        guard let v = tape.findValue(object, key) else {
            throw impl.missingKey(key, object: object, depth: depth, tail: tail)
        }
        do {
            return try body(tape, v)
        } catch {
            throw impl.error(error, depth: depth, tail: tail, key: key)
        }
    }

    @inline(__always)
    private func getIfPresent<T>(_ key: Key, _ body: (JSONTape, Int) throws(JSONValueError) -> T) throws -> T? {
        guard let v = tape.findValue(object, key) else { return nil }
        do {
            if try tape.isNull(at: v) { return nil }
            return try body(tape, v)
        } catch {
            throw impl.error(error, depth: depth, tail: tail, key: key)
        }
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        try get(key) { (tape, i) throws(JSONValueError) in try tape.isNull(at: i) }
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        try get(key) { (tape, i) throws(JSONValueError) in try tape.bool(at: i) }
    }

    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        try get(key) { (tape, i) throws(JSONValueError) in try tape.string(at: i) }
    }

    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        try get(key) { (tape, i) throws(JSONValueError) in try tape.double(at: i) }
    }

    func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
        try get(key) { (tape, i) throws(JSONValueError) in try tape.float(at: i) }
    }

    func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
        try get(key) { (tape, i) throws(JSONValueError) in try tape.integer(Int.self, at: i) }
    }

    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 {
        try get(key) { (tape, i) throws(JSONValueError) in try tape.integer(Int8.self, at: i) }
    }

    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 {
        try get(key) { (tape, i) throws(JSONValueError) in try tape.integer(Int16.self, at: i) }
    }

    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 {
        try get(key) { (tape, i) throws(JSONValueError) in try tape.integer(Int32.self, at: i) }
    }

    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 {
        try get(key) { (tape, i) throws(JSONValueError) in try tape.integer(Int64.self, at: i) }
    }

    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt {
        try get(key) { (tape, i) throws(JSONValueError) in try tape.integer(UInt.self, at: i) }
    }

    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 {
        try get(key) { (tape, i) throws(JSONValueError) in try tape.integer(UInt8.self, at: i) }
    }

    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 {
        try get(key) { (tape, i) throws(JSONValueError) in try tape.integer(UInt16.self, at: i) }
    }

    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 {
        try get(key) { (tape, i) throws(JSONValueError) in try tape.integer(UInt32.self, at: i) }
    }

    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 {
        try get(key) { (tape, i) throws(JSONValueError) in try tape.integer(UInt64.self, at: i) }
    }

    @available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, visionOS 2.0, *)
    func decode(_ type: Int128.Type, forKey key: Key) throws -> Int128 {
        try get(key) { (tape, i) throws(JSONValueError) in try tape.integer(Int128.self, at: i) }
    }

    @available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, visionOS 2.0, *)
    func decode(_ type: UInt128.Type, forKey key: Key) throws -> UInt128 {
        try get(key) { (tape, i) throws(JSONValueError) in try tape.integer(UInt128.self, at: i) }
    }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        try getIfPresent(key) { (tape, i) throws(JSONValueError) in try tape.bool(at: i) }
    }

    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        try getIfPresent(key) { (tape, i) throws(JSONValueError) in try tape.string(at: i) }
    }

    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        try getIfPresent(key) { (tape, i) throws(JSONValueError) in try tape.double(at: i) }
    }

    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? {
        try getIfPresent(key) { (tape, i) throws(JSONValueError) in try tape.float(at: i) }
    }

    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        try getIfPresent(key) { (tape, i) throws(JSONValueError) in try tape.integer(Int.self, at: i) }
    }

    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? {
        try getIfPresent(key) { (tape, i) throws(JSONValueError) in try tape.integer(Int8.self, at: i) }
    }

    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? {
        try getIfPresent(key) { (tape, i) throws(JSONValueError) in try tape.integer(Int16.self, at: i) }
    }

    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? {
        try getIfPresent(key) { (tape, i) throws(JSONValueError) in try tape.integer(Int32.self, at: i) }
    }

    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? {
        try getIfPresent(key) { (tape, i) throws(JSONValueError) in try tape.integer(Int64.self, at: i) }
    }

    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? {
        try getIfPresent(key) { (tape, i) throws(JSONValueError) in try tape.integer(UInt.self, at: i) }
    }

    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? {
        try getIfPresent(key) { (tape, i) throws(JSONValueError) in try tape.integer(UInt8.self, at: i) }
    }

    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? {
        try getIfPresent(key) { (tape, i) throws(JSONValueError) in try tape.integer(UInt16.self, at: i) }
    }

    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? {
        try getIfPresent(key) { (tape, i) throws(JSONValueError) in try tape.integer(UInt32.self, at: i) }
    }

    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? {
        try getIfPresent(key) { (tape, i) throws(JSONValueError) in try tape.integer(UInt64.self, at: i) }
    }

    @available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, visionOS 2.0, *)
    func decodeIfPresent(_ type: Int128.Type, forKey key: Key) throws -> Int128? {
        try getIfPresent(key) { (tape, i) throws(JSONValueError) in try tape.integer(Int128.self, at: i) }
    }

    @available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, visionOS 2.0, *)
    func decodeIfPresent(_ type: UInt128.Type, forKey key: Key) throws -> UInt128? {
        try getIfPresent(key) { (tape, i) throws(JSONValueError) in try tape.integer(UInt128.self, at: i) }
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard let v = tape.findValue(object, key) else {
            throw impl.missingKey(key, object: object, depth: depth, tail: tail)
        }
        return try impl.decodeValue(T.self, tape: tape, at: v, depth: depth, tail: tail, key: key)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let v = tape.findValue(object, key) else { return nil }
        if tape.tokens[v].kind == .null { return nil }
        return try impl.decodeValue(T.self, tape: tape, at: v, depth: depth, tail: tail, key: key)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type,
                                               forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        guard let v = tape.findValue(object, key) else {
            throw impl.missingKey(key, object: object, depth: depth, tail: tail)
        }
        return try impl.keyedContainer(at: v, depth: depth, tail: tail, key: key)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        guard let v = tape.findValue(object, key) else {
            throw impl.missingKey(key, object: object, depth: depth, tail: tail)
        }
        return try impl.unkeyedContainer(at: v, depth: depth, tail: tail, key: key)
    }

    func superDecoder() throws -> any Decoder {
        try makeSuperDecoder(JSONSuperKey())
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        try makeSuperDecoder(key)
    }

    private func makeSuperDecoder(_ key: some CodingKey) throws -> any Decoder {
        guard let v = tape.findValue(object, key) else {
            throw impl.missingKey(key, object: object, depth: depth, tail: tail)
        }
        return JSONSuperDecoder(impl: impl, index: v, depth: depth, tail: impl.registerTail(tail, key))
    }
}
