import Foundation
import Streams
import Testing
@testable import StreamsStatus

/// The status page in a real headless browser (Debian's chromium, which scripts/test.sh
/// installs): the DOM after its scripts ran, and a screenshot. Two browser runs, one after
/// the other: they are slow.
@Suite("Status page in a headless browser", .serialized)
struct StatusPageTests {
    /// Runs `body` with a browser and a server showing ``StatusFixtures/snapshot(state:)``.
    func withPage(_ body: (_ chromium: Chromium, _ url: String, _ port: Int) async throws -> Void) async throws {
        guard let chromium = Chromium.installed() else {
            Issue.record(Comment(rawValue: Chromium.missing))
            return
        }
        let server = StatusServer(source: try StatusFixtures.board(), registry: StatusServerTests.makeRegistry())
        try server.start()
        defer { server.stop() }
        try await body(chromium, "http://127.0.0.1:\(server.port)/", server.port)
    }

    @Test func thePageShowsStateFiguresTasksLagAndTopology() async throws {
        try await withPage { chromium, url, _ in
            let dom = DumpedDOM(html: try await chromium.dumpDOM(of: url))
            let snapshot = StatusFixtures.snapshot()

            #expect(dom.text("app") == StatusFixtures.applicationId)
            #expect(dom.text("state") == "running")
            #expect(dom.element("state")?.attributes["class"]?.contains("state-running") == true)
            #expect(dom.text("connection") == "live")
            #expect(dom.text("processed") == "12,345")
            #expect(dom.element("processed")?.attributes["data-value"] == "12345")
            #expect(dom.text("rate") == "678.9")
            #expect(dom.text("produced") == "12,000")
            #expect(dom.text("skipped") == "3")
            #expect(dom.text("dead-lettered") == "2")
            #expect(dom.text("lost") == "1")
            #expect(dom.text("dropped-outputs") == "4")
            #expect(dom.text("commits") == "56")
            #expect(dom.text("lag-total") == "1,050")
            #expect(dom.element("lag-total")?.attributes["data-value"] == String(snapshot.totalLag))

            let tasks = dom.rows(keyedBy: "data-task")
            #expect(Set(tasks.keys) == ["0_0", "0_3", "1_1", "1_2"])
            #expect(tasks["0_3"] == [
                "\(StatusFixtures.applicationId)-StreamThread-1", "0_3", "running", "orders-3", "5,000", "278.4", "0.250",
            ])
            #expect(tasks["1_1"]?.prefix(4) == ["\(StatusFixtures.applicationId)-StreamThread-2", "1_1", "restoring", "payments-1"])

            let lag = dom.rows(keyedBy: "data-partition")
            #expect(Set(lag.keys) == Set(snapshot.partitions.map { "\($0.topic)-\($0.partition)" }))
            for partition in snapshot.partitions {
                let row = lag["\(partition.topic)-\(partition.partition)"]
                #expect(row?.first == partition.topic)
                #expect(row?.last == partition.lag.map { $0.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US"))) } ?? "–")
            }
            #expect(lag["orders-0"] == ["orders", "0", "100", "90", "150", "50"])
            #expect(lag["payments-1"]?.last == "1,000")
            #expect(lag["payments-2"]?.last == "–")

            let topology = dom.section(from: "topology", to: "chart")
            #expect(topology.contains("<svg"), "no picture in #topology")
            for name in StatusFixtures.nodeNames {
                #expect(topology.contains(name), "\(name) is not in #topology")
            }
            #expect(dom.html.contains("id=\"chart-line\""))
            #expect(dom.element("chart-line")?.attributes["points"]?.isEmpty == false, "the chart has no points")
        }
    }

    @Test func theScreenshotShowsThePageAndTheTopologyColours() async throws {
        try await withPage { chromium, url, port in
            let svg = try await HTTPTestClient.request("GET", "/topology.svg", port: port).text
            let fills = SVGFills.nodeFills(in: svg).sorted { $0.description < $1.description }
            try #require(!fills.isEmpty, "the served /topology.svg has no node fills to look for")

            let path = FileManager.default.temporaryDirectory.appendingPathComponent("status-page-\(UUID().uuidString).png").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            try await chromium.screenshot(of: url, to: path)
            let report = try await PNGInspector.inspect(path, colours: fills)

            #expect(report.width == 1280)
            #expect(report.height == 1400)
            // Not blank: text, panels, badges and the picture make many colours, none all over.
            #expect(report.distinctColours > 50)
            #expect(report.dominantShare < 0.9)
            for fill in fills {
                let pixels = report.counts[fill.description] ?? 0
                #expect(pixels >= 200, "node fill \(fill) covers \(pixels) pixels of the screenshot")
            }
        }
    }
}
