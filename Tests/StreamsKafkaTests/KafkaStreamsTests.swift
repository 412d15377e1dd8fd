import Foundation
import Logging
import ServiceLifecycle
import Streams
import StreamsKafka
import Testing

/// The Kafka runtime end to end on the embedded cluster (librdkafka's mock, in process).
@Suite("KafkaStreams on the embedded cluster", .serialized)
struct KafkaStreamsTests {
    typealias Support = RuntimeTestSupport

    @Test func processesEveryRecordInOrderAndCommitsThroughTheLifecycle() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: Support.logger)
        try cluster.createTopic("in", partitions: 4)
        try cluster.createTopic("out", partitions: 4)
        try Support.produce(Support.numbered(0..<2000), to: "in", bootstrap: cluster.bootstrapServers)

        let (config, kafka) = Support.configs("upper", bootstrap: cluster.bootstrapServers)
        let streams = try KafkaStreams(topology: try Support.upperTopology(), config: config, kafka: kafka)
        defer { streams.close() }
        let changes = Locked<[String]>([])
        streams.setStateListener { new, old in changes.withLock { $0.append("\(old)->\(new)") } }
        try streams.start()
        try Support.waitUntil("every input is committed") {
            try Support.committedTotal(group: "upper", topic: "in", partitions: 4, bootstrap: cluster.bootstrapServers) == 2000
        }
        #expect(streams.state == .running)
        #expect(streams.assignedPartitions.count == 4)
        #expect(streams.close(timeout: .seconds(30)))
        #expect(streams.state == .notRunning)
        #expect(changes.value == [
            "created->rebalancing", "rebalancing->running", "running->pendingShutdown", "pendingShutdown->notRunning",
        ])
        #expect(streams.processedRecords == 2000)
        #expect(streams.producedRecords == 2000)
        #expect(streams.lostRecords == 0)

        let output = try Support.readAll("out", bootstrap: cluster.bootstrapServers)
        #expect(output.count == 2000)
        // Same key, same partition, and each key's records in input order (one per key here,
        // so check the value mapping and the partitioner instead).
        for record in output {
            let index = record.key.dropFirst()
            #expect(String(decoding: record.value, as: UTF8.self) == "V\(index)")
            let expected = Murmur2.partition(forKey: Array(record.key.utf8), partitionCount: 4)
            #expect(record.partition == expected)
        }
    }

    @Test func twoInstancesShareThePartitionsAndAJoinMidRunLosesNothing() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: Support.logger)
        try cluster.createTopic("in", partitions: 6)
        try cluster.createTopic("out", partitions: 6)
        let bootstrap = cluster.bootstrapServers
        let (config, kafka) = Support.configs("shared", bootstrap: bootstrap)
        let first = try KafkaStreams(topology: try Support.upperTopology(), config: config, kafka: kafka)
        defer { first.close() }
        try first.start()
        #expect(first.waitForState(.running, timeout: .seconds(30)))
        try Support.produce(Support.numbered(0..<3000), to: "in", bootstrap: bootstrap)
        try Support.waitUntil("the first instance processes") { first.processedRecords > 0 }

        // A second member joins while records flow: the first commits before it hands
        // partitions over, so nothing is skipped (a commit the group refuses while it
        // rebalances may make the new owner repeat a few records: at-least-once).
        let second = try KafkaStreams(topology: try Support.upperTopology(), config: config, kafka: kafka)
        defer { second.close() }
        try second.start()
        try Support.waitUntil("both instances own partitions", timeout: .seconds(60)) {
            !first.assignedPartitions.isEmpty && !second.assignedPartitions.isEmpty
                && first.state == .running && second.state == .running
        }
        #expect(Set(first.assignedPartitions).isDisjoint(with: second.assignedPartitions))
        #expect(first.assignedPartitions.count + second.assignedPartitions.count == 6)
        try Support.produce(Support.numbered(3000..<6000), to: "in", bootstrap: bootstrap)
        try Support.waitUntil("every input is committed") {
            try Support.committedTotal(group: "shared", topic: "in", partitions: 6, bootstrap: bootstrap) == 6000
        }
        #expect(second.processedRecords > 0)
        first.close()
        second.close()
        let output = try Support.readAll("out", bootstrap: bootstrap)
        #expect(Set(output.map(\.key)) == Set((0..<6000).map { "k\($0)" }))
        #expect(output.count >= 6000)
    }

    @Test func anInstanceThatStopsMidRunHasItsPartitionsTakenOverWithNoRecordLost() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: Support.logger)
        try cluster.createTopic("in", partitions: 4)
        try cluster.createTopic("out", partitions: 4)
        let bootstrap = cluster.bootstrapServers
        // A long commit interval: the stopping instance has uncommitted work to hand over.
        let (config, kafka) = Support.configs("takeover", bootstrap: bootstrap, commitInterval: .seconds(30))
        let first = try KafkaStreams(topology: try Support.upperTopology(), config: config, kafka: kafka)
        defer { first.close() }
        let second = try KafkaStreams(topology: try Support.upperTopology(), config: config, kafka: kafka)
        defer { second.close() }
        try first.start()
        try second.start()
        try Support.waitUntil("both instances own partitions") {
            !first.assignedPartitions.isEmpty && !second.assignedPartitions.isEmpty
        }
        try Support.produce(Support.numbered(0..<8000), to: "in", bootstrap: bootstrap)
        try Support.waitUntil("the first instance processes") { first.processedRecords > 0 }
        first.close()
        try Support.waitUntil("the second instance owns every partition") { second.assignedPartitions.count == 4 }
        try Support.waitUntil("every input is committed") {
            second.requestCommit()
            return try Support.committedTotal(group: "takeover", topic: "in", partitions: 4, bootstrap: bootstrap) == 8000
        }
        second.close()
        let committed = try Support.committedTotal(group: "takeover", topic: "in", partitions: 4, bootstrap: bootstrap)
        #expect(committed == 8000)
        let output = try Support.readAll("out", bootstrap: bootstrap)
        #expect(Set(output.map(\.key)) == Set((0..<8000).map { "k\($0)" }))
        // The stopping instance committed before it left, so its successor repeats nothing.
        #expect(output.count == 8000)
        #expect(first.processedRecords + second.processedRecords >= 8000)
    }

    @Test func anInstanceThatDiesMidRunHasItsPartitionsTakenOverWithNoRecordLost() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: Support.logger)
        try cluster.createTopic("in", partitions: 4)
        try cluster.createTopic("out", partitions: 4)
        let bootstrap = cluster.bootstrapServers
        // A long commit interval: the dying instance leaves processed but uncommitted work.
        let (config, kafka) = Support.configs("crash", bootstrap: bootstrap, commitInterval: .seconds(30))
        let doomed = try KafkaStreams(topology: try Support.upperTopology(), config: config, kafka: kafka)
        let survivor = try KafkaStreams(topology: try Support.upperTopology(), config: config, kafka: kafka)
        defer { survivor.close() }
        try doomed.start()
        try survivor.start()
        try Support.waitUntil("both instances own partitions") {
            !doomed.assignedPartitions.isEmpty && !survivor.assignedPartitions.isEmpty
        }
        try Support.produce(Support.numbered(0..<8000), to: "in", bootstrap: bootstrap)
        try Support.waitUntil("the doomed instance processes") { doomed.processedRecords > 0 }
        // No commit, no flush, no leave-group: the group notices when the session times out.
        doomed.simulateCrash()
        try Support.waitUntil("the survivor owns every partition", timeout: .seconds(60)) {
            survivor.assignedPartitions.count == 4
        }
        try Support.waitUntil("every input is committed", timeout: .seconds(60)) {
            survivor.requestCommit()
            return try Support.committedTotal(group: "crash", topic: "in", partitions: 4, bootstrap: bootstrap) == 8000
        }
        survivor.close()
        let output = try Support.readAll("out", bootstrap: bootstrap)
        // At-least-once: what the dead instance did after its last commit is done again.
        #expect(Set(output.map(\.key)) == Set((0..<8000).map { "k\($0)" }))
        #expect(survivor.lostRecords == 0)
    }

    @Test func theLeaderBrokerGoingDownMidRunLosesNoRecord() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: Support.logger)
        try cluster.createTopic("in", partitions: 3, replicationFactor: 3)
        try cluster.createTopic("out", partitions: 3, replicationFactor: 3)
        let bootstrap = cluster.bootstrapServers
        let (config, kafka) = Support.configs("failover", bootstrap: bootstrap)
        let streams = try KafkaStreams(topology: try Support.upperTopology(), config: config, kafka: kafka)
        defer { streams.close() }
        try streams.start()
        try Support.produce(Support.numbered(0..<5000), to: "in", bootstrap: bootstrap)
        try Support.waitUntil("processing starts") { streams.processedRecords > 0 }
        // Partition 0's leader goes down; leadership moves, the clients follow.
        let admin = try KafkaAdminClient(properties: ["bootstrap.servers": bootstrap], logger: Support.logger)
        let leader = try #require(try admin.describeTopics(["out"], timeout: .seconds(10)).first?.partitions.first?.leader)
        let other = try #require(cluster.brokerIds.first { $0 != leader })
        for topic in ["in", "out"] {
            for partition in Int32(0)..<3 { try cluster.setPartitionLeader(topic: topic, partition: partition, broker: other) }
        }
        try cluster.setBrokerDown(leader)
        try Support.produce(Support.numbered(5000..<7000), to: "in", bootstrap: bootstrap)
        try cluster.setBrokerUp(leader)
        try Support.waitUntil("every input is committed", timeout: .seconds(90)) {
            try Support.committedTotal(group: "failover", topic: "in", partitions: 3, bootstrap: bootstrap) == 7000
        }
        streams.close()
        #expect(streams.state == .notRunning)
        let output = try Support.readAll("out", bootstrap: bootstrap)
        #expect(Set(output.map(\.key)) == Set((0..<7000).map { "k\($0)" }))
        #expect(streams.lostRecords == 0)
    }

    @Test func malformedRecordsGoToTheDeadLetterTopicWithTheirOriginAndTheStreamGoesOn() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: Support.logger)
        for topic in ["numbers", "doubled", "numbers-dlq"] { try cluster.createTopic(topic, partitions: 2, replicationFactor: 1) }
        let bootstrap = cluster.bootstrapServers
        var input: [(key: String, value: [UInt8])] = []
        for index in 0..<200 {
            input.append(("k\(index)", index % 20 == 7 ? Array("not a number".utf8) : Array(withUnsafeBytes(of: Int32(index).bigEndian) { $0 })))
        }
        try Support.produce(input, to: "numbers", bootstrap: bootstrap)
        let builder = StreamsBuilder()
        builder.stream("numbers", Consumed(key: .string, value: .int32))
            .mapValues { $0 * 2 }
            .to("doubled", Produced(key: .string, value: .int32))
        var (config, kafka) = Support.configs("dlq", bootstrap: bootstrap)
        config.deserializationErrorHandler = .deadLetterQueue("numbers-dlq")
        let streams = try KafkaStreams(topology: try builder.build(), config: config, kafka: kafka)
        defer { streams.close() }
        try streams.start()
        try Support.waitUntil("every input is committed") {
            try Support.committedTotal(group: "dlq", topic: "numbers", partitions: 2, bootstrap: bootstrap) == 200
        }
        streams.close()
        #expect(streams.state == .notRunning)
        #expect(streams.deadLetteredRecords == 10)
        #expect(try Support.readAll("doubled", bootstrap: bootstrap).count == 190)
        let dead = try Support.readAll("numbers-dlq", bootstrap: bootstrap)
        #expect(dead.count == 10)
        #expect(Set(dead.map(\.key)) == Set(stride(from: 7, to: 200, by: 20).map { "k\($0)" }))
        let source = try Support.readAll("numbers", bootstrap: bootstrap)
        for record in dead {
            #expect(record.headers.lastString(DeadLetterHeaders.topic) == "numbers")
            #expect(record.headers.lastString(DeadLetterHeaders.exception) == "deserialization")
            let partition = record.headers.lastString(DeadLetterHeaders.partition).flatMap(Int32.init)
            let offset = record.headers.lastString(DeadLetterHeaders.offset).flatMap(Int64.init)
            // The headers point at the record that failed.
            #expect(source.contains { $0.partition == partition && $0.offset == offset && $0.key == record.key })
        }
    }

    @Test func aFailingRecordStopsTheInstanceInTheErrorStateWithNothingCommittedPastIt() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: Support.logger)
        for topic in ["numbers", "doubled"] { try cluster.createTopic(topic, partitions: 1, replicationFactor: 1) }
        let bootstrap = cluster.bootstrapServers
        var input: [(key: String, value: [UInt8])] = []
        for index in 0..<50 {
            input.append(("k\(index)", index == 30 ? Array("bad".utf8) : Array(withUnsafeBytes(of: Int32(index).bigEndian) { $0 })))
        }
        try Support.produce(input, to: "numbers", bootstrap: bootstrap)
        let builder = StreamsBuilder()
        builder.stream("numbers", Consumed(key: .string, value: .int32)).to("doubled", Produced(key: .string, value: .int32))
        let (config, kafka) = Support.configs("poison", bootstrap: bootstrap)
        let streams = try KafkaStreams(topology: try builder.build(), config: config, kafka: kafka)
        defer { streams.close() }
        try streams.start()
        try Support.waitUntil("the instance fails") { streams.state == .error }
        let failure = try #require(streams.failure as? StreamsError)
        #expect(failure.code == .deserialization)
        #expect(failure.location?.offset == 30)
        #expect(!failure.description.contains("bad"))
        streams.close()
        let committed = try Support.committedTotal(group: "poison", topic: "numbers", partitions: 1, bootstrap: bootstrap)
        #expect(committed <= 30)
    }

    @Test func badConfigurationIsReportedAtStartWithinADeadline() throws {
        let topology = try Support.upperTopology()
        let noServers = #expect(throws: StreamsError.self) {
            try KafkaStreams(topology: topology, config: StreamsConfig(applicationId: "x"), kafka: KafkaConfig(bootstrapServers: " "))
        }
        #expect(noServers?.code == .invalidConfiguration)
        #expect(noServers?.message.contains("bootstrapServers") == true)
        let noId = #expect(throws: StreamsError.self) {
            try KafkaStreams(topology: topology, config: StreamsConfig(applicationId: ""), kafka: KafkaConfig(bootstrapServers: "127.0.0.1:9092"))
        }
        #expect(noId?.message.contains("applicationId") == true)

        // Nothing listens on port 1 of loopback.
        var kafka = KafkaConfig(bootstrapServers: "127.0.0.1:1")
        kafka.startupTimeout = .seconds(3)
        let unreachable = try KafkaStreams(topology: topology, config: StreamsConfig(applicationId: "x"), kafka: kafka)
        defer { unreachable.close() }
        let started = ContinuousClock.now
        let error = #expect(throws: StreamsError.self) { try unreachable.start() }
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("127.0.0.1:1") == true)
        #expect(unreachable.state == .error)

        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: Support.logger)
        try cluster.createTopic("out", partitions: 1, replicationFactor: 1)
        let (config, okKafka) = Support.configs("missing", bootstrap: cluster.bootstrapServers)
        let missing = try KafkaStreams(topology: topology, config: config, kafka: okKafka)
        defer { missing.close() }
        let missingError = #expect(throws: StreamsError.self) { try missing.start() }
        #expect(missingError?.code == .unknownTopic)
        #expect(missingError?.message.contains("in") == true)
    }

    @Test func recordsDeletedBeforeTheyWereProcessedAreReportedAsLost() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: Support.logger)
        try cluster.createTopic("in", partitions: 1, replicationFactor: 1)
        try cluster.createTopic("out", partitions: 1, replicationFactor: 1)
        let bootstrap = cluster.bootstrapServers
        // The group has processed nothing (offset 0 committed) when the mock's retention
        // (~5 MiB per partition) drops the oldest records.
        let committer = try KafkaConsumer(
            groupId: "lossy", properties: ["bootstrap.servers": bootstrap], logger: Support.logger, onRebalance: { _ in })
        try committer.commit([TopicPartition(topic: "in", partition: 0): 0])
        try committer.close()
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 4096)
        try Support.produce((0..<3000).map { ("k\($0)", big) }, to: "in", bootstrap: bootstrap)
        let probe = try KafkaConsumer(
            groupId: "probe", properties: ["bootstrap.servers": bootstrap], logger: Support.logger, onRebalance: { _ in })
        let low = try probe.watermarks(topic: "in", partition: 0, timeout: .seconds(10)).low
        try probe.close()
        try #require(low > 0, "the mock kept every record: produce more to exceed its retention")

        let (config, kafka) = Support.configs("lossy", bootstrap: bootstrap)
        let streams = try KafkaStreams(topology: try Support.upperTopology(), config: config, kafka: kafka)
        defer { streams.close() }
        try streams.start()
        try Support.waitUntil("the rest is committed") {
            try Support.committedTotal(group: "lossy", topic: "in", partitions: 1, bootstrap: bootstrap) == 3000
        }
        streams.close()
        #expect(streams.lostRecords >= Int(low))
        #expect(streams.processedRecords + streams.lostRecords == 3000)
    }

    @Test func runsAsAServiceAndShutsDownGracefully() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: Support.logger)
        try cluster.createTopic("in", partitions: 2, replicationFactor: 1)
        try cluster.createTopic("out", partitions: 2, replicationFactor: 1)
        let bootstrap = cluster.bootstrapServers
        try Support.produce(Support.numbered(0..<500), to: "in", bootstrap: bootstrap)
        let (config, kafka) = Support.configs("service", bootstrap: bootstrap, commitInterval: .seconds(30))
        let streams = try KafkaStreams(topology: try Support.upperTopology(), config: config, kafka: kafka)
        defer { streams.close() }
        let group = ServiceGroup(
            configuration: .init(services: [streams], gracefulShutdownSignals: [], logger: Support.logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // Waits without holding a thread of the cooperative pool, which the group needs
            // (the pool has one thread per core, two here, and other tests may block one).
            let deadline = ContinuousClock.now + .seconds(60)
            while streams.processedRecords < 500 {
                guard ContinuousClock.now < deadline else {
                    Issue.record("timed out waiting until every record is processed")
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(streams.state == .notRunning)
        await streams.shutdown()  // already stopped: returns at once
        // The long commit interval never came round: the graceful shutdown committed.
        #expect(try Support.committedTotal(group: "service", topic: "in", partitions: 2, bootstrap: bootstrap) == 500)
    }
}

@Suite("KafkaStreams: partition groups, production errors, secrets", .serialized)
struct KafkaStreamsMoreTests {
    typealias Support = RuntimeTestSupport

    @Test func coPartitionedTopicsOfOneSubtopologyStayTogetherAcrossInstances() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: Support.logger)
        for topic in ["left", "right", "merged"] { try cluster.createTopic(topic, partitions: 4, replicationFactor: 1) }
        let bootstrap = cluster.bootstrapServers
        let builder = StreamsBuilder()
        let left = builder.stream("left", Consumed(key: .string, value: .string))
        let right = builder.stream("right", Consumed(key: .string, value: .string))
        left.merge(right).to("merged", Produced(key: .string, value: .string))
        let topology = try builder.build()
        let (config, kafka) = Support.configs("grouped", bootstrap: bootstrap)
        let first = try KafkaStreams(topology: topology, config: config, kafka: kafka)
        defer { first.close() }
        let second = try KafkaStreams(topology: topology, config: config, kafka: kafka)
        defer { second.close() }
        try first.start()
        try second.start()
        try Support.waitUntil("both instances own partitions") {
            first.state == .running && second.state == .running
                && !first.assignedPartitions.isEmpty && !second.assignedPartitions.isEmpty
                && first.assignedPartitions.count + second.assignedPartitions.count == 8
        }
        // Each member owns partition p of `left` exactly when it owns partition p of `right`.
        for instance in [first, second] {
            let owned = instance.assignedPartitions
            let lefts = Set(owned.filter { $0.topic == "left" }.map(\.partition))
            let rights = Set(owned.filter { $0.topic == "right" }.map(\.partition))
            #expect(lefts == rights)
            #expect(!lefts.isEmpty)
        }
        try Support.produce(Support.numbered(0..<400), to: "left", bootstrap: bootstrap)
        try Support.produce(Support.numbered(400..<800), to: "right", bootstrap: bootstrap)
        try Support.waitUntil("both inputs are committed") {
            try Support.committedTotal(group: "grouped", topic: "left", partitions: 4, bootstrap: bootstrap) == 400
                && (try Support.committedTotal(group: "grouped", topic: "right", partitions: 4, bootstrap: bootstrap)) == 400
        }
        #expect(try Support.readAll("merged", bootstrap: bootstrap).count == 800)
    }

    @Test func partitionsAreReadInTimestampOrderSoARepartitionedWindowSeesNoLateRecords() throws {
        // 6,000 records already in the topic, one a second in event-time order, seven in ten
        // on partition 0, two on 1, one on 2, all counted per minute in one window through a
        // repartition topic. Processed one fetched chunk of a partition after another, most of
        // the records would arrive hours behind the window's stream time and be dropped.
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: Support.logger)
        try cluster.createTopic("in", partitions: 3)
        try cluster.createTopic("per-minute", partitions: 3)
        let bootstrap = cluster.bootstrapServers
        let start: Int64 = 1_699_999_980_000  // on a minute
        let producer = try KafkaProducer(properties: ["bootstrap.servers": bootstrap], logger: Support.logger)
        for index in 0..<6_000 {
            let partition: Int32 = switch index % 10 {
            case 0..<7: 0
            case 7, 8: 1
            default: 2
            }
            try Array("k\(index)".utf8).withUnsafeBytes { key in
                try [UInt8]("v".utf8).withUnsafeBytes { value in
                    try producer.send(
                        topic: "in", partition: partition, key: key, value: value, timestamp: start + Int64(index) * 1_000,
                        headers: Headers())
                }
            }
        }
        try producer.flush(timeout: .seconds(60))
        try producer.close(timeout: .seconds(30))

        let windowed = Serde<Windowed<String>>.windowed(.string, windowSize: .seconds(60))
        let builder = StreamsBuilder()
        builder.stream("in", Consumed(key: .string, value: .string))
            .groupBy(Grouped("everything", key: .string, value: .string)) { _, _ in "all" }
            .windowedBy(.ofSize(.seconds(60), grace: .seconds(60)))
            .count(Materialized("per-minute", key: .string, value: .int64))
            .toStream()
            .to("per-minute", Produced(key: windowed, value: Serde<Int64>.int64.optional))
        let (config, kafka) = Support.configs("ordered", bootstrap: bootstrap)
        let streams = try KafkaStreams(topology: try builder.build(), config: config, kafka: kafka)
        defer { streams.close() }
        try streams.start()
        // Each record is processed twice: from the input, then from the repartition topic.
        try Support.waitUntil("every record has reached the window") { streams.processedRecords >= 12_000 }
        #expect(streams.close(timeout: .seconds(30)))
        #expect(streams.lateRecords == 0)
        var counts: [Int64: Int64] = [:]
        for record in try Support.readAll("per-minute", bootstrap: bootstrap).sorted(by: { $0.offset < $1.offset }) {
            let window = try windowed.deserialize(record.keyBytes)
            counts[window.start] = try Serde<Int64>.int64.deserialize(record.value)
        }
        #expect(counts.count == 100)
        #expect(counts.values.allSatisfy { $0 == 60 })
    }

    @Test(arguments: [ProductionErrorHandler.Response.continue, .fail])
    func outputsTheClusterRefusesGoToTheProductionHandler(response: ProductionErrorHandler.Response) throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: Support.logger)
        for topic in ["in", "out"] { try cluster.createTopic(topic, partitions: 1, replicationFactor: 1) }
        let bootstrap = cluster.bootstrapServers
        // Every tenth value is too large for the producer's message.max.bytes.
        let records = (0..<100).map { index in
            ("k\(index)", [UInt8](repeating: UInt8(ascii: "a"), count: index % 10 == 5 ? 3000 : 10))
        }
        try Support.produce(records, to: "in", bootstrap: bootstrap)
        var (config, kafka) = Support.configs("refused-\(response)", bootstrap: bootstrap)
        config.logger = Support.logger
        kafka.producerProperties["message.max.bytes"] = "2000"
        let seen = Locked(0)
        kafka.productionErrorHandler = ProductionErrorHandler { failure in
            seen.withLock { $0 += 1 }
            #expect(failure.topic == "out")
            return response
        }
        let streams = try KafkaStreams(topology: try Support.upperTopology(), config: config, kafka: kafka)
        defer { streams.close() }
        try streams.start()
        switch response {
        case .continue:
            try Support.waitUntil("every input is committed") {
                try Support.committedTotal(group: "refused-continue", topic: "in", partitions: 1, bootstrap: bootstrap) == 100
            }
            streams.close()
            #expect(streams.state == .notRunning)
            #expect(streams.droppedOutputRecords == 10)
            #expect(seen.value == 10)
            #expect(try Support.readAll("out", bootstrap: bootstrap).count == 90)
        case .fail:
            try Support.waitUntil("the instance fails") { streams.state == .error }
            let failure = try #require(streams.failure as? StreamsError)
            #expect(failure.code == .production)
            #expect(failure.message.contains("out"))
            // Nothing at or past the refused record (offset 5) is committed.
            #expect(try Support.committedTotal(group: "refused-fail", topic: "in", partitions: 1, bootstrap: bootstrap) <= 5)
        }
    }

    @Test func secretsReachLibrdkafkaButNeverTheLogs() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: Support.logger)
        for topic in ["in", "out"] { try cluster.createTopic(topic, partitions: 1, replicationFactor: 1) }
        let logs = CapturedLogs()
        var (config, kafka) = Support.configs("secretive", bootstrap: cluster.bootstrapServers)
        config.logger = logs.logger(level: .trace)
        let secret = "hunter2-\(UInt64.random(in: 1..<UInt64.max))"
        // Accepted by librdkafka (it has no SASL mechanism to use on a PLAINTEXT listener) and
        // passed through untouched.
        kafka.properties["sasl.username"] = "zmart"
        kafka.properties["sasl.password"] = secret
        let streams = try KafkaStreams(topology: try Support.upperTopology(), config: config, kafka: kafka)
        defer { streams.close() }
        try streams.start()
        try Support.produce(Support.numbered(0..<50), to: "in", bootstrap: cluster.bootstrapServers)
        try Support.waitUntil("every input is processed") { streams.processedRecords == 50 }
        streams.close()

        // A configuration librdkafka rejects, next to secrets: the error names the bad
        // property and shows no secret.
        var bad = kafka
        bad.properties["ssl.key.password"] = secret
        bad.properties["sasl.oauthbearer.config"] = secret
        bad.properties["no.such.property"] = "1"
        let rejected = try KafkaStreams(topology: try Support.upperTopology(), config: config, kafka: bad)
        let error = #expect(throws: StreamsError.self) { try rejected.start() }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.description.contains("no.such.property") == true)
        #expect(error.map { !$0.description.contains(secret) } == true)
        #expect(!logs.all.isEmpty)
        #expect(!logs.all.contains { $0.contains(secret) })
    }
}
