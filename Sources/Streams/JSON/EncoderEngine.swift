import Foundation

/// The encoding engine: all output and container bookkeeping, working on the state in the
/// header of a ``JSONEncoderImpl`` through a plain pointer (no reference counting or
/// exclusivity checks on the hot path).
struct EncoderEngine {
    let state: UnsafeMutablePointer<JSONEncoderState>

    // MARK: paths and errors

    func path(depth: Int, tail: Int) -> [any CodingKey] {
        let s = state
        var p = Array(s.pointee.codingPath.prefix(depth))
        if tail != 0 { p.append(contentsOf: s.pointee.tails[tail - 1]) }
        return p
    }

    /// Registers `tails[base] + [key]` and returns its index.
    func registerTail(_ base: Int, _ key: some CodingKey) -> Int {
        let s = state
        var t = base == 0 ? [] : s.pointee.tails[base - 1]
        t.append(key)
        s.pointee.tails.append(t)
        return s.pointee.tails.count
    }

    func error(_ reason: String, depth: Int, tail: Int, key: (any CodingKey)?) -> JSONCodingError {
        var p = path(depth: depth, tail: tail)
        if let key, !(key is JSONNoKey) { p.append(key) }
        return JSONCodingError(path: JSONPathRenderer.render(p), byteOffset: nil, reason: reason)
    }

    func record(_ e: JSONCodingError) {
        let s = state
        if s.pointee.deferredError == nil { s.pointee.deferredError = e }
    }

    // MARK: output buffer

    @inline(__always)
    func ensure(_ s: UnsafeMutablePointer<JSONEncoderState>, _ n: Int) {
        if s.pointee.count &+ n > s.pointee.capacity { grow(s, n) }
    }

    func grow(_ s: UnsafeMutablePointer<JSONEncoderState>, _ n: Int) {
        let newCapacity = Swift.max(s.pointee.capacity * 2, s.pointee.count + n)
        let newBytes = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBytes.update(from: s.pointee.bytes, count: s.pointee.count)
        if s.pointee.bytesOnHeap { s.pointee.bytes.deallocate() }
        s.pointee.bytes = newBytes
        s.pointee.capacity = newCapacity
        s.pointee.bytesOnHeap = true
    }

    @inline(__always)
    func put(_ b: UInt8) {
        let s = state
        ensure(s, 1)
        s.pointee.bytes[s.pointee.count] = b
        s.pointee.count &+= 1
    }

    @inline(__always)
    func put(_ a: UInt8, _ b: UInt8) {
        let s = state
        ensure(s, 2)
        let p = s.pointee.bytes + s.pointee.count
        p[0] = a
        p[1] = b
        s.pointee.count &+= 2
    }

    @inline(__always)
    func put(_ src: UnsafePointer<UInt8>, _ n: Int) {
        let s = state
        ensure(s, n)
        (s.pointee.bytes + s.pointee.count).update(from: src, count: n)
        s.pointee.count &+= n
    }

    // MARK: frames and slots

    @inline(__always)
    func slotIsCurrent(_ slot: JSONEncodingSlot) -> Bool {
        if slot.base == 0 { return true }
        let s = state
        let pi = slot.base - 1
        guard pi >= 0 && pi < s.pointee.frameCount else { return false }
        let f = s.pointee.frames[pi]
        return f.id == slot.parentID && f.count == slot.parentEntry
    }

    func closeFrames(to level: Int) {
        let s = state
        while s.pointee.frameCount > level {
            s.pointee.frameCount -= 1
            let f = s.pointee.frames[s.pointee.frameCount]
            if f.superPending { put(0x7B, 0x7D) }
            put(f.isObject ? 0x7D : 0x5D)
        }
    }

    /// Writes an opening bracket and pushes a frame; returns the new frame's id.
    @inline(__always)
    func pushFrame(object: Bool) -> UInt32 {
        put(object ? 0x7B : 0x5B)
        let s = state
        if s.pointee.frameCount == s.pointee.frameCapacity { growFrames(s) }
        s.pointee.lastID &+= 1
        let id = s.pointee.lastID
        s.pointee.frames[s.pointee.frameCount] = JSONEncodingFrame(id: id, count: 0, isObject: object, superPending: false)
        s.pointee.frameCount &+= 1
        return id
    }

