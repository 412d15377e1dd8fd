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
