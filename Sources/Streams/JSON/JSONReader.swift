import Foundation

/// A forward-only, validating reader of UTF-8 JSON used by ``FastJSONCodable`` conformances.
///
/// A reader is handed to ``FastJSONCodable/init(readingJSON:)`` by ``FastJSONDecoder``'s
/// `decode(_:from:)` for `FastJSONCodable` types. It reads the
/// document in a single pass, validating it as strictly as the `Codable` path (``FastJSONDecoder``):
/// malformed input anywhere in the document, including inside skipped members, is rejected with a
/// ``JSONCodingError``.
///
/// ```swift
/// init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
///     var name: String?, quantity: Int?
///     try reader.readObject { key, r in
///         switch key {
///         case "name": name = try r.readString()
///         case "quantity": quantity = try r.readInt()
///         default: try r.skipValue()
///         }
///     }
///     guard let name else { throw reader.missing("name") }
///     guard let quantity else { throw reader.missing("quantity") }
///     self.init(name: name, quantity: quantity)
/// }
/// ```
///
/// Every `read…` method reads one complete value at the current position. A method that throws
/// because the value has another type (for example ``readInt()`` on a string) consumes nothing,
/// so another `read…` method may be tried. Errors carry the JSONPath of the value: keys are
/// shown only for members whose key the body matched with a `case "name":` pattern (or `==`)
/// and that are made of `[A-Za-z0-9_]` (at most 64 bytes); other keys appear as `.*`.
/// Errors never contain values from the input.
///
/// The reader points into the decoder's input: it must not be copied out of the
/// ``FastJSONCodable/init(readingJSON:)`` call it was handed to.
public struct JSONReader {
    @usableFromInline let lexer: JSONLexer
    @usableFromInline var pos: Int
    /// Number of containers currently open (read or being skipped).
    @usableFromInline var depth: Int
    /// Offset of the last object whose reading completed (for ``missing(_:)``).
    @usableFromInline var lastObjectStart: Int

    @usableFromInline static var maxDepth: Int { 512 }

    @usableFromInline
    init(base: UnsafePointer<UInt8>, count: Int) {
        self.lexer = JSONLexer(base: base, end: count)
        self.pos = 0
        self.depth = 0
        self.lastObjectStart = 0
    }

    /// The input.
    @inlinable @inline(__always)
    var base: UnsafePointer<UInt8> { lexer.base }

    /// The input's length.
    @inlinable @inline(__always)
    var end: Int { lexer.end }

    // MARK: whitespace and errors

    @inlinable @inline(__always)
    mutating func skipWhitespace() {
        while pos < end {
            let c = base[pos]
            if c > 0x20 { return }
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { pos &+= 1 } else { return }
        }
    }

    /// An error in the syntax of the document (its path is completed by the enclosing containers).
    @usableFromInline @inline(never)
    static func syntax(_ reason: String, _ offset: Int) -> JSONCodingError {
        JSONCodingError(path: "$", byteOffset: offset, reason: reason)
    }

    /// The `JSONCodingError` for any error thrown by a body (other errors are reported by
    /// type name only, as their description could contain data).
    static func converted(_ error: any Error, valueStart: Int) -> JSONCodingError {
        if let e = error as? JSONCodingError { return e }
        if error is DecodingError || error is EncodingError {
            return JSONCodingError.wrapping(error, byteOffset: valueStart)
        }
        return JSONCodingError(path: "$", byteOffset: valueStart,
                               reason: "error of type \(type(of: error)) thrown by a FastJSONCodable implementation")
    }

    /// Adds the member's key (or `.*`) to the path of an error thrown while reading its value.
    @usableFromInline @inline(never)
    static func memberError(_ error: any Error, key keyStart: UnsafePointer<UInt8>, rawCount: Int, matched: Bool,
                            valueStart: Int) -> JSONCodingError {
        let e = converted(error, valueStart: valueStart)
        var component = ".*"
        if matched && rawCount >= 1 && rawCount <= 64 {
            let key = UnsafeBufferPointer(start: keyStart, count: rawCount)
            if key.allSatisfy(JSONPathRenderer.isIdentifierByte) {
                component = "." + String(decoding: key, as: UTF8.self)
            }
        }
        return e.prefixed(component)
    }

    /// Adds the element's index to the path of an error thrown while reading it.
    @usableFromInline @inline(never)
    static func elementError(_ error: any Error, index: Int, valueStart: Int) -> JSONCodingError {
        let e = converted(error, valueStart: valueStart)
        return e.prefixed("[\(index)]")
    }

    @usableFromInline @inline(never)
    static func keyError(_ offset: Int, end: Int) -> JSONCodingError {
        syntax(offset < end ? "expected a string key" : "unterminated object", offset)
    }

    @usableFromInline @inline(never)
    static func colonError(_ offset: Int, end: Int) -> JSONCodingError {
        syntax(offset < end ? "expected ':' after an object key" : "unterminated object", offset)
    }

