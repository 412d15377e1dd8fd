import CRdKafka
import Logging
import Streams
import Synchronization

/// A Kafka cluster inside this process: librdkafka's mock cluster, for tests and demos.
///
/// Any Kafka client (ours, `kcat`, a Python client) can connect to ``bootstrapServers``
/// while the cluster lives; it dies with ``close()`` or the process. Faults can be injected:
/// brokers down and up, leader moves, request errors.
///
/// Limits of librdkafka 2.0.2's mock, which the cluster does not hide:
/// - **Retention:** each partition keeps only its newest ~5 MiB (and 100k message sets);
///   older records are dropped silently, and a consumer that falls behind jumps to the
///   earliest offset with no error. Spread data over enough partitions.
/// - **Transactions** are accepted but not honoured (no fencing, `read_committed` sees
///   aborted records, transactional offsets are not stored): exactly-once cannot be
///   verified here.
/// - **Idempotence** is checked by the broker only for transactional producers.
/// - **Replication factor:** every partition gets min(3, brokers) replicas whatever factor
///   is asked (seen with 2.0.2); leaders and ISRs are reported, but nothing is replicated.
/// - **CreateTopics** is not implemented by the mock broker. Use ``createTopic(_:partitions:replicationFactor:)``;
///   a ``KafkaAdminClient`` whose `bootstrap.servers` is this cluster's does so itself.
/// - Fetches with no data wait the full `fetch.wait.max.ms`: use 10–50 ms in tests. Group
///   joins take ~3 s; a leaving member is noticed after about `session.timeout.ms` − 1 s
///   (`3500` gives ~2.5 s rebalances; 2000 or less never assigns).
///
/// Thread-safe: every mock call is handed to the mock cluster's own thread and waited for.
public final class EmbeddedKafkaCluster: @unchecked Sendable {
    /// The comma-separated `host:port` list clients connect to.
    public let bootstrapServers: String
    /// The brokers' ids (the mock numbers them from 1).
    public let brokerIds: [Int32]

    private let handle: OpaquePointer
    private let cluster: OpaquePointer
    private let context: ClientContext
    private let closed = Atomic<Bool>(false)

    /// Starts a cluster on random ports of 127.0.0.1.
    /// - Parameters:
    ///   - brokers: The number of brokers (at least 1).
    ///   - logger: Receives the mock's and its client's logs.
    /// - Throws: `.invalidConfiguration` if `brokers` is not positive; `.kafka` if the mock
    ///   cluster cannot start.
    public init(brokers: Int = 3, logger: Logger = Logger(label: "streams.kafka.embedded-cluster")) throws {
        try LibrdkafkaVersion.check()
        guard brokers > 0 else {
            throw StreamsError(.invalidConfiguration, "an embedded cluster needs at least one broker, not \(brokers)")
        }
        let context = ClientContext(logger: logger)
        self.context = context
        // The mock cluster runs on the threads of a dedicated client that never connects.
        let conf = try Configuration.make(
            properties: ["client.id": "embedded-kafka-cluster"], defaults: [:], context: context
        )
        handle = try Configuration.makeHandle(RD_KAFKA_PRODUCER, conf: conf, what: "embedded cluster's client")
        guard let cluster = rd_kafka_mock_cluster_new(handle, Int32(brokers)) else {
            rd_kafka_destroy(handle)
            throw StreamsError(.kafka, "cannot start an embedded (mock) cluster of \(brokers) brokers")
        }
        self.cluster = cluster
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        brokerIds = (1...Int32(brokers)).map { $0 }
        EmbeddedKafkaCluster.registry.withLock { $0[bootstrapServers] = WeakCluster(cluster: self) }
    }

    deinit { close() }

