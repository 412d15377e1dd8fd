import Foundation

/// The mutable state of a decoding run, stored in the header of ``JSONDecoderImpl``.
struct JSONDecoderState {
    var tape: JSONTape
    var tokensOnHeap = false
    /// Tape index of the `.error` token (malformed input), or -1.
    var errorToken = -1
    /// Innermost container path seen that encloses the malformed part of the input.
    var failurePath: [any CodingKey]?
    /// The coding path of the value being decoded by the decoder itself.
    var codingPath: [any CodingKey] = []
    /// Tape index of the value being decoded by the decoder itself.
    var current = 0
    /// Coding-path suffixes of nested containers; containers refer to them by index + 1
    /// (0 means no suffix).
    var tails: [[any CodingKey]] = []
}

/// The `Decoder` working on the token tape built by ``JSONScanner``.
///
/// It is a `ManagedBuffer` so that the state (header) and the initial part of the tape
/// (elements) share one allocation, and so that the state is reached through a pointer
/// (no dynamic exclusivity checks on the hot path). Containers refer to it with
/// `unowned(unsafe)`: the decoder outlives them for the duration of a `decode` call.
final class JSONDecoderImpl: ManagedBuffer<JSONDecoderState, JSONToken>, Decoder {
    @inline(__always)
    var state: UnsafeMutablePointer<JSONDecoderState> { withUnsafeMutablePointerToHeader { $0 } }

    /// Scans `count` bytes at `input` and returns a decoder positioned at the root value.
    static func make(input: UnsafePointer<UInt8>, count: Int) -> JSONDecoderImpl {
        let capacity = JSONScanner.estimatedTokens(count)
        let placeholder = JSONTape(tokens: UnsafeMutablePointer(bitPattern: 8)!, input: input, failure: nil, errorToken: -1)
        let impl = unsafeDowncast(
            JSONDecoderImpl.create(minimumCapacity: capacity) { _ in JSONDecoderState(tape: placeholder) },
            to: JSONDecoderImpl.self)
        impl.withUnsafeMutablePointers { header, storage in
            var scanner = JSONScanner(input, count: count, storage: storage, capacity: capacity)
            scanner.run()
            var failure: UnsafePointer<JSONScanFailure>?
            if let f = scanner.failure {
                let p = UnsafeMutablePointer<JSONScanFailure>.allocate(capacity: 1)
                p.initialize(to: f)
                failure = UnsafePointer(p)
                header.pointee.errorToken = scanner.errorToken
            }
            header.pointee.tape = JSONTape(tokens: scanner.tokens, input: input, failure: failure,
                                           errorToken: scanner.errorToken)
            header.pointee.tokensOnHeap = scanner.tokensOnHeap
        }
        return impl
    }

    deinit {
        let s = state
        if s.pointee.tokensOnHeap { s.pointee.tape.tokens.deallocate() }
        if let f = s.pointee.tape.failure {
            UnsafeMutablePointer(mutating: f).deinitialize(count: 1).deallocate()
        }
    }

    // MARK: Decoder

    var codingPath: [any CodingKey] { state.pointee.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let s = state
        return try keyedContainer(at: s.pointee.current, depth: s.pointee.codingPath.count, tail: 0, key: nil)
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let s = state
        return try unkeyedContainer(at: s.pointee.current, depth: s.pointee.codingPath.count, tail: 0, key: nil)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        let s = state
        return JSONSingleValueDecodingContainer(impl: self, index: s.pointee.current, depth: s.pointee.codingPath.count, tail: 0)
    }

    // MARK: containers

    func keyedContainer<Key: CodingKey>(at index: Int, depth: Int, tail: Int,
                                        key: (any CodingKey)?) throws -> KeyedDecodingContainer<Key> {
        let tape = state.pointee.tape
        guard tape.tokens[index].kind == .object else {
            throw error(tape.mismatch("an object", at: index), depth: depth, tail: tail, key: key)
        }
        var tail = tail
        if let key { tail = registerTail(tail, key) }
        if tape.failure != nil { noteContainer(index, depth: depth, tail: tail) }
        return KeyedDecodingContainer(JSONKeyedDecodingContainer<Key>(impl: self, tape: tape, object: index,
                                                                      depth: depth, tail: tail))
    }

