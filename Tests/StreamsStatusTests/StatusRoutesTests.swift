import Foundation
import Streams
import Testing
@testable import StreamsStatus

/// The routes as a function, without sockets: what is awkward to provoke over the wire.
@Suite("Status routes")
struct StatusRoutesTests {
    func get(_ path: String, host: String? = "127.0.0.1:1", method: String = "GET", routes: StatusRoutes) -> HTTPResponse {
        var request = HTTPRequest(method: method, path: path, query: [:], version: "HTTP/1.1", headers: [:])
        request.headers["host"] = host
        return routes.respond(to: request)
    }

    @Test func aRateThatIsNotANumberStillGivesAStatus() throws {
        let board = try StatusFixtures.board()
        var snapshot = StatusFixtures.snapshot()
        snapshot.processRate = .nan
        snapshot.threads[0].activeTasks[0].processRate = .infinity
        board.post(snapshot)
        let response = get("/status.json", routes: StatusRoutes(source: board, registry: nil, checksHost: true))
        #expect(response.status == 200)
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.contains("\"processRate\":\"NaN\""))
        #expect(text.contains("\"processRate\":\"Infinity\""))
    }

    @Test(arguments: [
        ("127.0.0.1:8080", true), ("127.0.0.1", true), ("[::1]:8080", true), ("localhost:8080", true),
        ("LOCALHOST", true), ("app.localhost:1", true), ("192.0.2.7:80", true),
        ("attacker.example", false), ("attacker.example:8080", false), ("[::1", false), ("localhost.example", false),
    ])
    func onlyIPLiteralsAndLocalhostAreLocal(_ host: String, _ local: Bool) {
        #expect(StatusRoutes.isLocal(host: host) == local)
    }

    @Test func hostNamesAreCheckedOnlyWhenAskedTo() throws {
        let board = try StatusFixtures.board()
        let checking = StatusRoutes(source: board, registry: nil, checksHost: true)
        let open = StatusRoutes(source: board, registry: nil, checksHost: false)
        #expect(get("/health", host: "status.example", routes: checking).status == 403)
        #expect(get("/health", host: "status.example", routes: open).status == 200)
        // The method is judged first: a POST is 405 whatever its Host.
        #expect(get("/health", host: "status.example", method: "POST", routes: checking).status == 405)
    }

    @Test func loopbackIsTheV4LoopbackNetAndTheV6LoopbackAddress() {
        #expect(StatusServer.isLoopback("127.0.0.1"))
        #expect(StatusServer.isLoopback("127.1.2.3"))
        #expect(StatusServer.isLoopback("::1"))
        #expect(StatusServer.isLoopback("[0:0:0:0:0:0:0:1]"))
        #expect(!StatusServer.isLoopback("0.0.0.0"))
        #expect(!StatusServer.isLoopback("::"))
        #expect(!StatusServer.isLoopback("192.0.2.2"))
        #expect(!StatusServer.isLoopback("localhost"))
    }
}
