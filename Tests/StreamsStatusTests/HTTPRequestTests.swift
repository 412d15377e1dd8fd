import Testing
@testable import StreamsStatus

/// The request-head parser, without sockets.
@Suite("HTTP request heads")
struct HTTPRequestTests {
    func parse(_ text: String) throws(HTTPRequest.ParseError) -> HTTPRequest {
        try HTTPRequest.parse(head: ArraySlice(text.utf8))
    }

    @Test func aGetWithHeadersAndAQuery() throws {
        let request = try parse("GET /topology?format=dot&x=1&format=svg HTTP/1.1\r\nHost: a\r\nAccept: */*\r\naccept: x\r\n\r\n")
        #expect(request.method == "GET")
        #expect(request.path == "/topology")
        #expect(request.query == ["format": "dot", "x": "1"])
        #expect(request.version == "HTTP/1.1")
        #expect(request.headers["host"] == "a")
        #expect(request.headers["accept"] == "*/*, x")
        #expect(!request.declaresBody)
    }

    @Test func percentEncodingAndAbsoluteFormAndBareLineFeeds() throws {
        let request = try parse("HEAD http://127.0.0.1:9/topology%2Esvg?format=a%20b+c HTTP/1.0\n\n")
        #expect(request.path == "/topology.svg")
        #expect(request.query["format"] == "a b c")
        #expect(request.version == "HTTP/1.0")
    }

    @Test func aBodyIsNoticedButNotRead() throws {
        #expect(try parse("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n").declaresBody)
        #expect(try parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").declaresBody)
        #expect(try !parse("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").declaresBody)
    }

    @Test(arguments: [
        ("", HTTPRequest.ParseError.malformedRequestLine),
        ("GET / HTTP/1.1 x\r\n\r\n", .malformedRequestLine),
        ("GET  / HTTP/1.1\r\n\r\n", .malformedRequestLine),
        ("GET * HTTP/1.1\r\n\r\n", .malformedRequestLine),
        ("GET /a#b HTTP/1.1\r\n\r\n", .malformedRequestLine),
        ("GET /%zz HTTP/1.1\r\n\r\n", .malformedRequestLine),
        ("GET / http/1.1\r\n\r\n", .malformedRequestLine),
        ("GET / HTTP/2.0\r\n\r\n", .unsupportedVersion),
        ("GET / HTTP/1.1\r\n: empty name\r\n\r\n", .malformedHeader),
        ("GET / HTTP/1.1\r\nA: 1\r\n folded\r\n\r\n", .malformedHeader),
        ("GET / HTTP/1.1\r\nName : x\r\n\r\n", .malformedHeader),
    ])
    func malformedHeadsAreRefused(_ text: String, _ expected: HTTPRequest.ParseError) {
        #expect(throws: expected) { try parse(text) }
    }

    @Test func theHeadEndsAtTheFirstEmptyLine() {
        #expect(HTTPRequest.headEnd(in: Array("GET / HTTP/1.1\r\nA: b\r\n\r\nbody".utf8)) == 24)
        #expect(HTTPRequest.headEnd(in: Array("GET / HTTP/1.1\n\nbody".utf8)) == 16)
        #expect(HTTPRequest.headEnd(in: Array("GET / HTTP/1.1\r\nA: b\r\n".utf8)) == nil)
        #expect(HTTPRequest.headEnd(in: []) == nil)
    }
}
