import Foundation
import Streams

/// Reads ZMart's output topics as records arrive: counts them, keeps samples, and writes
/// `<topic>.tsv` files (`key TAB value`) when asked.
final class OutputDrain {
    /// A file written through a buffer.
    private final class TSVFile {
        let handle: FileHandle
        var buffer: [UInt8] = []
        init(_ handle: FileHandle) {
            self.handle = handle
            buffer.reserveCapacity(1 << 20)
        }
        func append(_ record: RecordView) {
            if let key = record.key { buffer.append(contentsOf: key) }
            buffer.append(0x09)
            if let value = record.value { buffer.append(contentsOf: value) }
            buffer.append(0x0A)
        }
        func flush(ifLargerThan limit: Int) throws {
            guard buffer.count > limit else { return }
            try handle.write(contentsOf: buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }

    private let cluster: InMemoryCluster
    private let partitions: Int32
    private let topics: [TopicName]
    private let sampleLimit: Int
    /// The customer whose last `rewards` record is kept, as key bytes.
    private let watched: [UInt8]?
    /// The watched customer's last `rewards` value.
    private(set) var watchedReward: String?
    private var positions: [TopicName: [Int64]] = [:]
    private var files: [TopicName: TSVFile] = [:]
    private(set) var counts: [TopicName: Int64] = [:]
    private(set) var samples: [TopicName: [String]] = [:]
    private(set) var lost: Int64 = 0

    init(
        cluster: InMemoryCluster, partitions: Int32, topics: [TopicName], directory: URL?, samples: Int,
        watchedCustomer: String? = nil
    ) throws {
        self.cluster = cluster
        self.partitions = partitions
        self.topics = topics
        self.sampleLimit = samples
        watched = watchedCustomer.map { Array($0.utf8) }
        if let directory {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        for topic in topics {
            positions[topic] = Array(repeating: 0, count: Int(partitions))
            counts[topic] = 0
            self.samples[topic] = []
            if let directory {
                let url = directory.appendingPathComponent("\(topic.rawValue).tsv")
                guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                    throw StreamsError(.invalidConfiguration, "cannot create output file \(url.path)")
                }
                files[topic] = TSVFile(try FileHandle(forWritingTo: url))
            }
        }
    }

    /// Reads everything written since the last call.
    func drain() throws {
        for topic in topics {
            let file = files[topic]
            var count: Int64 = 0
            var topicSamples = samples[topic] ?? []
            let watching = watched != nil && topic == ZMartTopology.rewards
            for partition in 0..<Int(partitions) {
                let position = positions[topic]![partition]
                if file == nil && topicSamples.count >= sampleLimit && !watching {
                    // Nothing to write or sample: count by offsets instead of visiting records.
                    let first = max(position, try cluster.startOffset(of: topic, partition: Int32(partition)))
                    let end = try cluster.endOffset(of: topic, partition: Int32(partition))
                    count += end - first
                    lost += first - position
                    positions[topic]![partition] = end
                    try cluster.deleteRecords(topic: topic, partition: Int32(partition), before: end)
                    continue
                }
                let result = try cluster.consume(
                    topic: topic, partition: Int32(partition), from: positions[topic]![partition], limit: .max
                ) { record in
                    count += 1
                    if topicSamples.count < sampleLimit {
                        topicSamples.append(Self.text(record.key) + "\t" + Self.text(record.value))
                    }
                    if watching, let key = record.key, key.elementsEqual(watched!) {
                        watchedReward = Self.text(record.value)
                    }
                    file?.append(record)
                }
                positions[topic]![partition] = result.next
                // Drained: free them, as a consumer-owned topic purge would.
                try cluster.deleteRecords(topic: topic, partition: Int32(partition), before: result.next)
                lost += result.lost
            }
            counts[topic, default: 0] += count
            samples[topic] = topicSamples
            try file?.flush(ifLargerThan: 1 << 20)
        }
    }

    /// A key or value as sample text (null as empty); the Kafka run's reader uses it too.
    static func text(_ bytes: UnsafeRawBufferPointer?) -> String {
        bytes.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// Writes what is buffered and closes the files.
    func finish() throws {
        try drain()
        for file in files.values {
            try file.flush(ifLargerThan: 0)
            try file.handle.close()
        }
        files.removeAll()
    }
}
