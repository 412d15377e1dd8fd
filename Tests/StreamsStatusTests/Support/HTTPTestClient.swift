#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
@testable import StreamsStatus

/// An answer as the test client read it.
struct HTTPTestResponse: Sendable {
    /// The status code.
    var status: Int
    /// Header fields by lower-cased name.
    var headers: [String: String]
    /// The body.
    var body: [UInt8]
    /// The body as UTF-8.
    var text: String { String(decoding: body, as: UTF8.self) }
    /// The `Content-Type`.
    var contentType: String { headers["content-type"] ?? "" }
}

/// Why the test client failed.
struct HTTPTestClientError: Error, CustomStringConvertible {
    var description: String
}

/// A blocking HTTP/1.1 client over a plain socket, so that tests can also send what no
/// well-behaved client would (a malformed line, 17 KiB of headers, nothing at all). Every wait
/// has a deadline.
enum HTTPTestClient {
    /// Connects to `host:port` (an IP literal); throws with `errno` when refused.
    static func connect(host: String = "127.0.0.1", port: Int) throws -> Int32 {
        guard let address = SocketAddress(host: host, port: port) else {
            throw HTTPTestClientError(description: "bad address \(host):\(port)")
        }
        let fd = socket(address.family, POSIX.streamSocket, 0)
        guard fd >= 0 else { throw HTTPTestClientError(description: "socket: \(POSIX.describe(errno))") }
        let result = address.withSockAddr { systemConnect(fd, $0, $1) }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw ConnectFailure(code: code)
        }
        return fd
    }

    /// `connect` failed.
    struct ConnectFailure: Error, CustomStringConvertible {
        var code: Int32
        var description: String { "connect: \(POSIX.describe(code))" }
    }

    /// Sends `raw` and reads the answer until the server closes, off the cooperative pool.
    static func exchange(
        _ raw: [UInt8], host: String = "127.0.0.1", port: Int, within timeout: Duration = .seconds(10)
    ) async throws -> HTTPTestResponse {
        try await offThePool {
            let fd = try connect(host: host, port: port)
            defer { close(fd) }
            try sendAll(fd, raw)
            return try parse(try readToEndBlocking(fd, within: timeout))
        }
    }

    /// Sends `METHOD path` with the usual header fields.
    static func request(
        _ method: String = "GET", _ path: String, host: String = "127.0.0.1", port: Int,
        within timeout: Duration = .seconds(10)
    ) async throws -> HTTPTestResponse {
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let request = "\(method) \(path) HTTP/1.1\r\nHost: \(authority)\r\nUser-Agent: status-tests\r\n\r\n"
        return try await exchange(Array(request.utf8), host: host, port: port, within: timeout)
    }

    /// Writes everything (blocking; loopback buffers hold what the tests send).
    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw HTTPTestClientError(description: "send: \(POSIX.describe(errno))") }
            sent += count
        }
    }

    /// Reads until the peer closes, off the cooperative pool; throws if that takes longer
    /// than `timeout`.
    static func readToEnd(_ fd: Int32, within timeout: Duration) async throws -> [UInt8] {
        try await offThePool { try readToEndBlocking(fd, within: timeout) }
    }

    private static func readToEndBlocking(_ fd: Int32, within timeout: Duration) throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let left = deadline - .now
            guard left > .zero else {
                throw HTTPTestClientError(description: "no end of answer within \(timeout); read \(bytes.count) bytes")
            }
            var pollFD = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let millis = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&pollFD, 1, millis)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                bytes += chunk[..<count]
            } else if count == 0 {
                return bytes
            } else if errno == ECONNRESET {
                return bytes
            } else if errno != EINTR && errno != EAGAIN {
                throw HTTPTestClientError(description: "recv: \(POSIX.describe(errno))")
            }
        }
    }

    /// Parses a whole answer and checks that `Content-Length` matches the body.
    static func parse(_ bytes: [UInt8]) throws -> HTTPTestResponse {
        guard let end = HTTPRequest.headEnd(in: bytes) else {
            throw HTTPTestClientError(description: "no complete answer head in \(bytes.count) bytes")
        }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let statusParts = lines.first?.split(separator: " ", maxSplits: 2) ?? []
        guard statusParts.count >= 2, statusParts[0] == "HTTP/1.1", let status = Int(statusParts[1]) else {
            throw HTTPTestClientError(description: "bad status line \(lines.first ?? "")")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw HTTPTestClientError(description: "bad field \(line)") }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return HTTPTestResponse(status: status, headers: headers, body: Array(bytes[end...]))
    }
}

/// `connect(2)`, named apart from ``HTTPTestClient/connect(host:port:)``.
private func systemConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    connect(fd, address, length)
}