    /// Stops the brokers; clients still connected see them go away.
    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        EmbeddedKafkaCluster.registry.withLock { $0[bootstrapServers] = nil }
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(handle)
    }

    /// Creates a topic; creating one that exists is not an error.
    /// - Parameters:
    ///   - name: The topic.
    ///   - partitions: The number of partitions.
    ///   - replicationFactor: Replicas per partition, capped at the number of brokers
    ///     (librdkafka 2.0.2's mock assigns min(3, brokers) replicas whatever it is asked).
    /// - Throws: `.kafka` naming the topic and librdkafka's error.
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int16 = 3) throws {
        try checkOpen()
        let replicas = min(Int32(replicationFactor), Int32(brokerIds.count))
        let err = rd_kafka_mock_topic_create(cluster, name, partitions, replicas)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
            throw KafkaErrors.error(.kafka, "cannot create topic \(name) (\(partitions) partitions, \(replicas) replicas)", err)
        }
    }

    /// Takes a broker down: it stops answering and its connections are closed.
    /// - Throws: `.kafka` naming the broker.
    public func setBrokerDown(_ id: Int32) throws {
        try checkOpen()
        try check(rd_kafka_mock_broker_set_down(cluster, id), "cannot take broker \(id) down")
    }

    /// Brings a broker back up.
    /// - Throws: `.kafka` naming the broker.
    public func setBrokerUp(_ id: Int32) throws {
        try checkOpen()
        try check(rd_kafka_mock_broker_set_up(cluster, id), "cannot bring broker \(id) up")
    }

    /// Moves a partition's leadership (clients learn it from `NOT_LEADER` errors and
    /// metadata refreshes). The topic is created if it does not exist.
    /// - Parameters:
    ///   - topic: The topic.
    ///   - partition: The partition.
    ///   - broker: The new leader, or `-1` for none.
    /// - Throws: `.kafka` naming the partition and broker.
    public func setPartitionLeader(topic: String, partition: Int32, broker: Int32) throws {
        try checkOpen()
        try check(
            rd_kafka_mock_partition_set_leader(cluster, topic, partition, broker),
            "cannot make broker \(broker) the leader of \(topic)-\(partition)"
        )
    }

    /// Makes the next requests of one kind fail: the i-th request with `apiKey` (on any
    /// broker) gets `errors[i]` (a Kafka protocol error code, e.g. 7 for
    /// `REQUEST_TIMED_OUT`, 6 for `NOT_LEADER_OR_FOLLOWER`).
    /// - Parameters:
    ///   - apiKey: The Kafka API key (0 Produce, 1 Fetch, 8 OffsetCommit, …).
    ///   - errors: The error codes, in order.
    public func injectRequestErrors(apiKey: Int16, errors: [Int32]) {
        guard !closed.load(ordering: .acquiring), !errors.isEmpty else { return }
        let codes = errors.map { rd_kafka_resp_err_t($0) }
        codes.withUnsafeBufferPointer { buffer in
            rd_kafka_mock_push_request_errors_array(cluster, apiKey, buffer.count, buffer.baseAddress)
        }
    }

    private func check(_ err: rd_kafka_resp_err_t, _ what: String) throws {
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaErrors.error(.kafka, what, err) }
    }

    private func checkOpen() throws {
        if closed.load(ordering: .acquiring) {
            throw StreamsError(.illegalState, "the embedded cluster at \(bootstrapServers) is closed")
        }
    }

    // MARK: Clients of an embedded cluster

    /// The live clusters by bootstrap address, so that an admin client can create topics
    /// on a mock broker, which does not implement CreateTopics.
    private static let registry = Mutex<[String: WeakCluster]>([:])

    private struct WeakCluster: Sendable {
        weak var cluster: EmbeddedKafkaCluster?
    }

    /// The live embedded cluster whose brokers `bootstrapServers` names, if any.
    static func cluster(servingBootstrap bootstrapServers: String) -> EmbeddedKafkaCluster? {
        let wanted = Set(bootstrapServers.split(separator: ",").map { $0.trimmingPrefix("PLAINTEXT://").trimmingCharacters() })
        return registry.withLock { clusters in
            clusters.first { key, _ in
                !wanted.isDisjoint(with: key.split(separator: ",").map { Substring($0).trimmingCharacters() })
            }?.value.cluster
        }
    }
}

extension Substring {
    fileprivate func trimmingCharacters() -> String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
