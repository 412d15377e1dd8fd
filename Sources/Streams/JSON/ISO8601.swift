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

    /// Maximum output length: "YYYY-MM-DDTHH:MM:SS.mmmZ".
    static let maxLength = 24

    /// Writes the UTC ISO-8601 form of `date`, with milliseconds only when non-zero.
    /// Returns the number of bytes written, or `nil` if the date is outside years 0...9999.
    static func format(_ date: Date, into out: UnsafeMutablePointer<UInt8>) -> Int? {
        let t = date.timeIntervalSinceReferenceDate
        guard t.isFinite else { return nil }
        let msRef = (t * 1000).rounded()
        guard abs(msRef) < 1e15 else { return nil }
        let ms1970 = Int64(msRef) + referenceOffset * 1000
        var days = ms1970 / 86_400_000
        var msOfDay = ms1970 % 86_400_000
        if msOfDay < 0 { msOfDay += 86_400_000; days -= 1 }
        let (year, month, day) = civilFromDays(Int(days))
        guard year >= 0 && year <= 9999 else { return nil }
        let ms = Int(msOfDay % 1000)
        let secs = Int(msOfDay / 1000)
        @inline(__always) func put2(_ v: Int, _ k: Int) {
            out[k] = UInt8(truncatingIfNeeded: 0x30 + v / 10)
            out[k + 1] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
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
