// Measures the in-memory runtime's own cost per record, without JSON: a source fanning out to
// three sinks of raw bytes, the shape of ZMart. Run: swift run -c release streams-bench [N]
import Foundation
import Streams

let count = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 1_000_000
let partitions: Int32 = 4

let builder = StreamsBuilder()
let source = builder.stream("in", Consumed(key: .string, value: .bytes))
let passed = source.mapValues { $0 }
for topic in ["a", "b", "c"] as [TopicName] {
    passed.to(topic, Produced(key: .string, value: .bytes))
}
let topology = try builder.build()

let cluster = InMemoryCluster()
for topic in ["in", "a", "b", "c"] as [TopicName] { try cluster.createTopic(topic, partitions: partitions) }
let streams = try InMemoryStreams(topology: topology, cluster: cluster, config: StreamsConfig(applicationId: "bench"))
try streams.start()
let producer = InMemoryProducer(cluster: cluster)
let value = [UInt8](repeating: 0x61, count: 300)
let keys = (0..<10_000).map { Array("C-\(String(format: "%06d", $0))".utf8) }
let clock = ContinuousClock()
let started = clock.now
var produced = 0
while produced < count {
    let batch = min(8192, count - produced)
    for index in produced..<(produced + batch) {
        try keys[index % keys.count].withUnsafeBytes { key in
            try value.withUnsafeBytes { bytes in
                _ = try producer.sendReturningPartition(topic: "in", key: key, value: bytes, timestamp: 0)
            }
        }
    }
    produced += batch
    try producer.flush()
    try streams.runUntilIdle()
    try streams.commit()
    for partition in 0..<partitions {
        try cluster.deleteRecords(topic: "in", partition: partition, before: cluster.committedOffset(group: "bench", topic: "in", partition: partition) ?? 0)
        for topic in ["a", "b", "c"] as [TopicName] {
            try cluster.deleteRecords(topic: topic, partition: partition, before: cluster.endOffset(of: topic, partition: partition))
        }
    }
}
let elapsed = clock.now - started
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print(String(format: "engine=swift-inmemory-bytes records=%d seconds=%.3f rps=%.0f ns_per_record=%.0f", count, seconds, Double(count) / seconds, seconds * 1e9 / Double(count)))