    func growFrames(_ s: UnsafeMutablePointer<JSONEncoderState>) {
        let newCapacity = s.pointee.frameCapacity * 2
        let newFrames = UnsafeMutablePointer<JSONEncodingFrame>.allocate(capacity: newCapacity)
        newFrames.initialize(from: s.pointee.frames, count: s.pointee.frameCount)
        if s.pointee.framesOnHeap { s.pointee.frames.deallocate() }
        s.pointee.frames = newFrames
        s.pointee.frameCapacity = newCapacity
        s.pointee.framesOnHeap = true
    }

    /// Opens (or re-opens) the container of the value in `slot`. Returns (depth, id); id 0
    /// marks an unusable container (the problem is recorded in `deferredError`).
    func openContainer(_ slot: UnsafeMutablePointer<JSONEncodingSlot>, object: Bool, pathDepth: Int,
                       tail: Int) -> (Int, UInt32) {
        let s = state
        let base = slot.pointee.base
        if slot.pointee.frameID != 0 {
            if base < s.pointee.frameCount && s.pointee.frames[base].id == slot.pointee.frameID
                && s.pointee.frames[base].isObject == object {
                return (base, slot.pointee.frameID)
            }
            record(error("a value requested containers of different kinds, or after its container was closed",
                         depth: pathDepth, tail: tail, key: nil))
            return (0, 0)
        }
        if slot.pointee.written {
            record(error("a value requested a container after encoding a single value",
                         depth: pathDepth, tail: tail, key: nil))
            return (0, 0)
        }
        guard slotIsCurrent(slot.pointee) else {
            record(error("encoder used after its parent container was written to again (streaming encoder)",
                         depth: pathDepth, tail: tail, key: nil))
            return (0, 0)
        }
        if s.pointee.frameCount > base { closeFrames(to: base) }
        if base > 0 { s.pointee.frames[base - 1].superPending = false }
        let id = pushFrame(object: object)
        slot.pointee.frameID = id
        return (base, id)
    }

    /// Claims `slot` for a single value.
    func claimScalar(_ slot: UnsafeMutablePointer<JSONEncodingSlot>, pathDepth: Int, tail: Int) throws(JSONCodingError) {
        guard !slot.pointee.written && slot.pointee.frameID == 0 else {
            throw error("a single value container was used to encode more than one value",
                        depth: pathDepth, tail: tail, key: nil)
        }
        guard slotIsCurrent(slot.pointee) else {
            throw error("encoder used after its parent container was written to again (streaming encoder)",
                        depth: pathDepth, tail: tail, key: nil)
        }
        let s = state
        let base = slot.pointee.base
        if s.pointee.frameCount > base { closeFrames(to: base) }
        if base > 0 { s.pointee.frames[base - 1].superPending = false }
        slot.pointee.written = true
    }

    /// Starts a new member/element of the container (depth, id): closes deeper containers
    /// and writes the separating comma (if `comma`), returning whether one is needed.
    @inline(__always)
    func beginEntry(_ depth: Int, _ id: UInt32, pathDepth: Int, tail: Int) throws(JSONCodingError) -> Bool {
        let s = state
        guard depth < s.pointee.frameCount, s.pointee.frames[depth].id == id else {
            throw staleContainer(id, pathDepth: pathDepth, tail: tail)
        }
        if s.pointee.frameCount > depth &+ 1 { closeFrames(to: depth &+ 1) }
        let f = s.pointee.frames + depth
        if f.pointee.superPending {
            put(0x7B, 0x7D)
            f.pointee.superPending = false
        }
        let comma = f.pointee.count > 0
        f.pointee.count &+= 1
        return comma
    }

    func staleContainer(_ id: UInt32, pathDepth: Int, tail: Int) -> JSONCodingError {
        error(id == 0 ? "container could not be created"
                      : "container used after a container of an outer level was written to (streaming encoder)",
              depth: pathDepth, tail: tail, key: nil)
    }