    @usableFromInline @inline(never)
    static func afterMemberError(_ offset: Int, end: Int) -> JSONCodingError {
        syntax(offset < end ? "expected ',' or '}' after an object member" : "unterminated object", offset)
    }

    @usableFromInline @inline(never)
    static func afterElementError(_ offset: Int, end: Int) -> JSONCodingError {
        syntax(offset < end ? "expected ',' or ']' after an array element" : "unterminated array", offset)
    }

    @usableFromInline @inline(never)
    static func nestingError(_ offset: Int) -> JSONCodingError {
        syntax("nesting deeper than \(maxDepth) levels", offset)
    }

    /// Skips (and validates) the value at the current position.
    @usableFromInline
    mutating func skipImpl() throws(JSONCodingError) {
        pos = try lexer.skipValue(at: pos, depth: depth)
    }

    // MARK: containers

    /// Reads an object, calling `body` once per member, in document order.
    ///
    /// `body` receives the member's key and the reader positioned at the member's value. It
    /// should read the value (with any `read…` method) or skip it (``skipValue()``); a value
    /// that `body` leaves unread is skipped. Duplicate keys are passed to `body` each time.
    ///
    /// ```swift
    /// var city: String?
    /// try reader.readObject { key, r in
    ///     switch key {
    ///     case "city": city = try r.readString()
    ///     default: try r.skipValue()
    ///     }
    /// }
    /// ```
    ///
    /// - Parameter body: Called for each member. Errors it throws (normally the
    ///   ``JSONCodingError``s of the reader's methods) get the member's key added to their path.
    /// - Throws: ``JSONCodingError`` if the value is not an object, is malformed, or `body` throws.
    ///   After an error the reader is positioned at the start of the object again.
    @inlinable
    public mutating func readObject(_ body: (JSONKey, inout JSONReader) throws -> Void) throws(JSONCodingError) {
        let start = pos
        guard start < end && base[start] == 0x7B else { throw lexer.mismatch("an object", at: pos, depth: depth) }
        guard depth < Self.maxDepth else { throw Self.nestingError(start) }
        depth &+= 1
        pos = start &+ 1
        skipWhitespace()
        if pos < end && base[pos] == 0x7D {
            pos &+= 1
        } else {
            do {
                try readMembers(body)
            } catch {
                pos = start
                depth &-= 1
                throw error
            }
        }
        depth &-= 1
        lastObjectStart = start
    }

    @inlinable @inline(__always)
    mutating func readMembers(_ body: (JSONKey, inout JSONReader) throws -> Void) throws(JSONCodingError) {
        var matched = false
        while true {
            let q = pos
            guard q < end && base[q] == 0x22 else { throw Self.keyError(q, end: end) }
            let (e, escaped) = try lexer.scanKey(q)
            // Compact JSON first: the colon right after the key, the value right after the colon.
            var v = e &+ 1
            if v >= end || base[v] != 0x3A {
                v = lexer.whitespaceEnd(v)
                guard v < end && base[v] == 0x3A else { throw Self.colonError(v, end: end) }
            }
            v &+= 1
            if v < end && base[v] <= 0x20 { v = lexer.whitespaceEnd(v) }
            pos = v
            let valueStart = v
            let length = e &- q &- 1
            let rawCount = escaped ? ~length : length
            matched = false
            do {
                try withUnsafeMutablePointer(to: &matched) { flag in
                    try body(JSONKey(start: base + (q &+ 1), rawCount: rawCount, matched: flag), &self)
                }
                if pos == valueStart { try skipImpl() }
            } catch {
                throw Self.memberError(error, key: base + (q &+ 1), rawCount: rawCount, matched: matched, valueStart: valueStart)
            }
            var k = pos
            if k < end && base[k] <= 0x20 { k = lexer.whitespaceEnd(k) }
            guard k < end else { throw Self.afterMemberError(k, end: end) }
            let c = base[k]
            if c == 0x2C {
                k &+= 1
                if k < end && base[k] <= 0x20 { k = lexer.whitespaceEnd(k) }
                pos = k
            } else if c == 0x7D {
                pos = k &+ 1
                return
            } else {
                throw Self.afterMemberError(k, end: end)
            }
        }
    }

    /// Reads an array, calling `body` once per element, in order.
    ///
    /// `body` receives the reader positioned at the element; it should read it (or skip it
    /// with ``skipValue()``); an element that `body` leaves unread is skipped.
    ///
    /// ```swift
    /// var tags: [String] = []
    /// try reader.readArray { r in tags.append(try r.readString()) }
    /// ```
    ///
    /// - Parameter body: Called for each element. Errors it throws get the element's index
    ///   added to their path (`$.tags[2]`).
    /// - Throws: ``JSONCodingError`` if the value is not an array, is malformed, or `body` throws.
    ///   After an error the reader is positioned at the start of the array again.
    @inlinable
    public mutating func readArray(_ body: (inout JSONReader) throws -> Void) throws(JSONCodingError) {
        let start = pos
        guard start < end && base[start] == 0x5B else { throw lexer.mismatch("an array", at: pos, depth: depth) }
        guard depth < Self.maxDepth else { throw Self.nestingError(start) }
        depth &+= 1
        pos = start &+ 1
        skipWhitespace()
        if pos < end && base[pos] == 0x5D {
            pos &+= 1
        } else {
            do {
                try readElements(body)
            } catch {
                pos = start
                depth &-= 1
                throw error
            }
        }
        depth &-= 1
    }

