/// A complete response: status, content type, body and any extra header fields. Every
/// response also gets `Content-Length`, `Cache-Control: no-store` (the figures change every
/// second) and `Connection: close` (one request per connection).
struct HTTPResponse: Sendable {
    /// The status code, e.g. 200.
    var status: Int
    /// The `Content-Type`.
    var contentType: String
    /// The body (sent for GET, left out for HEAD; `Content-Length` is the same for both).
    var body: [UInt8]
    /// Further header fields, e.g. `Allow`.
    var extraHeaders: [(name: String, value: String)] = []

    /// `text/plain; charset=utf-8`.
    static let plainText = "text/plain; charset=utf-8"
    /// `application/json`.
    static let json = "application/json"

    init(status: Int, contentType: String, body: [UInt8], extraHeaders: [(name: String, value: String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.extraHeaders = extraHeaders
    }

    init(status: Int, contentType: String, text: String, extraHeaders: [(name: String, value: String)] = []) {
        self.init(status: status, contentType: contentType, body: Array(text.utf8), extraHeaders: extraHeaders)
    }

    /// A plain-text error or notice, the message followed by a newline.
    static func plain(_ status: Int, _ message: String, extraHeaders: [(name: String, value: String)] = []) -> Self {
        HTTPResponse(status: status, contentType: plainText, text: message + "\n", extraHeaders: extraHeaders)
    }

    /// The reason phrase of the codes the server sends.
    var reason: String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status \(status)"
        }
    }

    /// The bytes to send: status line, header fields and, unless `includeBody` is false (HEAD),
    /// the body.
    func serialized(includeBody: Bool) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(reason)\r\n"
        head += "Content-Type: \(contentType)\r\n"
        head += "Content-Length: \(body.count)\r\n"
        head += "Cache-Control: no-store\r\n"
        head += "X-Content-Type-Options: nosniff\r\n"
        for (name, value) in extraHeaders {
            head += "\(name): \(value)\r\n"
        }
        head += "Connection: close\r\n\r\n"
        var bytes = Array(head.utf8)
        if includeBody { bytes += body }
        return bytes
    }
}
