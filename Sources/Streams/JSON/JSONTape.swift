import Foundation

/// A lightweight problem report raised while reading a tape value; converted to a
/// ``JSONCodingError`` (adding the coding path) by the container that asked for the value.
struct JSONValueError: Error {
    var reason: String
    var offset: Int
}

/// Read access to the token tape and the input bytes. Plain pointers, freely copyable.
struct JSONTape {
    let tokens: UnsafeMutablePointer<JSONToken>
    let input: UnsafePointer<UInt8>
    /// The scan failure (only when the input was malformed).
    let failure: UnsafePointer<JSONScanFailure>?
    /// Tape index of the `.error` token standing for the malformed part, or -1.
    let errorToken: Int

    /// The byte offset reported for a token: the opening quote of strings.
    @inline(__always)
    func offset(_ t: JSONToken) -> Int { t.kind == .string ? Int(t.start) - 1 : Int(t.start) }

    // MARK: navigation

    /// The tape index after the value at `index`.
    @inline(__always)
    func skip(_ index: Int) -> Int {
        let t = tokens[index]
        return t.kind.isContainer ? Int(t.end) : index &+ 1
    }

    /// Finds the value for `key` in the object at `object`, trying the hint first.
    @inline(__always)
    func findValue<K: CodingKey>(_ object: Int, _ key: K, moveHint: Bool = true) -> Int? {
        let name = key.stringValue
        if let r = name.utf8.withContiguousStorageIfAvailable({ lookup(object, $0, moveHint: moveHint) }) {
            return r
        }
        var copy = name
        return copy.withUTF8 { lookup(object, $0, moveHint: moveHint) }
    }

    @inline(__always)
    func lookup(_ object: Int, _ name: UnsafeBufferPointer<UInt8>, moveHint: Bool) -> Int? {
        let end = Int(tokens[object].end)
        let hint = Int(tokens[object].length)
        if hint < end && keyMatches(hint, name) {
            if moveHint { tokens[object].length = UInt32(truncatingIfNeeded: skip(hint &+ 1)) }
            return hint &+ 1
        }
        return lookupSlow(object, name, moveHint: moveHint)
    }

    func lookupSlow(_ object: Int, _ name: UnsafeBufferPointer<UInt8>, moveHint: Bool) -> Int? {
        let end = Int(tokens[object].end)
        let hint = Int(tokens[object].length)
        var k = object &+ 1
        while k < end {
            if k != hint && keyMatches(k, name) {
                if moveHint { tokens[object].length = UInt32(truncatingIfNeeded: skip(k &+ 1)) }
                return k &+ 1
            }
            k = skip(k &+ 1)
        }
        return nil
    }