    @inlinable @inline(__always)
    mutating func readElements(_ body: (inout JSONReader) throws -> Void) throws(JSONCodingError) {
        var index = 0
        while true {
            let valueStart = pos
            do {
                try body(&self)
                if pos == valueStart { try skipImpl() }
            } catch {
                throw Self.elementError(error, index: index, valueStart: valueStart)
            }
            skipWhitespace()
            guard pos < end else { throw Self.afterElementError(pos, end: end) }
            let c = base[pos]
            if c == 0x2C {
                pos &+= 1
                skipWhitespace()
                index &+= 1
            } else if c == 0x5D {
                pos &+= 1
                return
            } else {
                throw Self.afterElementError(pos, end: end)
            }
        }
    }

    // MARK: scalars

    /// Reads a string.
    ///
    /// ```swift
    /// case "firstName": firstName = try r.readString()
    /// ```
    ///
    /// - Throws: ``JSONCodingError`` if the value is not a string or is malformed.
    @inlinable
    public mutating func readString() throws(JSONCodingError) -> String {
        let q = pos
        guard q < end && base[q] == 0x22 else { throw lexer.mismatch("a string", at: pos, depth: depth) }
        let (e, escaped) = try lexer.scanString(q)
        pos = e &+ 1
        if !escaped { return JSONBytes.string(base + (q &+ 1), e &- q &- 1) }
        return JSONBytes.unescape(base + (q &+ 1), e &- q &- 1)
    }

    /// Reads an integer as an `Int`.
    ///
    /// Like the `Codable` path, a number with a fraction or exponent is accepted when its value
    /// is integral (`1.0`, `1e3`).
    ///
    /// ```swift
    /// case "quantity": quantity = try r.readInt()
    /// ```
    ///
    /// - Throws: ``JSONCodingError`` if the value is not a number, is not integral, does not fit
    ///   in `Int`, or is malformed.
    @inlinable
    public mutating func readInt() throws(JSONCodingError) -> Int {
        try readInt(as: Int.self)
    }

    /// Reads an integer of any fixed-width integer type, checking its range.
    ///
    /// ```swift
    /// case "count": count = try r.readInt(as: UInt16.self)
    /// ```
    ///
    /// - Parameter type: The integer type, for example `Int64`, `Int32` or `UInt8`.
    /// - Throws: ``JSONCodingError`` if the value is not a number, is not integral, is out of
    ///   range for `type` (`integer out of range for Int32`), or is malformed.
    @inlinable
    public mutating func readInt<T: FixedWidthInteger>(as type: T.Type) throws(JSONCodingError) -> T {
        var i = pos
        if i < end {
            let negative = base[i] == 0x2D
            if negative { i &+= 1 }
            if i < end {
                var d = base[i] &- 0x30
                if d < 10 {
                    let digitsStart = i
                    var m = UInt64(d)
                    i &+= 1
                    if d != 0 {
                        while i < end {
                            d = base[i] &- 0x30
                            if d >= 10 { break }
                            m = m &* 10 &+ UInt64(d)
                            i &+= 1
                        }
                    }
                    let fast = i &- digitsStart <= 18
                        && (i == end || (base[i] != 0x2E && base[i] | 0x20 != 0x65 && base[i] &- 0x30 >= 10))
                    if fast {
                        if negative {
                            if let v = T(exactly: -Int64(bitPattern: m)) {
                                pos = i
                                return v
                            }
                        } else if let v = T(exactly: m) {
                            pos = i
                            return v
                        }
                    }
                }
            }
        }
        return try readIntSlow(as: T.self)
    }

    @usableFromInline
    mutating func readIntSlow<T: FixedWidthInteger>(as type: T.Type) throws(JSONCodingError) -> T {
        let start = pos
        guard start < end && (base[start] == 0x2D || base[start] &- 0x30 < 10) else { throw lexer.mismatch("an integer", at: pos, depth: depth) }
        let (e, flags) = try lexer.scanNumber(start)
        switch JSONNumberParsing.parseInteger(base + start, e - start, flags, as: T.self) {
        case .value(let v):
            pos = e
            return v
        case .notIntegral:
            throw JSONCodingError(path: "$", byteOffset: start,
                                  reason: "expected an integer, found a number with a fractional part")
        case .outOfRange:
            throw JSONCodingError(path: "$", byteOffset: start, reason: "integer out of range for \(T.self)")
        }
    }

