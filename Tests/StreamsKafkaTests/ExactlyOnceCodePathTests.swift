import Foundation
import Streams
import StreamsKafka
import Testing

/// Exactly-once's error handling on the embedded cluster. librdkafka's mock answers the
/// transaction protocol without its meaning (aborted records stay visible, transactional
/// offsets are not stored, nothing is fenced: see shared/notes), so these tests show only what
/// it can: how the runtime reacts to the errors a transactional producer reports, injected
/// into the mock's answers. That exactly-once holds (each record once, zombies fenced) is
/// tested against a broker that implements transactions, in zmartTests' `ExactlyOnceTests`.
@Suite("exactly-once error handling on the embedded cluster", .serialized)
struct ExactlyOnceCodePathTests {
    typealias Support = RuntimeTestSupport

    /// Kafka API keys and protocol error codes injected below.
    static let addOffsetsToTxn: Int16 = 25
    static let endTxn: Int16 = 26
    static let groupAuthorizationFailed: Int32 = 30
    static let producerFenced: Int32 = 90

    func start(_ id: String, injecting errors: [Int32], into apiKey: Int16) throws -> (EmbeddedKafkaCluster, KafkaStreams) {
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: Support.logger)
        try cluster.createTopic("in", partitions: 4)
        try cluster.createTopic("out", partitions: 4)
        try Support.produce(Support.numbered(0..<1000), to: "in", bootstrap: cluster.bootstrapServers)
        var (config, kafka) = Support.configs(id, bootstrap: cluster.bootstrapServers)
        kafka.processingGuarantee = .exactlyOnce
        kafka.flushTimeout = .seconds(20)
        cluster.injectRequestErrors(apiKey: apiKey, errors: errors)
        let streams = try KafkaStreams(topology: try Support.upperTopology(), config: config, kafka: kafka)
        try streams.start()
        return (cluster, streams)
    }

    @Test("a transaction that must be aborted is aborted, its tasks read their input again from the last commit, and the stream goes on")
    func abortableErrorsAreAbortedAndRedone() throws {
        // The first transaction's offsets are refused: librdkafka requires an abort.
        let (cluster, streams) = try start("eos-abort", injecting: [Self.groupAuthorizationFailed], into: Self.addOffsetsToTxn)
        defer { cluster.close() }
        defer { streams.close() }
        try Support.waitUntil("the transaction is aborted and the input processed again") {
            try #require(streams.state != .error, "\(String(describing: streams.failure))")
            return streams.abortedTransactions == 1 && streams.processedRecords > 1000
        }
        try Support.waitUntil("every input record's output is written") {
            Set(try Support.readAll("out", bootstrap: cluster.bootstrapServers).map(\.key)).count == 1000
        }
        #expect(streams.state == .running)
        #expect(streams.abortedTransactions == 1)
        let output = try Support.readAll("out", bootstrap: cluster.bootstrapServers)
        #expect(Set(output.map(\.key)) == Set((0..<1000).map { "k\($0)" }))
        #expect(output.allSatisfy { String(decoding: $0.value, as: UTF8.self).hasPrefix("V") })
    }

    @Test("the thread processes on while a commit waits for its records: every output is written once, in its key's input order")
    func commitsUnderWayKeepOrder() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: Support.logger)
        defer { cluster.close() }
        try cluster.createTopic("in", partitions: 4)
        try cluster.createTopic("out", partitions: 4)
        let count = 20_000
        try Support.produce((0..<count).map { ("k\($0 % 64)", Array("v\($0)".utf8)) }, to: "in", bootstrap: cluster.bootstrapServers)
        // Commits every few milliseconds: most records are processed while one is under way.
        var (config, kafka) = Support.configs("eos-order", bootstrap: cluster.bootstrapServers, commitInterval: .milliseconds(5))
        kafka.processingGuarantee = .exactlyOnce
        let streams = try KafkaStreams(topology: try Support.upperTopology(), config: config, kafka: kafka)
        try streams.start()
        defer { streams.close() }
        try Support.waitUntil("every input record's output is written") {
            try #require(streams.state != .error, "\(String(describing: streams.failure))")
            return try Support.readAll("out", bootstrap: cluster.bootstrapServers).count >= count
        }
        let output = try Support.readAll("out", bootstrap: cluster.bootstrapServers)
        #expect(streams.abortedTransactions == 0)
        #expect(streams.commits > 1, "the outputs span several transactions")
        #expect(output.count == count)
        var byKey: [String: [Int]] = [:]
        for record in output {
            let value = String(decoding: record.value, as: UTF8.self)
            byKey[record.key, default: []].append(Int(value.dropFirst())!)
        }
        #expect(byKey.count == 64)
        for (key, numbers) in byKey {
            #expect(numbers == numbers.sorted(), "\(key)'s outputs are out of order")
            #expect(Set(numbers) == Set(stride(from: Int(key.dropFirst())!, to: count, by: 64)))
        }
    }

    @Test("aborts that keep recurring stop the instance in the error state with the cause, instead of looping")
    func recurringAbortsFail() throws {
        let (cluster, streams) = try start(
            "eos-recurring", injecting: Array(repeating: Self.groupAuthorizationFailed, count: 40), into: Self.addOffsetsToTxn)
        defer { cluster.close() }
        defer { streams.close() }
        try Support.waitUntil("the instance fails") { streams.state == .error }
        let failure = try #require(streams.failure as? StreamsError)
        #expect(failure.code == .transactionAborted)
        #expect(failure.isFatal)
        #expect(failure.message.contains("in a row"))
        #expect(streams.abortedTransactions == 10)
    }

    @Test("a fenced producer is fatal: the instance goes to the error state with producerFenced and a message that says why")
    func fencedIsFatal() throws {
        let (cluster, streams) = try start("eos-fenced", injecting: [Self.producerFenced], into: Self.endTxn)
        defer { cluster.close() }
        defer { streams.close() }
        try Support.waitUntil("the instance fails") { streams.state == .error }
        let failure = try #require(streams.failure as? StreamsError)
        #expect(failure.code == .producerFenced)
        #expect(failure.isFatal)
        #expect(failure.message.contains("fenced"))
        #expect(streams.abortedTransactions == 0)
    }
}
