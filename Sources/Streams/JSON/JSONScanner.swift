/// The result of a failed scan: what was wrong and where.
struct JSONScanFailure {
    var reason: String
    var offset: Int
}

/// A single validating pass over UTF-8 JSON that builds the token tape.
///
/// On malformed input the scanner does not simply stop: it records the failure, puts an
/// `.error` token where the bad value (or member) would be and closes all open containers.
/// The typed decoding pass can then report the failure with the coding path of the value
/// that contained it.
struct JSONScanner {
    static let maxDepth = 512

    private let p: UnsafePointer<UInt8>
    private let n: Int
    private var i = 0
    private(set) var tokens: UnsafeMutablePointer<JSONToken>
    private(set) var count = 0
    private var capacity: Int
    /// Whether `tokens` was allocated by the scanner (and must be deallocated by the owner).
    private(set) var tokensOnHeap = false
    private var parent = -1
    private var inObject = false
    private var depth = 0
    private(set) var failure: JSONScanFailure?
    /// Tape index of the `.error` value token, or -1.
    private(set) var errorToken = -1

    private enum Position {
        /// A value was expected (for object members, the key is already on the tape).
        case value
        /// A member key was expected (nothing of the member is on the tape yet).
        case key
        /// Between elements, or after the root value.
        case afterValue
    }

    private static let ws: UInt8 = 0x20, nl: UInt8 = 0x0A, cr: UInt8 = 0x0D, tab: UInt8 = 0x09
    private static let quote: UInt8 = 0x22, backslash: UInt8 = 0x5C

    /// Creates a scanner writing the tape into `storage` (of `capacity` tokens) first,
    /// moving it to the heap when it outgrows it.
    init(_ p: UnsafePointer<UInt8>, count n: Int, storage: UnsafeMutablePointer<JSONToken>, capacity: Int) {
        self.p = p
        self.n = n
        self.capacity = capacity
        self.tokens = storage
    }

    /// A good initial tape capacity for `n` input bytes.
    static func estimatedTokens(_ n: Int) -> Int { min(n / 8 + 8, 4096) }

    // MARK: tape

    @inline(__always)
    private mutating func push(_ t: JSONToken) -> Int {
        if count == capacity { grow() }
        (tokens + count).initialize(to: t)
        count += 1
        return count - 1
    }

    @inline(never)
    private mutating func grow() {
        let newCapacity = capacity * 2
        let newTokens = UnsafeMutablePointer<JSONToken>.allocate(capacity: newCapacity)
        newTokens.moveInitialize(from: tokens, count: count)
        if tokensOnHeap { tokens.deallocate() }
        tokensOnHeap = true
        tokens = newTokens
        capacity = newCapacity
    }

    // MARK: main loop

    /// Scans the whole input. Afterwards `failure` is set if the input is not valid JSON.
    mutating func run() {
        valueLoop: while true {
            skipWhitespace()
            guard i < n else { return fail(.value, "unexpected end of input, expected a value", at: i) }
            if parent >= 0 && !inObject { tokens[parent].length &+= 1 }
            switch p[i] {
            case Self.quote:
                guard scanString() else { return }
            case 0x7B: // {
                guard depth < Self.maxDepth else {
                    return fail(.value, "nesting deeper than \(Self.maxDepth) levels", at: i)
                }
                depth += 1
                parent = push(JSONToken(kind: .object, start: i, end: UInt32(bitPattern: Int32(parent))))
                inObject = true
                i += 1
                skipWhitespace()
                if i < n && p[i] == 0x7D {
                    i += 1
                    close()
                } else {
                    guard scanKey() else { return }
                    continue valueLoop
                }
            case 0x5B: // [
                guard depth < Self.maxDepth else {
                    return fail(.value, "nesting deeper than \(Self.maxDepth) levels", at: i)
                }
                depth += 1
                parent = push(JSONToken(kind: .array, start: i, end: UInt32(bitPattern: Int32(parent))))
                inObject = false
                i += 1
                skipWhitespace()
                if i < n && p[i] == 0x5D {
                    i += 1
                    close()
                } else {
                    continue valueLoop
                }
            case 0x2D, 0x30...0x39:
                guard scanNumber() else { return }
            case 0x74: // t
                guard scanLiteral(0x74_72_75_65, length: 4, kind: .true) else { return }
            case 0x66: // f
                guard scanLiteral(0x66_61_6C_73, length: 5, kind: .false) else { return }
            case 0x6E: // n
                guard scanLiteral(0x6E_75_6C_6C, length: 4, kind: .null) else { return }
            default:
                return fail(.value, "unexpected character, expected a value", at: i)
            }
            // After a complete value: separators and closing brackets.
            while parent >= 0 {
                skipWhitespace()
                guard i < n else {
                    return fail(.afterValue, inObject ? "unterminated object" : "unterminated array", at: i)
                }
                let c = p[i]
                if c == 0x2C { // ,
                    i += 1
                    if inObject {
                        guard scanKey() else { return }
                    }
                    continue valueLoop
                }
                if inObject ? c == 0x7D : c == 0x5D {
                    i += 1
                    close()
                    continue
                }
                return fail(.afterValue, inObject ? "expected ',' or '}' after an object member"
                                                  : "expected ',' or ']' after an array element", at: i)
            }
            break
        }
        skipWhitespace()
        if i != n { fail(.afterValue, "trailing characters after the JSON value", at: i) }
    }

