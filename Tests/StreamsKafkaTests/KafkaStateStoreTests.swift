import Foundation
import Streams
import StreamsKafka
import Testing

/// Counts records per key in a change-logged store and forwards the running count.
private final class CountingProcessor: Processor {
    typealias KeyIn = String
    typealias ValueIn = String
    typealias KeyOut = String
    typealias ValueOut = Int64
    private var context: ProcessorContext<String, Int64>!
    private var counts: KeyValueStore<String, Int64>!

    func initialize(context: ProcessorContext<String, Int64>) throws {
        self.context = context
        counts = try context.stateStore(named: "counts", as: KeyValueStore<String, Int64>.self)
    }

    func process(_ record: Record<String, String>) throws {
        let count = (try counts.get(record.key) ?? 0) + 1
        try counts.put(record.key, count)
        try context.forward(record.withValue(count))
    }
}

@Suite("State stores on the embedded cluster", .serialized)
struct KafkaStateStoreTests {
    typealias Support = RuntimeTestSupport

    static func topology() throws -> Topology {
        var builder = TopologyBuilder()
        builder.addSource("src", topics: ["words"], key: Serde<String>.string, value: Serde<String>.string)
        builder.addStateStore(
            Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("counts"), key: .string, value: .int64),
            processors: ["count"])
        builder.addProcessor("count", parents: ["src"]) { CountingProcessor() }
        builder.addSink("out", topic: "counts", key: .string, value: .int64, parents: ["count"])
        return try builder.build()
    }

    /// `rounds` records for each of 40 keys.
    static func words(round: Int) -> [(key: String, value: [UInt8])] {
        (0..<40).map { ("w\($0)", Array("r\(round)".utf8)) }
    }

    /// The last count written per key.
    static func lastCounts(_ topic: String = "counts", bootstrap: String) throws -> [String: Int64] {
        var last: [String: (offset: Int64, count: Int64)] = [:]
        for record in try Support.readAll(topic, bootstrap: bootstrap) {
            let count = record.value.reduce(Int64(0)) { $0 << 8 | Int64($1) }
            // Per key, the highest offset of its partition holds the latest count.
            if let seen = last[record.key], seen.offset > record.offset { continue }
            last[record.key] = (record.offset, count)
        }
        return last.mapValues(\.count)
    }

    @Test func aNewInstanceRestoresTheStoreFromTheChangelogAndCountsOn() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: Support.logger)
        try cluster.createTopic("words", partitions: 2)
        try cluster.createTopic("counts", partitions: 2)
        let bootstrap = cluster.bootstrapServers
        let (config, kafka) = Support.configs("stateful", bootstrap: bootstrap)
        for round in 0..<3 { try Support.produce(Self.words(round: round), to: "words", bootstrap: bootstrap) }

        let first = try KafkaStreams(topology: try Self.topology(), config: config, kafka: kafka)
        try first.start()
        try Support.waitUntil("the first instance processed every record") { first.processedRecords == 120 }
        #expect(first.close(timeout: .seconds(30)))
        #expect(try Self.lastCounts(bootstrap: bootstrap) == Dictionary(uniqueKeysWithValues: (0..<40).map { ("w\($0)", 3) }))
        // The changelog holds every write, prefixed with the application id.
        let changelog = try Support.readAll("stateful-counts-changelog", bootstrap: bootstrap)
        #expect(changelog.count == 120)

        for round in 3..<5 { try Support.produce(Self.words(round: round), to: "words", bootstrap: bootstrap) }
        let second = try KafkaStreams(topology: try Self.topology(), config: config, kafka: kafka)
        defer { second.close() }
        try second.start()
        try Support.waitUntil("the second instance processed the new records") { second.processedRecords == 80 }
        #expect(second.close(timeout: .seconds(30)))
        // Counted on from the restored totals: 5 per key, none missing, none counted twice.
        #expect(try Self.lastCounts(bootstrap: bootstrap) == Dictionary(uniqueKeysWithValues: (0..<40).map { ("w\($0)", 5) }))
    }

    @Test func afterACrashTheTotalsMissNothing() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: Support.logger)
        try cluster.createTopic("words", partitions: 2)
        try cluster.createTopic("counts", partitions: 2)
        let bootstrap = cluster.bootstrapServers
        var (config, kafka) = Support.configs("crashy", bootstrap: bootstrap)
        config.commitInterval = .seconds(60)
        for round in 0..<2 { try Support.produce(Self.words(round: round), to: "words", bootstrap: bootstrap) }
        let first = try KafkaStreams(topology: try Self.topology(), config: config, kafka: kafka)
        try first.start()
        try Support.waitUntil("the first instance processed every record") { first.processedRecords == 80 }
        // Dies with nothing committed: its outputs and changelog writes may be there, its offsets are not.
        first.simulateCrash()
        #expect(first.close(timeout: .seconds(30)))

        try Support.produce(Self.words(round: 2), to: "words", bootstrap: bootstrap)
        config.commitInterval = .milliseconds(100)
        let second = try KafkaStreams(topology: try Self.topology(), config: config, kafka: kafka)
        defer { second.close() }
        try second.start()
        try Support.waitUntil("the second instance processed everything again") { second.processedRecords >= 120 }
        #expect(second.close(timeout: .seconds(30)))
        // At-least-once: a record may count twice after a crash, but none is missing.
        let counts = try Self.lastCounts(bootstrap: bootstrap)
        #expect(counts.count == 40)
        #expect(counts.values.allSatisfy { $0 >= 3 })
    }

    @Test func interactiveQueriesAnswerFromTheInstanceThatOwnsTheKey() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: Support.logger)
        try cluster.createTopic("words", partitions: 4)
        try cluster.createTopic("counts", partitions: 4)
        let bootstrap = cluster.bootstrapServers
        let (config, kafka) = Support.configs("queried", bootstrap: bootstrap)
        let instances = try (0..<2).map { _ in try KafkaStreams(topology: try Self.topology(), config: config, kafka: kafka) }
        defer { for instance in instances { instance.close() } }
        for instance in instances { try instance.start() }
        try Support.waitUntil("both instances own partitions") {
            instances.allSatisfy { $0.state == .running && !$0.assignedPartitions.isEmpty }
                && instances.reduce(0) { $0 + $1.assignedPartitions.count } == 4
        }
        for round in 0..<3 { try Support.produce(Self.words(round: round), to: "words", bootstrap: bootstrap) }
        try Support.waitUntil("every record is processed") { instances.reduce(0) { $0 + $1.processedRecords } == 120 }

        for index in 0..<40 {
            let key = "w\(index)"
            let answers = try instances.map { try $0.queryMetadata(forKey: key, store: "counts", key: .string) }
            // Exactly one instance owns the key, and both agree on its partition.
            #expect(answers.filter(\.isLocal).count == 1)
            #expect(Set(answers.map(\.partition)).count == 1)
            #expect(answers[0].partition == Murmur2.partition(forKey: Array(key.utf8), partitionCount: 4))
            for (instance, answer) in zip(instances, answers) {
                let store = instance.store(named: "counts", key: .string, value: .int64)
                if answer.isLocal {
                    #expect(answer.owner == instance.clientId)
                    #expect(try store.get(key) == 3)
                } else {
                    #expect(throws: StreamsError.self) { try store.get(key) }
                }
            }
        }
        // Each instance's range holds its own keys; together, every key once.
        let all = try instances.flatMap { try $0.store(named: "counts", key: .string, value: .int64).all() }
        #expect(all.count == 40)
        #expect(Set(all.map(\.key)).count == 40)
        #expect(all.allSatisfy { $0.value == 3 })
        let some = try instances.flatMap { try $0.store(named: "counts", key: .string, value: .int64).range(from: "w1", to: "w19") }
        let allKeys: [String] = (0..<40).map { "w\($0)" }
        let expected = Set(allKeys.filter { key in key >= "w1" && key <= "w19" })
        let found = Set(some.map(\.key))
        #expect(found == expected)
        #expect(throws: StreamsError.self) { try instances[0].queryMetadata(forKey: "x", store: "nope", key: .string) }
    }

    @Test func everyInstanceNamesTheOwnerOfAKeyAndWhereItAnswers() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: Support.logger)
        try cluster.createTopic("words", partitions: 4)
        try cluster.createTopic("counts", partitions: 4)
        let bootstrap = cluster.bootstrapServers
        let (config, kafka) = Support.configs("located", bootstrap: bootstrap)
        let servers = ["127.0.0.1:7101", "127.0.0.1:7102"]
        let instances = try servers.map { server in
            var kafka = kafka
            kafka.applicationServer = server
            return try KafkaStreams(topology: try Self.topology(), config: config, kafka: kafka)
        }
        defer { for instance in instances { instance.close() } }
        for instance in instances { try instance.start() }
        try Support.waitUntil("both instances own partitions") {
            instances.allSatisfy { $0.state == .running && !$0.assignedPartitions.isEmpty }
                && instances.reduce(0) { $0 + $1.assignedPartitions.count } == 4
        }
        // Both list both instances, each with the partitions it owns and its store.
        try Support.waitUntil("the directory lists both instances") {
            try instances.allSatisfy { instance in
                let all = try instance.allMetadata()
                return Set(all.map(\.host)) == Set(servers)
                    && zip(all.sorted { $0.host < $1.host }, instances).allSatisfy { Set($0.partitions) == Set($1.assignedPartitions) }
            }
        }
        #expect(try instances[0].allMetadata().allSatisfy { $0.stores == ["counts"] })
        for index in 0..<40 {
            let key = "w\(index)"
            let answers = try instances.map { try $0.queryMetadata(forKey: key, store: "counts", key: .string) }
            #expect(answers.filter(\.isLocal).count == 1)
            let local = answers[0].isLocal ? 0 : 1
            // Whoever is asked names the same owner and where it answers.
            for answer in answers {
                #expect(answer.owner == instances[local].clientId)
                #expect(answer.activeHost == servers[local])
            }
        }
        // One instance leaves: the other takes every partition and names itself for every key.
        #expect(instances[1].close(timeout: .seconds(30)))
        try Support.waitUntil("the remaining instance owns every partition") {
            instances[0].state == .running && instances[0].assignedPartitions.count == 4
        }
        try Support.waitUntil("the directory lists one instance") { try instances[0].allMetadata().map(\.host) == [servers[0]] }
        let answer = try instances[0].queryMetadata(forKey: "w7", store: "counts", key: .string)
        #expect(answer.isLocal && answer.activeHost == servers[0])
        var bad = kafka
        bad.applicationServer = "no-port"
        #expect(throws: StreamsError.self) { try KafkaStreams(topology: try Self.topology(), config: config, kafka: bad) }
    }

    @Test func groupByRepartitionsThroughAnInternalTopicOnTheCluster() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: Support.logger)
        try cluster.createTopic("orders", partitions: 3)
        try cluster.createTopic("per-zip", partitions: 3)
        let bootstrap = cluster.bootstrapServers
        // Keyed by customer; counted by zip code, which needs the repartition topic.
        let orders: [(key: String, value: [UInt8])] = (0..<300).map { ("c\($0 % 17)", Array("z\($0 % 5)".utf8)) }
        try Support.produce(orders, to: "orders", bootstrap: bootstrap)
        let builder = StreamsBuilder()
        builder.stream("orders", Consumed(key: .string, value: .string))
            .groupBy(Grouped("by-zip", key: .string, value: .string)) { _, zip in zip }
            .count(Materialized("zip-counts", key: .string, value: .int64))
            .toStream()
            .to("per-zip", Produced(key: .string, value: Serde<Int64>.int64.optional))
        let (config, kafka) = Support.configs("regrouped", bootstrap: bootstrap)
        let streams = try KafkaStreams(topology: try builder.build(), config: config, kafka: kafka)
        defer { streams.close() }
        try streams.start()
        // Each record is processed twice: once by each sub-topology.
        try Support.waitUntil("both sub-topologies processed every record") { streams.processedRecords == 600 }
        #expect(streams.close(timeout: .seconds(30)))
        let repartitioned = try Support.readAll("regrouped-by-zip-repartition", bootstrap: bootstrap)
        #expect(repartitioned.count == 300)
        // Every zip's records met in one partition: the partition its key hashes to.
        for record in repartitioned {
            #expect(record.partition == Murmur2.partition(forKey: Array(record.key.utf8), partitionCount: 3))
        }
        #expect(try Self.lastCounts("per-zip", bootstrap: bootstrap) == ["z0": 60, "z1": 60, "z2": 60, "z3": 60, "z4": 60])
    }
}
