/// Keyed encoding into an object that is being streamed into the encoder's buffer.
/// Plain data: the standard library's box copies it without reference counting.
struct JSONKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let writer: EncoderEngine
    /// Position of this container's frame on the encoder's stack, and its id.
    let depth: Int
    let id: UInt32
    /// The coding path is `codingPath.prefix(pathDepth) + tails[tail]` of the encoder.
    let pathDepth: Int
    let tail: Int

    var codingPath: [any CodingKey] { writer.path(depth: pathDepth, tail: tail) }

    mutating func encodeNil(forKey key: Key) throws {
        try writer.beginMember(depth, id, key, pathDepth: pathDepth, tail: tail)
        writer.writeNull()
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws {
        try writer.beginMember(depth, id, key, pathDepth: pathDepth, tail: tail)
        writer.writeBool(value)
    }

    mutating func encode(_ value: String, forKey key: Key) throws {
        try writer.beginMember(depth, id, key, pathDepth: pathDepth, tail: tail)
        writer.writeString(value)
    }

    mutating func encode(_ value: Double, forKey key: Key) throws {
        try writer.beginMember(depth, id, key, pathDepth: pathDepth, tail: tail)
        try writer.writeDouble(value, depth: pathDepth, tail: tail, key: key)
    }

    mutating func encode(_ value: Float, forKey key: Key) throws {
        try writer.beginMember(depth, id, key, pathDepth: pathDepth, tail: tail)
        try writer.writeFloat(value, depth: pathDepth, tail: tail, key: key)
    }

    mutating func encode(_ value: Int, forKey key: Key) throws {
        try writer.beginMember(depth, id, key, pathDepth: pathDepth, tail: tail)
        writer.writeInteger(value)
    }

    mutating func encode(_ value: Int8, forKey key: Key) throws {
        try writer.beginMember(depth, id, key, pathDepth: pathDepth, tail: tail)
        writer.writeInteger(value)
    }

    mutating func encode(_ value: Int16, forKey key: Key) throws {
        try writer.beginMember(depth, id, key, pathDepth: pathDepth, tail: tail)
        writer.writeInteger(value)
    }

    mutating func encode(_ value: Int32, forKey key: Key) throws {
        try writer.beginMember(depth, id, key, pathDepth: pathDepth, tail: tail)
        writer.writeInteger(value)
    }

    mutating func encode(_ value: Int64, forKey key: Key) throws {
        try writer.beginMember(depth, id, key, pathDepth: pathDepth, tail: tail)
        writer.writeInteger(value)
    }

    mutating func encode(_ value: UInt, forKey key: Key) throws {
        try writer.beginMember(depth, id, key, pathDepth: pathDepth, tail: tail)
        writer.writeInteger(value)
    }

    mutating func encode(_ value: UInt8, forKey key: Key) throws {
        try writer.beginMember(depth, id, key, pathDepth: pathDepth, tail: tail)
        writer.writeInteger(value)
    }

    mutating func encode(_ value: UInt16, forKey key: Key) throws {
        try writer.beginMember(depth, id, key, pathDepth: pathDepth, tail: tail)
        writer.writeInteger(value)
    }

    mutating func encode(_ value: UInt32, forKey key: Key) throws {
        try writer.beginMember(depth, id, key, pathDepth: pathDepth, tail: tail)
        writer.writeInteger(value)
    }

    mutating func encode(_ value: UInt64, forKey key: Key) throws {
        try writer.beginMember(depth, id, key, pathDepth: pathDepth, tail: tail)
        writer.writeInteger(value)
    }

    @available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, visionOS 2.0, *)
    mutating func encode(_ value: Int128, forKey key: Key) throws {
        try writer.beginMember(depth, id, key, pathDepth: pathDepth, tail: tail)
        writer.writeInteger(value)
    }

    @available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, visionOS 2.0, *)
    mutating func encode(_ value: UInt128, forKey key: Key) throws {
        try writer.beginMember(depth, id, key, pathDepth: pathDepth, tail: tail)
        writer.writeInteger(value)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try writer.beginMember(depth, id, key, pathDepth: pathDepth, tail: tail)
        try writer.encodeValue(value, depth: pathDepth, tail: tail, key: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type,
                                                        forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let nestedTail = writer.registerTail(tail, key)
        do {
            try writer.beginMember(depth, id, key, pathDepth: pathDepth, tail: tail)
        } catch {
            writer.record(error)
            return KeyedEncodingContainer(JSONKeyedEncodingContainer<NestedKey>(
                writer: writer, depth: 0, id: 0, pathDepth: pathDepth, tail: nestedTail))
        }
        let newID = writer.pushFrame(object: true)
        return KeyedEncodingContainer(JSONKeyedEncodingContainer<NestedKey>(
            writer: writer, depth: depth + 1, id: newID, pathDepth: pathDepth, tail: nestedTail))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nestedTail = writer.registerTail(tail, key)
        do {
            try writer.beginMember(depth, id, key, pathDepth: pathDepth, tail: tail)
        } catch {
            writer.record(error)
            return JSONUnkeyedEncodingContainer(writer: writer, depth: 0, id: 0, pathDepth: pathDepth, tail: nestedTail)
        }
        let newID = writer.pushFrame(object: false)
        return JSONUnkeyedEncodingContainer(writer: writer, depth: depth + 1, id: newID, pathDepth: pathDepth, tail: nestedTail)
    }

    mutating func superEncoder() -> any Encoder {
        makeSuperEncoder(JSONSuperKey())
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        makeSuperEncoder(key)
    }

    private func makeSuperEncoder(_ key: some CodingKey) -> any Encoder {
        let nestedTail = writer.registerTail(tail, key)
        do {
            try writer.beginMember(depth, id, key, pathDepth: pathDepth, tail: tail)
        } catch {
            writer.record(error)
            return JSONSuperEncoder.make(writer: writer, slot: JSONEncodingSlot(base: -1, parentID: 0, parentEntry: 0),
                                         pathDepth: pathDepth, tail: nestedTail)
        }
        return JSONSuperEncoder.make(writer: writer, parentDepth: depth, parentID: id, pathDepth: pathDepth, tail: nestedTail)
    }
}
