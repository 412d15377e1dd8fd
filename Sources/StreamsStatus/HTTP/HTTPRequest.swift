import Foundation

/// A parsed HTTP/1.x request head: what the routes need, nothing more. Bodies are never read
/// (no route takes one), and never logged.
struct HTTPRequest: Sendable, Equatable {
    /// The method, e.g. `GET`.
    var method: String
    /// The decoded path, e.g. `/topology`.
    var path: String
    /// The query's parameters, decoded; the first value of a repeated name wins.
    var query: [String: String]
    /// `HTTP/1.0` or `HTTP/1.1`.
    var version: String
    /// The header fields by lower-cased name; repeated fields joined with `, `.
    var headers: [String: String]

    /// Whether the client announced a body (which the server leaves unread).
    var declaresBody: Bool {
        if headers["transfer-encoding"] != nil { return true }
        if let length = headers["content-length"] { return length.trimmingCharacters(in: .whitespaces) != "0" }
        return false
    }

    /// The largest request head (request line and header fields) the server reads: 16 KiB.
    static let maximumHeadSize = 16 * 1024

    /// Why a head was refused.
    enum ParseError: Error, Equatable {
        /// The request line is not `METHOD target HTTP/1.x`, or the target is not a path.
        case malformedRequestLine
        /// A header field is not `name: value`.
        case malformedHeader
        /// An HTTP version other than 1.0 or 1.1.
        case unsupportedVersion
    }

    /// Where the head ends in `buffer`: the index just past the empty line (`CRLF CRLF`, or a
    /// bare `LF LF` as RFC 9112 lets a server accept), or `nil` if it has not arrived yet.
    static func headEnd(in buffer: [UInt8]) -> Int? {
        var index = 0
        while let newline = buffer[index...].firstIndex(of: UInt8(ascii: "\n")) {
            let next = newline + 1
            if next < buffer.count, buffer[next] == UInt8(ascii: "\n") { return next + 1 }
            if next + 1 < buffer.count, buffer[next] == UInt8(ascii: "\r"), buffer[next + 1] == UInt8(ascii: "\n") {
                return next + 2
            }
            index = next
        }
        return nil
    }

    /// Parses a head, the bytes up to and including its empty line.
    /// - Throws: ``ParseError`` when it is not a well-formed HTTP/1.x request head.
    static func parse(head: ArraySlice<UInt8>) throws(ParseError) -> HTTPRequest {
        var lines = head.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            line.last == UInt8(ascii: "\r") ? line.dropLast() : line
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        // RFC 9112 §2.2: a server should ignore empty lines before the request line.
        while let first = lines.first, first.isEmpty { lines.removeFirst() }
        guard let requestLine = lines.first, requestLine.allSatisfy(isVisibleOrSpace) else {
            throw .malformedRequestLine
        }
        let parts = requestLine.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(isTokenCharacter), !parts[1].isEmpty else {
            throw .malformedRequestLine
        }
        let method = String(decoding: parts[0], as: UTF8.self)
        let target = String(decoding: parts[1], as: UTF8.self)
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version.hasPrefix("HTTP/"), version.count == 8 else { throw .malformedRequestLine }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            let digits = version.dropFirst(5)
            let wellFormed = digits.count == 3 && digits.first!.isNumber && digits.last!.isNumber
                && digits[digits.index(after: digits.startIndex)] == "."
            throw wellFormed ? .unsupportedVersion : .malformedRequestLine
        }
        let (path, query) = try splitTarget(target)

        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else {
                throw .malformedHeader
            }
            let name = line[..<colon]
            // No space before the colon, no obsolete line folding (RFC 9112 §5.1, §5.2).
            guard name.allSatisfy(isTokenCharacter) else { throw .malformedHeader }
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            let key = String(decoding: name, as: UTF8.self).lowercased()
            headers[key] = headers[key].map { "\($0), \(value)" } ?? value
        }
        return HTTPRequest(method: method, path: path, query: query, version: version, headers: headers)
    }

    /// Splits an origin-form (`/path?query`) or absolute-form (`http://host/path?query`)
    /// target into its decoded path and query.
    private static func splitTarget(_ target: String) throws(ParseError) -> (String, [String: String]) {
        var rest = Substring(target)
        for scheme in ["http://", "https://"] where rest.lowercased().hasPrefix(scheme) {
            rest = rest.dropFirst(scheme.count)
            rest = rest.firstIndex(of: "/").map { rest[$0...] } ?? "/"
        }
        guard rest.hasPrefix("/") else { throw .malformedRequestLine }
        let pathPart: Substring
        var query: [String: String] = [:]
        if let mark = rest.firstIndex(of: "?") {
            pathPart = rest[..<mark]
            for pair in rest[rest.index(after: mark)...].split(separator: "&") {
                let halves = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let name = decodeComponent(halves[0]) else { throw .malformedRequestLine }
                guard let value = halves.count > 1 ? decodeComponent(halves[1]) : "" else {
                    throw .malformedRequestLine
                }
                if query[name] == nil { query[name] = value }
            }
        } else {
            pathPart = rest
        }
        // A fragment is never sent; a '#' means a malformed target.
        guard !pathPart.contains("#"), let path = pathPart.removingPercentEncoding else { throw .malformedRequestLine }
        return (path, query)
    }

    private static func decodeComponent(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    private static func isVisibleOrSpace(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte < 0x7F
    }

    /// RFC 9110 §5.6.2 `tchar`.
    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
