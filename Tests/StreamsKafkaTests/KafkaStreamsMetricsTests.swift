import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Prometheus
import Streams
import StreamsStatus
import StreamsKafka
import Synchronization
import Testing

private typealias Support = RuntimeTestSupport

@Suite("Metrics, status and logs of KafkaStreams", .serialized)
struct KafkaStreamsMetricsTests {
    /// One sample of Prometheus' text format: name, labels and value.
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    /// Parses the registry's text exposition (the lines that are not comments).
    static func samples(_ registry: PrometheusCollectorRegistry) -> [Sample] {
        registry.emitToString().split(separator: "\n").compactMap { line -> Sample? in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...])
            else { return nil }
            let head = line[..<space]
            guard let brace = head.firstIndex(of: "{") else { return Sample(name: String(head), labels: [:], value: value) }
            var labels: [String: String] = [:]
            for pair in head[head.index(after: brace)..<head.index(before: head.endIndex)].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
            }
            return Sample(name: String(head[..<brace]), labels: labels, value: value)
        }
    }

    static func total(_ samples: [Sample], _ name: String, where labels: [String: String] = [:]) -> Double {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
            .reduce(0) { $0 + $1.value }
    }

    @Test func metricsAndStatusAfterAKnownRun() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: Support.logger)
        try cluster.createTopic("in", partitions: 4)
        try cluster.createTopic("out", partitions: 4)
        let registry = PrometheusCollectorRegistry()
        var (config, kafka) = Support.configs("metered", bootstrap: cluster.bootstrapServers)
        config.metricsFactory = PrometheusMetricsFactory(registry: registry)
        config.numStreamThreads = 2
        kafka.consumerProperties["client.id"] = "meter"
        let streams = try KafkaStreams(topology: try Support.upperTopology(), config: config, kafka: kafka)
        defer { streams.close() }
        try streams.start()
        // The input comes once both threads hold their partitions: a thread that joins late
        // makes the group take the first one's partitions back, and under load that can be a
        // loss with no clean hand-over, after which at-least-once processes records again and
        // the counts below are not exact.
        try Support.waitUntil("both threads run") { streams.state == .running }
        let records = Support.numbered(0..<1500)
        try Support.produce(records, to: "in", bootstrap: cluster.bootstrapServers)
        try Support.waitUntil("every input is processed") { streams.processedRecords == 1500 }
        // A commit refreshes the metrics; the lag needs fetch responses that saw the ends.
        try Support.waitUntil("the metrics show every record and no lag") {
            streams.requestCommit()
            let samples = Self.samples(registry)
            let lags = samples.filter { $0.name == StreamsMetricNames.Consumer.recordsLag }
            return Self.total(samples, StreamsMetricNames.Thread.processTotal) == 1500 && lags.count == 4
                && lags.allSatisfy { $0.value == 0 }
        }
        let samples = Self.samples(registry)
        #expect(Self.total(samples, StreamsMetricNames.Task.processTotal) == 1500)
        #expect(Self.total(samples, StreamsMetricNames.Topic.recordsConsumedTotal, where: ["topic": "in"]) == 1500)
        let inputBytes = records.reduce(0) { $0 + $1.key.utf8.count + $1.value.count }
        #expect(Self.total(samples, StreamsMetricNames.Topic.bytesConsumedTotal) == Double(inputBytes))
        #expect(Self.total(samples, StreamsMetricNames.Topic.recordsProducedTotal, where: ["topic": "out"]) == 1500)
        #expect(Self.total(samples, StreamsMetricNames.Topic.bytesProducedTotal) == Double(inputBytes))
        #expect(Self.total(samples, StreamsMetricNames.Producer.recordSendTotal) == 1500)
        #expect(Self.total(samples, StreamsMetricNames.Producer.recordErrorTotal) == 0)
        #expect(Self.total(samples, StreamsMetricNames.Task.droppedRecordsTotal) == 0)
        #expect(Self.total(samples, StreamsMetricNames.Thread.commitTotal) >= 1)
        #expect(Self.total(samples, StreamsMetricNames.Thread.taskCreatedTotal) == 4)
        // Two threads, each with its own label; lag under each consumer's client id.
        let threads = Set(samples.filter { $0.name == StreamsMetricNames.Thread.processTotal }.compactMap { $0.labels["thread_id"] })
        #expect(threads == ["metered-StreamThread-1", "metered-StreamThread-2"])
        let clients = Set(samples.filter { $0.name == StreamsMetricNames.Consumer.recordsLag }.compactMap { $0.labels["client_id"] })
        #expect(clients == ["meter-metered-StreamThread-1-consumer", "meter-metered-StreamThread-2-consumer"])
        // Per-node counts: every node of the topology saw every record.
        for node in ["KSTREAM-SOURCE-0000000000", "KSTREAM-MAPVALUES-0000000001", "KSTREAM-SINK-0000000002"] {
            #expect(
                Self.total(samples, StreamsMetricNames.ProcessorNode.processTotal, where: ["processor_node_id": node]) == 1500,
                "node \(node)")
        }

        let status = streams.statusSnapshot()
        #expect(status.state == .running)
        #expect(status.processedRecords == 1500)
        #expect(status.threads.count == 2)
        let tasks = status.threads.flatMap(\.activeTasks)
        #expect(tasks.map(\.taskId).sorted() == (0..<4).map { TaskId(subtopology: 0, partition: $0) })
        #expect(tasks.reduce(0) { $0 + $1.processedRecords } == 1500)
        #expect(status.partitions.count == 4)
        #expect(status.partitions.allSatisfy { $0.lag == 0 && $0.position == $0.committedOffset })
        #expect(status.partitions.reduce(0) { $0 + ($1.endOffset ?? 0) } == 1500)

        #expect(streams.close(timeout: .seconds(30)))
        #expect(streams.statusSnapshot().state == .notRunning)
        // A stopped instance's metrics are gone, as Kafka Streams removes a dead thread's.
        #expect(Self.samples(registry).filter { $0.name.hasPrefix("kafka_streams_") }.isEmpty)
    }

    @Test func logsNameApplicationThreadAndTaskAndNeverARecordValue() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: Support.logger)
        try cluster.createTopic("in", partitions: 2)
        try cluster.createTopic("out", partitions: 2)
        try cluster.createTopic("dlq", partitions: 1)
        // Values are card numbers; some keys are not valid Int64 keys, so they are skipped and logged.
        let cards = (0..<40).map { index in String(format: "4111 1111 1111 %04d", 1000 + index) }
        var inputs: [(key: String, value: [UInt8])] = []
        for (index, card) in cards.enumerated() {
            inputs.append((index % 4 == 0 ? "bad-\(card)" : "12345678", Array(card.utf8)))
        }
        try Support.produce(inputs, to: "in", bootstrap: cluster.bootstrapServers)

        let captured = CapturedLogs()
        var (config, kafka) = Support.configs("logged", bootstrap: cluster.bootstrapServers)
        var logger = captured.logger(level: .debug)
        logger[metadataKey: "application"] = "logged"
        config.logger = logger
        config.deserializationErrorHandler = .logAndContinue
        // Keys of 8 bytes are Int64 keys; the others cannot be deserialized.
        let typed = StreamsBuilder()
        typed.stream("in", Consumed(key: .int64, value: .string))
            .to("out", Produced(key: .int64, value: .string))
        let streams = try KafkaStreams(topology: try typed.build(), config: config, kafka: kafka)
        defer { streams.close() }
        try streams.start()
        try Support.waitUntil("every input is processed") { streams.processedRecords == inputs.count }
        #expect(streams.close(timeout: .seconds(30)))

        let logs = captured.records
        let skips = logs.filter { $0.message.contains("skipped a record") }
        #expect(skips.count == 10)
        for record in skips {
            #expect(record.metadata["application"] == "logged")
            #expect(record.metadata["thread"] != nil)
            #expect(record.metadata["task"] != nil)
        }
        #expect(logs.contains { $0.message.contains("partitions assigned") && $0.metadata["thread"] != nil })
        #expect(logs.allSatisfy { $0.metadata["application"] == "logged" })
        // No log line holds a card number, whole or as its digits.
        for record in logs {
            let text = record.message + " " + record.metadata.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            let digits = text.filter(\.isNumber)
            for card in cards {
                #expect(!text.contains(card))
                #expect(!digits.contains(card.filter(\.isNumber)))
            }
        }
    }
}

