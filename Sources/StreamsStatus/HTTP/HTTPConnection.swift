#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// One accepted connection, served on a worker thread: read one request head, answer it,
/// close. Every read and write waits through `poll` with a deadline and the server's wake
/// pipe, so a client that says nothing (or reads nothing) holds its worker for at most
/// ``ioTimeout`` and never delays `stop()`.
struct HTTPConnection {
    /// The connection's descriptor (non-blocking); closed by ``serve(with:)``.
    let fd: Int32
    /// The server's wake pipe.
    let wake: WakePipe
    /// Where to log (method, path and status at debug level; never a body).
    let logger: Logger

    /// How long a client has to send its request head, and how long a write may make no
    /// progress.
    static let ioTimeout: Duration = .seconds(2)
    /// How long, after answering, the server reads and drops what a client still sends
    /// (an unread body), so that closing does not reset the connection before the client
    /// has read the answer.
    static let lingerTimeout: Duration = .seconds(1)

    /// Serves the connection and closes it.
    func serve(with routes: StatusRoutes) {
        defer { POSIX.closeDescriptor(fd) }
        var buffer: [UInt8] = []
        let deadline = ContinuousClock.now + Self.ioTimeout
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let end = HTTPRequest.headEnd(in: buffer) {
                guard end <= HTTPRequest.maximumHeadSize else { return refuse(.plain(400, headTooLarge)) }
                return answer(buffer[..<end], leftover: buffer.count > end, routes: routes)
            }
            if buffer.count > HTTPRequest.maximumHeadSize { return refuse(.plain(400, headTooLarge)) }
            switch POSIX.wait(for: POSIX.readable, fd, wake: wake.readEnd, until: deadline) {
            case .woken:
                return
            case .timedOut:
                // Silence gets no answer; half a request gets a 408.
                if !buffer.isEmpty { refuse(.plain(408, "the request head did not arrive within 2 seconds")) }
                return
            case .ready:
                let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count > 0 {
                    buffer += chunk[..<count]
                } else if count == 0 {
                    return  // the client closed before finishing its request
                } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                    return
                }
            }
        }
    }

    private var headTooLarge: String {
        "request head over \(HTTPRequest.maximumHeadSize / 1024) KiB"
    }

    private func answer(_ head: ArraySlice<UInt8>, leftover: Bool, routes: StatusRoutes) {
        let request: HTTPRequest
        do {
            request = try HTTPRequest.parse(head: head)
        } catch .unsupportedVersion {
            return refuse(.plain(505, "the status server speaks HTTP/1.0 and HTTP/1.1"))
        } catch .malformedRequestLine {
            return refuse(.plain(400, "malformed request line"))
        } catch {
            return refuse(.plain(400, "malformed header field"))
        }
        let response = routes.respond(to: request)
        logger.debug(
            "status request", metadata: ["method": "\(request.method)", "path": "\(request.path)", "status": "\(response.status)"])
        send(response.serialized(includeBody: request.method != "HEAD"))
        if leftover || request.declaresBody { linger() }
    }

    /// Answers a request that could not be read, then drains what the client still sends.
    private func refuse(_ response: HTTPResponse) {
        logger.debug("status request refused", metadata: ["status": "\(response.status)"])
        send(response.serialized(includeBody: true))
        linger()
    }

    /// Writes everything, or gives up when the client reads nothing for ``ioTimeout``.
    private func send(_ bytes: [UInt8]) {
        var sent = 0
        var deadline = ContinuousClock.now + Self.ioTimeout
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                POSIX.sendBytes(fd, buffer.baseAddress! + sent, buffer.count - sent)
            }
            if count > 0 {
                sent += count
                deadline = .now + Self.ioTimeout
                continue
            }
            guard count < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { return }
            guard case .ready = POSIX.wait(for: POSIX.writable, fd, wake: wake.readEnd, until: deadline) else {
                return
            }
        }
    }

    /// Half-closes and reads until the client closes too (or ``lingerTimeout``), dropping
    /// what it reads.
    private func linger() {
        _ = shutdown(fd, Int32(SHUT_WR))
        let deadline = ContinuousClock.now + Self.lingerTimeout
        var chunk = [UInt8](repeating: 0, count: 4096)
        var drained = 0
        while drained < 1 << 20 {
            guard case .ready = POSIX.wait(for: POSIX.readable, fd, wake: wake.readEnd, until: deadline) else { return }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                drained += count
            } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                return
            }
        }
    }
}