    /// Reads a number as a `Double`.
    ///
    /// ```swift
    /// case "price": price = try r.readDouble()
    /// ```
    ///
    /// - Throws: ``JSONCodingError`` if the value is not a number, overflows `Double`, or is malformed.
    public mutating func readDouble() throws(JSONCodingError) -> Double {
        // One pass for plain decimals (no exponent, at most 15 significant digits), computing
        // exactly what `JSONNumberParsing.parseDouble` computes; anything else takes the
        // general path.
        let start = pos
        var i = start
        guard i < end else { return try readDoubleSlow() }
        let negative = base[i] == 0x2D
        if negative { i &+= 1 }
        guard i < end, base[i] &- 0x30 < 10 else { return try readDoubleSlow() }
        var m: UInt64 = 0
        var significant = 0
        var fractionDigits = 0
        if base[i] == 0x30 {
            i &+= 1
            if i < end && base[i] &- 0x30 < 10 { return try readDoubleSlow() }
        } else {
            while i < end {
                let d = base[i] &- 0x30
                if d >= 10 { break }
                m = m &* 10 &+ UInt64(d)
                significant &+= 1
                i &+= 1
            }
        }
        if i < end && base[i] == 0x2E {
            i &+= 1
            guard i < end && base[i] &- 0x30 < 10 else { return try readDoubleSlow() }
            while i < end {
                let d = base[i] &- 0x30
                if d >= 10 { break }
                m = m &* 10 &+ UInt64(d)
                if m != 0 { significant &+= 1 }
                fractionDigits &+= 1
                i &+= 1
            }
        }
        if (i < end && base[i] | 0x20 == 0x65) || significant > 15 || fractionDigits > 22 {
            return try readDoubleSlow()
        }
        pos = i
        if m == 0 { return negative ? -0.0 : 0.0 }
        var value = Double(Int64(bitPattern: m)) // m < 10^15: exact either way
        if fractionDigits > 0 { value /= JSONNumberParsing.powersOfTen[fractionDigits] }
        return negative ? -value : value
    }

    mutating func readDoubleSlow() throws(JSONCodingError) -> Double {
        let start = pos
        guard start < end && (base[start] == 0x2D || base[start] &- 0x30 < 10) else { throw lexer.mismatch("a number", at: pos, depth: depth) }
        let (e, _) = try lexer.scanNumber(start)
        guard let d = JSONNumberParsing.parseDouble(base + start, e - start) else {
            throw JSONCodingError(path: "$", byteOffset: start, reason: "number out of range for Double")
        }
        pos = e
        return d
    }

