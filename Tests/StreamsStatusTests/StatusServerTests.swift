#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import Streams
import Testing
@testable import StreamsStatus

/// The server over real loopback sockets, with a plain client.
@Suite("Status server over HTTP")
struct StatusServerTests {
    static let counterName = "status_test_events_total"
    static var counter: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "status_test", metricName: "events", unitName: "total", helpText: "Events the test counted")
    }

    /// Runs `body` against a started server showing ``StatusFixtures/board(state:)`` and a
    /// registry whose counter reads 7; stops the server after.
    func withServer<T>(
        registry: PrometheusCollectorRegistry? = makeRegistry(),
        _ body: (_ server: StatusServer, _ board: StatusBoard) async throws -> T
    ) async throws -> T {
        let board = try StatusFixtures.board()
        let server = StatusServer(source: board, registry: registry)
        try server.start()
        defer { server.stop() }
        return try await body(server, board)
    }

    static func makeRegistry() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(descriptor: counter).increment(by: Int64(7))
        return registry
    }

    @Test func startListensOnAnEphemeralLoopbackPort() async throws {
        try await withServer { server, _ in
            #expect(server.port > 0)
            #expect(server.host == "127.0.0.1")
            let address = try #require(server.listeningAddress)
            #expect(address.host == "127.0.0.1")
            #expect(address.port == server.port)
        }
    }

    @Test func statusJSONDecodesBackToThePostedSnapshot() async throws {
        try await withServer { server, board in
            let response = try await HTTPTestClient.request("GET", "/status.json", port: server.port)
            #expect(response.status == 200)
            #expect(response.contentType == "application/json")
            let decoded = try JSONDecoder().decode(StatusSnapshot.self, from: Data(response.body))
            #expect(decoded == StatusFixtures.snapshot())
            // Sorted keys: the same snapshot always reads the same.
            #expect(response.text.hasPrefix("{\"applicationId\":"))

            var changed = StatusFixtures.snapshot(state: .rebalancing)
            changed.processedRecords = 99
            board.post(changed)
            let again = try await HTTPTestClient.request("GET", "/status.json", port: server.port)
            #expect(try JSONDecoder().decode(StatusSnapshot.self, from: Data(again.body)) == changed)
        }
    }

    @Test func headAnswersTheHeadersWithoutTheBody() async throws {
        try await withServer { server, _ in
            let get = try await HTTPTestClient.request("GET", "/status.json", port: server.port)
            let head = try await HTTPTestClient.request("HEAD", "/status.json", port: server.port)
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            #expect(head.headers["content-length"] == String(get.body.count))
            #expect(head.contentType == "application/json")
        }
    }

    @Test(arguments: StreamsState.allCases)
    func healthIsOKOnlyWhileRunning(_ state: StreamsState) async throws {
        try await withServer { server, board in
            board.post(StatusFixtures.snapshot(state: state))
            let response = try await HTTPTestClient.request("GET", "/health", port: server.port)
            #expect(response.status == (state == .running ? 200 : 503))
            #expect(response.contentType == "application/json")
            #expect(response.text == "{\"state\":\"\(state)\"}")
        }
    }

    @Test func metricsServesTheRegistryInPrometheusTextFormat() async throws {
        let registry = Self.makeRegistry()
        try await withServer(registry: registry) { server, _ in
            let response = try await HTTPTestClient.request("GET", "/metrics", port: server.port)
            #expect(response.status == 200)
            #expect(response.contentType == "text/plain; version=0.0.4; charset=utf-8")
            let lines = response.text.split(separator: "\n")
            #expect(lines.contains("\(Self.counterName) 7"))
            #expect(lines.contains("# TYPE \(Self.counterName) counter"))

            registry.makeCounter(descriptor: Self.counter).increment(by: Int64(3))
            let later = try await HTTPTestClient.request("GET", "/metrics", port: server.port)
            #expect(later.text.split(separator: "\n").contains("\(Self.counterName) 10"))
        }
    }

    @Test func metricsIsNotFoundWithoutARegistry() async throws {
        try await withServer(registry: nil) { server, _ in
            let response = try await HTTPTestClient.request("GET", "/metrics", port: server.port)
            #expect(response.status == 404)
            #expect(response.contentType.hasPrefix("text/plain"))
            #expect(response.text.contains("registry"))
        }
    }

    @Test(arguments: [
        ("/topology", "text/plain; charset=utf-8", "Topologies:\n"),
        ("/topology?format=text", "text/plain; charset=utf-8", "Topologies:\n"),
        ("/topology?format=mermaid", "text/plain; charset=utf-8", "flowchart TD\n"),
        ("/topology?format=dot", "text/plain; charset=utf-8", "digraph topology {"),
        ("/topology?format=svg", "image/svg+xml", "<svg"),
        ("/topology.svg", "image/svg+xml", "<svg"),
    ])
    func topologyFormats(path: String, contentType: String, prefix: String) async throws {
        let description = try StatusFixtures.topology()
        try await withServer { server, _ in
            let response = try await HTTPTestClient.request("GET", path, port: server.port)
            #expect(response.status == 200)
            #expect(response.contentType == contentType)
            #expect(response.text.hasPrefix(prefix))
            let expected: String =
                switch prefix {
                case "Topologies:\n": description.description
                case "flowchart TD\n": description.mermaid
                case "digraph topology {": description.dot
                default: description.svg
                }
            #expect(response.text == expected)
        }
    }

    @Test func theSVGNamesEveryNode() async throws {
        try await withServer { server, _ in
            let svg = try await HTTPTestClient.request("GET", "/topology.svg", port: server.port).text
            for name in StatusFixtures.nodeNames {
                #expect(svg.contains(name), "\(name) is not in the picture")
            }
            #expect(!SVGFills.nodeFills(in: svg).isEmpty, "no node fill in the picture")
        }
    }

    @Test func anUnknownTopologyFormatIsABadRequestNamingTheValidOnes() async throws {
        try await withServer { server, _ in
            let response = try await HTTPTestClient.request("GET", "/topology?format=png", port: server.port)
            #expect(response.status == 400)
            #expect(response.contentType.hasPrefix("text/plain"))
            for format in ["text", "mermaid", "dot", "svg"] {
                #expect(response.text.contains(format))
            }
        }
    }

    @Test func thePageIsOneSelfContainedDocument() async throws {
        try await withServer { server, _ in
            let response = try await HTTPTestClient.request("GET", "/", port: server.port)
            #expect(response.status == 200)
            #expect(response.contentType == "text/html; charset=utf-8")
            let html = response.text
            #expect(html.hasPrefix("<!doctype html>"))
            for id in ["app", "state", "processed", "rate", "lag-total", "tasks", "lag", "topology", "chart"] {
                #expect(html.contains("id=\"\(id)\""), "no #\(id)")
            }
            // Nothing from elsewhere: it works offline.
            for external in ["http://", "https://", "<link", "@import", "src=", "url("] {
                #expect(!html.contains(external), "the page refers to something elsewhere: \(external)")
            }
            // Data goes into the page as text.
            #expect(!html.contains("innerHTML"))
        }
    }

    @Test func anUnknownPathIsNotFound() async throws {
        try await withServer { server, _ in
            let response = try await HTTPTestClient.request("GET", "/nothing-here", port: server.port)
            #expect(response.status == 404)
            #expect(response.contentType == "text/plain; charset=utf-8")
        }
    }

    @Test(arguments: ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"])
    func otherMethodsAreNotAllowed(_ method: String) async throws {
        try await withServer { server, _ in
            let request = "\(method) /status.json HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\ncard=411111"
            let response = try await HTTPTestClient.exchange(Array(request.utf8), port: server.port)
            #expect(response.status == 405)
            #expect(response.headers["allow"] == "GET, HEAD")
        }
    }

    @Test(arguments: [
        "GARBAGE\r\n\r\n",
        "GET /\r\n\r\n",
        "GET / HTTP/1.1 extra\r\n\r\n",
        "GET status.json HTTP/1.1\r\n\r\n",
        "GET / HTTX/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nno colon here\r\n\r\n",
        "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
        "G(T / HTTP/1.1\r\n\r\n",
    ])
    func malformedRequestsAreBadRequests(_ raw: String) async throws {
        try await withServer { server, _ in
            let response = try await HTTPTestClient.exchange(Array(raw.utf8), port: server.port)
            #expect(response.status == 400)
            #expect(response.headers["connection"] == "close")
        }
    }

    @Test func headersOver16KiBAreABadRequest() async throws {
        try await withServer { server, _ in
            let padding = String(repeating: "a", count: 17 * 1024)
            let raw = "GET /status.json HTTP/1.1\r\nHost: x\r\nX-Padding: \(padding)\r\n\r\n"
            let response = try await HTTPTestClient.exchange(Array(raw.utf8), port: server.port)
            #expect(response.status == 400)
            #expect(response.text.contains("16 KiB"))

            let fits = "GET /health HTTP/1.1\r\nX-Padding: \(String(repeating: "a", count: 15 * 1024))\r\n\r\n"
            #expect(try await HTTPTestClient.exchange(Array(fits.utf8), port: server.port).status == 200)
        }
    }

    @Test(arguments: ["/", "/status.json", "/metrics", "/health", "/topology", "/topology.svg", "/missing"])
    func everyAnswerSaysItsLengthNotToCacheAndToClose(_ path: String) async throws {
        try await withServer { server, _ in
            let response = try await HTTPTestClient.request("GET", path, port: server.port)
            #expect(response.headers["content-length"] == String(response.body.count))
            #expect(response.headers["cache-control"] == "no-store")
            #expect(response.headers["connection"] == "close")
            #expect(!response.contentType.isEmpty)
        }
    }

    @Test func aSilentClientDoesNotHoldUpOthers() async throws {
        try await withServer { server, _ in
            let silent = try HTTPTestClient.connect(port: server.port)
            defer { close(silent) }
            // Answered sooner than the 2 seconds the silent client is given, so it was not waited
            // out. The deadline is kept by the client's own thread: a clock read around the
            // `await` would also count the wait for a pool thread, long when other suites run.
            let response = try await HTTPTestClient.request("GET", "/health", port: server.port, within: .milliseconds(1500))
            #expect(response.status == 200)
            // And the server lets the silent one go, without an answer.
            let leftOver = try await HTTPTestClient.readToEnd(silent, within: .seconds(6))
            #expect(leftOver.isEmpty)
        }
    }

    @Test func aHalfSentRequestGetsA408() async throws {
        try await withServer { server, _ in
            let fd = try HTTPTestClient.connect(port: server.port)
            defer { close(fd) }
            try HTTPTestClient.sendAll(fd, Array("GET /status.json HTTP/1.1\r\nHost: x\r\n".utf8))
            let response = try HTTPTestClient.parse(try await HTTPTestClient.readToEnd(fd, within: .seconds(6)))
            #expect(response.status == 408)
        }
    }

    @Test func nonLoopbackAddressesAreRefused() async throws {
        try await withServer { server, _ in
            let addresses = Self.nonLoopbackIPv4Addresses()
            for address in addresses {
                #expect(throws: HTTPTestClient.ConnectFailure.self, "\(address) accepted a connection") {
                    let fd = try HTTPTestClient.connect(host: address, port: server.port)
                    close(fd)
                }
            }
            // Loopback is served all the same.
            let loopback = try await HTTPTestClient.request("GET", "/health", port: server.port)
            #expect(loopback.status == 200)
        }
    }

    @Test func servesIPv6Loopback() async throws {
        let server = StatusServer(source: try StatusFixtures.board(), registry: nil, host: "::1")
        try server.start()
        defer { server.stop() }
        #expect(server.listeningAddress?.host == "::1")
        let response = try await HTTPTestClient.request("GET", "/health", host: "::1", port: server.port)
        #expect(response.status == 200)
        #expect(throws: HTTPTestClient.ConnectFailure.self) {
            close(try HTTPTestClient.connect(host: "127.0.0.1", port: server.port))
        }
    }

    @Test func stopIsPromptAndRefusesLaterConnections() async throws {
        let server = StatusServer(source: try StatusFixtures.board(), registry: nil)
        try server.start()
        let port = server.port
        #expect(try await HTTPTestClient.request("GET", "/health", port: port).status == 200)
        // A silent client is being read when stop() comes: it must not wait out its 2 seconds.
        let silent = try HTTPTestClient.connect(port: port)
        defer { close(silent) }
        let started = ContinuousClock.now
        server.stop()
        #expect(ContinuousClock.now - started < .milliseconds(1500))
        #expect(server.port == port)
        #expect(server.listeningAddress == nil)
        let failure = #expect(throws: HTTPTestClient.ConnectFailure.self) {
            close(try HTTPTestClient.connect(port: port))
        }
        #expect(failure?.code == ECONNREFUSED)
        server.stop()  // a second stop does nothing
    }

    @Test func aTakenPortIsAnErrorNamingHostAndPort() async throws {
        try await withServer { server, _ in
            let second = StatusServer(source: try StatusFixtures.board(), registry: nil, port: server.port)
            let error = #expect(throws: StatusServerError.self) { try second.start() }
            #expect(error?.code == .addressInUse)
            #expect(error?.description.contains("127.0.0.1:\(server.port)") == true)
            #expect(error?.port == server.port)
            #expect(second.listeningAddress == nil)
        }
    }

    @Test(arguments: ["localhost", "example.com", "127.0.0.300", ""])
    func aHostThatIsNotAnIPLiteralIsRefused(_ host: String) async throws {
        let server = StatusServer(source: try StatusFixtures.board(), registry: nil, host: host, port: 8089)
        let error = #expect(throws: StatusServerError.self) { try server.start() }
        #expect(error?.code == .invalidAddress)
        #expect(error?.description.contains("\(host):8089") == true)
    }

    @Test func runsAsAServiceUntilGracefulShutdown() async throws {
        let server = StatusServer(source: try StatusFixtures.board(), registry: nil)
        let group = ServiceGroup(services: [server], logger: Logger(label: "status-tests"))
        let running = Task { try await group.run() }
        let port = try await Self.waitForPort(of: server)
        #expect(try await HTTPTestClient.request("GET", "/health", port: port).status == 200)
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(throws: HTTPTestClient.ConnectFailure.self) { close(try HTTPTestClient.connect(port: port)) }
    }

    @Test func runStopsWhenItsTaskIsCancelled() async throws {
        let server = StatusServer(source: try StatusFixtures.board(), registry: nil)
        let running = Task { try await server.run() }
        let port = try await Self.waitForPort(of: server)
        running.cancel()
        try await running.value
        #expect(throws: HTTPTestClient.ConnectFailure.self) { close(try HTTPTestClient.connect(port: port)) }
    }

    /// Waits (two minutes at most: the task that starts it needs a thread of the cooperative
    /// pool, which on two cores other suites' Kafka tests may hold for most of a minute) until
    /// a server started elsewhere listens.
    static func waitForPort(of server: StatusServer) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            if let address = server.listeningAddress { return address.port }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw HTTPTestClientError(description: "the server did not listen within 120 seconds")
    }

    /// The machine's IPv4 addresses other than loopback.
    static func nonLoopbackIPv4Addresses() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var addresses: [String] = []
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            guard let address = entry.pointee.ifa_addr, Int32(address.pointee.sa_family) == AF_INET,
                entry.pointee.ifa_flags & UInt32(IFF_LOOPBACK) == 0
            else { continue }
            var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
                var ip = ipv4.pointee.sin_addr
                _ = inet_ntop(AF_INET, &ip, &text, socklen_t(text.count))
            }
            addresses.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return addresses
    }
}

