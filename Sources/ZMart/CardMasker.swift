/// Masks payment card numbers so that they are never exposed downstream.
///
/// `CardMasker` is the privacy core of ZMart: every purchase passes through
/// ``mask(_:)`` before it leaves the ingestion stage, and free text such as
/// record keys can be scrubbed with ``maskEmbeddedCardNumbers(in:)``.
///
/// ## Accepted card format
///
/// A card number is 12 to 19 ASCII digits (`0`–`9`). Digits may be separated
/// by a *single* space or a *single* dash (`-`), mixed freely, for example
/// `"1234 5678-9012 3456"`. Leading and trailing ASCII whitespace (space,
/// tab, line feed, carriage return, vertical tab, form feed) is trimmed away
/// and does not appear in the output.
///
/// Masking keeps the last four digits, replaces every other digit with `x`
/// and keeps the separators in place:
///
/// | Input                   | Output                  |
/// |-------------------------|-------------------------|
/// | `1234-5678-9012-3456`   | `xxxx-xxxx-xxxx-3456`   |
/// | `1234567890123`         | `xxxxxxxxx0123`         |
/// | `4111 1111 1111 1111`   | `xxxx xxxx xxxx 1111`   |
///
/// ## Everything else is masked whole
///
/// Any value that is not a card number in the format above — too few or too
/// many digits, letters, other separators (dots, slashes, inner tabs), double,
/// leading or trailing separators, non-ASCII digits, the empty string — maps
/// to the fixed ``unparseableMask``, which carries no digit and no character
/// derived from the input.
///
/// The single exception is a value that is already in masked form: `x`
/// placeholders and separators followed by exactly four digits, 12 to 19
/// positions in total (for example `"xxxx-xxxx-xxxx-3456"`). Such a value
/// maps to itself (after trimming), so masking is idempotent.
///
/// All functions work on UTF-8 bytes and allocate at most one string.
public enum CardMasker {
    /// The fixed result for any input that is not a recognisable card number.
    ///
    /// It contains no digit and no character of the input.
    public static let unparseableMask = "xxxx-xxxx-xxxx-xxxx"

    /// The smallest number of digits accepted as a card number (12).
    public static let minimumDigits = 12

    /// The largest number of digits accepted as a card number (19).
    public static let maximumDigits = 19

    /// The number of trailing digits that masking leaves visible (4).
    public static let keptDigits = 4

    // MARK: - Whole-field masking

    /// Masks a field that is supposed to hold a single card number.
    ///
    /// - Parameter field: The raw credit card field, for example
    ///   `"4111 1111 1111 1111"` or `" 1234-5678-9012-3456 "`.
    /// - Returns: The card number with all but the last four digits replaced
    ///   by `x`, separators kept and surrounding whitespace trimmed; the field
    ///   itself (trimmed) if it is already masked; otherwise
    ///   ``unparseableMask``.
    public static func mask(_ field: String) -> String {
        if let outcome = field.utf8.withContiguousStorageIfAvailable(maskOutcome) {
            return resolve(outcome, original: field)
        }
        var contiguous = field
        contiguous.makeContiguousUTF8()
        let outcome = contiguous.utf8.withContiguousStorageIfAvailable(maskOutcome) ?? .unparseable
        return resolve(outcome, original: field)
    }

    /// Reports whether a field would be masked as a card number, rather than
    /// replaced by ``unparseableMask``.
    ///
    /// - Parameter field: The raw credit card field.
    /// - Returns: `true` if the field is a card number in the accepted format
    ///   (see ``CardMasker``); `false` for anything else, including values
    ///   that are already masked.
    public static func isCardNumber(_ field: String) -> Bool {
        var contiguous = field
        return contiguous.withUTF8 { bytes in
            if case .card = classify(bytes) { return true }
            return false
        }
    }

    // MARK: - Free-text masking

    /// Masks every card number embedded in free text.
    ///
    /// A *run* is a maximal sequence of ASCII digits in which consecutive
    /// digits may be separated by a single space or a single dash. Every run
    /// holding 12 to 19 digits has all but its last four digits replaced by
    /// `x`; a run holding more than 19 digits has *all* its digits replaced
    /// by `x`. Separators and all other text are left unchanged, so the
    /// result has the same length (in bytes) as the input.
    ///
    /// For example `"card 4111-1111-1111-1111 bought"` becomes
    /// `"card xxxx-xxxx-xxxx-1111 bought"`, while `"zip 90210"` and
    /// `"C-004711"` are returned unchanged.
    ///
    /// Text without a run of 12 or more digits is detected with a single
    /// byte scan and returned as is, without allocating.
    ///
    /// - Parameter text: Arbitrary text, such as a record key or a name field.
    /// - Returns: The text with embedded card numbers masked.
    public static func maskEmbeddedCardNumbers(in text: String) -> String {
        if let result = text.utf8.withContiguousStorageIfAvailable(maskEmbedded) {
            return result ?? text
        }
        var contiguous = text
        contiguous.makeContiguousUTF8()
        let result = contiguous.utf8.withContiguousStorageIfAvailable(maskEmbedded) ?? nil
        return result ?? text
    }

