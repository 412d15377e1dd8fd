import CRdKafka
import Logging
import Streams

/// Creates and describes topics.
///
/// Thread-safe: librdkafka clients may be called from any thread; each call here uses its
/// own result queue.
///
/// On an ``EmbeddedKafkaCluster`` of this process (librdkafka's mock broker does not
/// implement CreateTopics), ``createTopics(_:timeout:)`` creates the topics through the
/// embedded cluster; everything else goes over the Kafka protocol.
public final class KafkaAdminClient: @unchecked Sendable {
    private let handle: OpaquePointer
    private let context: ClientContext
    private let bootstrapServers: String

    /// Creates an admin client.
    /// - Parameters:
    ///   - properties: librdkafka properties (at least `bootstrap.servers`).
    ///   - logger: Receives librdkafka's logs and errors.
    /// - Throws: `.invalidConfiguration` naming a bad property.
    public init(properties: [String: String], logger: Logger) throws {
        try LibrdkafkaVersion.check()
        let context = ClientContext(logger: logger)
        self.context = context
        bootstrapServers = properties["bootstrap.servers"] ?? properties["metadata.broker.list"] ?? ""
        let conf = try Configuration.make(properties: properties, defaults: [:], context: context)
        handle = try Configuration.makeHandle(RD_KAFKA_PRODUCER, conf: conf, what: "admin client")
    }

    deinit { rd_kafka_destroy(handle) }

    /// Creates topics; a topic that already exists is not an error (its settings are not
    /// checked).
    /// - Parameters:
    ///   - topics: The topics to create.
    ///   - timeout: How long to wait for the cluster.
    /// - Throws: `.invalidConfiguration` for a bad topic specification, `.kafka` naming the
    ///   first topic that could not be created and why, `.timeout`.
    public func createTopics(_ topics: [NewTopic], timeout: Duration) throws {
        guard !topics.isEmpty else { return }
        if let embedded = EmbeddedKafkaCluster.cluster(servingBootstrap: bootstrapServers) {
            for topic in topics {
                try embedded.createTopic(topic.name, partitions: topic.partitions, replicationFactor: topic.replicationFactor)
            }
            return
        }
        var errors = [CChar](repeating: 0, count: 512)
        var newTopics: [OpaquePointer?] = []
        defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
        for topic in topics {
            guard let newTopic = rd_kafka_NewTopic_new(topic.name, topic.partitions, Int32(topic.replicationFactor), &errors, errors.count) else {
                throw StreamsError(.invalidConfiguration, "invalid new topic \(topic.name): \(KafkaErrors.string(errors))")
            }
            newTopics.append(newTopic)
            for (key, value) in topic.config.sorted(by: { $0.key < $1.key }) {
                let err = rd_kafka_NewTopic_set_config(newTopic, key, value)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    throw KafkaErrors.error(.invalidConfiguration, "invalid config '\(key)' for new topic \(topic.name)", err)
                }
            }
        }
        let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = rd_kafka_AdminOptions_set_request_timeout(options, timeout.kafkaMilliseconds, &errors, errors.count)
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeout.kafkaMilliseconds, &errors, errors.count)
        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        newTopics.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_CreateTopics(handle, buffer.baseAddress, buffer.count, options, queue)
        }
        let names = topics.map(\.name).joined(separator: ", ")
        // The request enforces `timeout` itself; the extra second lets its answer arrive.
        guard let event = rd_kafka_queue_poll(queue, (timeout + .seconds(1)).kafkaMilliseconds) else {
            throw StreamsError(.timeout, "creating topics \(names) did not finish within \(timeout)")
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        if eventError != RD_KAFKA_RESP_ERR_NO_ERROR {
            let code: StreamsError.Code = eventError == RD_KAFKA_RESP_ERR__TIMED_OUT ? .timeout : .kafka
            throw StreamsError(
                code,
                "creating topics \(names) failed: \(KafkaErrors.describe(eventError)): \(rd_kafka_event_error_string(event).map { String(cString: $0) } ?? "")"
            )
        }
        var count = 0
        guard let result = rd_kafka_event_CreateTopics_result(event),
            let results = rd_kafka_CreateTopics_result_topics(result, &count)
        else { throw StreamsError(.kafka, "creating topics \(names): no result from librdkafka") }
        for index in 0..<count {
            guard let topicResult = results[index] else { continue }
            let err = rd_kafka_topic_result_error(topicResult)
            if err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS { continue }
            let name = String(cString: rd_kafka_topic_result_name(topicResult))
            let detail = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) } ?? ""
            throw StreamsError(.kafka, "cannot create topic \(name): \(KafkaErrors.describe(err)): \(detail)")
        }
    }

    /// Describes topics from the cluster's metadata, in the order asked.
    /// - Parameters:
    ///   - names: The topics.
    ///   - timeout: How long to wait for the metadata.
    /// - Throws: `.unknownTopic` naming a topic the cluster does not know; `.timeout` or
    ///   `.kafka` if the metadata cannot be read.
    public func describeTopics(_ names: [String], timeout: Duration) throws -> [TopicDescription] {
        // All topics: asking for named ones would let an auto-creating broker create them.
        let topics = try Metadata.fetch(handle, topic: nil, timeout: timeout).topics
        return try names.map { name in
            guard let topic = topics.first(where: { $0.description.name == name }),
                topic.error == RD_KAFKA_RESP_ERR_NO_ERROR
            else {
                throw StreamsError(.unknownTopic, "topic \(name) is unknown to the cluster")
            }
            return topic.description
        }
    }

    /// Waits until every topic exists and each of its partitions has a leader.
    /// - Parameters:
    ///   - names: The topics.
    ///   - timeout: How long to wait in all.
    /// - Throws: `.timeout` naming the topics that are not ready.
    public func waitForTopics(_ names: [String], timeout: Duration) throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var missing = names
        var lastError: (any Error)?
        while true {
            do {
                let step = min(Duration.milliseconds(Int64(deadline.millisecondsLeft)), .seconds(2))
                let topics = try Metadata.fetch(handle, topic: nil, timeout: max(step, .milliseconds(100))).topics
                missing = names.filter { name in
                    guard let topic = topics.first(where: { $0.description.name == name }) else { return true }
                    return topic.error != RD_KAFKA_RESP_ERR_NO_ERROR || topic.description.partitions.isEmpty
                        || topic.description.partitions.contains { $0.leader < 0 }
                }
                lastError = nil
            } catch {
                lastError = error
            }
            if missing.isEmpty && lastError == nil { return }
            guard ContinuousClock.now < deadline else {
                throw StreamsError(
                    .timeout, "topics not ready within \(timeout): \(missing.joined(separator: ", "))",
                    underlying: lastError
                )
            }
            // Serves this client's callbacks while it waits a little.
            rd_kafka_poll(handle, 50)
        }
    }

    /// The ids of the cluster's brokers, sorted.
    /// - Throws: `.timeout` or `.kafka` if the metadata cannot be read.
    public func brokers(timeout: Duration) throws -> [Int32] {
        try Metadata.fetch(handle, topic: nil, timeout: timeout).brokers.sorted()
    }
}