    /// Reads `true` or `false`.
    ///
    /// ```swift
    /// case "active": active = try r.readBool()
    /// ```
    ///
    /// - Throws: ``JSONCodingError`` if the value is not a boolean or is malformed.
    @inlinable
    public mutating func readBool() throws(JSONCodingError) -> Bool {
        let i = pos
        if i &+ 4 <= end {
            let w = UInt32(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt32.self))
            if w == 0x6575_7274 { // "true"
                pos = i &+ 4
                return true
            }
            if w == 0x736C_6166 && i &+ 5 <= end && base[i &+ 4] == 0x65 { // "false"
                pos = i &+ 5
                return false
            }
        }
        throw lexer.mismatch("a boolean", at: pos, depth: depth)
    }

    /// Reads a date written as an ISO-8601 string, accepting what the `Codable` path accepts:
    /// `Z` or a `±HH:MM`/`±HHMM` offset and optional fractional seconds.
    ///
    /// ```swift
    /// case "purchaseDate": purchaseDate = try r.readDate()
    /// ```
    ///
    /// - Throws: ``JSONCodingError`` if the value is not a string, not a valid ISO-8601 date,
    ///   or is malformed.
    public mutating func readDate() throws(JSONCodingError) -> Date {
        let q = pos
        guard q < end && base[q] == 0x22 else { throw lexer.mismatch("an ISO-8601 date string", at: pos, depth: depth) }
        let (e, escaped) = try lexer.scanString(q)
        let date: Date?
        if !escaped {
            date = ISO8601.parseCanonical(base + (q + 1), e - q - 1) ?? ISO8601.parse(base + (q + 1), e - q - 1)
        } else {
            var s = JSONBytes.unescape(base + (q + 1), e - q - 1)
            date = s.withUTF8 { $0.count == 0 ? nil : ISO8601.parse($0.baseAddress!, $0.count) }
        }
        guard let date else { throw JSONCodingError(path: "$", byteOffset: q, reason: "not a valid ISO-8601 date") }
        pos = e + 1
        return date
    }

    /// Reads `null` if it is the value at the current position.
    ///
    /// Use it for optionals, as `decodeIfPresent` does:
    ///
    /// ```swift
    /// case "zip": zip = try r.readNull() ? nil : r.readString()
    /// ```
    ///
    /// - Returns: `true` (and consumes the value) if the value is `null`; `false` (consuming
    ///   nothing) otherwise.
    /// - Throws: ``JSONCodingError`` if the value starts like `null` but is malformed.
    @inlinable
    public mutating func readNull() throws(JSONCodingError) -> Bool {
        let i = pos
        guard i < end && base[i] == 0x6E else { return false }
        guard i &+ 4 <= end
                && UInt32(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt32.self)) == 0x6C6C_756E
        else { throw Self.syntax("invalid literal", i) }
        pos = i &+ 4
        return true
    }

    /// Reads a value of any ``FastJSONCodable`` type (its ``FastJSONCodable/init(readingJSON:)``).
    ///
    /// ```swift
    /// case "address": address = try r.read(Address.self)
    /// ```
    ///
    /// - Throws: ``JSONCodingError`` from the type's `init(readingJSON:)`.
    @inlinable
    public mutating func read<T: FastJSONCodable>(_ type: T.Type = T.self) throws(JSONCodingError) -> T {
        try T(readingJSON: &self)
    }

    /// Skips the value at the current position, validating it completely.
    ///
    /// ```swift
    /// default: try r.skipValue()
    /// ```
    ///
    /// - Throws: ``JSONCodingError`` if the value is malformed or nested too deeply.
    public mutating func skipValue() throws(JSONCodingError) {
        try skipImpl()
    }

    /// The error to throw for a required member that the object just read did not contain.
    ///
    /// Its reason is `missing key 'name'`, its path the object's path plus the key, and its
    /// byte offset the start of the object (call it right after ``readObject(_:)``).
    ///
    /// ```swift
    /// guard let quantity else { throw reader.missing("quantity") }
    /// ```
    ///
    /// - Parameter key: The key, as declared by the type.
    public func missing(_ key: StaticString) -> JSONCodingError {
        invalid(key, "missing key '\(key.withUTF8Buffer { String(decoding: $0, as: UTF8.self) })'")
    }

    /// The error to throw for a member whose value was read but breaks a rule of the type, for
    /// example an amount that overflows.
    ///
    /// Its path is the object's path plus the key, its byte offset the start of the object (call
    /// it right after ``readObject(_:)``), and its reason the one given, which must not quote the
    /// value: errors are logged, and values may be personal data.
    ///
    /// ```swift
    /// guard quantity > 0 else { throw reader.invalid("quantity", "must be positive") }
    /// ```
    ///
    /// - Parameters:
    ///   - key: The key, as declared by the type.
    ///   - reason: What is wrong with the value.
    public func invalid(_ key: StaticString, _ reason: String) -> JSONCodingError {
        let name = key.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
        return JSONCodingError(path: "$" + JSONPathRenderer.declaredComponent(name), byteOffset: lastObjectStart,
                               reason: reason)
    }

    // MARK: documents

    /// Reads the root value with `read`, then requires the end of the document.
    @inlinable
    static func readDocument<T: FastJSONCodable>(_ type: T.Type, _ base: UnsafePointer<UInt8>,
                                                 _ count: Int) throws(JSONCodingError) -> T {
        var reader = JSONReader(base: base, count: count)
        reader.skipWhitespace()
        let start = reader.pos
        do throws(JSONCodingError) {
            let value = try T(readingJSON: &reader)
            if reader.pos == start { try reader.skipImpl() }
            reader.skipWhitespace()
            if reader.pos != count { throw syntax("trailing characters after the JSON value", reader.pos) }
            return value
        } catch {
            throw documentError(error, base, count)
        }
    }

    /// Reconciles an error with the validity of the whole document: as in the `Codable` path,
    /// malformed input (anywhere in the document) takes precedence over other errors.
    @usableFromInline @inline(never)
    static func documentError(_ original: JSONCodingError, _ base: UnsafePointer<UInt8>, _ count: Int) -> JSONCodingError {
        var v = JSONReader(base: base, count: count)
        v.skipWhitespace()
        do throws(JSONCodingError) {
            try v.skipImpl()
            v.skipWhitespace()
            if v.pos != count { throw syntax("trailing characters after the JSON value", v.pos) }
        } catch {
            // The same failure found by the reading pass has the more precise path.
            if original.byteOffset == error.byteOffset && original.reason == error.reason { return original }
            return error
        }
        return original
    }
}

/// The lexical layer of ``JSONReader``: validation of strings, numbers and literals, and
/// validating skips. Two words, passed in registers.
@usableFromInline
struct JSONLexer {
    @usableFromInline let base: UnsafePointer<UInt8>
    @usableFromInline let end: Int

    @inlinable
    init(base: UnsafePointer<UInt8>, end: Int) {
        self.base = base
        self.end = end
    }

    @inlinable @inline(__always)
    func whitespaceEnd(_ from: Int) -> Int {
        var k = from
        while k < end {
            let c = base[k]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { k &+= 1 } else { break }
        }
        return k
    }

