import Testing

@Suite("SVGDocument, the tests' XML reader")
struct SVGDocumentTests {
    @Test(arguments: [
        "<svg><text>a<b & c</text></svg>", "<svg><text>a & c</text></svg>", "<svg><g></svg>",
        "<svg><g></g>", "<svg/><svg/>", "<svg a=\"1\" a=\"2\"/>",
    ])
    func rejectsMalformedDocuments(text: String) {
        #expect(throws: SVGDocument.Malformed.self) { try SVGDocument(text) }
    }

    @Test func readsElementsAttributesAndText() throws {
        let document = try SVGDocument("<svg width=\"3\"><text class=\"a b\">x &amp; &lt;y&gt;</text></svg>")
        #expect(document.elements.map(\.name) == ["svg", "text"])
        #expect(document.elements[0].attributes["width"] == "3")
        #expect(document.elements[1].classes == ["a", "b"])
        #expect(document.elements[1].text == "x & <y>")
    }
}
