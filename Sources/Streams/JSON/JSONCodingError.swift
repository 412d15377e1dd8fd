/// The error thrown by ``FastJSONEncoder`` and ``FastJSONDecoder``.
///
/// A `JSONCodingError` says *where* something went wrong (``path`` and, when decoding,
/// ``byteOffset``) and *what* was wrong (``reason``). It never contains a value taken from
/// the input or from the value being encoded, nor key names read from the input, so it
/// is safe to log even when the payload holds sensitive data such as credit card numbers.
/// Only key names declared by the Swift types (their `CodingKeys`) can appear.
public struct JSONCodingError: Error, Sendable, CustomStringConvertible, Equatable {
    /// A JSONPath-like location of the problem, for example `$.items[2].quantity`.
    ///
    /// Object members whose names come from the data rather than from a type's
    /// `CodingKeys` (for example dictionary keys) are shown as `.*`.
    public var path: String

    /// The byte offset in the input at which the problem was detected when decoding,
    /// or `nil` for encoding errors and errors not tied to a position.
    public var byteOffset: Int?

    /// A description of what was wrong, for example
    /// `expected an integer, found a string`.
    public var reason: String

    /// A human-readable description combining ``path``, ``byteOffset`` and ``reason``.
    public var description: String {
        if let byteOffset {
            return "JSON error at \(path) (byte offset \(byteOffset)): \(reason)"
        }
        return "JSON error at \(path): \(reason)"
    }

    @usableFromInline
    init(path: String, byteOffset: Int?, reason: String) {
        self.path = path
        self.byteOffset = byteOffset
        self.reason = reason
    }
}

extension JSONCodingError {
    /// This error with `component` (`.name`, `.*` or `[3]`) inserted after the leading `$`:
    /// used while an error propagates out of nested containers.
    @usableFromInline
    func prefixed(_ component: String) -> JSONCodingError {
        var e = self
        e.path = "$" + component + path.dropFirst()
        return e
    }

    /// Converts any error escaping from user `Codable` code into a `JSONCodingError`.
    ///
    /// `DecodingError` and `EncodingError` keep their message (minus the offending value in
    /// the standard library's raw-value message); other errors are reported by type name only,
    /// because their description could contain data.
    static func wrapping(_ error: any Error, byteOffset: Int?) -> JSONCodingError {
        if let e = error as? JSONCodingError { return e }
        if let e = error as? DecodingError {
            switch e {
            case .typeMismatch(let type, let ctx):
                return JSONCodingError(path: JSONPathRenderer.render(ctx.codingPath), byteOffset: byteOffset,
                                       reason: "type mismatch for \(type): \(sanitized(ctx.debugDescription))")
            case .valueNotFound(let type, let ctx):
                return JSONCodingError(path: JSONPathRenderer.render(ctx.codingPath), byteOffset: byteOffset,
                                       reason: "value not found for \(type): \(sanitized(ctx.debugDescription))")
            case .keyNotFound(let key, let ctx):
                return JSONCodingError(path: JSONPathRenderer.render(ctx.codingPath + [key]), byteOffset: byteOffset,
                                       reason: "missing key\(JSONPathRenderer.quotedName(key)): \(sanitized(ctx.debugDescription))")
            case .dataCorrupted(let ctx):
                return JSONCodingError(path: JSONPathRenderer.render(ctx.codingPath), byteOffset: byteOffset,
                                       reason: "data corrupted: \(sanitized(ctx.debugDescription))")
            @unknown default:
                return JSONCodingError(path: "$", byteOffset: byteOffset, reason: "decoding error")
            }
        }
        if let e = error as? EncodingError {
            switch e {
            case .invalidValue(_, let ctx):
                return JSONCodingError(path: JSONPathRenderer.render(ctx.codingPath), byteOffset: nil,
                                       reason: "invalid value: \(sanitized(ctx.debugDescription))")
            @unknown default:
                return JSONCodingError(path: "$", byteOffset: nil, reason: "encoding error")
            }
        }
        return JSONCodingError(path: "$", byteOffset: byteOffset,
                               reason: "error of type \(type(of: error)) thrown by Codable implementation")
    }

    /// Removes the offending value from the standard library's raw-value message
    /// "Cannot initialize X from invalid Y value <value>".
    static func sanitized(_ message: String) -> String {
        if message.hasPrefix("Cannot initialize "), let r = message.range(of: " from invalid ") {
            let rest = message[r.upperBound...]
            if let v = rest.range(of: " value") {
                return String(message[..<v.upperBound])
            }
        }
        return message
    }
}
