import Foundation

/// Hand-written ISO-8601 / RFC 3339 date parsing and formatting (UTC output).
enum ISO8601 {
    /// Seconds between 1970-01-01 and 2001-01-01 (Foundation's reference date).
    static let referenceOffset: Int64 = 978_307_200

    /// Days since 1970-01-01 of the proleptic Gregorian date (Howard Hinnant's algorithm).
    @inline(__always)
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day count since 1970-01-01.
    @inline(__always)
    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func isLeapYear(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysInMonth(_ y: Int, _ m: Int) -> Int {
        switch m {
        case 2: return isLeapYear(y) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM|±HHMM)`.
    static func parse(_ p: UnsafePointer<UInt8>, _ n: Int) -> Date? {
        guard n >= 20 else { return nil }
        @inline(__always) func d(_ k: Int) -> Int? {
            let v = p[k] &- 0x30
            return v < 10 ? Int(v) : nil
        }
        @inline(__always) func d2(_ k: Int) -> Int? {
            guard let a = d(k), let b = d(k + 1) else { return nil }
            return a * 10 + b
        }
        guard let y1 = d2(0), let y2 = d2(2), p[4] == 0x2D, let month = d2(5), p[7] == 0x2D, let day = d2(8),
              p[10] == 0x54 || p[10] == 0x74, let hour = d2(11), p[13] == 0x3A, let minute = d2(14),
              p[16] == 0x3A, let second = d2(17)
        else { return nil }
        let year = y1 * 100 + y2
        guard month >= 1 && month <= 12, day >= 1 && day <= daysInMonth(year, month),
              hour <= 23, minute <= 59, second <= 59 else { return nil }
        var i = 19
        var fraction: Int64 = 0   // first 9 fraction digits, as nanoseconds
        var fractionDigits = 0
        if p[i] == 0x2E {
            i += 1
            let fracStart = i
            while i < n, let v = d(i) {
                if fractionDigits < 9 {
                    fraction = fraction * 10 + Int64(v)
                    fractionDigits += 1
                }
                i += 1
            }
            guard i > fracStart else { return nil }
        }
        guard i < n else { return nil }
        var offsetSeconds = 0
        switch p[i] {
        case 0x5A, 0x7A: // Z z
            i += 1
        case 0x2B, 0x2D: // + -
            let sign = p[i] == 0x2D ? -1 : 1
            i += 1
            guard i + 2 <= n, let oh = d2(i) else { return nil }
            i += 2
            if i < n && p[i] == 0x3A { i += 1 }
            guard i + 2 <= n, let om = d2(i) else { return nil }
            i += 2
            guard oh <= 23, om <= 59 else { return nil }
            offsetSeconds = sign * (oh * 3600 + om * 60)
        default:
            return nil
        }
        guard i == n else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds) - referenceOffset
        if fractionDigits == 0 {
            return Date(timeIntervalSinceReferenceDate: Double(seconds))
        }
        if fractionDigits <= 3 {
            var ms = fraction
            for _ in fractionDigits..<3 { ms *= 10 }
            return Date(timeIntervalSinceReferenceDate: Double(seconds * 1000 + ms) / 1000)
        }
        var nanos = fraction
        for _ in fractionDigits..<9 { nanos *= 10 }
        return Date(timeIntervalSinceReferenceDate: Double(seconds) + Double(nanos) / 1e9)
    }

    /// A fast path of ``parse(_:_:)`` for the forms the encoder writes,
    /// `YYYY-MM-DDTHH:MM:SSZ` and `YYYY-MM-DDTHH:MM:SS.mmmZ`, with the same result;
    /// `nil` for anything else (which `parse` then handles).
    ///
    /// The digits are checked and converted eight bytes at a time.
    static func parseCanonical(_ p: UnsafePointer<UInt8>, _ n: Int) -> Date? {
        guard n == 20 || n == 24 else { return nil }
        let raw = UnsafeRawPointer(p)
        // Bytes 0-7 "YYYY-MM-", 8-15 "DDTHH:MM", 12-19 "HH:MM:SS" + 'Z' or '.' (little-endian lanes).
        let a = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
        let b = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        let c = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 12, as: UInt64.self))
        // Separators: a[4] '-', a[7] '-', b[2] 'T', b[5] ':', c[4] ':'.
        guard a & 0xFF00_00FF_0000_0000 == 0x2D00_002D_0000_0000,
              b & 0x0000_FF00_00FF_0000 == 0x0000_3A00_0054_0000,
              c & 0x0000_00FF_0000_0000 == 0x0000_003A_0000_0000 else { return nil }
        // Digit lanes: a[0...3,5,6], b[0,1,3,4,6,7], c[5,6].
        let ones: UInt64 = 0x0606_0606_0606_0606
        let high: UInt64 = 0xF0F0_F0F0_F0F0_F0F0
        let da = a ^ 0x3030_3030_3030_3030, db = b ^ 0x3030_3030_3030_3030, dc = c ^ 0x3030_3030_3030_3030
        let ma: UInt64 = 0x00FF_FF00_FFFF_FFFF, mb: UInt64 = 0xFFFF_00FF_FF00_FFFF, mc: UInt64 = 0x00FF_FF00_0000_0000
        // A lane v is a digit exactly when neither v nor v + 6 has a bit in the high nibble.
        guard ((da | (da &+ ones)) & high & ma) | ((db | (db &+ ones)) & high & mb)
                | ((dc | (dc &+ ones)) & high & mc) == 0 else { return nil }
        @inline(__always) func lane(_ w: UInt64, _ k: UInt64) -> Int { Int(truncatingIfNeeded: (w >> (8 &* k)) & 0xFF) }
        var ms = 0
        if n == 24 {
            guard p[19] == 0x2E, p[23] == 0x5A || p[23] == 0x7A else { return nil }
            let f0 = Int(p[20] &- 0x30), f1 = Int(p[21] &- 0x30), f2 = Int(p[22] &- 0x30)
            guard f0 <= 9 && f1 <= 9 && f2 <= 9 else { return nil }
            ms = f0 * 100 + f1 * 10 + f2
        } else {
            guard p[19] == 0x5A || p[19] == 0x7A else { return nil }
        }
        let year = lane(da, 0) * 1000 + lane(da, 1) * 100 + lane(da, 2) * 10 + lane(da, 3)
        let month = lane(da, 5) * 10 + lane(da, 6), day = lane(db, 0) * 10 + lane(db, 1)
        let hour = lane(db, 3) * 10 + lane(db, 4), minute = lane(db, 6) * 10 + lane(db, 7)
        let second = lane(dc, 5) * 10 + lane(dc, 6)
        guard month >= 1 && month <= 12, day >= 1 && (day <= 28 || day <= daysInMonth(year, month)),
              hour <= 23, minute <= 59, second <= 59 else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days * 86_400 + hour * 3600 + minute * 60 + second) - referenceOffset
        if n == 20 { return Date(timeIntervalSinceReferenceDate: Double(seconds)) }
        return Date(timeIntervalSinceReferenceDate: Double(seconds * 1000 + Int64(ms)) / 1000)
    }

    /// Maximum output length: "YYYY-MM-DDTHH:MM:SS.mmmZ".
    static let maxLength = 24

    /// Writes the UTC ISO-8601 form of `date`, with milliseconds only when non-zero.
    /// Returns the number of bytes written, or `nil` if the date is outside years 0...9999.
    static func format(_ date: Date, into out: UnsafeMutablePointer<UInt8>) -> Int? {
        let t = date.timeIntervalSinceReferenceDate
        guard t.isFinite else { return nil }
        guard abs(t * 1000) < 1e15 else { return nil }
        let msRef = JSONNumberFormatting.roundedSmall(t * 1000)
        let ms1970 = Int64(msRef) + referenceOffset * 1000
        var days = ms1970 / 86_400_000
        var msOfDay = ms1970 % 86_400_000
        if msOfDay < 0 { msOfDay += 86_400_000; days -= 1 }
        let (year, month, day) = civilFromDays(Int(days))
        guard year >= 0 && year <= 9999 else { return nil }
        let ms = Int(msOfDay % 1000)
        let secs = Int(msOfDay / 1000)
        // Two digits per table lookup (a literal: no lazy global to check on each use).
        let pairs: StaticString = """
            0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849\
            5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899
            """
        let table = UnsafeRawPointer(pairs.utf8Start)
        @inline(__always) func put2(_ v: Int, _ k: Int) {
            UnsafeMutableRawPointer(out + k).storeBytes(
                of: table.loadUnaligned(fromByteOffset: 2 &* v, as: UInt16.self), as: UInt16.self)
        }
        put2(year / 100, 0); put2(year % 100, 2)
        out[4] = 0x2D
        put2(month, 5)
        out[7] = 0x2D
        put2(day, 8)
        out[10] = 0x54
        put2(secs / 3600, 11)
        out[13] = 0x3A
        put2(secs / 60 % 60, 14)
        out[16] = 0x3A
        put2(secs % 60, 17)
        if ms == 0 {
            out[19] = 0x5A
            return 20
        }
        out[19] = 0x2E
        out[20] = UInt8(truncatingIfNeeded: 0x30 + ms / 100)
        put2(ms % 100, 21)
        out[23] = 0x5A
        return 24
    }
}