    func unkeyedContainer(at index: Int, depth: Int, tail: Int,
                          key: (any CodingKey)?) throws -> JSONUnkeyedDecodingContainer {
        let tape = state.pointee.tape
        guard tape.tokens[index].kind == .array else {
            throw error(tape.mismatch("an array", at: index), depth: depth, tail: tail, key: key)
        }
        var tail = tail
        if let key { tail = registerTail(tail, key) }
        if tape.failure != nil { noteContainer(index, depth: depth, tail: tail) }
        return JSONUnkeyedDecodingContainer(impl: self, tape: tape, array: index, depth: depth, tail: tail)
    }

    /// Registers `tails[base] + [key]` and returns its index.
    func registerTail(_ base: Int, _ key: some CodingKey) -> Int {
        let s = state
        var t = base == 0 ? [] : s.pointee.tails[base - 1]
        t.append(key)
        s.pointee.tails.append(t)
        return s.pointee.tails.count
    }

    /// Remembers the innermost container enclosing the malformed part of the input.
    func noteContainer(_ index: Int, depth: Int, tail: Int) {
        let s = state
        let e = s.pointee.errorToken
        if e > index && e < Int(s.pointee.tape.tokens[index].end) {
            s.pointee.failurePath = path(depth: depth, tail: tail)
        }
    }

    // MARK: paths and errors

    func path(depth: Int, tail: Int) -> [any CodingKey] {
        let s = state
        var p = Array(s.pointee.codingPath.prefix(depth))
        if tail != 0 { p.append(contentsOf: s.pointee.tails[tail - 1]) }
        return p
    }

    func error(_ e: JSONValueError, depth: Int, tail: Int, key: (any CodingKey)?) -> JSONCodingError {
        var p = path(depth: depth, tail: tail)
        if let key, !(key is JSONNoKey) { p.append(key) }
        return JSONCodingError(path: JSONPathRenderer.render(p), byteOffset: e.offset, reason: e.reason)
    }

    func missingKey(_ key: some CodingKey, object: Int, depth: Int, tail: Int) -> JSONCodingError {
        let offset = Int(state.pointee.tape.tokens[object].start)
        return error(JSONValueError(reason: "missing key\(JSONPathRenderer.quotedName(key))", offset: offset),
                     depth: depth, tail: tail, key: key)
    }

    // MARK: generic values

    /// Decodes a value of any `Decodable` type at tape index `index`, whose coding path is
    /// `codingPath.prefix(depth) + tails[tail] + [key]` (no key when `K` is `JSONNoKey`).
    @inline(__always)
    func decodeValue<T: Decodable, K: CodingKey>(_ type: T.Type, tape: JSONTape, at index: Int, depth: Int,
                                                 tail: Int, key: K) throws -> T {
        do {
            if T.self == String.self { return unsafeBitCast(try tape.string(at: index), to: T.self) }
            if T.self == Int.self { return unsafeBitCast(try tape.integer(Int.self, at: index), to: T.self) }
            if T.self == Double.self { return unsafeBitCast(try tape.double(at: index), to: T.self) }
            if T.self == Bool.self { return unsafeBitCast(try tape.bool(at: index), to: T.self) }
            if T.self == Date.self { return unsafeBitCast(try tape.date(at: index), to: T.self) }
        } catch {
            throw self.error(error, depth: depth, tail: tail, key: key)
        }
        return try decodeValueSlow(type, tape: tape, at: index, depth: depth, tail: tail, key: key)
    }

