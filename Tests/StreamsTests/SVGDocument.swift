import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The elements of an XML document, in document order, as Foundation's parser reads them.
///
/// On Linux, `XMLParser.parse()` accepts some malformed documents (mismatched end tags,
/// several roots), so the reader also checks those itself and collects reported errors.
final class SVGDocument: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text = ""
        var classes: [String] { (attributes["class"] ?? "").split(separator: " ").map(String.init) }
    }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    private(set) var elements: [Element] = []
    private var open: [Int] = []
    private var roots = 0
    private var problems: [String] = []

    /// Parses `text`; throws if the document is not well-formed.
    init(_ text: String) throws {
        super.init()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = self
        if !parser.parse() { problems.append("parser: \(parser.parserError.map { "\($0)" } ?? "failed")") }
        if !open.isEmpty { problems.append("unclosed: \(open.map { elements[$0].name })") }
        if roots != 1 { problems.append("\(roots) root elements") }
        if !problems.isEmpty { throw Malformed(description: problems.joined(separator: "; ")) }
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        if open.isEmpty { roots += 1 }
        elements.append(Element(name: elementName, attributes: attributeDict))
        open.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let current = open.last { elements[current].text += string }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        guard let current = open.popLast(), elements[current].name == elementName else {
            problems.append("unexpected </\(elementName)>")
            return
        }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        problems.append("error: \(parseError)")
    }
}
