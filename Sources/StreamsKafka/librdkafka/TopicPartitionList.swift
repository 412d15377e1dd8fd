import CRdKafka
import Streams

/// Conversions between `rd_kafka_topic_partition_list_t` and Swift values.
enum TopicPartitionList {
    typealias Pointer = UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    /// A new list (destroy it with `rd_kafka_topic_partition_list_destroy`).
    static func make(_ entries: [(TopicPartition, Int64)]) -> Pointer {
        let list = rd_kafka_topic_partition_list_new(Int32(max(entries.count, 1)))!
        for (partition, offset) in entries {
            let element = rd_kafka_topic_partition_list_add(list, partition.topic.rawValue, partition.partition)!
            element.pointee.offset = offset
        }
        return list
    }

    /// One entry of a list.
    struct Entry {
        var partition: TopicPartition
        var offset: Int64
        var error: rd_kafka_resp_err_t
    }

    /// The entries of a list.
    static func read(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [Entry] {
        (0..<Int(list.pointee.cnt)).map { index in
            let element = list.pointee.elems[index]
            return Entry(
                partition: TopicPartition(topic: TopicName(String(cString: element.topic)), partition: element.partition),
                offset: element.offset, error: element.err
            )
        }
    }

    /// The topic-partitions of a list.
    static func partitions(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [TopicPartition] {
        guard let list else { return [] }
        return read(list).map(\.partition)
    }
}
