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
                405, "method \(request.method) not allowed: the status server answers GET and HEAD",
                extraHeaders: [("Allow", "GET, HEAD")])
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
