import Logging
import Prometheus
import Streams
import Synchronization

/// A small HTTP/1.1 server that shows what a running application is doing: a live status
/// page, its status as JSON, a health check, its metrics for Prometheus and a picture of its
/// topology.
///
/// | path | answer |
/// |---|---|
/// | `/` | a self-contained HTML page that refreshes itself every second |
/// | `/status.json` | the source's ``StatusSnapshot`` as JSON |
/// | `/health` | `200 {"state":"running"}` while running; `503` with the state otherwise |
/// | `/metrics` | the registry in Prometheus' text format (404 without a registry) |
/// | `/topology` | the topology as text; `?format=text`, `mermaid`, `dot` or `svg` |
/// | `/topology.svg` | the topology as an SVG picture |
///
/// It listens on 127.0.0.1 unless told otherwise: the page and the figures are for the people
/// who operate the application, not for the internet. It answers GET and HEAD only, one
/// request per connection, on a few threads of its own (never Swift's cooperative pool), and
/// gives a client 2 seconds to send its request. On loopback it also refuses (403) a request
/// whose `Host` is a name other than `localhost`, which only a browser misled by DNS
/// rebinding sends.
///
/// ```swift
/// let server = StatusServer(source: streams, registry: registry, port: 8080)
/// try server.start()
/// print("status page: http://127.0.0.1:\(server.port)/")
/// // ...
/// server.stop()
/// ```
///
/// It is also a `Service` for swift-service-lifecycle's `ServiceGroup`.
public final class StatusServer: Sendable {
    /// The address the server listens on, an IPv4 or IPv6 literal.
    public let host: String
    private let requestedPort: Int
    private let routes: StatusRoutes
    private let logger: Logger
    private let state = Mutex(State.idle)

    /// How many connections are served at once; one silent client holds one worker for at
    /// most ``HTTPConnection/ioTimeout``, and the others go on answering.
    static let workerCount = 4

    private enum State {
        case idle
        case starting
        case listening(Listening)
        case stopped(port: Int)
    }

    private struct Listening: Sendable {
        let socket: ListeningSocket
        let wake: WakePipe
        let workers: [WorkerThread]
    }

    /// Creates a server; it listens once ``start()`` is called.
    /// - Parameters:
    ///   - source: The application whose status, topology and health the server shows.
    ///   - registry: The metrics `/metrics` serves; `nil` answers 404 there.
    ///   - host: The address to listen on, an IPv4 or IPv6 literal (`127.0.0.1`, `::1`,
    ///     `0.0.0.0`); host names are refused, so the server never binds somewhere unexpected.
    ///   - port: The port; 0 lets the system choose a free one, which ``port`` then tells.
    ///   - logger: Where the server logs starting, stopping and (at debug level) each request's
    ///     method, path and status.
    public init(
        source: any StatusReporting, registry: PrometheusCollectorRegistry?, host: String = "127.0.0.1",
        port: Int = 0, logger: Logger = Logger(label: "streams.status")
    ) {
        self.host = host
        self.requestedPort = port
        self.routes = StatusRoutes(source: source, registry: registry, checksHost: Self.isLoopback(host))
        self.logger = logger
    }

    /// A server dropped without ``stop()`` stops: its threads do not hold on to it, so
    /// nothing else would.
    deinit {
        stop()
    }

    /// Whether `host` is a loopback literal (127.0.0.0/8 or ::1).
    static func isLoopback(_ host: String) -> Bool {
        SocketAddress(host: host, port: 0)?.isLoopback ?? false
    }

    /// The port: the one bound once started (the system's choice when 0 was asked for), the
    /// one asked for before.
    public var port: Int {
        state.withLock { state in
            switch state {
            case .idle, .starting: requestedPort
            case .listening(let listening): listening.socket.port
            case .stopped(let port): port
            }
        }
    }

    /// The page's address, `http://host:port/` (IPv6 hosts in brackets), with the bound port
    /// once started.
    public var url: String {
        let shown = host.contains(":") ? "[\(host)]" : host
        return "http://\(shown):\(port)/"
    }