    /// The error for a value at `pos` that is not of the `expected` kind; the syntax error
    /// instead if the value is malformed (malformed input takes precedence).
    @usableFromInline @inline(never)
    func mismatch(_ expected: String, at pos: Int, depth: Int) -> JSONCodingError {
        do {
            _ = try skipValue(at: pos, depth: depth)
        } catch {
            return error
        }
        let found: String
        switch base[pos] {
        case 0x22: found = "a string"
        case 0x7B: found = "an object"
        case 0x5B: found = "an array"
        case 0x74, 0x66: found = "a boolean"
        case 0x6E: found = "null"
        default: found = "a number"
        }
        return JSONCodingError(path: "$", byteOffset: pos, reason: "expected \(expected), found \(found)")
    }

    // MARK: lexing (shared by reading and skipping)

    /// Validates the string whose opening quote is at `quote`; returns the index of its
    /// closing quote and whether it contains escapes.
    @inlinable @inline(__always)
    func scanString(_ quote: Int) throws(JSONCodingError) -> (end: Int, escaped: Bool) {
        try scanString(quote, from: quote &+ 1)
    }

    /// ``scanString(_:)`` continuing at `from` (the bytes from `quote + 1` are plain ASCII).
    @inlinable @inline(__always)
    func scanString(_ quote: Int, from: Int) throws(JSONCodingError) -> (end: Int, escaped: Bool) {
        var p = base + from
        let last = base + (end &- 8) // the last position at which eight bytes can be loaded
        while p <= last {
            let mask = JSONBytes.specialMask(JSONBytes.load(p))
            if mask != 0 {
                p += mask.trailingZeroBitCount &>> 3
                let j = p - base
                if p.pointee == 0x22 { return (j, false) }
                return try scanStringSlow(quote, j)
            }
            p += 8
        }
        var j = p - base
        while j < end {
            let c = base[j]
            if c == 0x22 { return (j, false) }
            if c == 0x5C || c >= 0x80 || c < 0x20 { break }
            j &+= 1
        }
        return try scanStringSlow(quote, j)
    }

    /// ``scanString(_:)`` for keys, which are short: sixteen bytes per step, so that most keys
    /// take a single step.
    @inlinable @inline(__always)
    func scanKey(_ quote: Int) throws(JSONCodingError) -> (end: Int, escaped: Bool) {
        var p = base + (quote &+ 1)
        let last = base + (end &- 16)
        while p <= last {
            let m0 = JSONBytes.specialMask(JSONBytes.load(p))
            let m1 = JSONBytes.specialMask(JSONBytes.load(p + 8))
            if m0 | m1 != 0 {
                p += m0 != 0 ? m0.trailingZeroBitCount &>> 3 : 8 &+ m1.trailingZeroBitCount &>> 3
                let j = p - base
                if p.pointee == 0x22 { return (j, false) }
                return try scanStringSlow(quote, j)
            }
            p += 16
        }
        return try scanString(quote, from: p - base)
    }

    /// The rest of ``scanString(_:)`` from the first byte at `from` that is not plain ASCII.
    @usableFromInline
    func scanStringSlow(_ quote: Int, _ from: Int) throws(JSONCodingError) -> (end: Int, escaped: Bool) {
        var j = from
        var escaped = false
        while true {
            while j &+ 8 <= end {
                let mask = JSONBytes.specialMask(JSONBytes.load(base + j))
                if mask != 0 {
                    j &+= mask.trailingZeroBitCount &>> 3
                    break
                }
                j &+= 8
            }
            guard j < end else { throw JSONReader.syntax("unterminated string", quote) }
            let c = base[j]
            if c == 0x22 { return (j, escaped) }
            if c == 0x5C {
                escaped = true
                j = try validateEscape(at: j)
            } else if c >= 0x80 {
                guard let next = validateUTF8(at: j) else { throw JSONReader.syntax("invalid UTF-8", j) }
                j = next
            } else if c < 0x20 {
                throw JSONReader.syntax("control character in string", j)
            } else {
                j &+= 1
            }
        }
    }

