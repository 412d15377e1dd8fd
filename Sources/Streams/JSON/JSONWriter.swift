import Foundation

/// Writes compact JSON into an internal byte buffer, for ``FastJSONCodable`` conformances.
///
/// The output is byte-identical to what ``FastJSONEncoder``'s `Codable` path writes for the
/// same value when a conformance writes the members in declaration order: the same number
/// formatting, date format (ISO-8601 UTC, milliseconds only when non-zero), string escaping,
/// and omission of `nil` optionals. Commas between members and elements are inserted by the
/// writer.
///
/// ```swift
/// func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
///     writer.beginObject()
///     writer.field("name", name)
///     writer.field("quantity", quantity)
///     try writer.field("price", price)
///     writer.field("note", note)          // String?: omitted when nil
///     writer.endObject()
/// }
/// ```
///
/// To encode many values with one buffer, reuse a writer:
///
/// ```swift
/// var writer = JSONWriter(capacity: 512)
/// for purchase in purchases {
///     writer.removeAll()
///     try purchase.writeJSON(to: &writer)
///     send(writer.bytes)
/// }
/// ```
///
/// Keys are `StaticString`s written as they are: they must not contain characters that need
/// escaping in JSON (`"`, `\` or control characters), which is checked by an assertion in
/// debug builds. After a method throws, the writer's content is unspecified: call
/// ``removeAll()`` before reusing it.
///
/// A writer owns its buffer and cannot be copied (it is `~Copyable`); pass it `inout`.
public struct JSONWriter: ~Copyable {
    /// The buffer: `capacity` bytes, of which the first `used` are written.
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int
    @usableFromInline var used: Int
    /// Whether `base` was allocated by the writer (rather than lent by the encoder).
    @usableFromInline var ownsBase: Bool
    /// Whether the next member or element must be preceded by a comma.
    @usableFromInline var needsComma: Bool

    /// Creates a writer with room for `capacity` bytes before it needs to grow.
    ///
    /// ```swift
    /// var writer = JSONWriter(capacity: 1024)
    /// ```
    public init(capacity: Int = 256) {
        let n = Swift.max(capacity, 16)
        base = UnsafeMutablePointer<UInt8>.allocate(capacity: n)
        self.capacity = n
        used = 0
        ownsBase = true
        needsComma = false
    }

    /// A writer starting in `scratch` (owned by the caller, for example a stack allocation);
    /// it moves to the heap if it needs more room.
    @inlinable
    init(scratch: UnsafeMutableBufferPointer<UInt8>) {
        base = scratch.baseAddress!
        capacity = scratch.count
        used = 0
        ownsBase = false
        needsComma = false
    }

    deinit {
        if ownsBase { base.deallocate() }
    }

