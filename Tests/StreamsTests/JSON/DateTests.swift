import Foundation
import Streams
import Testing

@Suite("Dates")
struct DateTests {
    struct Stamp: Codable, Equatable, Sendable { var at: Date }

    static let examples: [(String, Double)] = [
        ("1970-01-01T00:00:00Z", 0),
        ("1970-01-01T00:00:00.001Z", 0.001),
        ("1969-12-31T23:59:59Z", -1),
        ("1969-12-31T23:59:59.999Z", -0.001),
        ("2000-02-29T12:00:00Z", 951_825_600),
        ("2000-03-01T00:00:00Z", 951_868_800),
        ("1900-03-01T00:00:00Z", -2_203_891_200),
        ("2024-02-29T23:59:59Z", 1_709_251_199),
        ("1999-12-31T23:59:59.500Z", 946_684_799.5),
        ("2000-01-01T00:00:00Z", 946_684_800),
        ("2026-11-25T13:10:44Z", 1_795_612_244),
        ("2026-11-25T13:10:44.123Z", 1_795_612_244.123),
        ("0001-01-01T00:00:00Z", -62_135_596_800),
        ("1600-01-01T00:00:00Z", -11_676_096_000),
        ("9999-12-31T23:59:59Z", 253_402_300_799),
        ("2038-01-19T03:14:08Z", 2_147_483_648),
    ]

    @Test("formats known instants", arguments: examples)
    func format(text: String, seconds: Double) throws {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(try encodeString(date) == "\"\(text)\"")
        let back = try decode(Date.self, "\"\(text)\"")
        #expect(abs(back.timeIntervalSince1970 - seconds) < 0.0005)
    }

    @Test("parses offsets and fractional seconds", arguments: [
        ("2026-11-25T15:10:44+02:00", 1_795_612_244.0),
        ("2026-11-25T15:10:44+0200", 1_795_612_244.0),
        ("2026-11-25T07:40:44-05:30", 1_795_612_244.0),
        ("2026-11-25T07:40:44-0530", 1_795_612_244.0),
        ("2026-11-25T13:10:44+00:00", 1_795_612_244.0),
        ("2026-11-25T13:10:44.5Z", 1_795_612_244.5),
        ("2026-11-25T13:10:44.123456789Z", 1_795_612_244.123456789),
        ("2026-11-25T13:10:44.1234567891234Z", 1_795_612_244.123456789),
        ("2026-11-26T00:10:44.25+11:00", 1_795_612_244.25),
        ("2026-11-25t13:10:44z", 1_795_612_244.0),
        ("2000-01-01T00:30:00+01:00", 946_683_000.0),
    ])
    func parseVariants(text: String, seconds: Double) throws {
        let d = try decode(Date.self, "\"\(text)\"")
        #expect(abs(d.timeIntervalSince1970 - seconds) < 1e-6)
    }

    @Test("rejects invalid dates", arguments: [
        "2026-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-13-01T00:00:00Z",
        "2026-00-10T00:00:00Z", "2026-11-25 13:10:44Z", "2026-11-25T13:10:44", "2026-11-25T24:00:00Z",
        "2026-11-25T13:60:00Z", "2026-11-25T13:10:60Z", "2026-11-25T13:10:44.Z", "2026-11-25T13:10:44+2:00",
        "2026-11-25T13:10:44+02:0", "2026-11-25T13:10:44+24:00", "2026-11-25T13:10:44Zjunk", "26-11-25T13:10:44Z",
        "", "not a date at all", "2026-11-25",
    ])
    func invalid(text: String) throws {
        let e = try #require(decodeError(Stamp.self, #"{"at":"\#(text)"}"#))
        #expect(e.reason == "not a valid ISO-8601 date")
        #expect(e.path == "$.at")
        #expect(e.byteOffset == 6)
        if !text.isEmpty { #expect(!e.description.contains(text)) }
    }

    @Test("many dates round trip exactly (ms precision)", arguments: 0..<8)
    func roundTrips(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &+ 31)
        var dates: [Date] = []
        for _ in 0..<2000 {
            // Milliseconds between 0001-01-01 and 9999-12-31.
            let ms = Int64(rng.next() % 315_537_897_600_000) - 62_135_596_800_000
            dates.append(Date(timeIntervalSinceReferenceDate: Double(ms - 978_307_200_000) / 1000))
        }
        // Day boundaries around leap years and the epoch.
        for year in [1600, 1700, 1899, 1900, 1969, 1970, 1999, 2000, 2004, 2100, 2400] {
            for (m, d) in [(1, 1), (2, 28), (2, 29), (3, 1), (12, 31)] {
                var c = DateComponents()
                c.year = year; c.month = m; c.day = d; c.hour = 23; c.minute = 59; c.second = 59
                var cal = Calendar(identifier: .gregorian)
                cal.timeZone = TimeZone(identifier: "UTC")!
                if let date = cal.date(from: c), cal.component(.month, from: date) == m {
                    let ms = Int64(date.timeIntervalSinceReferenceDate) * 1000
                    for delta: Int64 in [0, 1, 999, 1000, 1001] {
                        dates.append(Date(timeIntervalSinceReferenceDate: Double(ms + delta) / 1000))
                    }
                }
            }
        }
        let back = try roundTrip(dates)
        #expect(back == dates)
    }

    @Test("output agrees with ISO8601DateFormatter", arguments: 0..<4)
    func agreesWithFormatter(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &+ 99)
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        for _ in 0..<300 {
            let seconds = Double(Int64(rng.next() % 8_000_000_000) - 2_000_000_000)
            let date = Date(timeIntervalSince1970: seconds)
            #expect(try encodeString(date) == "\"\(formatter.string(from: date))\"")
            #expect(try decode(Date.self, "\"\(formatter.string(from: date))\"") == date)
        }
    }

    @Test("dates outside years 0...9999 cannot be encoded")
    func outOfRange() throws {
        let e = #expect(throws: JSONCodingError.self) {
            try fastEncoder.encode(Stamp(at: Date(timeIntervalSince1970: 1e12)))
        }
        #expect(e?.path == "$.at")
        #expect(throws: JSONCodingError.self) { try fastEncoder.encode(Date(timeIntervalSince1970: .infinity)) }
    }
}
