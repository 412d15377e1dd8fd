/// Renders coding paths as JSONPath-like strings without leaking data-derived key names.
enum JSONPathRenderer {
    /// Whether a key's name is defined by code (an enum such as synthesized `CodingKeys`)
    /// rather than possibly read from data (such as a dictionary key).
    static func isDeclared(_ key: any CodingKey) -> Bool {
        if key is JSONIndexKey || key is JSONSuperKey { return true }
        return Mirror(reflecting: key).displayStyle == .enum
    }

    static func render(_ keys: [any CodingKey]) -> String {
        var s = "$"
        for key in keys {
            if let k = key as? JSONIndexKey {
                s += "[\(k.index)]"
            } else if isDeclared(key) {
                s += declaredComponent(key.stringValue)
            } else {
                s += ".*"
            }
        }
        return s
    }

    /// Whether `c` may appear in a key rendered as `.name`: `[A-Za-z0-9_]`.
    @inline(__always)
    static func isIdentifierByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
    }

    /// The path component of a key name declared by code: `.name`, or `['name']` when the
    /// name is not made of `[A-Za-z0-9_]` only.
    static func declaredComponent(_ name: String) -> String {
        if !name.isEmpty && name.utf8.allSatisfy(isIdentifierByte) {
            return ".\(name)"
        }
        return "['\(name)']"
    }

    /// ` 'name'` for declared keys, empty for data-derived ones.
    static func quotedName(_ key: any CodingKey) -> String {
        isDeclared(key) ? " '\(key.stringValue)'" : ""
    }
}
