import Foundation
import Streams
import Testing

@Suite("Serdes")
struct SerdeTests {
    @Test(arguments: ["", "hello", "grüße 👋", String(repeating: "x", count: 1000)])
    func stringRoundTrip(text: String) throws {
        let serde = Serde<String>.string
        #expect(try serde.deserialize(serde.serialize(text)) == text)
    }

    @Test func invalidUTF8IsAnErrorWithoutTheBytes() {
        let error = #expect(throws: StreamsError.self) {
            try Serde<String>.string.deserialize([0x41, 0xff, 0x42] as [UInt8]?)
        }
        #expect(error?.code == .deserialization)
        #expect(error?.message.contains("UTF-8") == true)
    }

    @Test(arguments: [Int32.min, -1, 0, 1, 258, Int32.max])
    func int32IsFourBytesBigEndian(value: Int32) throws {
        let bytes = try #require(try Serde<Int32>.int32.serialize(value))
        #expect(bytes.count == 4)
        #expect(bytes == withUnsafeBytes(of: value.bigEndian) { Array($0) })
        #expect(try Serde<Int32>.int32.deserialize(bytes) == value)
    }

    @Test func int32MatchesJavaIntegerSerializer() throws {
        #expect(try Serde<Int32>.int32.serialize(258) == [0, 0, 1, 2])
        #expect(try Serde<Int64>.int64.serialize(-2) == [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe])
    }

    @Test(arguments: [Int64.min, -1, 0, 1_700_000_000_000, Int64.max])
    func int64RoundTrip(value: Int64) throws {
        let bytes = try #require(try Serde<Int64>.int64.serialize(value))
        #expect(bytes.count == 8)
        #expect(try Serde<Int64>.int64.deserialize(bytes) == value)
    }

    @Test(arguments: [0.0, -0.5, 3.141592653589793, Double.greatestFiniteMagnitude, .infinity])
    func doubleRoundTrip(value: Double) throws {
        let bytes = try #require(try Serde<Double>.double.serialize(value))
        #expect(bytes == withUnsafeBytes(of: value.bitPattern.bigEndian) { Array($0) })
        #expect(try Serde<Double>.double.deserialize(bytes) == value)
    }

    @Test(arguments: [0, 3, 5, 9])
    func wrongLengthIsAnError(length: Int) {
        let bytes = [UInt8](repeating: 7, count: length)
        let error = #expect(throws: StreamsError.self) { try Serde<Int64>.int64.deserialize(bytes) }
        #expect(error?.message.contains("got \(length)") == true)
        #expect(throws: StreamsError.self) { try Serde<Int32>.int32.deserialize([1, 2] as [UInt8]?) }
    }

    @Test func bytesAndUUID() throws {
        #expect(try Serde<[UInt8]>.bytes.deserialize(Serde<[UInt8]>.bytes.serialize([1, 2, 3])) == [1, 2, 3])
        let id = UUID()
        let bytes = try #require(try Serde<UUID>.uuid.serialize(id))
        #expect(bytes.count == 36)
        #expect(try Serde<UUID>.uuid.deserialize(bytes) == id)
        #expect(throws: StreamsError.self) { try Serde<UUID>.uuid.deserialize(Array("not-a-uuid".utf8)) }
    }

    @Test func nullNeedsAnOptionalSerde() throws {
        #expect(throws: StreamsError.self) { try Serde<String>.string.deserialize(nil as [UInt8]?) }
        let optional = Serde<String>.string.optional
        #expect(try optional.deserialize(nil as [UInt8]?) == nil)
        #expect(try optional.serialize(nil) == nil)
        #expect(try optional.serialize("a") == [0x61])
    }

    struct Order: Codable, Equatable {
        var id: Int
        var item: String
        var price: Double
        var at: Date
        var note: String?
    }

    @Test func jsonRoundTrip() throws {
        let serde = Serde<Order>.json()
        let order = Order(id: 7, item: "lamp", price: 19.99, at: Date(timeIntervalSince1970: 1_764_000_000), note: nil)
        let bytes = try #require(try serde.serialize(order))
        #expect(try serde.deserialize(bytes) == order)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\"at\":\"2025-11-24T16:00:00Z\""))
        #expect(!text.contains(" "))
    }

    @Test func badJSONNamesTheProblemNotTheBytes() {
        let secret = "4111-1111-1111-1111"
        let bad = Array("{\"id\":\"\(secret)\",\"item\":\"x\",\"price\":1,\"at\":\"2025-01-01T00:00:00Z\"}".utf8)
        do {
            _ = try Serde<Order>.json().deserialize(bad)
            Issue.record("expected an error")
        } catch {
            let text = String(describing: error)
            #expect(text.contains("id"))
            #expect(!text.contains(secret))
            #expect(!text.contains("4111"))
        }
    }
}
