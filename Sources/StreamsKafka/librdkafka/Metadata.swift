import CRdKafka
import Streams

/// Reads cluster metadata (`rd_kafka_metadata`) into Swift values.
enum Metadata {
    /// One topic from a metadata response, with its topic-level error.
    struct Topic {
        var description: TopicDescription
        var error: rd_kafka_resp_err_t
    }

    /// The brokers and topics the cluster reports.
    /// - Parameters:
    ///   - handle: Any client handle.
    ///   - topic: A topic handle to ask about only that topic, or `nil` for every topic.
    ///     (Asking for one topic lets a broker that auto-creates topics create it; asking for
    ///     all never does.)
    static func fetch(
        _ handle: OpaquePointer, topic: OpaquePointer?, timeout: Duration
    ) throws -> (brokers: [Int32], topics: [Topic]) {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle, topic == nil ? 1 : 0, topic, &metadata, timeout.kafkaMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            let code: StreamsError.Code = err == RD_KAFKA_RESP_ERR__TIMED_OUT ? .timeout : .kafka
            throw KafkaErrors.error(code, "cannot read the cluster metadata within \(timeout)", err)
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        let md = metadata.pointee
        let brokers = (0..<Int(md.broker_cnt)).map { md.brokers[$0].id }
        let topics = (0..<Int(md.topic_cnt)).map { index -> Topic in
            let topic = md.topics[index]
            let partitions = (0..<Int(topic.partition_cnt)).map { p -> PartitionDescription in
                let partition = topic.partitions[p]
                return PartitionDescription(
                    id: partition.id, leader: partition.leader,
                    replicas: (0..<Int(partition.replica_cnt)).map { partition.replicas[$0] },
                    isr: (0..<Int(partition.isr_cnt)).map { partition.isrs[$0] }
                )
            }.sorted { $0.id < $1.id }
            return Topic(
                description: TopicDescription(name: String(cString: topic.topic), partitions: partitions),
                error: topic.err
            )
        }
        return (brokers, topics)
    }
}
