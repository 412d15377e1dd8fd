/// Unkeyed encoding into an array that is being streamed into the encoder's buffer.
struct JSONUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let writer: EncoderEngine
    let depth: Int
    let id: UInt32
    let pathDepth: Int
    let tail: Int
    private(set) var count = 0

    init(writer: EncoderEngine, depth: Int, id: UInt32, pathDepth: Int, tail: Int) {
        self.writer = writer
        self.depth = depth
        self.id = id
        self.pathDepth = pathDepth
        self.tail = tail
    }

    var codingPath: [any CodingKey] { writer.path(depth: pathDepth, tail: tail) }

    @inline(__always)
    private mutating func begin() throws(JSONCodingError) {
        if try writer.beginEntry(depth, id, pathDepth: pathDepth, tail: tail) { writer.put(0x2C) }
        count += 1
    }

    mutating func encodeNil() throws {
        try begin()
        writer.writeNull()
    }

    mutating func encode(_ value: Bool) throws {
        try begin()
        writer.writeBool(value)
    }

    mutating func encode(_ value: String) throws {
        try begin()
        writer.writeString(value)
    }

    mutating func encode(_ value: Double) throws {
        try begin()
        try writer.writeDouble(value, depth: pathDepth, tail: tail, key: JSONIndexKey(count - 1))
    }

    mutating func encode(_ value: Float) throws {
        try begin()
        try writer.writeFloat(value, depth: pathDepth, tail: tail, key: JSONIndexKey(count - 1))
    }

    mutating func encode(_ value: Int) throws {
        try begin()
        writer.writeInteger(value)
    }

    mutating func encode(_ value: Int8) throws {
        try begin()
        writer.writeInteger(value)
    }

    mutating func encode(_ value: Int16) throws {
        try begin()
        writer.writeInteger(value)
    }

    mutating func encode(_ value: Int32) throws {
        try begin()
        writer.writeInteger(value)
    }

    mutating func encode(_ value: Int64) throws {
        try begin()
        writer.writeInteger(value)
    }

    mutating func encode(_ value: UInt) throws {
        try begin()
        writer.writeInteger(value)
    }

    mutating func encode(_ value: UInt8) throws {
        try begin()
        writer.writeInteger(value)
    }

    mutating func encode(_ value: UInt16) throws {
        try begin()
        writer.writeInteger(value)
    }

    mutating func encode(_ value: UInt32) throws {
        try begin()
        writer.writeInteger(value)
    }

    mutating func encode(_ value: UInt64) throws {
        try begin()
        writer.writeInteger(value)
    }

    @available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, visionOS 2.0, *)
    mutating func encode(_ value: Int128) throws {
        try begin()
        writer.writeInteger(value)
    }

    @available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, visionOS 2.0, *)
    mutating func encode(_ value: UInt128) throws {
        try begin()
        writer.writeInteger(value)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try begin()
        try writer.encodeValue(value, depth: pathDepth, tail: tail, key: JSONIndexKey(count - 1))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nestedTail = writer.registerTail(tail, JSONIndexKey(count))
        do {
            try begin()
        } catch {
            writer.record(error)
            return KeyedEncodingContainer(JSONKeyedEncodingContainer<NestedKey>(
                writer: writer, depth: 0, id: 0, pathDepth: pathDepth, tail: nestedTail))
        }
        let newID = writer.pushFrame(object: true)
        return KeyedEncodingContainer(JSONKeyedEncodingContainer<NestedKey>(
            writer: writer, depth: depth + 1, id: newID, pathDepth: pathDepth, tail: nestedTail))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nestedTail = writer.registerTail(tail, JSONIndexKey(count))
        do {
            try begin()
        } catch {
            writer.record(error)
            return JSONUnkeyedEncodingContainer(writer: writer, depth: 0, id: 0, pathDepth: pathDepth, tail: nestedTail)
        }
        let newID = writer.pushFrame(object: false)
        return JSONUnkeyedEncodingContainer(writer: writer, depth: depth + 1, id: newID, pathDepth: pathDepth, tail: nestedTail)
    }

    mutating func superEncoder() -> any Encoder {
        let nestedTail = writer.registerTail(tail, JSONIndexKey(count))
        do {
            try begin()
        } catch {
            writer.record(error)
            return JSONSuperEncoder.make(writer: writer, slot: JSONEncodingSlot(base: -1, parentID: 0, parentEntry: 0),
                                         pathDepth: pathDepth, tail: nestedTail)
        }
        return JSONSuperEncoder.make(writer: writer, parentDepth: depth, parentID: id, pathDepth: pathDepth, tail: nestedTail)
    }
}
