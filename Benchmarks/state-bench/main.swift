// Memory of a state store as its keys grow: counts N distinct keys (one record each) into a
// key-value store, in memory or on RocksDB, and prints the peak RSS. The store has no
// changelog here: a changelog lives in Kafka, outside the application's process, and the
// in-memory cluster would otherwise hold it in this one.
//
//   swift run -c release state-bench memory|rocksdb KEYS [DIR]
import Foundation
import Streams
import StreamsRocksDB
import ZMart

let arguments = CommandLine.arguments
guard arguments.count >= 3, ["memory", "rocksdb"].contains(arguments[1]), let keys = Int(arguments[2]), keys > 0 else {
    FileHandle.standardError.write(Data("usage: state-bench memory|rocksdb KEYS [DIR]\n".utf8))
    exit(2)
}
let engine = arguments[1]
let directory = URL(fileURLWithPath: arguments.count >= 4 ? arguments[3] : NSTemporaryDirectory())
    .appendingPathComponent("state-bench-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: directory) }
let partitions: Int32 = 4

var counts = Materialized("counts", key: Serde<String>.string, value: Serde<Int64>.int64)
counts.loggingEnabled = false
if engine == "rocksdb" {
    counts.storeSupplier = { name in RocksDBStores.persistentKeyValueStore(name, directory: directory) }
}
let builder = StreamsBuilder()
builder.stream("keys", Consumed(key: .string, value: .bytes)).groupByKey().count(counts)
let cluster = InMemoryCluster()
try cluster.createTopic("keys", partitions: partitions)
let streams = try InMemoryStreams(topology: try builder.build(), cluster: cluster, config: StreamsConfig(applicationId: "bench"))
try streams.start()
let producer = InMemoryProducer(cluster: cluster)
let value = [UInt8](repeating: 0x61, count: 100)
let clock = ContinuousClock()
let started = clock.now
var produced = 0
while produced < keys {
    let batch = min(8192, keys - produced)
    for index in produced..<(produced + batch) {
        var key = "customer-\(index)"
        try key.withUTF8 { keyBytes in
            try value.withUnsafeBytes { bytes in
                _ = try producer.sendReturningPartition(topic: "keys", key: UnsafeRawBufferPointer(keyBytes), value: bytes, timestamp: 0)
            }
        }
    }
    produced += batch
    try producer.flush()
    try streams.runUntilIdle()
    try streams.commit()
    for partition in 0..<partitions {
        try cluster.deleteRecords(
            topic: "keys", partition: partition,
            before: cluster.committedOffset(group: "bench", topic: "keys", partition: partition) ?? 0)
    }
}
let elapsed = clock.now - started
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let entries = (0..<partitions).compactMap { streams.stateStore(named: "counts", partition: $0) as? KeyValueStore<String, Int64> }
    .reduce(0) { $0 + $1.approximateNumEntries }
try streams.close()
print(String(
    format: "engine=state-%@ keys=%d entries=%d seconds=%.3f rps=%.0f peak_rss_mb=%.1f", engine, keys, entries, seconds,
    Double(keys) / seconds, Double(peakResidentSetBytes()) / 1_048_576))