    /// Starts a member of an object: comma, `"key":`.
    @inline(__always)
    func beginMember<K: CodingKey>(_ depth: Int, _ id: UInt32, _ key: K, pathDepth: Int,
                                   tail: Int) throws(JSONCodingError) {
        let comma = try beginEntry(depth, id, pathDepth: pathDepth, tail: tail)
        let name = key.stringValue
        if let _: Void = name.utf8.withContiguousStorageIfAvailable({ writeKey($0, comma: comma) }) {
            return
        }
        var copy = name
        copy.withUTF8 { writeKey($0, comma: comma) }
    }

    @inline(__always)
    func writeKey(_ name: UnsafeBufferPointer<UInt8>, comma: Bool) {
        let n = name.count
        if n <= 32 && !Self.needsEscape(name) {
            let s = state
            ensure(s, n &+ 4)
            var p = s.pointee.bytes + s.pointee.count
            if comma { p[0] = 0x2C; p += 1 }
            p[0] = 0x22
            if n > 0 { JSONBytes.copy(p + 1, name.baseAddress!, n) }
            p[n &+ 1] = 0x22
            p[n &+ 2] = 0x3A
            s.pointee.count &+= n &+ (comma ? 4 : 3)
            return
        }
        if comma { put(0x2C) }
        writeEscaped(name)
        put(0x3A)
    }

    // MARK: writing scalars

    @inline(__always)
    static func needsEscape(_ src: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = src.baseAddress else { return false }
        let n = src.count
        var i = 0
        while i &+ 8 <= n {
            if JSONBytes.escapeMask(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) != 0 { return true }
            i &+= 8
        }
        while i < n {
            if JSONBytes.needsEscape(base[i]) { return true }
            i &+= 1
        }
        return false
    }

    @inline(__always)
    func writeString(_ string: String) {
        if let _: Void = string.utf8.withContiguousStorageIfAvailable({ writeEscaped($0) }) {
            return
        }
        var copy = string
        copy.withUTF8 { writeEscaped($0) }
    }