    @inline(__always)
    func keyMatches(_ k: Int, _ name: UnsafeBufferPointer<UInt8>) -> Bool {
        let t = tokens[k]
        guard t.kind == .string else { return false }
        if t.flags & JSONToken.stringHasEscapes != 0 {
            return unescapedString(t).utf8.elementsEqual(name)
        }
        let n = Int(t.length)
        guard n == name.count else { return false }
        let a = input + Int(t.start)
        let b = name.baseAddress!
        var i = 0
        while i &+ 8 <= n {
            if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) {
                return false
            }
            i &+= 8
        }
        while i < n {
            if a[i] != b[i] { return false }
            i &+= 1
        }
        return true
    }

    /// The keys of the object at `object`, in input order.
    func keyStrings(_ object: Int) -> [String] {
        var keys: [String] = []
        let end = Int(tokens[object].end)
        var k = object + 1
        while k < end {
            let t = tokens[k]
            if t.kind == .string { keys.append(stringValue(t)) }
            k = skip(k + 1)
        }
        return keys
    }

    // MARK: errors

    /// The error for a token of an unexpected kind; the scan failure instead for `.error`
    /// tokens and for containers enclosing the malformed part of the input.
    func mismatch(_ expected: String, at index: Int) -> JSONValueError {
        let t = tokens[index]
        if let failure, t.kind == .error || (t.kind.isContainer && errorToken > index && errorToken < Int(t.end)) {
            return JSONValueError(reason: failure.pointee.reason, offset: failure.pointee.offset)
        }
        return JSONValueError(reason: "expected \(expected), found \(t.kind.article)", offset: offset(t))
    }

    // MARK: scalars

    @inline(__always)
    func stringValue(_ t: JSONToken) -> String {
        if t.flags & JSONToken.stringHasEscapes == 0 {
            return String(decoding: UnsafeBufferPointer(start: input + Int(t.start), count: Int(t.length)), as: UTF8.self)
        }
        return unescapedString(t)
    }

    func unescapedString(_ t: JSONToken) -> String {
        JSONBytes.unescape(input + Int(t.start), Int(t.length))
    }

    @inline(__always)
    func string(at index: Int) throws(JSONValueError) -> String {
        let t = tokens[index]
        guard t.kind == .string else { throw mismatch("a string", at: index) }
        return stringValue(t)
    }

    @inline(__always)
    func bool(at index: Int) throws(JSONValueError) -> Bool {
        switch tokens[index].kind {
        case .true: return true
        case .false: return false
        default: throw mismatch("a boolean", at: index)
        }
    }

    @inline(__always)
    func isNull(at index: Int) throws(JSONValueError) -> Bool {
        let k = tokens[index].kind
        if k == .error { throw mismatch("a value", at: index) }
        return k == .null
    }

    @inline(__always)
    func integer<T: FixedWidthInteger>(_ type: T.Type, at index: Int) throws(JSONValueError) -> T {
        let t = tokens[index]
        guard t.kind == .number else { throw mismatch("an integer", at: index) }
        switch JSONNumberParsing.parseInteger(input + Int(t.start), Int(t.length), t.flags, as: T.self) {
        case .value(let v): return v
        case .notIntegral:
            throw JSONValueError(reason: "expected an integer, found a number with a fractional part", offset: Int(t.start))
        case .outOfRange:
            throw JSONValueError(reason: "integer out of range for \(T.self)", offset: Int(t.start))
        }
    }

    @inline(__always)
    func double(at index: Int) throws(JSONValueError) -> Double {
        let t = tokens[index]
        guard t.kind == .number else { throw mismatch("a number", at: index) }
        guard let d = JSONNumberParsing.parseDouble(input + Int(t.start), Int(t.length)) else {
            throw JSONValueError(reason: "number out of range for Double", offset: Int(t.start))
        }
        return d
    }

    func float(at index: Int) throws(JSONValueError) -> Float {
        let t = tokens[index]
        guard t.kind == .number else { throw mismatch("a number", at: index) }
        guard let f = JSONNumberParsing.parseFloat(input + Int(t.start), Int(t.length)) else {
            throw JSONValueError(reason: "number out of range for Float", offset: Int(t.start))
        }
        return f
    }

    @inline(__always)
    func date(at index: Int) throws(JSONValueError) -> Date {
        let t = tokens[index]
        guard t.kind == .string else { throw mismatch("an ISO-8601 date string", at: index) }
        let date: Date?
        if t.flags & JSONToken.stringHasEscapes == 0 {
            date = ISO8601.parse(input + Int(t.start), Int(t.length))
        } else {
            var s = unescapedString(t)
            date = s.withUTF8 { ISO8601.parse($0.baseAddress!, $0.count) }
        }
        guard let date else { throw JSONValueError(reason: "not a valid ISO-8601 date", offset: offset(t)) }
        return date
    }

    func uuid(at index: Int) throws(JSONValueError) -> UUID {
        let s = try string(at: index)
        guard let u = UUID(uuidString: s) else {
            throw JSONValueError(reason: "not a valid UUID", offset: offset(tokens[index]))
        }
        return u
    }

    func url(at index: Int) throws(JSONValueError) -> URL {
        let s = try string(at: index)
        guard let u = URL(string: s) else {
            throw JSONValueError(reason: "not a valid URL", offset: offset(tokens[index]))
        }
        return u
    }

    func data(at index: Int) throws(JSONValueError) -> Data {
        let s = try string(at: index)
        guard let d = Data(base64Encoded: s) else {
            throw JSONValueError(reason: "not valid base64 data", offset: offset(tokens[index]))
        }
        return d
    }

    func decimal(at index: Int) throws(JSONValueError) -> Decimal {
        let t = tokens[index]
        guard t.kind == .number else { throw mismatch("a number", at: index) }
        let text = String(decoding: UnsafeBufferPointer(start: input + Int(t.start), count: Int(t.length)), as: UTF8.self)
        guard let d = Decimal(string: text, locale: nil), !d.isNaN else {
            throw JSONValueError(reason: "number out of range for Decimal", offset: Int(t.start))
        }
        return d
    }
}