extension StatusServerTests {
    @Test func onLoopbackARequestForAnotherHostNameIsForbidden() async throws {
        try await withServer { server, _ in
            func status(host: String?, version: String = "HTTP/1.1") async throws -> Int {
                let field = host.map { "Host: \($0)\r\n" } ?? ""
                let request = "GET /health \(version)\r\n\(field)\r\n"
                return try await HTTPTestClient.exchange(Array(request.utf8), port: server.port).status
            }
            // What a browser sends after a web site's name was rebound to 127.0.0.1.
            let rebound = try await status(host: "attacker.example:\(server.port)")
            #expect(rebound == 403)
            for host in ["127.0.0.1:\(server.port)", "localhost:\(server.port)", "[::1]:\(server.port)", "localhost"] {
                let answer = try await status(host: host)
                #expect(answer == 200, "Host: \(host)")
            }
            // HTTP/1.0 clients may send no Host at all.
            let withoutHost = try await status(host: nil, version: "HTTP/1.0")
            #expect(withoutHost == 200)
        }
    }

    @Test func aStoppedServerStartsAgain() async throws {
        let server = StatusServer(source: try StatusFixtures.board(), registry: nil)
        try server.start()
        server.stop()
        try server.start()
        defer { server.stop() }
        #expect(try await HTTPTestClient.request("GET", "/health", port: server.port).status == 200)
    }

    @Test func aServerThatIsDroppedStops() async throws {
        var server: StatusServer? = StatusServer(source: try StatusFixtures.board(), registry: nil)
        try server?.start()
        let port = try #require(server?.port)
        server = nil
        #expect(throws: HTTPTestClient.ConnectFailure.self) { close(try HTTPTestClient.connect(port: port)) }
    }
}
