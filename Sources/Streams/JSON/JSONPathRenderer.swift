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
                let name = key.stringValue
                if !name.isEmpty && name.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }) {
                    s += ".\(name)"
                } else {
                    s += "['\(name)']"
                }
            } else {
                s += ".*"
            }
        }
        return s
    }

    /// ` 'name'` for declared keys, empty for data-derived ones.
    static func quotedName(_ key: any CodingKey) -> String {
        isDeclared(key) ? " '\(key.stringValue)'" : ""
    }
}
