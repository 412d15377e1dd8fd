/// The kind of a tape token.
enum JSONTokenKind: UInt8 {
    case null, `true`, `false`, number, string, array, object
    /// Placeholder for the position where the input was found malformed.
    case error

    var isContainer: Bool { self == .array || self == .object }

    /// Used in messages: "found a string".
    var article: String {
        switch self {
        case .null: return "null"
        case .true, .false: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        case .error: return "malformed JSON"
        }
    }
}

/// One entry of the flat tape produced by ``JSONScanner``.
///
/// Layout: an object is followed by alternating key (string) and value tokens, an array by
/// its element tokens. Containers record the tape index just past their last descendant,
/// so they can be skipped in O(1).
struct JSONToken {
    /// Byte offset of the token in the input (for strings: first byte after the quote).
    var start: UInt32
    /// Scalars: length in bytes (strings: without quotes). Arrays: element count.
    /// Objects: tape index of the key expected next (the lookup hint).
    var length: UInt32
    /// Containers: tape index just past the container. While scanning: parent index.
    var end: UInt32
    var kind: JSONTokenKind
    var flags: UInt8

    static let stringHasEscapes: UInt8 = 1
    static let stringHasNonASCII: UInt8 = 2
    static let numberNegative: UInt8 = 1
    static let numberHasFraction: UInt8 = 2
    static let numberHasExponent: UInt8 = 4

    @inline(__always)
    init(kind: JSONTokenKind, start: Int, length: Int = 0, end: UInt32 = 0, flags: UInt8 = 0) {
        self.start = UInt32(truncatingIfNeeded: start)
        self.length = UInt32(truncatingIfNeeded: length)
        self.end = end
        self.kind = kind
        self.flags = flags
    }
}
