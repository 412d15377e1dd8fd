import Foundation
import Streams
import StreamsKafka
import Synchronization
import Testing
import ZMart

/// Stateful ZMart on the embedded cluster: an instance dies mid-run (no commit, no goodbye to
/// the group) and a replacement on another machine takes over. It rebuilds the stores from their changelogs, and
/// every customer's reward total is complete: at-least-once may count a purchase twice after
/// the crash, but none is missing.
@Suite("Stateful ZMart survives a crash on the embedded cluster", .serialized)
struct ZMartCrashTests {
    typealias Support = RuntimeTestSupport

    static let purchases = 30_000

    @Test(arguments: ["memory", "rocksdb"])
    func aReplacementRestoresTheStoresAndNoRewardIsMissing(stores: String) throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: Support.logger)
        let bootstrap = cluster.bootstrapServers
        for topic in [ZMartTopology.transactions] + ZMartTopology.statefulOutputTopics {
            try cluster.createTopic(topic.rawValue, partitions: 4)
        }
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("zmart-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        var options = ZMartRun.Options()
        if stores == "rocksdb" { options.stateDirectory = state }
        let supplier = options.storeSupplier()

        // The input, and what each customer's points must add up to.
        var generator = PurchaseGenerator(seed: 99)
        var input: [(key: String, value: [UInt8])] = []
        var expected: [String: Int] = [:]
        for _ in 0..<Self.purchases {
            let (key, purchase) = generator.nextRecord()
            input.append((key, try FastJSONEncoder().encode(purchase)))
            expected[purchase.customerId, default: 0] += RewardAccumulator(purchase: purchase).rewardPoints
        }
        try Support.produce(input, to: ZMartTopology.transactions.rawValue, bootstrap: bootstrap)

        var (config, kafka) = Support.configs("zmart-crash-\(stores)", bootstrap: bootstrap, commitInterval: .milliseconds(200))
        config.deserializationErrorHandler = .logAndFail
        let first = try KafkaStreams(topology: try ZMartTopology.makeStateful(stores: supplier), config: config, kafka: kafka)
        try first.start()
        // Part-way: some commits made, a good part of the purchases not yet committed.
        let probe = try KafkaConsumer(
            groupId: "zmart-crash-probe", properties: ["bootstrap.servers": bootstrap, "partition.assignment.strategy": "range"],
            logger: Support.logger, onRebalance: { _ in })
        defer { try? probe.close() }
        func records(in topic: String) throws -> Int64 {
            let partitions = (0..<Int32(4)).map { TopicPartition(topic: TopicName(topic), partition: $0) }
            return try probe.offsets(.latest, of: partitions, timeout: .seconds(10)).values.reduce(0, +)
        }
        let changelog = "\(config.applicationId)-\(ZMartTopology.rewardPointsStore)-changelog"
        try Support.waitUntil("the first instance committed reward totals to their changelog") {
            first.commits >= 2 && (try? records(in: changelog)) ?? 0 > 0
        }
        first.simulateCrash()
        #expect(first.close(timeout: .seconds(30)))
        // It died mid-run: records of the input or of a repartition topic were left uncommitted.
        let topics = [ZMartTopology.transactions.rawValue, "\(config.applicationId)-purchases-by-customer-repartition",
                      "\(config.applicationId)-purchases-by-zip-repartition"]
        let uncommitted = try topics.reduce(Int64(0)) { sum, topic in
            sum + (try records(in: topic))
                - (try Support.committedTotal(group: config.applicationId, topic: topic, partitions: 4, bootstrap: bootstrap))
        }
        #expect(uncommitted > 0)

        let restored = RestoredTotal()
        config.restoreListener = StateRestoreListener(onRestoreEnd: { restored.add($0.restored) })
        // The replacement runs elsewhere: with RocksDB, stores of its own in another folder
        // (the dead instance's databases stay locked by this process, as on a lost machine).
        options.stateDirectory = options.stateDirectory?.appendingPathComponent("replacement")
        let second = try KafkaStreams(
            topology: try ZMartTopology.makeStateful(stores: options.storeSupplier()), config: config, kafka: kafka)
        defer { second.close() }
        try second.start()
        try Support.waitUntil("the replacement owns every input partition", timeout: .seconds(60)) {
            second.state == .running && second.assignedPartitions.filter { $0.topic == ZMartTopology.transactions }.count == 4
        }
        // Done when the input and both repartition topics are committed to their ends.
        try Support.waitUntil("the replacement committed every record", timeout: .seconds(120)) {
            try topics.allSatisfy { topic in
                let end = try records(in: topic)
                return try Support.committedTotal(group: config.applicationId, topic: topic, partitions: 4, bootstrap: bootstrap) == end
            }
        }
        // The replacement rebuilt the stores from what the first instance wrote.
        #expect(restored.value > 0)

        // Each customer's last reward carries its total: complete, never short.
        var totals: [String: Int] = [:]
        for record in try Support.readAll(ZMartTopology.rewards.rawValue, bootstrap: bootstrap) {
            let reward = try FastJSONDecoder().decode(RewardTotal.self, from: record.value)
            totals[record.key] = max(totals[record.key] ?? 0, reward.totalRewardPoints)
        }
        #expect(totals.count == expected.count)
        let short = expected.filter { (totals[$0.key] ?? 0) < $0.value }
        #expect(short.isEmpty, "customers with points missing: \(short.count)")
        // The store agrees: interactive queries answer the same totals (or more, never less).
        let store = second.store(named: ZMartTopology.rewardPointsStore, key: .string, value: .json(RewardTotal.self))
        for (customer, points) in expected.prefix(50) {
            #expect((try store.get(customer)?.totalRewardPoints ?? 0) >= points)
        }
        #expect(second.close(timeout: .seconds(30)))
    }
}

/// Records restored, added up from the stream thread.
final class RestoredTotal: Sendable {
    private let total = Mutex(0)
    func add(_ count: Int) { total.withLock { $0 += count } }
    var value: Int { total.withLock { $0 } }
}
