import Foundation
import Logging
import Streams
import StreamsKafka
import Testing

/// Scaffolding for tests against the embedded cluster.
enum RuntimeTestSupport {
    /// A logger that keeps test output short: errors only.
    static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .error
        return logger
    }

    /// Consumer settings that make the mock cluster quick: short fetch waits, fast rebalances
    /// (the notes measured 3500 ms as the shortest session that still assigns).
    static let fastConsumer: [String: String] = [
        "fetch.wait.max.ms": "10", "session.timeout.ms": "3500", "heartbeat.interval.ms": "500",
    ]

    /// Waits until `condition` holds; fails with `what` at the deadline.
    static func waitUntil(
        _ what: String, timeout: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: () throws -> Bool
    ) throws {
        let deadline = ContinuousClock.now + timeout
        while try !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out after \(timeout) waiting until \(what)", sourceLocation: sourceLocation)
                throw StreamsError(.timeout, "timed out waiting until \(what)")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// Produces string records and waits until all are acknowledged.
    static func produce(
        _ records: [(key: String, value: [UInt8])], to topic: String, bootstrap: String
    ) throws {
        let producer = try KafkaProducer(properties: ["bootstrap.servers": bootstrap], logger: logger)
        defer { try? producer.close(timeout: .seconds(30)) }
        for record in records {
            var key = record.key
            try key.withUTF8 { keyBytes in
                try record.value.withUnsafeBytes { value in
                    try producer.send(
                        topic: topic, partition: nil, key: UnsafeRawBufferPointer(keyBytes), value: value,
                        timestamp: 1_700_000_000_000, headers: Headers())
                }
            }
        }
        try producer.flush(timeout: .seconds(60))
        #expect(producer.failedDeliveries == 0)
    }

    struct Read: Hashable {
        let key: String
        let keyBytes: [UInt8]
        let value: [UInt8]
        let partition: Int32
        let offset: Int64
        let headers: Headers
    }

    /// Reads a topic from the beginning to the ends its partitions have now.
    static func readAll(_ topic: String, bootstrap: String, timeout: Duration = .seconds(60)) throws -> [Read] {
        let admin = try KafkaAdminClient(properties: ["bootstrap.servers": bootstrap], logger: logger)
        let count = try admin.describeTopics([topic], timeout: .seconds(30)).first?.partitions.count ?? 0
        var properties = fastConsumer
        properties["bootstrap.servers"] = bootstrap
        let consumer = try KafkaConsumer(
            groupId: "reader-\(UUID().uuidString)", properties: properties, logger: logger, onRebalance: { _ in })
        defer { try? consumer.close() }
        var remaining: [Int32: Int64] = [:]
        for partition in 0..<Int32(count) {
            let marks = try consumer.watermarks(topic: TopicName(topic), partition: partition, timeout: .seconds(30))
            if marks.high > marks.low { remaining[partition] = marks.high }
        }
        var records: [Read] = []
        try consumer.subscribe([topic])
        try waitUntil("\(topic) is read to its end", timeout: timeout) {
            _ = try consumer.poll(maxRecords: 1000, timeout: .milliseconds(50)) { record in
                guard let end = remaining[record.partition], record.offset < end else { return }
                if record.offset + 1 >= end { remaining[record.partition] = nil }
                records.append(
                    Read(
                        key: record.key.map { String(decoding: $0, as: UTF8.self) } ?? "",
                        keyBytes: record.key.map { Array($0) } ?? [],
                        value: record.value.map { Array($0) } ?? [], partition: record.partition,
                        offset: record.offset, headers: record.headers))
            }
            return remaining.isEmpty
        }
        return records
    }

    /// The upper-casing topology used by the runtime tests: `in` → upper-case → `out`.
    static func upperTopology(input: TopicName = "in", output: TopicName = "out") throws -> Topology {
        let builder = StreamsBuilder()
        builder.stream(input, Consumed(key: .string, value: .string))
            .mapValues { $0.uppercased() }
            .to(output, Produced(key: .string, value: .string))
        return try builder.build()
    }

    /// A configuration for a test application on `bootstrap`.
    static func configs(
        _ applicationId: String, bootstrap: String, commitInterval: Duration = .milliseconds(100)
    ) -> (StreamsConfig, KafkaConfig) {
        var config = StreamsConfig(applicationId: applicationId)
        config.logger = logger
        config.commitInterval = commitInterval
        var kafka = KafkaConfig(bootstrapServers: bootstrap)
        kafka.consumerProperties = fastConsumer
        kafka.startupTimeout = .seconds(20)
        return (config, kafka)
    }

    /// Input records `k<i>` → `v<i>`.
    static func numbered(_ range: Range<Int>) -> [(key: String, value: [UInt8])] {
        range.map { ("k\($0)", Array("v\($0)".utf8)) }
    }

    /// The committed offsets of `group` summed over the partitions of `topic`.
    static func committedTotal(group: String, topic: String, partitions: Int32, bootstrap: String) throws -> Int64 {
        let consumer = try KafkaConsumer(
            groupId: group, properties: ["bootstrap.servers": bootstrap], logger: logger, onRebalance: { _ in })
        defer { try? consumer.close() }
        let all = (0..<partitions).map { TopicPartition(topic: TopicName(topic), partition: $0) }
        return try consumer.committed(all, timeout: .seconds(30)).values.reduce(0, +)
    }
}
