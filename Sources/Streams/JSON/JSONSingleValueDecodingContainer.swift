/// Decoding of a single value on the tape. Three words, so it fits in an existential
/// container without a heap allocation.
struct JSONSingleValueDecodingContainer: SingleValueDecodingContainer {
    unowned(unsafe) let impl: JSONDecoderImpl
    let index: Int
    /// `depth` in the low and `tail` in the high 32 bits.
    private let packed: UInt64

    init(impl: JSONDecoderImpl, index: Int, depth: Int, tail: Int) {
        self.impl = impl
        self.index = index
        self.packed = UInt64(UInt32(truncatingIfNeeded: depth)) | UInt64(UInt32(truncatingIfNeeded: tail)) << 32
    }

    private var depth: Int { Int(packed & 0xFFFF_FFFF) }
    private var tail: Int { Int(packed >> 32) }

    var codingPath: [any CodingKey] { impl.path(depth: depth, tail: tail) }

    @inline(__always)
    private func get<T>(_ body: (JSONTape, Int) throws(JSONValueError) -> T) throws -> T {
        do {
            return try body(impl.state.pointee.tape, index)
        } catch {
            throw impl.error(error, depth: depth, tail: tail, key: nil)
        }
    }

    func decodeNil() -> Bool { impl.state.pointee.tape.tokens[index].kind == .null }

    func decode(_ type: Bool.Type) throws -> Bool {
        try get { (tape, i) throws(JSONValueError) in try tape.bool(at: i) }
    }

    func decode(_ type: String.Type) throws -> String {
        try get { (tape, i) throws(JSONValueError) in try tape.string(at: i) }
    }

    func decode(_ type: Double.Type) throws -> Double {
        try get { (tape, i) throws(JSONValueError) in try tape.double(at: i) }
    }

    func decode(_ type: Float.Type) throws -> Float {
        try get { (tape, i) throws(JSONValueError) in try tape.float(at: i) }
    }

    func decode(_ type: Int.Type) throws -> Int {
        try get { (tape, i) throws(JSONValueError) in try tape.integer(Int.self, at: i) }
    }

    func decode(_ type: Int8.Type) throws -> Int8 {
        try get { (tape, i) throws(JSONValueError) in try tape.integer(Int8.self, at: i) }
    }

    func decode(_ type: Int16.Type) throws -> Int16 {
        try get { (tape, i) throws(JSONValueError) in try tape.integer(Int16.self, at: i) }
    }

    func decode(_ type: Int32.Type) throws -> Int32 {
        try get { (tape, i) throws(JSONValueError) in try tape.integer(Int32.self, at: i) }
    }

    func decode(_ type: Int64.Type) throws -> Int64 {
        try get { (tape, i) throws(JSONValueError) in try tape.integer(Int64.self, at: i) }
    }

    func decode(_ type: UInt.Type) throws -> UInt {
        try get { (tape, i) throws(JSONValueError) in try tape.integer(UInt.self, at: i) }
    }

    func decode(_ type: UInt8.Type) throws -> UInt8 {
        try get { (tape, i) throws(JSONValueError) in try tape.integer(UInt8.self, at: i) }
    }

    func decode(_ type: UInt16.Type) throws -> UInt16 {
        try get { (tape, i) throws(JSONValueError) in try tape.integer(UInt16.self, at: i) }
    }

    func decode(_ type: UInt32.Type) throws -> UInt32 {
        try get { (tape, i) throws(JSONValueError) in try tape.integer(UInt32.self, at: i) }
    }

    func decode(_ type: UInt64.Type) throws -> UInt64 {
        try get { (tape, i) throws(JSONValueError) in try tape.integer(UInt64.self, at: i) }
    }

    @available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, visionOS 2.0, *)
    func decode(_ type: Int128.Type) throws -> Int128 {
        try get { (tape, i) throws(JSONValueError) in try tape.integer(Int128.self, at: i) }
    }

    @available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, visionOS 2.0, *)
    func decode(_ type: UInt128.Type) throws -> UInt128 {
        try get { (tape, i) throws(JSONValueError) in try tape.integer(UInt128.self, at: i) }
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try impl.decodeValue(T.self, tape: impl.state.pointee.tape, at: index, depth: depth, tail: tail, key: JSONNoKey())
    }
}
