/// Collects a task's output records in local buffers and writes them to the in-memory cluster
/// in batches, as a producer batches before sending: no lock per record.
final class InMemoryCollector: RecordCollector {
    private final class TopicBuffer {
        let partitionCount: Int32
        var partitions: [StagedRecords]
        var roundRobin: Int32 = 0
        init(partitionCount: Int32) {
            self.partitionCount = partitionCount
            partitions = Array(repeating: StagedRecords(), count: Int(partitionCount))
        }
    }

    private let cluster: InMemoryCluster
    private var buffers: [TopicName: TopicBuffer] = [:]
    private(set) var pending = 0
    /// Records written per topic since creation.
    private(set) var sent: [TopicName: Int] = [:]

    init(cluster: InMemoryCluster) { self.cluster = cluster }

    private func buffer(for topic: TopicName) throws -> TopicBuffer {
        if let buffer = buffers[topic] { return buffer }
        let buffer = TopicBuffer(partitionCount: try cluster.partitionCount(of: topic))
        buffers[topic] = buffer
        return buffer
    }

    func partitionCount(of topic: TopicName) throws -> Int32 {
        try buffer(for: topic).partitionCount
    }

    func send(
        topic: TopicName, partition: Int32?, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        timestamp: Int64, headers: Headers
    ) throws {
        let buffer = try buffer(for: topic)
        let target: Int32
        if let partition {
            guard (0..<buffer.partitionCount).contains(partition) else {
                throw StreamsError(.production, "partition \(partition) of topic \(topic) does not exist")
            }
            target = partition
        } else if let key {
            target = Murmur2.partition(forKey: key, partitionCount: buffer.partitionCount)
        } else {
            buffer.roundRobin = (buffer.roundRobin + 1) % buffer.partitionCount
            target = buffer.roundRobin
        }
        buffer.partitions[Int(target)].add(key: key, value: value, timestamp: timestamp, headers: headers)
        pending += 1
    }

    /// Writes every buffered record to the cluster.
    func flush() throws {
        guard pending > 0 else { return }
        for (topic, buffer) in buffers {
            for partition in buffer.partitions.indices where !buffer.partitions[partition].isEmpty {
                try cluster.append(buffer.partitions[partition], topic: topic, partition: Int32(partition))
                sent[topic, default: 0] += buffer.partitions[partition].count
                buffer.partitions[partition].removeAll()
            }
        }
        pending = 0
    }
}
