import Foundation
import Logging
import Streams
import Synchronization

/// Where the instances of one application are and which input partitions each owns, so that
/// any instance can say which one answers a key's interactive queries: Kafka Streams shares
/// this (`application.server` and the assignment) in its group protocol; librdkafka gives no
/// way to add to that protocol, so each instance publishes it to the application's internal
/// topic `<applicationId>-instances` instead, one record per instance (keyed by a unique
/// instance id) each time its assignment changes, and a tombstone when it stops cleanly.
///
/// A claim on a partition is trusted until a newer one (by publication time) replaces it: a
/// dead instance's claims stand until the new owner's assignment is published, as Kafka
/// Streams' metadata is stale until the next rebalance.
final class InstanceDirectory: Sendable {
    /// One instance's published state.
    struct Entry: Codable, Sendable, Hashable {
        /// Unique per running instance (its client id and a random suffix).
        var instance: String
        /// The instance's ``KafkaStreams/clientId``.
        var clientId: String
        /// Where it answers interactive queries (`application.server`).
        var endpoint: String
        /// Its input partitions as `topic:partition`.
        var partitions: [String]
        /// When it published this, in milliseconds since the epoch.
        var at: Int64
    }

    let topic: TopicName
    let instance: String
    let clientId: String
    let endpoint: String
    private let producer: KafkaProducer
    private let kafka: KafkaConfig
    private let logger: Logger

    init(applicationId: String, clientId: String, endpoint: String, kafka: KafkaConfig, logger: Logger) throws {
        topic = Self.topic(applicationId: applicationId)
        instance = "\(clientId)-\(UUID().uuidString.prefix(8))"
        self.clientId = clientId
        self.endpoint = endpoint
        self.kafka = kafka
        self.logger = logger
        var properties = kafka.common.merging(kafka.producerProperties) { _, new in new }
        properties["client.id"] = "\(clientId)-directory-producer"
        properties["linger.ms"] = "0"
        producer = try KafkaProducer(properties: properties, logger: logger)
    }

    /// The directory topic of an application.
    static func topic(applicationId: String) -> TopicName { TopicName("\(applicationId)-instances") }

    /// Publishes this instance's input partitions (its whole assignment, replacing the last).
    func publish(_ partitions: [TopicPartition], at time: Int64) {
        let entry = Entry(
            instance: instance, clientId: clientId, endpoint: endpoint,
            partitions: partitions.sorted().map { "\($0.topic.rawValue):\($0.partition)" }, at: time)
        do {
            try send(try JSONEncoder().encode(entry))
        } catch {
            logger.warning("could not publish this instance's partitions", metadata: ["error": .string("\(error)")])
        }
    }

    /// Withdraws this instance (a tombstone), waiting a bounded time for the write.
    func withdraw() {
        do {
            try send(nil)
            try producer.flush(timeout: .seconds(10))
        } catch {
            logger.warning("could not withdraw this instance from the directory", metadata: ["error": .string("\(error)")])
        }
        try? producer.close(timeout: .seconds(10))
    }

    /// Lets go of the producer without a goodbye (the instance died).
    func abandon() { producer.abandon() }

    private func send(_ value: Data?) throws {
        var key = instance
        try key.withUTF8 { keyBytes in
            if let value {
                try value.withUnsafeBytes { valueBytes in
                    try producer.send(
                        topic: topic.rawValue, partition: 0, key: UnsafeRawBufferPointer(keyBytes), value: valueBytes,
                        timestamp: Int64(Date().timeIntervalSince1970 * 1000), headers: Headers())
                }
            } else {
                try producer.send(
                    topic: topic.rawValue, partition: 0, key: UnsafeRawBufferPointer(keyBytes), value: nil,
                    timestamp: Int64(Date().timeIntervalSince1970 * 1000), headers: Headers())
            }
        }
    }

    /// The last read and when it was made: queries for many keys in a row read the topic once.
    private let lastRead = Mutex<(entries: [Entry], at: ContinuousClock.Instant)?>(nil)

    /// Every instance's latest entry, as read at most `maxAge` ago, or read again.
    func entries(maxAge: Duration = .milliseconds(500), timeout: Duration) throws -> [Entry] {
        if let last = lastRead.withLock({ $0 }), ContinuousClock.now - last.at < maxAge { return last.entries }
        let entries = try read(timeout: timeout)
        lastRead.withLock { $0 = (entries, ContinuousClock.now) }
        return entries
    }

    /// Every instance's latest entry, read from the topic's start to its end now.
    func read(timeout: Duration) throws -> [Entry] {
        var properties = kafka.common.merging(kafka.consumerProperties) { _, new in new }
        properties["client.id"] = "\(clientId)-directory-reader"
        // It assigns its partition itself and never joins (see KafkaConsumer.close()).
        properties["partition.assignment.strategy"] = "range"
        let consumer = try KafkaConsumer(
            groupId: "\(topic.rawValue)-reader", properties: properties, logger: logger, onRebalance: { _ in })
        defer { try? consumer.close() }
        let partition = TopicPartition(topic: topic, partition: 0)
        let start = try consumer.offsets(.earliest, of: [partition], timeout: timeout)[partition] ?? 0
        let end = try consumer.offsets(.latest, of: [partition], timeout: timeout)[partition] ?? 0
        var latest: [String: Entry?] = [:]
        guard end > start else { return [] }
        try consumer.assign([partition: start])
        let deadline = ContinuousClock.now + timeout
        while (try consumer.positions([partition])[partition] ?? start) < end {
            guard ContinuousClock.now < deadline else {
                throw StreamsError(.timeout, "reading the instances of the application from \(topic) took over \(timeout)")
            }
            _ = try consumer.poll(maxRecords: 1000, timeout: .milliseconds(50)) { record in
                guard record.offset < end, let key = record.key else { return }
                let instance = String(decoding: key, as: UTF8.self)
                latest[instance] = try record.value.map { try JSONDecoder().decode(Entry.self, from: Data($0)) }
            }
        }
        return latest.values.compactMap { $0 }
    }

    /// The newest claim on each partition (`topic:partition`).
    static func owners(_ entries: [Entry]) -> [String: Entry] {
        var owners: [String: Entry] = [:]
        for entry in entries {
            for partition in entry.partitions where (owners[partition]?.at ?? .min) < entry.at {
                owners[partition] = entry
            }
        }
        return owners
    }
}
