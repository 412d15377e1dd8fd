import Foundation
import Streams
import Testing

@Suite("Strings")
struct StringTests {
    @Test("escape sequences decode", arguments: [
        (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{08}\u{0C}\n\r\t"),
        (#""\u0041\u00e9\u20AC\u0000""#, "Aé€\u{0}"),
        (#""\ud83d\ude00""#, "😀"),
        (#""a\uD834\uDD1Eb""#, "a𝄞b"),
        (#""plain ascii""#, "plain ascii"),
        ("\"héllo wörld 😀 中文\"", "héllo wörld 😀 中文"),
        (#""""#, ""),
    ])
    func decodeEscapes(json: String, expected: String) throws {
        #expect(try decode(String.self, json) == expected)
    }

    @Test("lone surrogates are rejected", arguments: [
        #""\ud83d""#, #""\ude00""#, #""\ud83dx""#, #""\ud83d\u0041""#, #""\udbff\udbff""#, #""abc\uDC00def""#,
    ])
    func loneSurrogates(json: String) throws {
        let e = try #require(decodeError(String.self, json))
        #expect(e.reason == "invalid \\u escape: lone surrogate")
        #expect(e.path == "$")
    }

    @Test("encoder escapes quotes, backslashes and control characters")
    func encodeEscapes() throws {
        #expect(try encodeString("a\"b\\c/d") == #""a\"b\\c/d""#)
        #expect(try encodeString("\n\r\t\u{08}\u{0C}") == #""\n\r\t\b\f""#)
        #expect(try encodeString("\u{0}\u{1}\u{1F}\u{7F}") == "\"\\u0000\\u0001\\u001f\u{7F}\"")
        #expect(try encodeString("é😀中") == "\"é😀中\"")
        #expect(try fastEncoder.encode("é😀") == Array("\"é😀\"".utf8))
        #expect(try encodeString(["k\"ey": 1]) == #"{"k\"ey":1}"#)
        let long = String(repeating: "abcdefgh", count: 20) + "\"" + String(repeating: "ü", count: 30) + "\n"
        #expect(try roundTrip(long) == long)
    }

    @Test("random strings round trip through both codecs", arguments: 0..<6)
    func randomStrings(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &+ 500)
        let pools: [ClosedRange<UInt32>] = [0...0x7F, 0x80...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF, 0...0x1F]
        var strings: [String] = []
        for _ in 0..<300 {
            var s = String.UnicodeScalarView()
            for _ in 0..<Int(rng.next() % 40) {
                let pool = pools[Int(rng.next() % UInt64(pools.count))]
                let v = pool.lowerBound + UInt32(rng.next() % UInt64(pool.upperBound - pool.lowerBound + 1))
                s.append(Unicode.Scalar(v)!)
            }
            strings.append(String(s))
        }
        let bytes = try fastEncoder.encode(strings)
        #expect(try fastDecoder.decode([String].self, from: bytes) == strings)
        #expect(try JSONDecoder().decode([String].self, from: Data(bytes)) == strings)
        let foundationBytes = try JSONEncoder().encode(strings)
        #expect(try fastDecoder.decode([String].self, from: [UInt8](foundationBytes)) == strings)
    }

    @Test("strings with escapes as keys and in nested values")
    func escapedKeys() throws {
        let d = try decode([String: String].self, #"{"a\nb":"c\td","\u00fc":"\u00FC"}"#)
        #expect(d == ["a\nb": "c\td", "ü": "ü"])
    }
}
