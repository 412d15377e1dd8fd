import Foundation
import Streams
import Testing

/// `[String: Value]` on the fast path: the same bytes as Codable's keyed encoding, keys that
/// need escaping included, and error paths that never show a key read from data.
@Suite("Fast path: dictionaries with string keys")
struct FastPathDictionaryTests {
    @Test("writer bytes equal the Codable encoder's, both readers agree", arguments: 0..<4)
    func dictionaries(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &+ 4400)
        for size in 0..<60 {
            var counts: [String: Int] = [:]
            var nested: [String: [String: Double]] = [:]
            for index in 0..<size {
                let key = index < FastSamples.tricky.count ? FastSamples.tricky[index] : FastSamples.string(&rng)
                counts[key] = Int(truncatingIfNeeded: rng.next())
                nested[key, default: [:]]["d\(index)"] = FastSamples.double(&rng)
            }
            expectSameBytes(try fastBytes(counts), try codableBytes(counts))
            #expect(try fastDecode([String: Int].self, try codableBytes(counts)) == counts)
            #expect(try codableDecode([String: Int].self, try fastBytes(counts)) == counts)
            expectSameBytes(try fastBytes(nested), try codableBytes(nested))
            #expect(try fastDecode([String: [String: Double]].self, try codableBytes(nested)).count == nested.count)
        }
    }

    @Test("a bad value is reported under .*, never under the key it was read from")
    func errorPathsHideDataKeys() throws {
        let secret = "4111111111111111"
        let json = #"{"\#(secret)":"not a number"}"#
        #expect {
            try fastDecode([String: Int].self, json)
        } throws: { error in
            let text = String(describing: error)
            return text.contains("$.*") && !text.contains(secret)
        }
    }
}
