/// Hand-written parsers for JSON number text that the scanner has already validated.
enum JSONNumberParsing {
    enum IntegerResult<T> {
        case value(T)
        case notIntegral
        case outOfRange
    }

    /// Exact powers of ten representable as `Double` (10^0 ... 10^22).
    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]
    static let floatPowersOfTen: [Float] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10]

    @inline(__always)
    static func digit(_ c: UInt8) -> UInt8? {
        let d = c &- 0x30
        return d < 10 ? d : nil
    }

    /// Parses a validated JSON number into an integer type. Numbers with a fraction or an
    /// exponent are accepted only when their value is exactly integral.
    @inline(__always)
    static func parseInteger<T: FixedWidthInteger>(_ p: UnsafePointer<UInt8>, _ len: Int, _ flags: UInt8,
                                                   as: T.Type) -> IntegerResult<T> {
        let negative = flags & JSONToken.numberNegative != 0
        var i = negative ? 1 : 0
        if flags & (JSONToken.numberHasFraction | JSONToken.numberHasExponent) == 0 && len - i <= 18 {
            var m: UInt64 = 0
            while i < len {
                m = m &* 10 &+ UInt64(p[i] &- 0x30)
                i &+= 1
            }
            if negative {
                if let v = T(exactly: -Int64(bitPattern: m)) { return .value(v) }
                return .outOfRange
            }
            if let v = T(exactly: m) { return .value(v) }
            return .outOfRange
        }
        return parseIntegerSlow(p, len, negative: negative, as: T.self)
    }

    static func parseIntegerSlow<T: FixedWidthInteger>(_ p: UnsafePointer<UInt8>, _ len: Int, negative: Bool,
                                                       as: T.Type) -> IntegerResult<T> {
        // value = D * 10^(exponent - fractionDigits), D = all mantissa digits.
        let first = negative ? 1 : 0
        var k = first
        var mantissaEnd = len
        var fractionDigits = 0
        var seenPoint = false
        var digitCount = 0
        var lastNonZeroDigit = -1
        while k < len {
            let c = p[k]
            if c == 0x2E {
                seenPoint = true
            } else if c == 0x65 || c == 0x45 {
                mantissaEnd = k
                break
            } else {
                if seenPoint { fractionDigits += 1 }
                if c != 0x30 { lastNonZeroDigit = digitCount }
                digitCount += 1
            }
            k += 1
        }
        if lastNonZeroDigit < 0 { return .value(0) }
        var exponent = 0
        if mantissaEnd < len {
            var e = mantissaEnd + 1
            var expNegative = false
            if p[e] == 0x2B { e += 1 } else if p[e] == 0x2D { expNegative = true; e += 1 }
            while e < len {
                if exponent < 1_000_000_000_000 { exponent = exponent * 10 + Int(p[e] &- 0x30) }
                e += 1
            }
            if expNegative { exponent = -exponent }
        }
        let trailingZeros = digitCount - 1 - lastNonZeroDigit
        let scale = exponent - fractionDigits + trailingZeros
        if scale < 0 { return .notIntegral }
        if negative && !T.isSigned { return .outOfRange }
        var v: T = 0
        var digitIndex = 0
        k = first
        while digitIndex <= lastNonZeroDigit {
            let c = p[k]
            k += 1
            if c == 0x2E { continue }
            digitIndex += 1
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let d = T(c &- 0x30)
            let (r, o2) = negative ? m.subtractingReportingOverflow(d) : m.addingReportingOverflow(d)
            if o1 || o2 { return .outOfRange }
            v = r
        }
        if scale > 40 { return .outOfRange }
        var s = 0
        while s < scale {
            let (m, o) = v.multipliedReportingOverflow(by: 10)
            if o { return .outOfRange }
            v = m
            s += 1
        }
        return .value(v)
    }

    /// Parses a validated JSON number into a `Double`; `nil` if it overflows to infinity.
    @inline(__always)
    static func parseDouble(_ p: UnsafePointer<UInt8>, _ len: Int) -> Double? {
        let negative = p[0] == 0x2D
        var i = negative ? 1 : 0
        var m: UInt64 = 0
        var significant = 0
        var fractionDigits = 0
        fast: do {
            while i < len, let d = digit(p[i]) {
                m = m &* 10 &+ UInt64(d)
                if m != 0 { significant &+= 1 }
                i &+= 1
            }
            if i < len && p[i] == 0x2E {
                i &+= 1
                while i < len, let d = digit(p[i]) {
                    m = m &* 10 &+ UInt64(d)
                    if m != 0 { significant &+= 1 }
                    fractionDigits &+= 1
                    i &+= 1
                }
            }
            if significant > 15 { break fast }
            var exponent = 0
            if i < len {
                i &+= 1 // e or E
                var expNegative = false
                if p[i] == 0x2B { i &+= 1 } else if p[i] == 0x2D { expNegative = true; i &+= 1 }
                while i < len {
                    if exponent < 100_000 { exponent = exponent &* 10 &+ Int(p[i] &- 0x30) }
                    i &+= 1
                }
                if expNegative { exponent = -exponent }
            }
            if m == 0 { return negative ? -0.0 : 0.0 }
            var e10 = exponent - fractionDigits
            var value = Double(m)
            if e10 > 22 && e10 <= 22 + 15 - significant {
                // Move part of the exponent into the (still exact) mantissa.
                value *= powersOfTen[e10 - 22]
                e10 = 22
            }
            if e10 >= 0 && e10 <= 22 {
                value *= powersOfTen[e10]
            } else if e10 < 0 && e10 >= -22 {
                value /= powersOfTen[-e10]
            } else {
                break fast
            }
            return negative ? -value : value
        }
        return parseDoubleSlow(p, len)
    }

    static func parseDoubleSlow(_ p: UnsafePointer<UInt8>, _ len: Int) -> Double? {
        let text = String(decoding: UnsafeBufferPointer(start: p, count: len), as: UTF8.self)
        guard let d = Double(text), d.isFinite else { return nil }
        return d
    }

    /// Parses a validated JSON number into a `Float`; `nil` if it overflows to infinity.
    static func parseFloat(_ p: UnsafePointer<UInt8>, _ len: Int) -> Float? {
        let negative = p[0] == 0x2D
        var i = negative ? 1 : 0
        var m: UInt32 = 0
        var significant = 0
        var fractionDigits = 0
        var simple = true
        while i < len, let d = digit(p[i]) {
            m = m &* 10 &+ UInt32(d)
            if m != 0 { significant += 1 }
            i += 1
        }
        if i < len && p[i] == 0x2E {
            i += 1
            while i < len, let d = digit(p[i]) {
                m = m &* 10 &+ UInt32(d)
                if m != 0 { significant += 1 }
                fractionDigits += 1
                i += 1
            }
        }
        if i < len { simple = false }
        if simple && significant <= 7 && fractionDigits <= 10 {
            if m == 0 { return negative ? -0.0 : 0.0 }
            let v = Float(m) / floatPowersOfTen[fractionDigits]
            return negative ? -v : v
        }
        let text = String(decoding: UnsafeBufferPointer(start: p, count: len), as: UTF8.self)
        guard let f = Float(text), f.isFinite else { return nil }
        return f
    }
}
