#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The little of the C socket API that differs between Linux and Darwin, in one place.
enum POSIX {
    /// `SOCK_STREAM`, which Glibc imports as an enum case.
    #if canImport(Glibc) || canImport(Musl)
    static let streamSocket = Int32(SOCK_STREAM.rawValue)
    #else
    static let streamSocket = SOCK_STREAM
    #endif

    /// Flags for `send`: a peer that went away must give `EPIPE`, not a `SIGPIPE` that kills
    /// the process (Darwin has no `MSG_NOSIGNAL`; ``configureConnection(_:)`` sets
    /// `SO_NOSIGPIPE` there instead).
    #if canImport(Glibc) || canImport(Musl)
    static let sendFlags = Int32(MSG_NOSIGNAL)
    #else
    static let sendFlags: Int32 = 0
    #endif

    // Named apart from the system calls, which types with `close()` or `accept()` methods
    // could not call unqualified.

    /// `close(2)`.
    static func closeDescriptor(_ fd: Int32) {
        _ = close(fd)
    }

    /// `listen(2)`.
    static func startListening(_ fd: Int32, backlog: Int32) -> Int32 {
        listen(fd, backlog)
    }

    /// `send(2)` with ``sendFlags``.
    static func sendBytes(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
        send(fd, bytes, count, sendFlags)
    }

    /// `accept(2)`, without the peer's address.
    static func acceptConnection(_ fd: Int32) -> Int32 {
        accept(fd, nil, nil)
    }

    /// `POLLIN`.
    static let readable = Int32(POLLIN)
    /// `POLLOUT`.
    static let writable = Int32(POLLOUT)

    /// The system's text for an error number, e.g. `Address already in use (errno 98)`.
    static func describe(_ code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }

    /// Marks a descriptor close-on-exec, so that processes started meanwhile (a browser in the
    /// tests, a shell-out in an application) do not inherit the server's sockets.
    static func setCloseOnExec(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFD)
        if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
    }

    /// Makes a descriptor non-blocking: every wait goes through `poll` with a deadline.
    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    }

    /// Prepares an accepted connection: close-on-exec, non-blocking, no `SIGPIPE`.
    static func configureConnection(_ fd: Int32) {
        setCloseOnExec(fd)
        setNonBlocking(fd)
        #if canImport(Darwin)
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
    }

    /// What ``wait(for:_:wake:until:)`` saw.
    enum Readiness {
        /// The descriptor is ready (or has an error or hang-up to report).
        case ready
        /// The wake descriptor is readable: the server is stopping.
        case woken
        /// The deadline passed.
        case timedOut
    }

    /// Waits until `fd` is ready for `events`, `wake` is readable, or the deadline passes.
    static func wait(
        for events: Int32, _ fd: Int32, wake: Int32, until deadline: ContinuousClock.Instant?
    ) -> Readiness {
        while true {
            var timeout: Int32 = -1
            if let deadline {
                let left = deadline - .now
                if left <= .zero { return .timedOut }
                let (seconds, attoseconds) = left.components
                // Rounded up, so that a wait never ends just before its deadline.
                let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
                timeout = Int32(clamping: millis)
            }
            var fds = [
                pollfd(fd: fd, events: Int16(events), revents: 0),
                pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
            ]
            let count = poll(&fds, nfds_t(fds.count), timeout)
            if count < 0 {
                if errno == EINTR { continue }
                return .ready  // let the following call report the error
            }
            if fds[1].revents != 0 { return .woken }
            if fds[0].revents != 0 { return .ready }
            if count == 0, deadline != nil, deadline! <= .now { return .timedOut }
        }
    }
}