    /// The address bound while the server listens, as the system reports it.
    var listeningAddress: (host: String, port: Int)? {
        state.withLock { state in
            guard case .listening(let listening) = state else { return nil }
            return (listening.socket.host, listening.socket.port)
        }
    }

    /// Binds, listens and starts serving on threads of its own; returns once connections are
    /// accepted. Calling it while the server runs does nothing; after ``stop()`` it starts
    /// the server again.
    /// - Throws: ``StatusServerError`` naming the host and port when the host is not an IP
    ///   literal, the port is taken, or the system refuses the socket.
    public func start() throws {
        let proceed = state.withLock { state in
            switch state {
            case .idle, .stopped:
                state = .starting
                return true
            case .starting, .listening:
                return false
            }
        }
        guard proceed else { return }
        let socket: ListeningSocket
        do {
            socket = try ListeningSocket.listen(host: host, port: requestedPort)
        } catch {
            state.withLock { $0 = .idle }
            throw error
        }
        guard let wake = WakePipe() else {
            socket.close()
            state.withLock { $0 = .idle }
            throw StatusServerError(
                .socket, "cannot listen on \(host):\(requestedPort): no descriptor left for the wake pipe",
                host: host, port: requestedPort)
        }
        let routes = self.routes
        let logger = self.logger
        let workers = (0..<Self.workerCount).map { index in
            WorkerThread(name: "streams-status-\(index)") {
                Self.serve(socket: socket, wake: wake, routes: routes, logger: logger)
            }
        }
        let listening = Listening(socket: socket, wake: wake, workers: workers)
        let kept = state.withLock { state in
            guard case .starting = state else { return false }  // stop() came meanwhile
            state = .listening(listening)
            return true
        }
        guard kept else { return Self.tearDown(listening) }
        let address = socket.host.contains(":") ? "[\(socket.host)]" : socket.host
        logger.info("status server listening", metadata: ["url": "http://\(address):\(socket.port)/"])
    }

    /// Stops listening, wakes the worker threads and waits for them (promptly: a connection
    /// being read or written is dropped), then closes the socket. Connections made after it
    /// returns are refused. Calling it again does nothing.
    public func stop() {
        let listening: Listening? = state.withLock { state in
            switch state {
            case .listening(let listening):
                state = .stopped(port: listening.socket.port)
                return listening
            case .idle, .starting:
                state = .stopped(port: requestedPort)
                return nil
            case .stopped:
                return nil
            }
        }
        guard let listening else { return }
        Self.tearDown(listening)
        logger.info("status server stopped", metadata: ["port": "\(listening.socket.port)"])
    }

    private static func tearDown(_ listening: Listening) {
        listening.wake.wake()
        for worker in listening.workers { worker.join() }
        // Closed only after the workers are gone, so that no poll ever sees a reused number.
        listening.socket.close()
        listening.wake.close()
    }

    /// A worker's loop: accept, serve, repeat, until the wake pipe says stop.
    private static func serve(socket: ListeningSocket, wake: WakePipe, routes: StatusRoutes, logger: Logger) {
        while true {
            switch POSIX.wait(for: POSIX.readable, socket.fd, wake: wake.readEnd, until: nil) {
            case .woken: return
            case .timedOut: continue
            case .ready: break
            }
            switch socket.accept() {
            case .success(let fd):
                HTTPConnection(fd: fd, wake: wake, logger: logger).serve(with: routes)
            case .failure(let failure) where failure.isTransient:
                continue
            case .failure(let failure):
                logger.warning(
                    "status server cannot accept connections",
                    metadata: ["error": "\(POSIX.describe(failure.code))"])
                // Out of descriptors, say: pause rather than spin on a socket that stays ready.
                let pause = ContinuousClock.now + .milliseconds(100)
                if case .woken = POSIX.wait(for: POSIX.readable, wake.readEnd, wake: wake.readEnd, until: pause) {
                    return
                }
            }
        }
    }
}