    @inline(__always)
    private mutating func close() {
        let q = parent
        let up = Int(Int32(bitPattern: tokens[q].end))
        tokens[q].end = UInt32(truncatingIfNeeded: count)
        if inObject { tokens[q].length = UInt32(truncatingIfNeeded: q + 1) }
        depth -= 1
        parent = up
        inObject = up >= 0 && tokens[up].kind == .object
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while i < n {
            let c = p[i]
            if c == Self.ws || c == Self.nl || c == Self.cr || c == Self.tab { i += 1 } else { return }
        }
    }

    /// Scans `"key"` and the following `:`.
    @inline(__always)
    private mutating func scanKey() -> Bool {
        skipWhitespace()
        guard i < n else { fail(.key, "unterminated object", at: i); return false }
        guard p[i] == Self.quote else { fail(.key, "expected a string key", at: i); return false }
        guard scanString(asKey: true) else { return false }
        skipWhitespace()
        guard i < n, p[i] == 0x3A else {
            fail(.value, i < n ? "expected ':' after an object key" : "unterminated object", at: i)
            return false
        }
        i += 1
        return true
    }

    // MARK: failure

    @inline(never)
    private mutating func fail(_ position: Position, _ reason: String, at offset: Int) {
        failure = JSONScanFailure(reason: reason, offset: offset)
        let error = JSONToken(kind: .error, start: offset)
        let hasParent = parent >= 0
        switch position {
        case .value:
            errorToken = push(error)
        case .key, .afterValue:
            if hasParent && inObject {
                _ = push(error) // key placeholder
                errorToken = push(error)
            } else if hasParent {
                tokens[parent].length &+= 1
                errorToken = push(error)
            }
        }
        while parent >= 0 { close() }
    }

    // MARK: strings

    /// Bit mask (high bit of each byte) of bytes that are `"`, `\\`, control or non-ASCII.
    /// The lowest set bit is exact (false positives can only occur above a true match).
    @inline(__always)
    static func specialMask(_ w: UInt64) -> UInt64 {
        let lo: UInt64 = 0x0101_0101_0101_0101
        let hi: UInt64 = 0x8080_8080_8080_8080
        let q = w ^ (lo &* 0x22)
        let b = w ^ (lo &* 0x5C)
        return (((q &- lo) & ~q) | ((b &- lo) & ~b) | ((w &- lo &* 0x20) & ~w) | w) & hi
    }

    @inline(__always)
    private mutating func scanString(asKey: Bool = false) -> Bool {
        let start = i &+ 1
        var j = start
        var flags: UInt8 = 0
        while true {
            // Jump over plain ASCII eight bytes at a time, landing exactly on the first special byte.
            while j &+ 8 <= n {
                let mask = Self.specialMask(UnsafeRawPointer(p + j).loadUnaligned(as: UInt64.self))
                if mask != 0 {
                    j &+= mask.trailingZeroBitCount >> 3
                    break
                }
                j &+= 8
            }
            guard j < n else { return stringFailure("unterminated string", at: i, asKey: asKey) }
            let c = p[j]
            if c == Self.quote { break }
            if c == Self.backslash {
                flags |= JSONToken.stringHasEscapes
                guard let next = validateEscape(at: j, position: asKey ? .key : .value) else { return false }
                j = next
            } else if c >= 0x80 {
                flags |= JSONToken.stringHasNonASCII
                guard let next = validateUTF8(at: j) else { return stringFailure("invalid UTF-8", at: j, asKey: asKey) }
                j = next
            } else if c < 0x20 {
                return stringFailure("control character in string", at: j, asKey: asKey)
            } else {
                j &+= 1
            }
        }
        _ = push(JSONToken(kind: .string, start: start, length: j &- start, flags: flags))
        i = j &+ 1
        return true
    }

    @inline(never)
    private mutating func stringFailure(_ reason: String, at offset: Int, asKey: Bool) -> Bool {
        fail(asKey ? .key : .value, reason, at: offset)
        return false
    }

