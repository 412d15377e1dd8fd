import Logging
import Streams
import StreamsKafka
import Synchronization

/// Log lines captured from librdkafka and the runtime, to check what reaches logs.
final class CapturedLogs: Sendable {
    /// One record with the logger's and the call's metadata merged, as strings.
    struct Entry: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    let entries = Mutex<[Entry]>([])

    /// Every record as one line: level, message, metadata.
    var all: [String] { records.map { "\($0.level) \($0.message) \($0.metadata)" } }

    var records: [Entry] { entries.withLock { $0 } }

    /// A logger that appends every line at `level` or above here.
    func logger(level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: "streams.kafka.tests") { _ in CapturingHandler(logs: self) }
        logger.logLevel = level
        return logger
    }
}

struct CapturingHandler: LogHandler {
    let logs: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let entry = CapturedLogs.Entry(
            level: event.level, message: event.message.description, metadata: merged.mapValues { "\($0)" })
        logs.entries.withLock { $0.append(entry) }
    }
}

/// Settings that keep the mock cluster's groups and fetches quick.
func consumerProperties(_ cluster: EmbeddedKafkaCluster, _ extra: [String: String] = [:]) -> [String: String] {
    [
        "bootstrap.servers": cluster.bootstrapServers,
        "fetch.wait.max.ms": "10",
        "session.timeout.ms": "3500",
        "heartbeat.interval.ms": "500",
        "topic.metadata.refresh.interval.ms": "1000",
    ].merging(extra) { $1 }
}

func producerProperties(_ cluster: EmbeddedKafkaCluster, _ extra: [String: String] = [:]) -> [String: String] {
    ["bootstrap.servers": cluster.bootstrapServers].merging(extra) { $1 }
}

/// Sends a string key and value.
func send(
    _ producer: KafkaProducer, topic: String, key: String, value: String, timestamp: Int64 = 0,
    headers: Headers = Headers()
) throws {
    var key = key
    var value = value
    try key.withUTF8 { keyBytes in
        try value.withUTF8 { valueBytes in
            try producer.send(
                topic: topic, partition: nil, key: UnsafeRawBufferPointer(keyBytes),
                value: UnsafeRawBufferPointer(valueBytes), timestamp: timestamp, headers: headers)
        }
    }
}

/// A record copied out of a poll.
struct Received: Hashable {
    var topic: TopicName
    var partition: Int32
    var offset: Int64
    var key: String?
    var value: String?
    var timestamp: Int64
    var headers: Headers

    init(_ record: ConsumedRecord) {
        topic = record.topic
        partition = record.partition
        offset = record.offset
        key = record.key.map { String(decoding: $0, as: UTF8.self) }
        value = record.value.map { String(decoding: $0, as: UTF8.self) }
        timestamp = record.timestamp
        headers = record.headers
    }
}

/// Polls until `count` records arrived or the deadline passed.
func consume(_ consumer: KafkaConsumer, count: Int, within timeout: Duration) throws -> [Received] {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    var received: [Received] = []
    while received.count < count && ContinuousClock.now < deadline {
        try consumer.poll(maxRecords: 1000, timeout: .milliseconds(100)) { received.append(Received($0)) }
    }
    return received
}

/// Polls until the assignment is not empty or the deadline passed.
func waitForAssignment(_ consumer: KafkaConsumer, within timeout: Duration) throws -> [TopicPartition] {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        try consumer.poll(maxRecords: 100, timeout: .milliseconds(100)) { _ in }
        let assigned = try consumer.assignment()
        if !assigned.isEmpty { return assigned }
    }
    return []
}

/// Rebalance events seen by one consumer (the callback runs on the polling thread).
final class RebalanceLog {
    var events: [RebalanceEvent] = []
}
