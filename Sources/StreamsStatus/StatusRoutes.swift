import Foundation
import Prometheus
import Streams

/// What the status server answers on each path. Pure: a request in, a response out, so it is
/// tested without sockets and shares nothing between connections but the source and registry.
struct StatusRoutes: Sendable {
    /// Where the figures come from.
    let source: any StatusReporting
    /// The metrics for `/metrics`, if any.
    let registry: PrometheusCollectorRegistry?
    /// Whether to refuse requests whose `Host` is a name other than `localhost`: set when the
    /// server listens on loopback, where such a request can only come from a browser tricked
    /// by DNS rebinding into sending a web site's script to this machine.
    let checksHost: Bool

    init(source: any StatusReporting, registry: PrometheusCollectorRegistry?, checksHost: Bool) {
        self.source = source
        self.registry = registry
        self.checksHost = checksHost
    }

    /// The formats `/topology?format=` knows, in the order error messages list them.
    static let topologyFormats = ["text", "mermaid", "dot", "svg"]

    /// The Prometheus text exposition format's content type.
    static let prometheusText = "text/plain; version=0.0.4; charset=utf-8"
    /// SVG's content type.
    static let svg = "image/svg+xml"

    /// Answers a request.
    func respond(to request: HTTPRequest) -> HTTPResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            return .plain(
                405, "method \(request.method.prefix(20)) not allowed: the status server answers GET and HEAD",
                extraHeaders: [("Allow", "GET, HEAD")])
        }
        if checksHost, let host = request.headers["host"], !Self.isLocal(host: host) {
            return .plain(403, "this status server answers requests for 127.0.0.1, [::1] or localhost only")
        }
        switch request.path {
        case "/", "/index.html":
            return HTTPResponse(status: 200, contentType: "text/html; charset=utf-8", text: StatusPage.html)
        case "/status.json":
            return statusJSON()
        case "/metrics":
            return metrics()
        case "/health":
            return health()
        case "/topology":
            return topology(format: request.query["format"] ?? "text")
        case "/topology.svg":
            return topology(format: "svg")
        default:
            return .plain(404, "not found: the status server has /, /status.json, /metrics, /health and /topology")
        }
    }

    /// Whether a `Host` value (with or without its port) is an IP literal or `localhost`.
    static func isLocal(host value: String) -> Bool {
        var name = Substring(value.trimmingCharacters(in: .whitespaces))
        if name.hasPrefix("[") {
            guard let close = name.firstIndex(of: "]") else { return false }
            name = name[...close]
        } else if let colon = name.lastIndex(of: ":"), name.firstIndex(of: ":") == colon {
            name = name[..<colon]
        }
        let lowered = name.lowercased()
        return lowered == "localhost" || lowered.hasSuffix(".localhost")
            || SocketAddress(host: String(name), port: 0) != nil
    }

    private func statusJSON() -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // A rate of NaN or infinity must not take the page down; JavaScript's Number() reads
        // these spellings back.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        do {
            let data = try encoder.encode(source.statusSnapshot())
            return HTTPResponse(status: 200, contentType: HTTPResponse.json, body: Array(data))
        } catch {
            return .plain(500, "the status could not be encoded: \(error)")
        }
    }

    private func metrics() -> HTTPResponse {
        guard let registry else {
            return .plain(404, "no metrics: the status server was started without a Prometheus registry")
        }
        var body: [UInt8] = []
        registry.emit(into: &body)
        return HTTPResponse(status: 200, contentType: Self.prometheusText, body: body)
    }

    /// Kafka's convention: only `running` is healthy; `rebalancing` is not (the instance is not
    /// processing), nor is anything before or after it.
    private func health() -> HTTPResponse {
        let state = source.statusSnapshot().state
        return HTTPResponse(
            status: state == .running ? 200 : 503, contentType: HTTPResponse.json,
            text: "{\"state\":\"\(state)\"}")
    }

    private func topology(format: String) -> HTTPResponse {
        let description = source.topologyDescription
        switch format {
        case "text":
            return HTTPResponse(status: 200, contentType: HTTPResponse.plainText, text: description.description)
        case "mermaid":
            return HTTPResponse(status: 200, contentType: HTTPResponse.plainText, text: description.mermaid)
        case "dot":
            return HTTPResponse(status: 200, contentType: HTTPResponse.plainText, text: description.dot)
        case "svg":
            return HTTPResponse(status: 200, contentType: Self.svg, text: description.svg)
        default:
            return .plain(
                400, "unknown topology format '\(format.prefix(40))'; the formats are \(Self.topologyFormats.joined(separator: ", "))")
        }
    }
}