    /// The bytes written so far.
    ///
    /// ```swift
    /// let json = String(decoding: writer.bytes, as: UTF8.self)
    /// ```
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: used)) }

    /// The number of bytes written so far.
    ///
    /// ```swift
    /// let size = writer.count
    /// ```
    public var count: Int { used }

    /// Calls `body` with the bytes written so far, without copying them.
    ///
    /// ```swift
    /// writer.withUnsafeBytes { socket.send($0) }
    /// ```
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: used))
    }

    /// Removes everything written, keeping the buffer's capacity for reuse.
    ///
    /// ```swift
    /// writer.removeAll()
    /// ```
    public mutating func removeAll() {
        used = 0
        needsComma = false
    }

    /// Appends the bytes written to `buffer`.
    @inlinable
    func append(to buffer: inout [UInt8]) {
        buffer.append(contentsOf: UnsafeBufferPointer(start: base, count: used))
    }

    // MARK: buffer primitives

    @inlinable @inline(__always)
    mutating func reserve(_ n: Int) {
        if _slowPath(used &+ n > capacity) { grow(n) }
    }

    @usableFromInline @inline(never)
    mutating func grow(_ n: Int) {
        let newCapacity = Swift.max(capacity &* 2, used &+ n)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: used)
        if ownsBase { base.deallocate() }
        base = newBase
        capacity = newCapacity
        ownsBase = true
    }

    /// The first unwritten byte (the caller reserved enough room).
    @inlinable @inline(__always)
    var tail: UnsafeMutablePointer<UInt8> { base + used }

    @inlinable @inline(__always)
    mutating func put(_ byte: UInt8) {
        reserve(1)
        base[used] = byte
        used &+= 1
    }

    /// A comma if one is needed before the next value.
    @inlinable @inline(__always)
    mutating func separator() {
        if needsComma { put(0x2C) }
    }

    /// Writes `[,]"key":`.
    @inlinable @inline(__always)
    mutating func writeKey(_ key: StaticString) {
        assert(Self.isPlainKey(key), "JSONWriter keys must not contain characters that need escaping")
        if _slowPath(!key.hasPointerRepresentation) { return writeKeySlow(key) }
        let n = key.utf8CodeUnitCount
        reserve(n &+ 4)
        var o = tail
        if needsComma {
            o[0] = 0x2C
            o += 1
        }
        o[0] = 0x22
        JSONBytes.copy(o + 1, key.utf8Start, n)
        o[n &+ 1] = 0x22
        o[n &+ 2] = 0x3A
        used = (o - base) &+ n &+ 3
        needsComma = true
    }

    @usableFromInline @inline(never)
    mutating func writeKeySlow(_ key: StaticString) {
        separator()
        key.withUTF8Buffer { k in
            put(0x22)
            for c in k { put(c) }
            put(0x22)
            put(0x3A)
        }
        needsComma = true
    }

    @usableFromInline
    static func isPlainKey(_ key: StaticString) -> Bool {
        key.withUTF8Buffer { !$0.contains(where: JSONBytes.needsEscape) }
    }

    @inlinable @inline(__always)
    mutating func putString(_ string: String) {
        if let _: Void = string.utf8.withContiguousStorageIfAvailable({ putEscaped($0) }) { return }
        var copy = string
        copy.withUTF8 { putEscaped($0) }
    }

    /// Writes a quoted string; plain strings are copied eight bytes at a time.
    @inlinable @inline(__always)
    mutating func putEscaped(_ src: UnsafeBufferPointer<UInt8>) {
        let n = src.count
        reserve(n &+ 2)
        let p = tail
        p[0] = 0x22
        if n > 0 {
            let s = src.baseAddress!
            let d = UnsafeMutableRawPointer(p + 1)
            if n >= 8 {
                var i = 0
                while i &+ 8 <= n {
                    let w = UnsafeRawPointer(s + i).loadUnaligned(as: UInt64.self)
                    if JSONBytes.escapeMask(w) != 0 { return putEscapedSlow(src) }
                    d.storeBytes(of: w, toByteOffset: i, as: UInt64.self)
                    i &+= 8
                }
                if i < n {
                    let w = UnsafeRawPointer(s + (n &- 8)).loadUnaligned(as: UInt64.self)
                    if JSONBytes.escapeMask(w) != 0 { return putEscapedSlow(src) }
                    d.storeBytes(of: w, toByteOffset: n &- 8, as: UInt64.self)
                }
            } else {
                var i = 0
                while i < n {
                    let c = s[i]
                    if JSONBytes.needsEscape(c) { return putEscapedSlow(src) }
                    p[i &+ 1] = c
                    i &+= 1
                }
            }
        }
        p[n &+ 1] = 0x22
        used &+= n &+ 2
    }

    /// Writes a quoted string that needs escapes (exactly as the `Codable` path does).
    @usableFromInline @inline(never)
    mutating func putEscapedSlow(_ src: UnsafeBufferPointer<UInt8>) {
        let n = src.count
        reserve(n &* 6 &+ 2)
        let s = src.baseAddress!
        let p = tail
        var o = 0
        p[o] = 0x22
        o += 1
        for i in 0..<n {
            let c = s[i]
            if !JSONBytes.needsEscape(c) {
                p[o] = c
                o += 1
                continue
            }
            p[o] = 0x5C
            switch c {
            case 0x22, 0x5C: p[o + 1] = c
            case 0x0A: p[o + 1] = 0x6E
            case 0x0D: p[o + 1] = 0x72
            case 0x09: p[o + 1] = 0x74
            case 0x08: p[o + 1] = 0x62
            case 0x0C: p[o + 1] = 0x66
            default:
                let hex: StaticString = "0123456789abcdef"
                let h = hex.utf8Start
                p[o + 1] = 0x75; p[o + 2] = 0x30; p[o + 3] = 0x30
                p[o + 4] = h[Int(c >> 4)]; p[o + 5] = h[Int(c & 0xF)]
                o += 4
            }
            o += 2
        }
        p[o] = 0x22
        used &+= o + 1
    }

    @usableFromInline
    mutating func putInt64(_ v: Int64) {
        reserve(21)
        used &+= JSONNumberFormatting.writeInteger(v, to: tail)
    }

    @usableFromInline
    mutating func putUInt64(_ v: UInt64) {
        reserve(21)
        used &+= JSONNumberFormatting.writeInteger(v, to: tail)
    }

    /// Writes a finite double (the caller checked).
    @usableFromInline
    mutating func putDouble(_ v: Double) {
        reserve(32)
        used &+= JSONNumberFormatting.writeDouble(v, to: tail) ?? 0
    }

    /// Writes a quoted ISO-8601 date; `false` (writing nothing) if outside the years 0...9999.
    @usableFromInline
    mutating func putDate(_ date: Date) -> Bool {
        reserve(ISO8601.maxLength &+ 2)
        let p = tail
        guard let n = ISO8601.format(date, into: p + 1) else { return false }
        p[0] = 0x22
        p[n &+ 1] = 0x22
        used &+= n &+ 2
        return true
    }

    @inlinable @inline(__always)
    mutating func putBool(_ v: Bool) {
        reserve(5)
        let p = tail
        if v {
            p[0] = 0x74; p[1] = 0x72; p[2] = 0x75; p[3] = 0x65
            used &+= 4
        } else {
            p[0] = 0x66; p[1] = 0x61; p[2] = 0x6C; p[3] = 0x73; p[4] = 0x65
            used &+= 5
        }
    }

    @inlinable @inline(__always)
    mutating func putNull() {
        reserve(4)
        let p = tail
        p[0] = 0x6E; p[1] = 0x75; p[2] = 0x6C; p[3] = 0x6C
        used &+= 4
    }

    @inlinable @inline(__always)
    mutating func putEmptyObject() {
        reserve(2)
        let p = tail
        p[0] = 0x7B; p[1] = 0x7D
        used &+= 2
    }

    @inlinable @inline(__always)
    mutating func putNested<T: FastJSONCodable>(_ value: T, member key: StaticString?) throws(JSONCodingError) {
        needsComma = false
        let mark = used
        do {
            try value.writeJSON(to: &self)
        } catch {
            if let key { throw error.prefixed(Self.component(key)) }
            throw error
        }
        if used == mark { putEmptyObject() }
        needsComma = true
    }

    // MARK: errors

    @usableFromInline
    static func component(_ key: StaticString) -> String {
        JSONPathRenderer.declaredComponent(key.withUTF8Buffer { String(decoding: $0, as: UTF8.self) })
    }

    @usableFromInline @inline(never)
    static func nonFinite(_ key: StaticString?) -> JSONCodingError {
        JSONCodingError(path: key.map { "$" + component($0) } ?? "$", byteOffset: nil,
                        reason: "non-finite floating-point value cannot be encoded in JSON")
    }

    @usableFromInline @inline(never)
    static func dateOutOfRange(_ key: StaticString?) -> JSONCodingError {
        JSONCodingError(path: key.map { "$" + component($0) } ?? "$", byteOffset: nil,
                        reason: "date outside the years 0000...9999 cannot be encoded as ISO-8601")
    }

    // MARK: containers

    /// Starts an object (`{`). Write its members with the `field` methods, then call ``endObject()``.
    ///
    /// ```swift
    /// writer.beginObject()
    /// writer.field("id", id)
    /// writer.endObject()
    /// ```
    @inlinable
    public mutating func beginObject() {
        separator()
        put(0x7B)
        needsComma = false
    }

    /// Ends the object started by ``beginObject()`` (`}`).
    ///
    /// ```swift
    /// writer.endObject()
    /// ```
    @inlinable
    public mutating func endObject() {
        put(0x7D)
        needsComma = true
    }

    /// Starts an array (`[`). Write its elements with the `value` methods, then call ``endArray()``.
    ///
    /// ```swift
    /// writer.beginArray()
    /// for tag in tags { writer.value(tag) }
    /// writer.endArray()
    /// ```
    @inlinable
    public mutating func beginArray() {
        separator()
        put(0x5B)
        needsComma = false
    }

    /// Ends the array started by ``beginArray()`` (`]`).
    ///
    /// ```swift
    /// writer.endArray()
    /// ```
    @inlinable
    public mutating func endArray() {
        put(0x5D)
        needsComma = true
    }

    // MARK: object members

    /// Writes a string member, escaping the string as needed.
    ///
    /// ```swift
    /// writer.field("firstName", firstName)
    /// ```
    @inlinable @inline(__always)
    public mutating func field(_ key: StaticString, _ value: String) {
        writeKey(key)
        putString(value)
    }

    /// Writes an integer member.
    ///
    /// ```swift
    /// writer.field("quantity", quantity)
    /// ```
    @inlinable @inline(__always)
    public mutating func field(_ key: StaticString, _ value: Int) {
        writeKey(key)
        putInt64(Int64(value))
    }

    /// Writes an integer member.
    ///
    /// ```swift
    /// writer.field("id", Int64(42))
    /// ```
    @inlinable @inline(__always)
    public mutating func field(_ key: StaticString, _ value: Int64) {
        writeKey(key)
        putInt64(value)
    }

    /// Writes an integer member.
    ///
    /// ```swift
    /// writer.field("count", Int32(7))
    /// ```
    @inlinable @inline(__always)
    public mutating func field(_ key: StaticString, _ value: Int32) {
        writeKey(key)
        putInt64(Int64(value))
    }

    /// Writes an integer member.
    ///
    /// ```swift
    /// writer.field("level", Int16(3))
    /// ```
    @inlinable @inline(__always)
    public mutating func field(_ key: StaticString, _ value: Int16) {
        writeKey(key)
        putInt64(Int64(value))
    }

    /// Writes an integer member.
    ///
    /// ```swift
    /// writer.field("flags", Int8(1))
    /// ```
    @inlinable @inline(__always)
    public mutating func field(_ key: StaticString, _ value: Int8) {
        writeKey(key)
        putInt64(Int64(value))
    }

    /// Writes an unsigned integer member.
    ///
    /// ```swift
    /// writer.field("size", UInt(10))
    /// ```
    @inlinable @inline(__always)
    public mutating func field(_ key: StaticString, _ value: UInt) {
        writeKey(key)
        putUInt64(UInt64(value))
    }

    /// Writes an unsigned integer member.
    ///
    /// ```swift
    /// writer.field("offset", UInt64(1) << 40)
    /// ```
    @inlinable @inline(__always)
    public mutating func field(_ key: StaticString, _ value: UInt64) {
        writeKey(key)
        putUInt64(value)
    }

    /// Writes an unsigned integer member.
    ///
    /// ```swift
    /// writer.field("crc", UInt32(0xDEADBEEF))
    /// ```
    @inlinable @inline(__always)
    public mutating func field(_ key: StaticString, _ value: UInt32) {
        writeKey(key)
        putUInt64(UInt64(value))
    }

    /// Writes an unsigned integer member.
    ///
    /// ```swift
    /// writer.field("port", UInt16(8080))
    /// ```
    @inlinable @inline(__always)
    public mutating func field(_ key: StaticString, _ value: UInt16) {
        writeKey(key)
        putUInt64(UInt64(value))
    }

    /// Writes an unsigned integer member.
    ///
    /// ```swift
    /// writer.field("byte", UInt8(255))
    /// ```
    @inlinable @inline(__always)
    public mutating func field(_ key: StaticString, _ value: UInt8) {
        writeKey(key)
        putUInt64(UInt64(value))
    }

    /// Writes a boolean member.
    ///
    /// ```swift
    /// writer.field("active", true)
    /// ```
    @inlinable @inline(__always)
    public mutating func field(_ key: StaticString, _ value: Bool) {
        writeKey(key)
        putBool(value)
    }

    /// Writes a number member, in the shortest form that reads back as the same `Double`.
    ///
    /// ```swift
    /// try writer.field("price", price)
    /// ```
    ///
    /// - Throws: ``JSONCodingError`` (with the key in its path) if `value` is infinite or NaN;
    ///   nothing is written then.
    @inlinable @inline(__always)
    public mutating func field(_ key: StaticString, _ value: Double) throws(JSONCodingError) {
        guard value.isFinite else { throw Self.nonFinite(key) }
        writeKey(key)
        putDouble(value)
    }

    /// Writes a date member as an ISO-8601 UTC string, with milliseconds only when non-zero
    /// (`"2026-11-25T13:10:44Z"`, `"2026-11-25T13:10:44.123Z"`), as the `Codable` path does.
    ///
    /// ```swift
    /// try writer.field("purchaseDate", purchaseDate)
    /// ```
    ///
    /// - Throws: ``JSONCodingError`` (with the key in its path) if the date is outside the
    ///   years 0000...9999; nothing is written then.
    @inlinable @inline(__always)
    public mutating func field(_ key: StaticString, _ value: Date) throws(JSONCodingError) {
        let mark = used, comma = needsComma
        writeKey(key)
        if !putDate(value) {
            used = mark
            needsComma = comma
            throw Self.dateOutOfRange(key)
        }
    }

    /// Writes a member whose value is any ``FastJSONCodable`` type (nested objects, arrays).
    ///
    /// ```swift
    /// try writer.field("address", address)
    /// try writer.field("items", items)      // [LineItem]
    /// ```
    ///
    /// - Throws: ``JSONCodingError`` from the value's `writeJSON(to:)`, with the key added to its path.
    @inlinable
    public mutating func field<T: FastJSONCodable>(_ key: StaticString, _ value: T) throws(JSONCodingError) {
        writeKey(key)
        try putNested(value, member: key)
    }

    /// Writes a `null` member.
    ///
    /// ```swift
    /// writer.fieldNull("deletedAt")
    /// ```
    @inlinable
    public mutating func fieldNull(_ key: StaticString) {
        writeKey(key)
        putNull()
    }

    // MARK: optional members (nil omits the member, as `encodeIfPresent` does)

    /// Writes a string member, or nothing if `value` is `nil` (as `encodeIfPresent` does).
    ///
    /// ```swift
    /// writer.field("zip", zip)   // zip: String?
    /// ```
    @inlinable @inline(__always)
    public mutating func field(_ key: StaticString, _ value: String?) {
        if let value { field(key, value) }
    }

    /// Writes an integer member, or nothing if `value` is `nil`.
    ///
    /// ```swift
    /// writer.field("limit", limit)   // limit: Int?
    /// ```
    @inlinable @inline(__always)
    public mutating func field(_ key: StaticString, _ value: Int?) {
        if let value { field(key, value) }
    }

    /// Writes an integer member, or nothing if `value` is `nil`.
    ///
    /// ```swift
    /// writer.field("id", id)   // id: Int64?
    /// ```
    @inlinable @inline(__always)
    public mutating func field(_ key: StaticString, _ value: Int64?) {
        if let value { field(key, value) }
    }

    /// Writes an integer member, or nothing if `value` is `nil`.
    ///
    /// ```swift
    /// writer.field("count", count)   // count: Int32?
    /// ```
    @inlinable @inline(__always)
    public mutating func field(_ key: StaticString, _ value: Int32?) {
        if let value { field(key, value) }
    }

    /// Writes an unsigned integer member, or nothing if `value` is `nil`.
    ///
    /// ```swift
    /// writer.field("offset", offset)   // offset: UInt64?
    /// ```
    @inlinable @inline(__always)
    public mutating func field(_ key: StaticString, _ value: UInt64?) {
        if let value { field(key, value) }
    }

    /// Writes a boolean member, or nothing if `value` is `nil`.
    ///
    /// ```swift
    /// writer.field("gift", gift)   // gift: Bool?
    /// ```
    @inlinable @inline(__always)
    public mutating func field(_ key: StaticString, _ value: Bool?) {
        if let value { field(key, value) }
    }

    /// Writes a number member, or nothing if `value` is `nil`.
    ///
    /// ```swift
    /// try writer.field("discount", discount)   // discount: Double?
    /// ```
    ///
    /// - Throws: ``JSONCodingError`` if `value` is infinite or NaN.
    @inlinable @inline(__always)
    public mutating func field(_ key: StaticString, _ value: Double?) throws(JSONCodingError) {
        if let value { try field(key, value) }
    }

    /// Writes a date member, or nothing if `value` is `nil`.
    ///
    /// ```swift
    /// try writer.field("shippedAt", shippedAt)   // shippedAt: Date?
    /// ```
    ///
    /// - Throws: ``JSONCodingError`` if the date is outside the years 0000...9999.
    @inlinable @inline(__always)
    public mutating func field(_ key: StaticString, _ value: Date?) throws(JSONCodingError) {
        if let value { try field(key, value) }
    }

    /// Writes a member of any ``FastJSONCodable`` type, or nothing if `value` is `nil`.
    ///
    /// ```swift
    /// try writer.field("shipping", shipping)   // shipping: Address?
    /// ```
    ///
    /// - Throws: ``JSONCodingError`` from the value's `writeJSON(to:)`.
    @inlinable
    public mutating func field<T: FastJSONCodable>(_ key: StaticString, _ value: T?) throws(JSONCodingError) {
        if let value { try field(key, value) }
    }

    // MARK: array elements and top-level values

    /// Writes a string as an array element or top-level value.
    ///
    /// ```swift
    /// writer.value("tag")
    /// ```
    @inlinable @inline(__always)
    public mutating func value(_ v: String) {
        separator()
        putString(v)
        needsComma = true
    }

    /// Writes an integer as an array element or top-level value.
    ///
    /// ```swift
    /// writer.value(42)
    /// ```
    @inlinable @inline(__always)
    public mutating func value(_ v: Int) {
        separator()
        putInt64(Int64(v))
        needsComma = true
    }

    /// Writes an integer as an array element or top-level value.
    ///
    /// ```swift
    /// writer.value(Int64(42))
    /// ```
    @inlinable @inline(__always)
    public mutating func value(_ v: Int64) {
        separator()
        putInt64(v)
        needsComma = true
    }

    /// Writes an integer as an array element or top-level value.
    ///
    /// ```swift
    /// writer.value(Int32(42))
    /// ```
    @inlinable @inline(__always)
    public mutating func value(_ v: Int32) { value(Int64(v)) }

    /// Writes an integer as an array element or top-level value.
    ///
    /// ```swift
    /// writer.value(Int16(42))
    /// ```
    @inlinable @inline(__always)
    public mutating func value(_ v: Int16) { value(Int64(v)) }

    /// Writes an integer as an array element or top-level value.
    ///
    /// ```swift
    /// writer.value(Int8(42))
    /// ```
    @inlinable @inline(__always)
    public mutating func value(_ v: Int8) { value(Int64(v)) }

    /// Writes an unsigned integer as an array element or top-level value.
    ///
    /// ```swift
    /// writer.value(UInt64(42))
    /// ```
    @inlinable @inline(__always)
    public mutating func value(_ v: UInt64) {
        separator()
        putUInt64(v)
        needsComma = true
    }

    /// Writes an unsigned integer as an array element or top-level value.
    ///
    /// ```swift
    /// writer.value(UInt(42))
    /// ```
    @inlinable @inline(__always)
    public mutating func value(_ v: UInt) { value(UInt64(v)) }

    /// Writes an unsigned integer as an array element or top-level value.
    ///
    /// ```swift
    /// writer.value(UInt32(42))
    /// ```
    @inlinable @inline(__always)
    public mutating func value(_ v: UInt32) { value(UInt64(v)) }

    /// Writes an unsigned integer as an array element or top-level value.
    ///
    /// ```swift
    /// writer.value(UInt16(42))
    /// ```
    @inlinable @inline(__always)
    public mutating func value(_ v: UInt16) { value(UInt64(v)) }

    /// Writes an unsigned integer as an array element or top-level value.
    ///
    /// ```swift
    /// writer.value(UInt8(42))
    /// ```
    @inlinable @inline(__always)
    public mutating func value(_ v: UInt8) { value(UInt64(v)) }

    /// Writes a boolean as an array element or top-level value.
    ///
    /// ```swift
    /// writer.value(true)
    /// ```
    @inlinable @inline(__always)
    public mutating func value(_ v: Bool) {
        separator()
        putBool(v)
        needsComma = true
    }

    /// Writes a number as an array element or top-level value.
    ///
    /// ```swift
    /// try writer.value(2.5)
    /// ```
    ///
    /// - Throws: ``JSONCodingError`` if `v` is infinite or NaN; nothing is written then.
    @inlinable @inline(__always)
    public mutating func value(_ v: Double) throws(JSONCodingError) {
        guard v.isFinite else { throw Self.nonFinite(nil) }
        separator()
        putDouble(v)
        needsComma = true
    }

    /// Writes a date (ISO-8601 UTC string) as an array element or top-level value.
    ///
    /// ```swift
    /// try writer.value(Date())
    /// ```
    ///
    /// - Throws: ``JSONCodingError`` if the date is outside the years 0000...9999; nothing is
    ///   written then.
    @inlinable @inline(__always)
    public mutating func value(_ v: Date) throws(JSONCodingError) {
        let mark = used, comma = needsComma
        separator()
        if !putDate(v) {
            used = mark
            needsComma = comma
            throw Self.dateOutOfRange(nil)
        }
        needsComma = true
    }

    /// Writes any ``FastJSONCodable`` value as an array element or top-level value.
    ///
    /// ```swift
    /// writer.beginArray()
    /// for item in items { try writer.value(item) }
    /// writer.endArray()
    /// ```
    ///
    /// - Throws: ``JSONCodingError`` from the value's `writeJSON(to:)`.
    @inlinable
    public mutating func value<T: FastJSONCodable>(_ v: T) throws(JSONCodingError) {
        separator()
        try putNested(v, member: nil)
    }

    /// Writes `null` as an array element or top-level value.
    ///
    /// ```swift
    /// writer.null()
    /// ```
    @inlinable
    public mutating func null() {
        separator()
        putNull()
        needsComma = true
    }
}