    /// Writes a quoted, escaped JSON string.
    func writeEscaped(_ src: UnsafeBufferPointer<UInt8>) {
        let s = state
        let n = src.count
        ensure(s, n &+ 2)
        s.pointee.bytes[s.pointee.count] = 0x22
        s.pointee.count &+= 1
        guard let base = src.baseAddress, n > 0 else {
            s.pointee.bytes[s.pointee.count] = 0x22
            s.pointee.count &+= 1
            return
        }
        var i = 0
        var run = 0
        while true {
            while i &+ 8 <= n {
                let mask = JSONBytes.escapeMask(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                if mask != 0 {
                    i &+= mask.trailingZeroBitCount >> 3
                    break
                }
                i &+= 8
            }
            if i >= n { break }
            let c = base[i]
            if c == 0x22 || c == 0x5C || c < 0x20 {
                // Copy the plain run, then the escape; capacity for the rest is re-ensured.
                ensure(s, (i &- run) &+ 6 &+ (n &- i) &+ 1)
                JSONBytes.copy(s.pointee.bytes + s.pointee.count, base + run, i &- run)
                s.pointee.count &+= i &- run
                writeEscape(c, s)
                i &+= 1
                run = i
            } else {
                i &+= 1
            }
        }
        JSONBytes.copy(s.pointee.bytes + s.pointee.count, base + run, n &- run)
        s.pointee.count &+= n &- run
        s.pointee.bytes[s.pointee.count] = 0x22
        s.pointee.count &+= 1
    }

    /// Writes the escape for `c` (capacity already ensured, at most 6 bytes).
    @inline(__always)
    func writeEscape(_ c: UInt8, _ s: UnsafeMutablePointer<JSONEncoderState>) {
        let p = s.pointee.bytes + s.pointee.count
        p[0] = 0x5C
        var n = 2
        switch c {
        case 0x22, 0x5C: p[1] = c
        case 0x0A: p[1] = 0x6E
        case 0x0D: p[1] = 0x72
        case 0x09: p[1] = 0x74
        case 0x08: p[1] = 0x62
        case 0x0C: p[1] = 0x66
        default:
            let hex: StaticString = "0123456789abcdef"
            let h = hex.utf8Start
            p[1] = 0x75; p[2] = 0x30; p[3] = 0x30
            p[4] = h[Int(c >> 4)]; p[5] = h[Int(c & 0xF)]
            n = 6
        }
        s.pointee.count &+= n
    }

    @inline(__always)
    func writeBool(_ v: Bool) {
        let s = state
        ensure(s, 5)
        let p = s.pointee.bytes + s.pointee.count
        if v {
            p[0] = 0x74; p[1] = 0x72; p[2] = 0x75; p[3] = 0x65
            s.pointee.count &+= 4
        } else {
            p[0] = 0x66; p[1] = 0x61; p[2] = 0x6C; p[3] = 0x73; p[4] = 0x65
            s.pointee.count &+= 5
        }
    }

    @inline(__always)
    func writeNull() {
        let s = state
        ensure(s, 4)
        let p = s.pointee.bytes + s.pointee.count
        p[0] = 0x6E; p[1] = 0x75; p[2] = 0x6C; p[3] = 0x6C
        s.pointee.count &+= 4
    }

    @inline(__always)
    func writeInteger<T: FixedWidthInteger>(_ v: T) {
        let s = state
        ensure(s, 41)
        s.pointee.count &+= JSONNumberFormatting.writeInteger(v, to: s.pointee.bytes + s.pointee.count)
    }

    @inline(__always)
    func writeDouble(_ v: Double, depth: Int, tail: Int, key: some CodingKey) throws(JSONCodingError) {
        let s = state
        ensure(s, 32)
        guard let n = JSONNumberFormatting.writeDouble(v, to: s.pointee.bytes + s.pointee.count) else {
            throw error("non-finite floating-point value cannot be encoded in JSON", depth: depth, tail: tail, key: key)
        }
        s.pointee.count &+= n
    }

    func writeFloat(_ v: Float, depth: Int, tail: Int, key: some CodingKey) throws(JSONCodingError) {
        guard v.isFinite else {
            throw error("non-finite floating-point value cannot be encoded in JSON", depth: depth, tail: tail, key: key)
        }
        var text = v.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        text.withUTF8 { put($0.baseAddress!, $0.count) }
    }

    @inline(__always)
    func writeDate(_ date: Date, depth: Int, tail: Int, key: some CodingKey) throws(JSONCodingError) {
        let s = state
        ensure(s, ISO8601.maxLength &+ 2)
        let p = s.pointee.bytes + s.pointee.count
        guard let n = ISO8601.format(date, into: p + 1) else {
            throw error("date outside the years 0000...9999 cannot be encoded as ISO-8601", depth: depth, tail: tail, key: key)
        }
        p[0] = 0x22
        p[n &+ 1] = 0x22
        s.pointee.count &+= n &+ 2
    }

    // MARK: generic values

    /// Encodes any `Encodable` value at the current position; its coding path is
    /// `codingPath.prefix(depth) + tails[tail] + [key]` (no key when `K` is `JSONNoKey`).
    @inline(__always)
    func encodeValue<T: Encodable, K: CodingKey>(_ value: T, depth: Int, tail: Int, key: K) throws {
        if T.self == String.self { return writeString(unsafeBitCast(value, to: String.self)) }
        if T.self == Int.self { return writeInteger(unsafeBitCast(value, to: Int.self)) }
        if T.self == Double.self { return try writeDouble(unsafeBitCast(value, to: Double.self), depth: depth, tail: tail, key: key) }
        if T.self == Bool.self { return writeBool(unsafeBitCast(value, to: Bool.self)) }
        if T.self == Date.self { return try writeDate(unsafeBitCast(value, to: Date.self), depth: depth, tail: tail, key: key) }
        try encodeValueSlow(value, depth: depth, tail: tail, key: key)
    }

    func encodeValueSlow<T: Encodable, K: CodingKey>(_ value: T, depth: Int, tail: Int, key: K) throws {
        if try encodeSpecial(value, depth: depth, tail: tail, key: key) { return }
        let encoder = state.pointee.owner!.takeUnretainedValue()
        let s = state
        let saved = s.pointee.slot
        let frameCount = s.pointee.frameCount
        let base = frameCount
        if frameCount > 0 {
            let parent = s.pointee.frames[frameCount - 1]
            s.pointee.slot = JSONEncodingSlot(base: base, parentID: parent.id, parentEntry: parent.count)
        } else {
            s.pointee.slot = JSONEncodingSlot(base: 0, parentID: 0, parentEntry: 0)
        }
        let pathCount = s.pointee.codingPath.count
        if pathCount > depth { s.pointee.codingPath.removeLast(pathCount - depth) }
        if tail != 0 { s.pointee.codingPath.append(contentsOf: s.pointee.tails[tail - 1]) }
        if K.self != JSONNoKey.self { s.pointee.codingPath.append(key) }
        let mark = s.pointee.count
        defer {
            s.pointee.slot = saved
            let c = s.pointee.codingPath.count
            if c > depth { s.pointee.codingPath.removeLast(c - depth) }
        }
        do {
            try value.encode(to: encoder)
        } catch let e as JSONCodingError {
            throw e
        } catch {
            throw JSONCodingError.wrapping(error, byteOffset: nil)
        }
        if s.pointee.count == mark {
            put(0x7B, 0x7D) // encoded nothing: {}
        } else if s.pointee.frameCount > base {
            closeFrames(to: base)
        }
    }

    func encodeSpecial<T: Encodable, K: CodingKey>(_ value: T, depth: Int, tail: Int,
                                                   key: K) throws(JSONCodingError) -> Bool {
        if T.self == UUID.self { writeString(unsafeBitCast(value, to: UUID.self).uuidString); return true }
        if T.self == URL.self { writeString(unsafeBitCast(value, to: URL.self).absoluteString); return true }
        if T.self == Data.self { writeString(unsafeBitCast(value, to: Data.self).base64EncodedString()); return true }
        if T.self == Decimal.self {
            let v = unsafeBitCast(value, to: Decimal.self)
            guard !v.isNaN else {
                throw error("NaN decimal cannot be encoded in JSON", depth: depth, tail: tail, key: key)
            }
            var text = v.description
            text.withUTF8 { put($0.baseAddress!, $0.count) }
            return true
        }
        if T.self == Float.self { try writeFloat(unsafeBitCast(value, to: Float.self), depth: depth, tail: tail, key: key); return true }
        if T.self == Int64.self { writeInteger(unsafeBitCast(value, to: Int64.self)); return true }
        if T.self == Int32.self { writeInteger(unsafeBitCast(value, to: Int32.self)); return true }
        if T.self == Int16.self { writeInteger(unsafeBitCast(value, to: Int16.self)); return true }
        if T.self == Int8.self { writeInteger(unsafeBitCast(value, to: Int8.self)); return true }
        if T.self == UInt.self { writeInteger(unsafeBitCast(value, to: UInt.self)); return true }
        if T.self == UInt64.self { writeInteger(unsafeBitCast(value, to: UInt64.self)); return true }
        if T.self == UInt32.self { writeInteger(unsafeBitCast(value, to: UInt32.self)); return true }
        if T.self == UInt16.self { writeInteger(unsafeBitCast(value, to: UInt16.self)); return true }
        if T.self == UInt8.self { writeInteger(unsafeBitCast(value, to: UInt8.self)); return true }
        return false
    }

    /// Encodes the top-level value and closes all containers.
    func encodeTop<T: Encodable>(_ value: T) throws {
        let s = state
        do {
            try encodeValue(value, depth: 0, tail: 0, key: JSONNoKey())
        } catch {
            if let e = s.pointee.deferredError { throw e }
            throw error
        }
        closeFrames(to: 0)
        if let e = s.pointee.deferredError { throw e }
    }
}
