/// Sequential decoding of the elements of an array on the tape.
struct JSONUnkeyedDecodingContainer: UnkeyedDecodingContainer {
    unowned(unsafe) let impl: JSONDecoderImpl
    let tape: JSONTape
    let array: Int
    let depth: Int
    let tail: Int
    /// Tape index of the next element.
    private var position: Int
    private let elementCount: Int
    private(set) var currentIndex = 0

    init(impl: JSONDecoderImpl, tape: JSONTape, array: Int, depth: Int, tail: Int) {
        self.impl = impl
        self.tape = tape
        self.array = array
        self.depth = depth
        self.tail = tail
        self.position = array + 1
        self.elementCount = Int(tape.tokens[array].length)
    }

    var codingPath: [any CodingKey] { impl.path(depth: depth, tail: tail) }
    var count: Int? { elementCount }
    var isAtEnd: Bool { currentIndex >= elementCount }

    private func atEnd(_ what: String) -> JSONCodingError {
        impl.error(JSONValueError(reason: "expected \(what), but the array has no more elements",
                                  offset: Int(tape.tokens[array].start)),
                   depth: depth, tail: tail, key: JSONIndexKey(currentIndex))
    }

    @inline(__always)
    private mutating func next<T>(_ body: (JSONTape, Int) throws(JSONValueError) -> T) throws -> T {
        guard currentIndex < elementCount else { throw atEnd("a value") }
        let v = position
        do {
            let value = try body(tape, v)
            position = tape.skip(v)
            currentIndex += 1
            return value
        } catch {
            throw impl.error(error, depth: depth, tail: tail, key: JSONIndexKey(currentIndex))
        }
    }

    mutating func decodeNil() throws -> Bool {
        guard currentIndex < elementCount else { throw atEnd("a value") }
        do {
            if try tape.isNull(at: position) {
                position += 1
                currentIndex += 1
                return true
            }
            return false
        } catch {
            throw impl.error(error, depth: depth, tail: tail, key: JSONIndexKey(currentIndex))
        }
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool {
        try next { (tape, i) throws(JSONValueError) in try tape.bool(at: i) }
    }

    mutating func decode(_ type: String.Type) throws -> String {
        try next { (tape, i) throws(JSONValueError) in try tape.string(at: i) }
    }

    mutating func decode(_ type: Double.Type) throws -> Double {
        try next { (tape, i) throws(JSONValueError) in try tape.double(at: i) }
    }

    mutating func decode(_ type: Float.Type) throws -> Float {
        try next { (tape, i) throws(JSONValueError) in try tape.float(at: i) }
    }

    mutating func decode(_ type: Int.Type) throws -> Int {
        try next { (tape, i) throws(JSONValueError) in try tape.integer(Int.self, at: i) }
    }

    mutating func decode(_ type: Int8.Type) throws -> Int8 {
        try next { (tape, i) throws(JSONValueError) in try tape.integer(Int8.self, at: i) }
    }

    mutating func decode(_ type: Int16.Type) throws -> Int16 {
        try next { (tape, i) throws(JSONValueError) in try tape.integer(Int16.self, at: i) }
    }

    mutating func decode(_ type: Int32.Type) throws -> Int32 {
        try next { (tape, i) throws(JSONValueError) in try tape.integer(Int32.self, at: i) }
    }

    mutating func decode(_ type: Int64.Type) throws -> Int64 {
        try next { (tape, i) throws(JSONValueError) in try tape.integer(Int64.self, at: i) }
    }

    mutating func decode(_ type: UInt.Type) throws -> UInt {
        try next { (tape, i) throws(JSONValueError) in try tape.integer(UInt.self, at: i) }
    }

    mutating func decode(_ type: UInt8.Type) throws -> UInt8 {
        try next { (tape, i) throws(JSONValueError) in try tape.integer(UInt8.self, at: i) }
    }

    mutating func decode(_ type: UInt16.Type) throws -> UInt16 {
        try next { (tape, i) throws(JSONValueError) in try tape.integer(UInt16.self, at: i) }
    }

    mutating func decode(_ type: UInt32.Type) throws -> UInt32 {
        try next { (tape, i) throws(JSONValueError) in try tape.integer(UInt32.self, at: i) }
    }

    mutating func decode(_ type: UInt64.Type) throws -> UInt64 {
        try next { (tape, i) throws(JSONValueError) in try tape.integer(UInt64.self, at: i) }
    }

    @available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, visionOS 2.0, *)
    mutating func decode(_ type: Int128.Type) throws -> Int128 {
        try next { (tape, i) throws(JSONValueError) in try tape.integer(Int128.self, at: i) }
    }

    @available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, visionOS 2.0, *)
    mutating func decode(_ type: UInt128.Type) throws -> UInt128 {
        try next { (tape, i) throws(JSONValueError) in try tape.integer(UInt128.self, at: i) }
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard currentIndex < elementCount else { throw atEnd("a value") }
        let v = position
        let value = try impl.decodeValue(T.self, tape: tape, at: v, depth: depth, tail: tail,
                                         key: JSONIndexKey(currentIndex))
        position = tape.skip(v)
        currentIndex += 1
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey> {
        guard currentIndex < elementCount else { throw atEnd("an object") }
        let c: KeyedDecodingContainer<NestedKey> =
            try impl.keyedContainer(at: position, depth: depth, tail: tail, key: JSONIndexKey(currentIndex))
        position = tape.skip(position)
        currentIndex += 1
        return c
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard currentIndex < elementCount else { throw atEnd("an array") }
        let c = try impl.unkeyedContainer(at: position, depth: depth, tail: tail, key: JSONIndexKey(currentIndex))
        position = tape.skip(position)
        currentIndex += 1
        return c
    }

    mutating func superDecoder() throws -> any Decoder {
        guard currentIndex < elementCount else { throw atEnd("a value") }
        let d = JSONSuperDecoder(impl: impl, index: position, depth: depth,
                                 tail: impl.registerTail(tail, JSONIndexKey(currentIndex)))
        position = tape.skip(position)
        currentIndex += 1
        return d
    }
}
