/// Byte-level helpers shared by the tape scanner, the streaming encoder and the
/// ``JSONReader``/``JSONWriter`` fast path. The small ones are `@inlinable` so that
/// conformances in other modules get them inlined.
@usableFromInline
enum JSONBytes {
    @inlinable @inline(__always)
    static func load(_ p: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
    }

    /// Bit mask (high bit of each byte) of bytes that are `"`, `\\`, control or non-ASCII.
    /// The lowest set bit is exact (false positives can only occur above a true match).
    ///
    /// `x - 0x01` per byte sets the high bit of a zero byte (`"` or `\\` after the XOR), of a
    /// byte `>= 0x81` and, through a borrow, above a zero byte; `w - 0x20` that of a control
    /// byte or a byte `>= 0xA0`. Bytes `>= 0x80` are flagged by `w` itself, so no masking with
    /// `~x` is needed.
    @inlinable @inline(__always)
    static func specialMask(_ w: UInt64) -> UInt64 {
        let lo: UInt64 = 0x0101_0101_0101_0101
        let hi: UInt64 = 0x8080_8080_8080_8080
        let q = w ^ 0x2222_2222_2222_2222
        let b = w ^ 0x5C5C_5C5C_5C5C_5C5C
        return ((q &- lo) | (b &- lo) | (w &- 0x2020_2020_2020_2020) | w) & hi
    }

    /// Like ``specialMask(_:)`` without non-ASCII bytes: the bytes that need escaping in output.
    @inlinable @inline(__always)
    static func escapeMask(_ w: UInt64) -> UInt64 {
        let lo: UInt64 = 0x0101_0101_0101_0101
        let hi: UInt64 = 0x8080_8080_8080_8080
        let q = w ^ (lo &* 0x22)
        let b = w ^ (lo &* 0x5C)
        return (((q &- lo) & ~q) | ((b &- lo) & ~b) | ((w &- lo &* 0x20) & ~w)) & hi
    }

    /// Whether the byte must be escaped in a JSON string.
    @inlinable @inline(__always)
    static func needsEscape(_ c: UInt8) -> Bool { c == 0x22 || c == 0x5C || c < 0x20 }

    /// Copies `n` bytes; short copies use overlapping word moves instead of a memmove call.
    @inlinable @inline(__always)
    static func copy(_ dst: UnsafeMutablePointer<UInt8>, _ src: UnsafePointer<UInt8>, _ n: Int) {
        let d = UnsafeMutableRawPointer(dst), s = UnsafeRawPointer(src)
        if n >= 8 {
            if n <= 16 {
                let a = s.loadUnaligned(as: UInt64.self)
                let b = s.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
                d.storeBytes(of: a, as: UInt64.self)
                d.storeBytes(of: b, toByteOffset: n &- 8, as: UInt64.self)
            } else if n <= 32 {
                let a = s.loadUnaligned(as: UInt64.self)
                let b = s.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                let c = s.loadUnaligned(fromByteOffset: n &- 16, as: UInt64.self)
                let e = s.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
                d.storeBytes(of: a, as: UInt64.self)
                d.storeBytes(of: b, toByteOffset: 8, as: UInt64.self)
                d.storeBytes(of: c, toByteOffset: n &- 16, as: UInt64.self)
                d.storeBytes(of: e, toByteOffset: n &- 8, as: UInt64.self)
            } else {
                dst.update(from: src, count: n)
            }
        } else if n >= 4 {
            let a = s.loadUnaligned(as: UInt32.self)
            let b = s.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
            d.storeBytes(of: a, as: UInt32.self)
            d.storeBytes(of: b, toByteOffset: n &- 4, as: UInt32.self)
        } else {
            var i = 0
            while i < n {
                dst[i] = src[i]
                i &+= 1
            }
        }
    }

    /// Whether two byte ranges of length `n` are equal.
    @inlinable @inline(__always)
    static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        if n >= 8 {
            var i = 0
            while i &+ 8 < n {
                if load(a + i) != load(b + i) { return false }
                i &+= 8
            }
            return load(a + (n &- 8)) == load(b + (n &- 8))
        }
        if n >= 4 {
            let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
            return ra.loadUnaligned(as: UInt32.self) == rb.loadUnaligned(as: UInt32.self)
                && ra.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
                == rb.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
        }
        var i = 0
        while i < n {
            if a[i] != b[i] { return false }
            i &+= 1
        }
        return true
    }

    /// A `String` of `n` bytes of valid UTF-8 (validated by the caller).
    ///
    /// Strings that fit in a small string (15 bytes) are initialized in place, which skips the
    /// byte-by-byte copy and, for ASCII, the validation of `String(decoding:as:)`.
    @inlinable @inline(__always)
    static func string(_ p: UnsafePointer<UInt8>, _ n: Int) -> String {
        if n <= 15 {
            return String(unsafeUninitializedCapacity: n) { out in
                if let d = out.baseAddress { copy(d, p, n) }
                return n
            }
        }
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    /// Decodes the (already validated) contents of a JSON string with escapes.
    @usableFromInline
    static func unescape(_ src: UnsafePointer<UInt8>, _ n: Int) -> String {
        String(unsafeUninitializedCapacity: n) { out in
            var i = 0, o = 0
            func hex4(_ k: Int) -> UInt32 {
                var v: UInt32 = 0
                for j in k..<(k + 4) {
                    let c = src[j]
                    v = v << 4 | UInt32(c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10)
                }
                return v
            }
            while i < n {
                let c = src[i]
                if c != 0x5C {
                    out[o] = c; o += 1; i += 1
                    continue
                }
                let e = src[i + 1]
                i += 2
                switch e {
                case 0x62: out[o] = 0x08
                case 0x66: out[o] = 0x0C
                case 0x6E: out[o] = 0x0A
                case 0x72: out[o] = 0x0D
                case 0x74: out[o] = 0x09
                case 0x75:
                    var scalar = hex4(i)
                    i += 4
                    if scalar >= 0xD800 && scalar <= 0xDBFF {
                        let low = hex4(i + 2)
                        i += 6
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    // Encode as UTF-8 (at most 4 bytes; the escape used at least 6).
                    if scalar < 0x80 {
                        out[o] = UInt8(scalar)
                    } else if scalar < 0x800 {
                        out[o] = UInt8(0xC0 | scalar >> 6); o += 1
                        out[o] = UInt8(0x80 | scalar & 0x3F)
                    } else if scalar < 0x10000 {
                        out[o] = UInt8(0xE0 | scalar >> 12); o += 1
                        out[o] = UInt8(0x80 | scalar >> 6 & 0x3F); o += 1
                        out[o] = UInt8(0x80 | scalar & 0x3F)
                    } else {
                        out[o] = UInt8(0xF0 | scalar >> 18); o += 1
                        out[o] = UInt8(0x80 | scalar >> 12 & 0x3F); o += 1
                        out[o] = UInt8(0x80 | scalar >> 6 & 0x3F); o += 1
                        out[o] = UInt8(0x80 | scalar & 0x3F)
                    }
                default: out[o] = e // " \ /
                }
                o += 1
            }
            return o
        }
    }
}
