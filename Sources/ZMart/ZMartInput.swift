import Foundation
import Streams

/// ZMart's input: the lines of an input file, or generated purchases, as `key TAB JSON`
/// records numbered from 1.
enum ZMartInput {
    enum Event {
        /// A well-formed line (or a generated purchase); the buffers are valid during the call.
        case record(line: Int, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
        /// A line that is not `key TAB value`; never its content.
        case malformed(ZMartRun.MalformedLine)
    }

    /// Calls `body` for every input record of `options`, in order: the lines of
    /// ``ZMartRun/Options/input`` (at most ``ZMartRun/Options/records`` of them), or that many
    /// generated purchases (100,000 by default).
    @inline(__always)
    static func forEach(_ options: ZMartRun.Options, _ body: (Event) throws -> Void) throws {
        if let input = options.input {
            let limit = options.records ?? .max
            // A class with unchecked exclusivity: a captured `var` would cost a run-time
            // exclusivity check per line.
            let counter = LineCounter()
            var splitter = LineSplitter()
            let file = try InputFile(url: input)
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            func handle(_ line: LineSplitter.Line) throws {
                guard counter.seen < limit else { return }
                counter.seen += 1
                switch line {
                case .record(let number, let key, let value):
                    try body(.record(line: number, key: key, value: value))
                case .malformed(let number, let reason):
                    try body(.malformed(ZMartRun.MalformedLine(line: number, reason: reason)))
                }
            }
            while counter.seen < limit {
                let count = try file.read(into: &chunk)
                if count == 0 {
                    try splitter.finish(handle)
                    break
                }
                try chunk.withUnsafeBytes { whole in
                    try splitter.feed(UnsafeRawBufferPointer(rebasing: whole[..<count]), handle)
                }
            }
        } else {
            var generator = PurchaseGenerator(seed: options.seed)
            let encoder = FastJSONEncoder()
            var value: [UInt8] = []
            value.reserveCapacity(512)
            for number in 0..<(options.records ?? 100_000) {
                let (key, purchase) = generator.nextRecord()
                value.removeAll(keepingCapacity: true)
                try encoder.encode(purchase, into: &value)
                var keyText = key
                try keyText.withUTF8 { keyBytes in
                    try value.withUnsafeBytes { valueBytes in
                        try body(.record(line: number + 1, key: UnsafeRawBufferPointer(keyBytes), value: valueBytes))
                    }
                }
            }
        }
    }

    /// About how many bytes the input holds: the file's size, or an estimate for generated
    /// purchases.
    static func estimatedBytes(_ options: ZMartRun.Options) -> Int {
        if let input = options.input {
            let size = (try? FileManager.default.attributesOfItem(atPath: input.path)[.size] as? Int) ?? 0
            guard let records = options.records else { return size }
            return min(size, records * 400)
        }
        // A generated purchase line is about 300 bytes.
        return (options.records ?? 100_000) * 300
    }
}

/// Lines read so far; used by one thread.
private final class LineCounter {
    @exclusivity(unchecked) var seen = 0
}

extension ZMartInput {
    /// The purchase time of an input record's JSON, in milliseconds since the epoch: what the
    /// loaders stamp on each `transactions` record, as a point-of-sale system producing its
    /// purchases would (the record's create time is the event's). Runtimes process their
    /// partitions' records in timestamp order, so a bulk load of purchases reaches the
    /// windowed aggregations in event-time order rather than one partition's hours ahead of
    /// another's.
    ///
    /// Only an ordering hint: the topology's timestamp extractor still reads the time from the
    /// decoded purchase. So the JSON is not parsed, only searched for a top-level-looking
    /// `"purchaseDate":` member (after `{` or `,`, so never inside a string, where a quote is
    /// escaped); `nil` when there is none or its value is not a date (the record is then
    /// stamped with the load time, and a malformed one fails when processed).
    static func purchaseTime(_ value: UnsafeRawBufferPointer) -> Int64? {
        guard let range = dateValue(in: value),
            let date = try? FastJSONDecoder().decode(JSONDateValue.self, from: UnsafeRawBufferPointer(rebasing: value[range]))
        else { return nil }
        return Int64((date.date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// Where the string value of the `purchaseDate` member is, quotes included.
    private static func dateValue(in json: UnsafeRawBufferPointer) -> Range<Int>? {
        guard let base = json.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }
        let count = json.count
        let member: StaticString = #""purchaseDate""#
        let length = member.utf8CodeUnitCount
        var start = 0
        while start + length <= count {
            // Found by its `D`, rarer in purchases than its quote.
            guard let found = memchr(base + start + 9, Int32(UInt8(ascii: "D")), count - length + 1 - start) else { return nil }
            let quote = UnsafeRawPointer(found).assumingMemoryBound(to: UInt8.self) - base - 9
            start = quote + 1
            guard memcmp(base + quote, member.utf8Start, length) == 0 else { continue }
            var before = quote - 1
            while before >= 0, isSpace(base[before]) { before -= 1 }
            guard before >= 0, base[before] == UInt8(ascii: "{") || base[before] == UInt8(ascii: ",") else { continue }
            var at = quote + length
            while at < count, isSpace(base[at]) { at += 1 }
            guard at < count, base[at] == UInt8(ascii: ":") else { continue }
            at += 1
            while at < count, isSpace(base[at]) { at += 1 }
            guard at < count, base[at] == 0x22 else { return nil }
            // A date has no escapes: its closing quote is the next one.
            guard let close = memchr(base + at + 1, 0x22, count - at - 1) else { return nil }
            let end = UnsafeRawPointer(close).assumingMemoryBound(to: UInt8.self) - base
            return at..<(end + 1)
        }
        return nil
    }
}

/// One JSON date string.
private struct JSONDateValue: FastJSONCodable {
    var date: Date

    func writeJSON(to writer: inout JSONWriter) throws(JSONCodingError) {
        try writer.value(date)
    }

    init(readingJSON reader: inout JSONReader) throws(JSONCodingError) {
        date = try reader.readDate()
    }
}
