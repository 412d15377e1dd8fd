#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A non-blocking TCP socket listening on one address. The worker threads share it: each
/// polls it and accepts, and `EAGAIN` tells the ones that lost the race.
struct ListeningSocket: Sendable {
    /// The descriptor; closed by ``close()`` once no worker uses it.
    let fd: Int32
    /// The address bound, as the system reports it (e.g. `127.0.0.1` or `::1`).
    let host: String
    /// The port bound (the ephemeral one chosen when 0 was asked for).
    let port: Int

    /// Opens, binds and listens.
    /// - Throws: ``StatusServerError`` naming the host and port.
    static func listen(host: String, port: Int) throws(StatusServerError) -> ListeningSocket {
        let shown = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
        guard let address = SocketAddress(host: host, port: port) else {
            throw StatusServerError(
                .invalidAddress,
                "cannot listen on \(shown): the host must be an IPv4 or IPv6 literal such as 127.0.0.1 or ::1, "
                    + "and the port in 0...65535",
                host: host, port: port)
        }
        func failure(_ call: String, _ code: Int32) -> StatusServerError {
            let kind: StatusServerError.Code = code == EADDRINUSE ? .addressInUse : .socket
            return StatusServerError(
                kind, "cannot listen on \(shown): \(call) failed: \(POSIX.describe(code))",
                host: host, port: port, errno: code)
        }
        let fd = socket(address.family, POSIX.streamSocket, 0)
        guard fd >= 0 else { throw failure("socket", errno) }
        POSIX.setCloseOnExec(fd)
        var one: Int32 = 1
        // A restarted application gets its port back while old connections sit in TIME_WAIT;
        // on Linux and Darwin this does not let two servers listen on one port.
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if address.family == AF_INET6 {
            // `::1` means IPv6 loopback only, whatever the system's default.
            _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        let bound = address.withSockAddr { bind(fd, $0, $1) }
        guard bound == 0 else {
            let code = errno
            POSIX.closeDescriptor(fd)
            throw failure("bind", code)
        }
        guard POSIX.startListening(fd, backlog: 64) == 0 else {
            let code = errno
            POSIX.closeDescriptor(fd)
            throw failure("listen", code)
        }
        POSIX.setNonBlocking(fd)
        let local = SocketAddress.local(of: fd)
        return ListeningSocket(fd: fd, host: local?.host ?? host, port: local?.port ?? port)
    }

    /// Accepts one waiting connection, configured by ``POSIX/configureConnection(_:)``.
    /// - Returns: The connection's descriptor, or the `errno` (`EAGAIN` when another worker
    ///   took it).
    func accept() -> Result<Int32, AcceptFailure> {
        let connection = POSIX.acceptConnection(fd)
        guard connection >= 0 else { return .failure(AcceptFailure(code: errno)) }
        POSIX.configureConnection(connection)
        return .success(connection)
    }

    /// Closes the socket.
    func close() {
        POSIX.closeDescriptor(fd)
    }

    /// Why `accept` returned no connection.
    struct AcceptFailure: Error {
        /// The `errno`.
        let code: Int32
        /// Whether the failure only means "nothing to accept now".
        var isTransient: Bool {
            code == EAGAIN || code == EWOULDBLOCK || code == EINTR || code == ECONNABORTED
        }
    }
}
