/// Hand-written number output for the encoder. All functions write into memory with
/// enough capacity (41 bytes for integers, 32 for doubles) and return the byte count.
enum JSONNumberFormatting {
    @inline(__always)
    static func writeInteger<T: FixedWidthInteger>(_ v: T, to out: UnsafeMutablePointer<UInt8>) -> Int {
        if T.bitWidth > 64 {
            var text = v.description
            return text.withUTF8 { b in
                out.update(from: b.baseAddress!, count: b.count)
                return b.count
            }
        }
        if v < 0 {
            out[0] = 0x2D
            return 1 &+ writeUInt64(UInt64(truncatingIfNeeded: v.magnitude), to: out + 1)
        }
        return writeUInt64(UInt64(truncatingIfNeeded: v), to: out)
    }

    @inline(__always)
    static func digitCount(_ v: UInt64) -> Int {
        var n = 1
        var x = v
        while x >= 10 {
            x /= 10
            n &+= 1
        }
        return n
    }

    @inline(__always)
    static func writeUInt64(_ value: UInt64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        if value < 10 {
            out[0] = 0x30 &+ UInt8(truncatingIfNeeded: value)
            return 1
        }
        let n = digitCount(value)
        var i = n
        var v = value
        while v != 0 {
            let (q, r) = v.quotientAndRemainder(dividingBy: 10)
            i &-= 1
            out[i] = 0x30 &+ UInt8(truncatingIfNeeded: r)
            v = q
        }
        return n
    }

    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ]

    /// `x.rounded()` (half away from zero) for |x| < 2^53, without the libm call `rounded()`
    /// makes: truncation to an integer is exact there, and so is `x - truncated`.
    @inline(__always)
    static func roundedSmall(_ x: Double) -> Double {
        let t = Double(Int64(x))
        let d = x - t
        return d >= 0.5 ? t + 1 : (d <= -0.5 ? t - 1 : t)
    }

    /// Writes the shortest decimal form of `v` that parses back to exactly `v`.
    /// Returns `nil` (writing nothing) for infinities and NaN.
    @inline(__always)
    static func writeDouble(_ v: Double, to out: UnsafeMutablePointer<UInt8>) -> Int? {
        guard v.isFinite else { return nil }
        let a = v.magnitude
        if a >= 1e-5 && a < 9.007_199_254_740_992e15 {
            // Find the fewest fraction digits k such that some integer m has m / 10^k == a.
            // m < 2^53 and 10^k are exact, so the division is correctly rounded.
            var k = 0
            var p: Double = 1 // 10^k, exact
            while k <= 15 {
                let scaled = a * p
                if scaled >= 9.007_199_254_740_992e15 { break }
                let m = roundedSmall(scaled)
                // If an integer M had M / p == a, then scaled = M(1 + e) with |e| <= 2^-52 + 2^-106,
                // so scaled would lie within 2^-51 * scaled of m (its nearest integer). Farther
                // away, none of the candidates below can match: skip their divisions.
                // (`scaled - m` is exact: m is within a factor 2 of scaled, or 0.)
                if (scaled - m).magnitude > scaled * 0x1p-51 {
                    k &+= 1
                    p *= 10
                    continue
                }
                var hit: Double = 0
                if m / p == a {
                    hit = m
                } else if (m - 1) / p == a {
                    hit = m - 1
                } else if (m + 1) / p == a {
                    hit = m + 1
                }
                if hit > 0 {
                    var o = out
                    if v < 0 {
                        o[0] = 0x2D
                        o += 1
                    }
                    return (v < 0 ? 1 : 0) &+ writeFixed(UInt64(hit), fractionDigits: k, to: o)
                }
                k &+= 1
                p *= 10
            }
        }
        if a == 0 {
            if v.sign == .minus {
                out[0] = 0x2D; out[1] = 0x30
                return 2
            }
            out[0] = 0x30
            return 1
        }
        // Swift's description is the shortest round-trip form and always valid JSON for
        // finite values ("1e+20", "5e-324"); drop a redundant ".0".
        var text = v.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text.withUTF8 { b in
            out.update(from: b.baseAddress!, count: b.count)
            return b.count
        }
    }

    /// Writes m / 10^k in plain decimal notation.
    @inline(__always)
    static func writeFixed(_ m: UInt64, fractionDigits k: Int, to out: UnsafeMutablePointer<UInt8>) -> Int {
        if k == 0 { return writeUInt64(m, to: out) }
        let digits = Swift.max(digitCount(m), k &+ 1)
        let n = digits &+ 1
        var i = n
        var v = m
        var written = 0
        while written < digits {
            if written == k {
                i &-= 1
                out[i] = 0x2E
            }
            let (q, r) = v.quotientAndRemainder(dividingBy: 10)
            i &-= 1
            out[i] = 0x30 &+ UInt8(truncatingIfNeeded: r)
            v = q
            written &+= 1
        }
        return n
    }
}
