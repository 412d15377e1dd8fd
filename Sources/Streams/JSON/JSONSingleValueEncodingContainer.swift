/// Encoding of a single value into the slot of the encoder (or of a super encoder).
/// Three words, so it fits in an existential container without a heap allocation.
struct JSONSingleValueEncodingContainer: SingleValueEncodingContainer {
    let writer: EncoderEngine
    /// The super encoder whose slot this container writes, or nil for the main encoder.
    unowned(unsafe) let owner: JSONSuperEncoder?
    /// `pathDepth` in the low and `tail` in the high 32 bits.
    private let packed: UInt64

    init(writer: EncoderEngine, owner: JSONSuperEncoder?, pathDepth: Int, tail: Int) {
        self.writer = writer
        self.owner = owner
        self.packed = UInt64(UInt32(truncatingIfNeeded: pathDepth)) | UInt64(UInt32(truncatingIfNeeded: tail)) << 32
    }

    private var pathDepth: Int { Int(packed & 0xFFFF_FFFF) }
    private var tail: Int { Int(packed >> 32) }

    var codingPath: [any CodingKey] { writer.path(depth: pathDepth, tail: tail) }

    @inline(__always)
    private func claim() throws(JSONCodingError) {
        if let owner {
            try owner.withSlot { slot throws(JSONCodingError) in try writer.claimScalar(slot, pathDepth: pathDepth, tail: tail) }
        } else {
            try writer.claimScalar(&writer.state.pointee.slot, pathDepth: pathDepth, tail: tail)
        }
    }

    mutating func encodeNil() throws {
        try claim()
        writer.writeNull()
    }

    mutating func encode(_ value: Bool) throws {
        try claim()
        writer.writeBool(value)
    }

    mutating func encode(_ value: String) throws {
        try claim()
        writer.writeString(value)
    }

    mutating func encode(_ value: Double) throws {
        try claim()
        try writer.writeDouble(value, depth: pathDepth, tail: tail, key: JSONNoKey())
    }

    mutating func encode(_ value: Float) throws {
        try claim()
        try writer.writeFloat(value, depth: pathDepth, tail: tail, key: JSONNoKey())
    }

    mutating func encode(_ value: Int) throws {
        try claim()
        writer.writeInteger(value)
    }

    mutating func encode(_ value: Int8) throws {
        try claim()
        writer.writeInteger(value)
    }

    mutating func encode(_ value: Int16) throws {
        try claim()
        writer.writeInteger(value)
    }

    mutating func encode(_ value: Int32) throws {
        try claim()
        writer.writeInteger(value)
    }

    mutating func encode(_ value: Int64) throws {
        try claim()
        writer.writeInteger(value)
    }

    mutating func encode(_ value: UInt) throws {
        try claim()
        writer.writeInteger(value)
    }

    mutating func encode(_ value: UInt8) throws {
        try claim()
        writer.writeInteger(value)
    }

    mutating func encode(_ value: UInt16) throws {
        try claim()
        writer.writeInteger(value)
    }

    mutating func encode(_ value: UInt32) throws {
        try claim()
        writer.writeInteger(value)
    }

    mutating func encode(_ value: UInt64) throws {
        try claim()
        writer.writeInteger(value)
    }

    @available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, visionOS 2.0, *)
    mutating func encode(_ value: Int128) throws {
        try claim()
        writer.writeInteger(value)
    }

    @available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, visionOS 2.0, *)
    mutating func encode(_ value: UInt128) throws {
        try claim()
        writer.writeInteger(value)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try claim()
        try writer.encodeValue(value, depth: pathDepth, tail: tail, key: JSONNoKey())
    }
}
