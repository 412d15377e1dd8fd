import Foundation
import Streams
import Testing
@testable import ZMart

/// The loaders stamp each input record with its purchase time, found without parsing the JSON.
@Suite("ZMart input: the purchase time of a record")
struct PurchaseTimeTests {
    func time(_ json: String) -> Int64? {
        var text = json
        return text.withUTF8 { ZMartInput.purchaseTime(UnsafeRawBufferPointer($0)) }
    }

    @Test func isTheDecodedPurchaseDateForGeneratedPurchases() throws {
        var generator = PurchaseGenerator(seed: 5)
        let encoder = FastJSONEncoder()
        for _ in 0..<500 {
            let purchase = generator.next()
            var bytes: [UInt8] = []
            try encoder.encode(purchase, into: &bytes)
            let json = String(decoding: bytes, as: UTF8.self)
            // As the topology's extractor reads it: from the purchase the JSON decodes to.
            let decoded = try FastJSONDecoder().decode(Purchase.self, from: bytes)
            #expect(time(json) == ZMartTopology.purchaseTime.extract(Record(key: decoded.customerId, value: decoded, timestamp: 0)))
        }
    }

    @Test func allowsWhitespaceAndAnyMemberOrder() {
        #expect(time(#"{ "purchaseDate" :  "1970-01-01T00:00:01.5Z" , "quantity": 1}"#) == 1_500)
        #expect(time("{\n\t\"quantity\": 1,\n\t\"purchaseDate\":\"1970-01-01T00:01:00Z\"\n}") == 60_000)
    }

    @Test func ignoresTheNameInsideAStringAndAnswersNilWithoutADate() {
        // Inside a string, the member's quotes are escaped: not a member.
        #expect(time(#"{"firstName":"x\",\"purchaseDate\":\"1970-01-01T00:00:09Z","purchaseDate":"1970-01-01T00:00:02Z"}"#) == 2_000)
        #expect(time(#"{"firstName":"purchaseDate"}"#) == nil)
        #expect(time(#"{"purchaseDate":42}"#) == nil)
        #expect(time(#"{"purchaseDate":"yesterday"}"#) == nil)
        #expect(time(#"{"purchaseDate":"1970-01-01T00:00:02Z"#) == nil)
        #expect(time("") == nil)
        #expect(time(#"{"quantity":1}"#) == nil)
    }
}