    func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x30...0x39: return UInt32(c - 0x30)
        case 0x41...0x46: return UInt32(c - 0x41 + 10)
        case 0x61...0x66: return UInt32(c - 0x61 + 10)
        default: return nil
        }
    }

    func hex4(at k: Int) -> UInt32? {
        guard k + 4 <= end else { return nil }
        guard let a = hexValue(base[k]), let b = hexValue(base[k + 1]), let c = hexValue(base[k + 2]),
              let d = hexValue(base[k + 3]) else { return nil }
        return a << 12 | b << 8 | c << 4 | d
    }

    /// Validates the escape starting at the backslash at `j`; returns the index after it.
    func validateEscape(at j: Int) throws(JSONCodingError) -> Int {
        guard j + 1 < end else { throw JSONReader.syntax("unterminated string", j) }
        switch base[j + 1] {
        case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
            return j + 2
        case 0x75: // u
            guard let u = hex4(at: j + 2) else {
                throw JSONReader.syntax("invalid \\u escape, expected 4 hexadecimal digits", j)
            }
            if u >= 0xD800 && u <= 0xDBFF {
                guard j + 7 < end, base[j + 6] == 0x5C, base[j + 7] == 0x75,
                      let low = hex4(at: j + 8), low >= 0xDC00 && low <= 0xDFFF else {
                    throw JSONReader.syntax("invalid \\u escape: lone surrogate", j)
                }
                return j + 12
            }
            if u >= 0xDC00 && u <= 0xDFFF { throw JSONReader.syntax("invalid \\u escape: lone surrogate", j) }
            return j + 6
        default:
            throw JSONReader.syntax("invalid escape sequence", j)
        }
    }

    /// Validates one UTF-8 sequence with lead byte at `j` (>= 0x80); returns the index after it.
    func validateUTF8(at j: Int) -> Int? {
        let c = base[j]
        func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            k < end && base[k] >= lo && base[k] <= hi
        }
        switch c {
        case 0xC2...0xDF: return cont(j + 1) ? j + 2 : nil
        case 0xE0: return cont(j + 1, 0xA0) && cont(j + 2) ? j + 3 : nil
        case 0xED: return cont(j + 1, 0x80, 0x9F) && cont(j + 2) ? j + 3 : nil
        case 0xE1...0xEF: return cont(j + 1) && cont(j + 2) ? j + 3 : nil
        case 0xF0: return cont(j + 1, 0x90) && cont(j + 2) && cont(j + 3) ? j + 4 : nil
        case 0xF1...0xF3: return cont(j + 1) && cont(j + 2) && cont(j + 3) ? j + 4 : nil
        case 0xF4: return cont(j + 1, 0x80, 0x8F) && cont(j + 2) && cont(j + 3) ? j + 4 : nil
        default: return nil
        }
    }

    func isDigit(_ k: Int) -> Bool { k < end && base[k] &- 0x30 < 10 }

    /// Validates the number starting at `start` (a `-` or a digit); returns its end and
    /// ``JSONToken`` number flags.
    @usableFromInline
    func scanNumber(_ start: Int) throws(JSONCodingError) -> (end: Int, flags: UInt8) {
        var k = start
        var flags: UInt8 = 0
        if base[k] == 0x2D {
            flags |= JSONToken.numberNegative
            k += 1
        }
        guard isDigit(k) else { throw JSONReader.syntax("invalid number, expected a digit", k) }
        if base[k] == 0x30 {
            k += 1
            if isDigit(k) { throw JSONReader.syntax("invalid number, leading zero", start) }
        } else {
            while isDigit(k) { k += 1 }
        }
        if k < end && base[k] == 0x2E {
            k += 1
            guard isDigit(k) else { throw JSONReader.syntax("invalid number, expected a digit after the decimal point", k) }
            while isDigit(k) { k += 1 }
            flags |= JSONToken.numberHasFraction
        }
        if k < end && (base[k] | 0x20) == 0x65 {
            k += 1
            if k < end && (base[k] == 0x2B || base[k] == 0x2D) { k += 1 }
            guard isDigit(k) else { throw JSONReader.syntax("invalid number, expected a digit in the exponent", k) }
            while isDigit(k) { k += 1 }
            flags |= JSONToken.numberHasExponent
        }
        return (k, flags)
    }

    /// Validates `true`, `false` or `null` at `i`; returns the index after it.
    func scanLiteral(_ i: Int) throws(JSONCodingError) -> Int {
        let word: [UInt8]
        switch base[i] {
        case 0x74: word = [0x74, 0x72, 0x75, 0x65]
        case 0x66: word = [0x66, 0x61, 0x6C, 0x73, 0x65]
        default: word = [0x6E, 0x75, 0x6C, 0x6C]
        }
        guard i + word.count <= end else { throw JSONReader.syntax("invalid literal", i) }
        for (k, c) in word.enumerated() where base[i + k] != c {
            throw JSONReader.syntax("invalid literal", i)
        }
        return i + word.count
    }

    /// Validates the value at `i` (with `depth` containers open); returns the index after it.
    func skipValue(at i: Int, depth: Int) throws(JSONCodingError) -> Int {
        guard i < end else { throw JSONReader.syntax("unexpected end of input, expected a value", i) }
        switch base[i] {
        case 0x22:
            return try scanString(i).end + 1
        case 0x2D, 0x30...0x39:
            return try scanNumber(i).end
        case 0x74, 0x66, 0x6E:
            return try scanLiteral(i)
        case 0x7B:
            guard depth < JSONReader.maxDepth else { throw JSONReader.nestingError(i) }
            var k = whitespaceEnd(i + 1)
            if k < end && base[k] == 0x7D { return k + 1 }
            while true {
                guard k < end && base[k] == 0x22 else { throw JSONReader.keyError(k, end: end) }
                k = whitespaceEnd(try scanString(k).end + 1)
                guard k < end && base[k] == 0x3A else { throw JSONReader.colonError(k, end: end) }
                k = whitespaceEnd(try skipValue(at: whitespaceEnd(k + 1), depth: depth + 1))
                guard k < end else { throw JSONReader.afterMemberError(k, end: end) }
                if base[k] == 0x2C {
                    k = whitespaceEnd(k + 1)
                } else if base[k] == 0x7D {
                    return k + 1
                } else {
                    throw JSONReader.afterMemberError(k, end: end)
                }
            }
        case 0x5B:
            guard depth < JSONReader.maxDepth else { throw JSONReader.nestingError(i) }
            var k = whitespaceEnd(i + 1)
            if k < end && base[k] == 0x5D { return k + 1 }
            while true {
                k = whitespaceEnd(try skipValue(at: k, depth: depth + 1))
                guard k < end else { throw JSONReader.afterElementError(k, end: end) }
                if base[k] == 0x2C {
                    k = whitespaceEnd(k + 1)
                } else if base[k] == 0x5D {
                    return k + 1
                } else {
                    throw JSONReader.afterElementError(k, end: end)
                }
            }
        default:
            throw JSONReader.syntax("unexpected character, expected a value", i)
        }
    }

}

