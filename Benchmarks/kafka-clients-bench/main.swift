// Prints how fast the Kafka clients send and consume on the in-process mock cluster.
// Run in release: swift run -c release kafka-clients-bench [records]
import Logging
import Streams
import StreamsKafka

let records = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 1_000_000
// The mock keeps ~5 MiB per partition: 1M records of ~110 B need ~48 partitions to keep all.
let partitions: Int32 = 48
var logger = Logger(label: "kafka-clients-bench")
logger.logLevel = .warning

let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
try cluster.createTopic("bench", partitions: partitions, replicationFactor: 1)
let producer = try KafkaProducer(properties: ["bootstrap.servers": cluster.bootstrapServers], logger: logger)
_ = try producer.partitionCount(of: "bench", timeout: .seconds(10))

var key = [UInt8](repeating: 0, count: 8)
let value = [UInt8](repeating: 0x61, count: 100)
let clock = ContinuousClock()
let start = clock.now
try value.withUnsafeBytes { valueBytes in
    for index in 0..<records {
        withUnsafeBytes(of: UInt64(index).littleEndian) { for i in 0..<8 { key[i] = $0[i] } }
        try key.withUnsafeBytes { keyBytes in
            try producer.send(topic: "bench", partition: nil, key: keyBytes, value: valueBytes, timestamp: 0, headers: Headers())
        }
    }
}
let sent = clock.now
try producer.flush(timeout: .seconds(120))
let flushed = clock.now
func rate(_ count: Int, _ duration: Duration) -> String {
    let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    return String(Int(Double(count) / seconds / 1000)) + "k records/s"
}
print("send loop: \(rate(records, sent - start)); until all acknowledged: \(rate(records, flushed - start)); acknowledged \(producer.acknowledged), failed \(producer.failedDeliveries)")

let consumer = try KafkaConsumer(
    groupId: "bench", properties: ["bootstrap.servers": cluster.bootstrapServers, "fetch.wait.max.ms": "10"], logger: logger
) { _ in }
try consumer.subscribe(["bench"])
var consumed = 0
var bytes = 0
var first: ContinuousClock.Instant?
let deadline = clock.now.advanced(by: .seconds(120))
while consumed < records && clock.now < deadline {
    try consumer.poll(maxRecords: 1000, timeout: .milliseconds(100)) { record in
        if first == nil { first = clock.now }
        consumed += 1
        bytes &+= record.value?.count ?? 0
    }
}
let done = clock.now
print("consume (from the first record): \(rate(consumed, done - (first ?? done))); consumed \(consumed) of \(records)")
try consumer.close()
try producer.close(timeout: .seconds(10))
cluster.close()