    /// Like ``maskEmbeddedCardNumbers(in:)``, but `nil` when the text holds no card number, so
    /// callers on a hot path change (and copy) nothing in the common case.
    static func maskEmbeddedCardNumbersIfAny(in text: String) -> String? {
        guard text.utf8.count >= minimumDigits else { return nil }
        let masked = maskEmbeddedCardNumbers(in: text)
        return masked == text ? nil : masked
    }

    // MARK: - Implementation

    /// The result of inspecting a whole field.
    enum Classification: Equatable {
        /// Not a card number and not already masked.
        case unparseable
        /// A card number occupying `start..<end`; bit `i` of `hidden` is set
        /// when byte `start + i` is a digit to replace by `x`.
        case card(start: Int, end: Int, hidden: UInt64)
        /// An already-masked value occupying `start..<end`.
        case masked(start: Int, end: Int)
    }

    /// What ``mask(_:)`` should return.
    enum Outcome {
        case unparseable
        case original
        case string(String)
    }

    private static let space: UInt8 = 0x20
    private static let dash: UInt8 = 0x2D
    private static let lowercaseX: UInt8 = 0x78

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte &- 0x30 < 10
    }

    @inline(__always)
    static func isSeparator(_ byte: UInt8) -> Bool {
        byte == space || byte == dash
    }

    @inline(__always)
    static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == space || (byte >= 0x09 && byte <= 0x0D)
    }

    /// Classifies a whole field given as UTF-8 bytes.
    ///
    /// The trimmed field (12 to 37 bytes) is read as 64-bit words and
    /// classified eight bytes at a time (SWAR) into one bit mask per byte
    /// class; the format rules are then checked on the masks. This avoids
    /// per-byte, data-dependent branches, which matter because card layouts
    /// vary from record to record.
    static func classify(_ bytes: UnsafeBufferPointer<UInt8>) -> Classification {
        var start = 0
        var end = bytes.count
        while start < end, isASCIIWhitespace(bytes[start]) { start += 1 }
        while end > start, isASCIIWhitespace(bytes[end - 1]) { end -= 1 }

        // At most 19 positions and 18 separators.
        let length = end - start
        guard length >= minimumDigits, length <= 2 * maximumDigits - 1 else {
            return .unparseable
        }

        // Whole words are loaded directly; the last partial word is loaded
        // as the final eight bytes of the field (in bounds because the field
        // has at least 12 bytes) and shifted down past the overlap.
        let base = UnsafeRawPointer(bytes.baseAddress!) + start
        var masks = ByteClassMasks()
        let wholeWords = length / 8
        for word in 0..<wholeWords {
            let value = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * word, as: UInt64.self))
            masks.add(value, at: UInt64(8 * word))
        }
        let tail = length % 8
        if tail > 0 {
            let last = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self))
            masks.add(last >> UInt64(64 - 8 * tail), at: UInt64(8 * wholeWords))
        }

        let allBytes: UInt64 = (1 &<< UInt64(length)) &- 1
        let edges: UInt64 = 1 | (1 &<< UInt64(length - 1))
        let separators = masks.separators
        let malformed =
            masks.nonASCII != 0
            // A byte that is neither digit, placeholder nor separator.
            || (masks.digits | masks.placeholders | separators) != allBytes
            // Doubled, leading or trailing separators.
            || separators & (separators >> 1) != 0
            || separators & edges != 0
        if malformed { return .unparseable }

        let digits = masks.digits.nonzeroBitCount
        let positions = digits + masks.placeholders.nonzeroBitCount
        guard positions >= minimumDigits, positions <= maximumDigits else {
            return .unparseable
        }
        if masks.placeholders == 0 {
            // Hide every digit except the four highest (rightmost) ones.
            var hidden = masks.digits
            for _ in 0..<keptDigits {
                hidden &= ~(1 &<< UInt64(63 - hidden.leadingZeroBitCount))
            }
            return .card(start: start, end: end, hidden: hidden)
        }
        // Already masked: all placeholders precede all digits, four digits.
        let lowestDigit = masks.digits & (0 &- masks.digits)
        if digits == keptDigits, masks.placeholders < lowestDigit {
            return .masked(start: start, end: end)
        }
        return .unparseable
    }

    /// Per-byte class masks of up to 64 bytes: bit `i` describes byte `i`.
    struct ByteClassMasks {
        var digits: UInt64 = 0
        var placeholders: UInt64 = 0
        var separators: UInt64 = 0
        /// Non-zero if any byte is outside ASCII.
        var nonASCII: UInt64 = 0

        private static let lows: UInt64 = 0x0101_0101_0101_0101
        private static let highs: UInt64 = 0x8080_8080_8080_8080

        /// Classifies eight bytes and records them as bits
        /// `offset..<offset + 8`.
        ///
        /// - Parameters:
        ///   - word: The bytes in little-endian order: byte `i` is bits
        ///     `8 * i ..< 8 * i + 8` (zero bytes count as "other").
        ///   - offset: The position of the first byte.
        @inline(__always)
        mutating func add(_ word: UInt64, at offset: UInt64) {
            nonASCII |= word & Self.highs
            let digitHighs = Self.atLeast(word, 0x30) & ~Self.atLeast(word, 0x3A)
            let placeholderHighs = Self.equal(word, 0x78)
            let separatorHighs = Self.equal(word, 0x20) | Self.equal(word, 0x2D)
            digits |= Self.moveMask(digitHighs) &<< offset
            placeholders |= Self.moveMask(placeholderHighs) &<< offset
            separators |= Self.moveMask(separatorHighs) &<< offset
        }

        /// Sets the high bit of each byte that is `>= n` (`n <= 0x80`).
        @inline(__always)
        private static func atLeast(_ word: UInt64, _ n: UInt64) -> UInt64 {
            ((word | highs) &- n &* lows) & highs
        }

        /// Sets the high bit of each byte equal to `n`; exact for ASCII
        /// bytes (words with other bytes are rejected through `nonASCII`).
        @inline(__always)
        private static func equal(_ word: UInt64, _ n: UInt64) -> UInt64 {
            let difference = word ^ (n &* lows)
            return ~((difference &+ ~highs) | difference) & highs
        }

        /// Gathers the high bit of each byte into the low eight bits.
        @inline(__always)
        private static func moveMask(_ highBits: UInt64) -> UInt64 {
            ((highBits >> 7) &* 0x0102_0408_1020_4080) >> 56
        }
    }

    private static func maskOutcome(_ bytes: UnsafeBufferPointer<UInt8>) -> Outcome {
        switch classify(bytes) {
        case .unparseable:
            return .unparseable
        case let .masked(start, end):
            if start == 0, end == bytes.count { return .original }
            return .string(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
        case let .card(start, end, hidden):
            let length = end - start
            let masked = String(unsafeUninitializedCapacity: length) { output in
                for offset in 0..<length {
                    // 0xFF for a hidden digit, 0x00 otherwise; no branch.
                    let select = 0 &- UInt8(truncatingIfNeeded: hidden &>> UInt64(offset) & 1)
                    let byte = bytes[start + offset]
                    output[offset] = byte ^ ((byte ^ lowercaseX) & select)
                }
                return length
            }
            return .string(masked)
        }
    }

    private static func resolve(_ outcome: Outcome, original: String) -> String {
        switch outcome {
        case .unparseable: return unparseableMask
        case .original: return original
        case let .string(string): return string
        }
    }

    /// Finds the run of digits starting at `start` (which must be a digit).
    ///
    /// - Returns: The exclusive end of the run (just after its last digit)
    ///   and the number of digits in it.
    @inline(__always)
    static func scanRun(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (end: Int, digits: Int) {
        var index = start
        var digits = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if isDigit(byte) {
                digits += 1
                index += 1
            } else if isSeparator(byte), index + 1 < count, isDigit(bytes[index + 1]) {
                index += 1
            } else {
                break
            }
        }
        return (index, digits)
    }

    /// Returns `nil` when nothing needs masking, otherwise the masked text.
    private static func maskEmbedded(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        let count = bytes.count
        guard count >= minimumDigits else { return nil }

        // Quick scan: find the first run with at least 12 digits.
        var firstRun = -1
        var index = 0
        while index < count {
            if !isDigit(bytes[index]) {
                index += 1
                continue
            }
            let run = scanRun(bytes, from: index)
            if run.digits >= minimumDigits {
                firstRun = index
                break
            }
            index = run.end
        }
        if firstRun < 0 { return nil }

        return String(unsafeUninitializedCapacity: count) { output in
            _ = output.initialize(fromContentsOf: bytes)
            var index = firstRun
            while index < count {
                if !isDigit(bytes[index]) {
                    index += 1
                    continue
                }
                let run = scanRun(bytes, from: index)
                if run.digits >= minimumDigits {
                    let keepFrom = run.digits <= maximumDigits ? run.digits - keptDigits : run.digits
                    var seen = 0
                    for position in index..<run.end where isDigit(bytes[position]) {
                        if seen < keepFrom { output[position] = lowercaseX }
                        seen += 1
                    }
                }
                index = run.end
            }
            return count
        }
    }
}
