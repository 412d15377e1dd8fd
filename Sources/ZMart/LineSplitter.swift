/// Splits a byte stream into `key TAB value` lines, reporting malformed ones by number.
///
/// Lines end with `\n` (a trailing `\r` is dropped). A line without a TAB, or an empty line,
/// is malformed; its content is never reported, only its number and the reason.
struct LineSplitter {
    enum Line {
        case record(number: Int, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
        case malformed(number: Int, reason: String)
    }

    private var carry: [UInt8] = []
    private(set) var lineNumber = 0

    /// Feeds a chunk; calls `body` for each complete line. The buffers are valid in the call.
    mutating func feed(_ chunk: UnsafeRawBufferPointer, _ body: (Line) throws -> Void) rethrows {
        var start = 0
        let count = chunk.count
        while start < count {
            guard let newline = Self.index(of: 0x0A, in: chunk, from: start) else {
                carry.append(contentsOf: chunk[start..<count])
                return
            }
            if carry.isEmpty {
                try emit(UnsafeRawBufferPointer(rebasing: chunk[start..<newline]), body)
            } else {
                carry.append(contentsOf: chunk[start..<newline])
                let line = carry
                carry.removeAll(keepingCapacity: true)
                try line.withUnsafeBytes { try emit($0, body) }
            }
            start = newline + 1
        }
    }

    /// Ends the stream: a last line without a newline still counts.
    mutating func finish(_ body: (Line) throws -> Void) rethrows {
        guard !carry.isEmpty else { return }
        let line = carry
        carry.removeAll()
        try line.withUnsafeBytes { try emit($0, body) }
    }

    private mutating func emit(_ raw: UnsafeRawBufferPointer, _ body: (Line) throws -> Void) rethrows {
        lineNumber += 1
        var line = raw
        if line.last == 0x0D { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
        if line.isEmpty {
            try body(.malformed(number: lineNumber, reason: "empty line"))
            return
        }
        guard let tab = Self.index(of: 0x09, in: line, from: 0) else {
            try body(.malformed(number: lineNumber, reason: "no TAB between the key and the purchase"))
            return
        }
        let value = UnsafeRawBufferPointer(rebasing: line[(tab + 1)...])
        if value.isEmpty {
            try body(.malformed(number: lineNumber, reason: "no purchase after the TAB"))
            return
        }
        try body(.record(number: lineNumber, key: UnsafeRawBufferPointer(rebasing: line[..<tab]), value: value))
    }

    private static func index(of byte: UInt8, in buffer: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < buffer.count, let base = buffer.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), buffer.count - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