    @inline(__always)
    private func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x30...0x39: return UInt32(c - 0x30)
        case 0x41...0x46: return UInt32(c - 0x41 + 10)
        case 0x61...0x66: return UInt32(c - 0x61 + 10)
        default: return nil
        }
    }

    private func hex4(at k: Int) -> UInt32? {
        guard k + 4 <= n else { return nil }
        guard let a = hexValue(p[k]), let b = hexValue(p[k + 1]), let c = hexValue(p[k + 2]), let d = hexValue(p[k + 3])
        else { return nil }
        return a << 12 | b << 8 | c << 4 | d
    }

    /// Validates the escape starting at the backslash at `j`; returns the index after it.
    private mutating func validateEscape(at j: Int, position: Position) -> Int? {
        guard j + 1 < n else { fail(position, "unterminated string", at: j); return nil }
        switch p[j + 1] {
        case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
            return j + 2
        case 0x75: // u
            guard let u = hex4(at: j + 2) else {
                fail(position, "invalid \\u escape, expected 4 hexadecimal digits", at: j); return nil
            }
            if u >= 0xD800 && u <= 0xDBFF {
                guard j + 7 < n, p[j + 6] == Self.backslash, p[j + 7] == 0x75,
                      let low = hex4(at: j + 8), low >= 0xDC00 && low <= 0xDFFF else {
                    fail(position, "invalid \\u escape: lone surrogate", at: j); return nil
                }
                return j + 12
            }
            if u >= 0xDC00 && u <= 0xDFFF {
                fail(position, "invalid \\u escape: lone surrogate", at: j); return nil
            }
            return j + 6
        default:
            fail(position, "invalid escape sequence", at: j); return nil
        }
    }

    /// Validates one UTF-8 sequence with lead byte at `j` (>= 0x80); returns the index after it.
    @inline(__always)
    private func validateUTF8(at j: Int) -> Int? {
        let c = p[j]
        @inline(__always) func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            k < n && p[k] >= lo && p[k] <= hi
        }
        switch c {
        case 0xC2...0xDF:
            return cont(j + 1) ? j + 2 : nil
        case 0xE0:
            return cont(j + 1, 0xA0) && cont(j + 2) ? j + 3 : nil
        case 0xED:
            return cont(j + 1, 0x80, 0x9F) && cont(j + 2) ? j + 3 : nil
        case 0xE1...0xEF:
            return cont(j + 1) && cont(j + 2) ? j + 3 : nil
        case 0xF0:
            return cont(j + 1, 0x90) && cont(j + 2) && cont(j + 3) ? j + 4 : nil
        case 0xF1...0xF3:
            return cont(j + 1) && cont(j + 2) && cont(j + 3) ? j + 4 : nil
        case 0xF4:
            return cont(j + 1, 0x80, 0x8F) && cont(j + 2) && cont(j + 3) ? j + 4 : nil
        default:
            return nil
        }
    }

    // MARK: numbers and literals

    @inline(__always)
    private func isDigit(_ k: Int) -> Bool { k < n && p[k] &- 0x30 < 10 }

    @inline(__always)
    private mutating func scanNumber() -> Bool {
        let start = i
        var k = i
        var flags: UInt8 = 0
        if p[k] == 0x2D {
            flags |= JSONToken.numberNegative
            k += 1
        }
        guard isDigit(k) else { fail(.value, "invalid number, expected a digit", at: k); return false }
        if p[k] == 0x30 {
            k += 1
            if isDigit(k) { fail(.value, "invalid number, leading zero", at: start); return false }
        } else {
            while isDigit(k) { k += 1 }
        }
        if k < n && p[k] == 0x2E {
            k += 1
            guard isDigit(k) else {
                fail(.value, "invalid number, expected a digit after the decimal point", at: k); return false
            }
            while isDigit(k) { k += 1 }
            flags |= JSONToken.numberHasFraction
        }
        if k < n && (p[k] | 0x20) == 0x65 {
            k += 1
            if k < n && (p[k] == 0x2B || p[k] == 0x2D) { k += 1 }
            guard isDigit(k) else { fail(.value, "invalid number, expected a digit in the exponent", at: k); return false }
            while isDigit(k) { k += 1 }
            flags |= JSONToken.numberHasExponent
        }
        _ = push(JSONToken(kind: .number, start: start, length: k - start, flags: flags))
        i = k
        return true
    }

    /// `word` holds the first four bytes big-endian; `false` additionally checks the trailing "e".
    @inline(__always)
    private mutating func scanLiteral(_ word: UInt32, length: Int, kind: JSONTokenKind) -> Bool {
        var ok = i + length <= n
        if ok {
            let w = UInt32(p[i]) << 24 | UInt32(p[i + 1]) << 16 | UInt32(p[i + 2]) << 8 | UInt32(p[i + 3])
            ok = w == word && (length == 4 || p[i + 4] == 0x65)
        }
        guard ok else { fail(.value, "invalid literal", at: i); return false }
        _ = push(JSONToken(kind: kind, start: i, length: length))
        i += length
        return true
    }
}