@Suite("Status server over KafkaStreams", .serialized)
struct KafkaStreamsStatusServerTests {
    /// GETs `path` from the server on a thread of its own (blocking sockets stay off the
    /// cooperative pool); returns the status code and the body.
    static func get(_ server: StatusServer, _ path: String) throws -> (status: Int, body: String) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw StreamsError(.kafka, "socket failed") }
        defer { close(socket) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(server.port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw StreamsError(.kafka, "cannot connect to the status server") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, 0) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        let statusLine = text.prefix { $0 != "\r" }.split(separator: " ")
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return (statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0, body)
    }

    @Test func healthFollowsTheLifecycleAndMetricsShowTheRun() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: RuntimeTestSupport.logger)
        try cluster.createTopic("in", partitions: 2)
        try cluster.createTopic("out", partitions: 2)
        try RuntimeTestSupport.produce(RuntimeTestSupport.numbered(0..<300), to: "in", bootstrap: cluster.bootstrapServers)
        let registry = PrometheusCollectorRegistry()
        var (config, kafka) = RuntimeTestSupport.configs("healthy", bootstrap: cluster.bootstrapServers)
        config.metricsFactory = PrometheusMetricsFactory(registry: registry)
        let streams = try KafkaStreams(topology: try RuntimeTestSupport.upperTopology(), config: config, kafka: kafka)
        defer { streams.close() }
        let server = StatusServer(source: streams, registry: registry)
        try server.start()
        defer { server.stop() }

        var health = try Self.get(server, "/health")
        #expect(health.status == 503)
        #expect(health.body.contains("created"))
        try streams.start()
        try RuntimeTestSupport.waitUntil("the status server says running") { try Self.get(server, "/health").status == 200 }
        try RuntimeTestSupport.waitUntil("every input is processed") { streams.processedRecords == 300 }
        try RuntimeTestSupport.waitUntil("the metrics show every record") {
            streams.requestCommit()
            return try Self.get(server, "/metrics").body.contains(
                "\(StreamsMetricNames.Thread.processTotal){application_id=\"healthy\",thread_id=\"healthy-StreamThread-1\"} 300")
        }
        let status = try JSONDecoder().decode(StatusSnapshot.self, from: Data(try Self.get(server, "/status.json").body.utf8))
        #expect(status.state == .running)
        #expect(status.processedRecords == 300)
        #expect(status.partitions.count == 2)
        #expect(streams.close(timeout: .seconds(30)))
        health = try Self.get(server, "/health")
        #expect(health.status == 503)
        #expect(health.body.contains("notRunning"))
    }
}