    func decodeValueSlow<T: Decodable, K: CodingKey>(_ type: T.Type, tape: JSONTape, at index: Int, depth: Int,
                                                     tail: Int, key: K) throws -> T {
        do {
            if let v = try specialValue(type, tape: tape, at: index) { return v }
        } catch {
            throw self.error(error, depth: depth, tail: tail, key: key)
        }
        // A nested Decodable: point this decoder at the value and extend the path.
        let s = state
        let savedCurrent = s.pointee.current
        let count = s.pointee.codingPath.count
        if count > depth { s.pointee.codingPath.removeLast(count - depth) }
        if tail != 0 { s.pointee.codingPath.append(contentsOf: s.pointee.tails[tail - 1]) }
        if K.self != JSONNoKey.self { s.pointee.codingPath.append(key) }
        s.pointee.current = index
        defer {
            s.pointee.current = savedCurrent
            let c = s.pointee.codingPath.count
            if c > depth { s.pointee.codingPath.removeLast(c - depth) }
        }
        do {
            return try T(from: self)
        } catch let e as JSONCodingError {
            throw e
        } catch {
            throw JSONCodingError.wrapping(error, byteOffset: tape.offset(tape.tokens[index]))
        }
    }

    /// Types with a JSON-specific representation, and the less common primitives.
    func specialValue<T: Decodable>(_ type: T.Type, tape: JSONTape, at index: Int) throws(JSONValueError) -> T? {
        if T.self == UUID.self { return unsafeBitCast(try tape.uuid(at: index), to: T.self) }
        if T.self == URL.self { return unsafeBitCast(try tape.url(at: index), to: T.self) }
        if T.self == Data.self { return unsafeBitCast(try tape.data(at: index), to: T.self) }
        if T.self == Decimal.self { return unsafeBitCast(try tape.decimal(at: index), to: T.self) }
        if T.self == Float.self { return unsafeBitCast(try tape.float(at: index), to: T.self) }
        if T.self == Int64.self { return unsafeBitCast(try tape.integer(Int64.self, at: index), to: T.self) }
        if T.self == Int32.self { return unsafeBitCast(try tape.integer(Int32.self, at: index), to: T.self) }
        if T.self == Int16.self { return unsafeBitCast(try tape.integer(Int16.self, at: index), to: T.self) }
        if T.self == Int8.self { return unsafeBitCast(try tape.integer(Int8.self, at: index), to: T.self) }
        if T.self == UInt.self { return unsafeBitCast(try tape.integer(UInt.self, at: index), to: T.self) }
        if T.self == UInt64.self { return unsafeBitCast(try tape.integer(UInt64.self, at: index), to: T.self) }
        if T.self == UInt32.self { return unsafeBitCast(try tape.integer(UInt32.self, at: index), to: T.self) }
        if T.self == UInt16.self { return unsafeBitCast(try tape.integer(UInt16.self, at: index), to: T.self) }
        if T.self == UInt8.self { return unsafeBitCast(try tape.integer(UInt8.self, at: index), to: T.self) }
        return nil
    }

    /// Decodes the root value, reconciling errors with the scan failure if there was one.
    func decodeRoot<T: Decodable>(_ type: T.Type) throws(JSONCodingError) -> T {
        let tape = state.pointee.tape
        do {
            let value = try decodeValue(T.self, tape: tape, at: 0, depth: 0, tail: 0, key: JSONNoKey())
            if tape.failure != nil { throw failureError() }
            return value
        } catch let e as JSONCodingError {
            if let f = tape.failure, e.byteOffset != f.pointee.offset || e.reason != f.pointee.reason {
                throw failureError()
            }
            throw e
        } catch {
            if tape.failure != nil { throw failureError() }
            throw JSONCodingError.wrapping(error, byteOffset: 0)
        }
    }

    func failureError() -> JSONCodingError {
        let s = state
        let f = s.pointee.tape.failure!.pointee
        return JSONCodingError(path: JSONPathRenderer.render(s.pointee.failurePath ?? []), byteOffset: f.offset,
                               reason: f.reason)
    }
}
