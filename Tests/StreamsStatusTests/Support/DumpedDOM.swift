/// Reads what the tests need from chromium's `--dump-dom` output: an element's attributes and
/// text by id, and table rows keyed by a `data-` attribute. Enough for the status page's own
/// markup, not a general HTML parser.
struct DumpedDOM {
    let html: String

    /// The opening tag's attributes and the text up to the next tag of the element with `id`.
    func element(_ id: String) -> (attributes: [String: String], text: String)? {
        guard let idRange = html.range(of: "id=\"\(id)\"") else { return nil }
        guard let open = html[..<idRange.lowerBound].lastIndex(of: "<"),
            let close = html[idRange.upperBound...].firstIndex(of: ">")
        else { return nil }
        var attributes: [String: String] = [:]
        for match in html[open..<close].matches(of: /([\w:-]+)="([^"]*)"/) {
            attributes[String(match.output.1)] = Self.unescape(String(match.output.2))
        }
        let rest = html[html.index(after: close)...]
        let text = rest[..<(rest.firstIndex(of: "<") ?? rest.endIndex)]
        return (attributes, Self.unescape(String(text)))
    }

    /// The text of an element.
    func text(_ id: String) -> String? { element(id)?.text }

    /// The markup between the element with `id` and the element with `endId`.
    func section(from id: String, to endId: String) -> String {
        guard let start = html.range(of: "id=\"\(id)\""), let end = html.range(of: "id=\"\(endId)\""),
            start.upperBound < end.lowerBound
        else { return "" }
        return String(html[start.upperBound..<end.lowerBound])
    }

    /// The cells of every `<tr attribute="key">`, by key.
    func rows(keyedBy attribute: String) -> [String: [String]] {
        var rows: [String: [String]] = [:]
        let rowPattern = try! Regex(#"<tr \#(attribute)="([^"]*)">(.*?)</tr>"#).dotMatchesNewlines()
        for row in html.matches(of: rowPattern) {
            guard let key = row.output[1].substring, let body = row.output[2].substring else { continue }
            rows[Self.unescape(String(key))] = body.matches(of: /<td[^>]*>(.*?)<\/td>/).map {
                Self.unescape(String($0.output.1))
            }
        }
        return rows
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&nbsp;", with: "\u{a0}").replacingOccurrences(of: "&amp;", with: "&")
    }
}