/// The key of an object member, as passed to the body of ``JSONReader/readObject(_:)``.
///
/// Match it against string literals in a `switch` (the comparison is on UTF-8 bytes, length
/// first, and handles escaped keys):
///
/// ```swift
/// try reader.readObject { key, r in
///     switch key {
///     case "firstName": firstName = try r.readString()
///     default: try r.skipValue()
///     }
/// }
/// ```
///
/// A key refers to the decoder's input and is valid only during the body call.
/// Matching marks the member as declared by the type, so its key may appear in error paths;
/// keys that are never matched appear as `.*`.
public struct JSONKey: Equatable {
    @usableFromInline let start: UnsafePointer<UInt8>
    /// The byte count of the raw key; `~count` if it contains escapes.
    @usableFromInline let rawCount: Int
    @usableFromInline let matched: UnsafeMutablePointer<Bool>?

    @inlinable
    init(start: UnsafePointer<UInt8>, rawCount: Int, matched: UnsafeMutablePointer<Bool>?) {
        self.start = start
        self.rawCount = rawCount
        self.matched = matched
    }

    /// Whether the key equals `pattern` (compared as UTF-8 bytes, after unescaping).
    ///
    /// ```swift
    /// switch key { case "quantity": quantity = try r.readInt(); default: break }
    /// ```
    @inlinable @inline(__always)
    public static func ~= (pattern: StaticString, key: JSONKey) -> Bool {
        key == pattern
    }

    /// Whether the key equals `literal` (compared as UTF-8 bytes, after unescaping).
    ///
    /// ```swift
    /// if key == "quantity" { quantity = try r.readInt() }
    /// ```
    @inlinable @inline(__always)
    public static func == (key: JSONKey, literal: StaticString) -> Bool {
        guard literal.hasPointerRepresentation else { return key.equalsScalar(literal) }
        let n = literal.utf8CodeUnitCount
        if key.rawCount == n {
            guard JSONBytes.equal(key.start, literal.utf8Start, n) else { return false }
        } else if key.rawCount >= 0 || !key.unescapedEquals(literal) {
            return false
        }
        key.matched?.pointee = true
        return true
    }

    @usableFromInline
    func equalsScalar(_ literal: StaticString) -> Bool {
        guard literal.withUTF8Buffer({ stringValue.utf8.elementsEqual($0) }) else { return false }
        matched?.pointee = true
        return true
    }

    @usableFromInline
    func unescapedEquals(_ literal: StaticString) -> Bool {
        literal.withUTF8Buffer { stringValue.utf8.elementsEqual($0) }
    }

    /// Whether two keys are equal (compared as UTF-8 bytes, after unescaping).
    ///
    /// ```swift
    /// func sameKey(_ a: JSONKey, _ b: JSONKey) -> Bool { a == b }
    /// ```
    public static func == (a: JSONKey, b: JSONKey) -> Bool {
        if a.rawCount >= 0 && b.rawCount >= 0 {
            return a.rawCount == b.rawCount && JSONBytes.equal(a.start, b.start, a.rawCount)
        }
        return Array(a.stringValue.utf8) == Array(b.stringValue.utf8)
    }

    /// The key as a `String` (unescaped), for types whose keys are data, such as dictionaries.
    ///
    /// ```swift
    /// try reader.readObject { key, r in counts[key.stringValue] = try r.readInt() }
    /// ```
    ///
    /// Unlike matching with a pattern, reading `stringValue` does not let the key appear in
    /// error paths.
    public var stringValue: String {
        if rawCount >= 0 {
            return String(decoding: UnsafeBufferPointer(start: start, count: rawCount), as: UTF8.self)
        }
        return JSONBytes.unescape(start, ~rawCount)
    }
}
