/// The `Encoder` returned by `superEncoder()`: it writes one value into the slot reserved
/// in its parent container (the key, or the array position, has already been written).
/// The encoder keeps it alive until the end of the run.
final class JSONSuperEncoder: Encoder {
    let writer: EncoderEngine
    private var slot: JSONEncodingSlot
    let pathDepth: Int
    let tail: Int

    private init(writer: EncoderEngine, slot: JSONEncodingSlot, pathDepth: Int, tail: Int) {
        self.writer = writer
        self.slot = slot
        self.pathDepth = pathDepth
        self.tail = tail
    }

    /// A super encoder for an invalid slot (every use fails).
    static func make(writer: EncoderEngine, slot: JSONEncodingSlot, pathDepth: Int, tail: Int) -> JSONSuperEncoder {
        let e = JSONSuperEncoder(writer: writer, slot: slot, pathDepth: pathDepth, tail: tail)
        writer.state.pointee.superEncoders.append(e)
        return e
    }

    /// A super encoder for the entry just started in the container at `parentDepth`.
    static func make(writer: EncoderEngine, parentDepth: Int, parentID: UInt32, pathDepth: Int,
                     tail: Int) -> JSONSuperEncoder {
        let s = writer.state
        s.pointee.frames[parentDepth].superPending = true
        let slot = JSONEncodingSlot(base: parentDepth + 1, parentID: parentID,
                                    parentEntry: s.pointee.frames[parentDepth].count)
        return make(writer: writer, slot: slot, pathDepth: pathDepth, tail: tail)
    }

    func withSlot<R, E: Error>(_ body: (UnsafeMutablePointer<JSONEncodingSlot>) throws(E) -> R) throws(E) -> R {
        var s = slot
        defer { slot = s }
        return try body(&s)
    }

    var codingPath: [any CodingKey] { writer.path(depth: pathDepth, tail: tail) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let (d, id) = withSlot { writer.openContainer($0, object: true, pathDepth: pathDepth, tail: tail) }
        return KeyedEncodingContainer(JSONKeyedEncodingContainer<Key>(writer: writer, depth: d, id: id, pathDepth: pathDepth, tail: tail))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let (d, id) = withSlot { writer.openContainer($0, object: false, pathDepth: pathDepth, tail: tail) }
        return JSONUnkeyedEncodingContainer(writer: writer, depth: d, id: id, pathDepth: pathDepth, tail: tail)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONSingleValueEncodingContainer(writer: writer, owner: self, pathDepth: pathDepth, tail: tail)
    }
}
