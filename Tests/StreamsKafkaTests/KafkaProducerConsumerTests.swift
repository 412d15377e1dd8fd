import Streams
import StreamsKafka
import Testing

@Suite("Kafka producer, consumer, admin and embedded cluster", .serialized)
struct KafkaClientTests {
    @Test func producedRecordsComeBackExactlyOnceWithEverything() throws {
        let logs = CapturedLogs()
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: logs.logger())
        let topic = "roundtrip"
        try cluster.createTopic(topic, partitions: 6)
        let producer = try KafkaProducer(properties: producerProperties(cluster), logger: logs.logger())
        let count = 20_000
        let base: Int64 = 1_700_000_000_000
        for index in 0..<count {
            var headers = Headers()
            if index % 3 == 0 { headers.add("index", "\(index)") }
            if index % 5 == 0 { headers.add("null", nil as [UInt8]?) }
            try send(producer, topic: topic, key: "key-\(index)", value: "value-\(index)", timestamp: base + Int64(index), headers: headers)
        }
        try producer.flush(timeout: .seconds(30))
        #expect(producer.acknowledged == count)
        #expect(producer.failedDeliveries == 0)
        #expect(producer.inFlight == 0)

        let consumer = try KafkaConsumer(groupId: "roundtrip-group", properties: consumerProperties(cluster), logger: logs.logger()) { _ in }
        try consumer.subscribe([topic])
        let received = try consume(consumer, count: count, within: .seconds(30))
        // A little longer, to see that nothing arrives twice.
        let extra = try consume(consumer, count: 1, within: .milliseconds(300))
        #expect(received.count == count)
        #expect(extra.isEmpty)
        #expect(Set(received.map { "\($0.partition)@\($0.offset)" }).count == count)
        var seen = Set<Int>()
        for record in received {
            #expect(record.topic == TopicName(topic))
            guard let key = record.key, let index = Int(key.dropFirst(4)) else {
                Issue.record("unexpected key \(record.key ?? "nil")")
                continue
            }
            seen.insert(index)
            #expect(record.value == "value-\(index)")
            #expect(record.timestamp == base + Int64(index))
            var headers = Headers()
            if index % 3 == 0 { headers.add("index", "\(index)") }
            if index % 5 == 0 { headers.add("null", nil as [UInt8]?) }
            #expect(record.headers == headers)
        }
        #expect(seen.count == count)
        try consumer.close()
        try producer.close(timeout: .seconds(5))
    }

    @Test func keyedRecordsLandOnTheirMurmur2Partition() throws {
        let logs = CapturedLogs()
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logs.logger())
        let topic = "keyed"
        let partitions: Int32 = 7
        try cluster.createTopic(topic, partitions: partitions, replicationFactor: 1)
        let producer = try KafkaProducer(properties: producerProperties(cluster), logger: logs.logger())
        #expect(try producer.partitionCount(of: topic, timeout: .seconds(10)) == partitions)
        let count = 2_000
        for index in 0..<count {
            try send(producer, topic: topic, key: "customer-\(index * 7919)", value: "v")
        }
        try producer.flush(timeout: .seconds(20))
        let consumer = try KafkaConsumer(groupId: "keyed-group", properties: consumerProperties(cluster), logger: logs.logger()) { _ in }
        try consumer.subscribe([topic])
        let received = try consume(consumer, count: count, within: .seconds(20))
        #expect(received.count == count)
        for record in received {
            let expected = Murmur2.partition(forKey: Array(record.key!.utf8), partitionCount: partitions)
            #expect(record.partition == expected, "key \(record.key!)")
        }
        #expect(Set(received.map(\.partition)).count == Int(partitions))
        try consumer.close()
    }

    @Test func failedDeliveriesAreCountedAndReported() throws {
        let logs = CapturedLogs()
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logs.logger())
        let topic = "unreachable"
        try cluster.createTopic(topic, partitions: 2, replicationFactor: 1)
        try cluster.setBrokerDown(1)
        let producer = try KafkaProducer(
            properties: producerProperties(cluster, ["message.timeout.ms": "1000"]), logger: logs.logger())
        for index in 0..<10 {
            try send(producer, topic: topic, key: "k\(index)", value: "secret-value-\(index)")
        }
        try producer.flush(timeout: .seconds(15))
        #expect(producer.failedDeliveries == 10)
        #expect(producer.acknowledged == 0)
        let failures = producer.takeDeliveryFailures()
        #expect(failures.count == 10)
        for failure in failures {
            #expect(failure.topic == TopicName(topic))
            #expect(failure.error.code == .production)
            #expect(failure.error.message.contains("_MSG_TIMED_OUT"))
            #expect(failure.error.message.contains(topic))
            #expect(!failure.description.contains("secret-value"))
        }
        #expect(producer.takeDeliveryFailures().isEmpty)
        try producer.close(timeout: .seconds(5))
    }

    @Test func adminCreatesDescribesAndWaitsForTopics() throws {
        let logs = CapturedLogs()
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: logs.logger())
        let admin = try KafkaAdminClient(properties: ["bootstrap.servers": cluster.bootstrapServers], logger: logs.logger())
        #expect(try admin.brokers(timeout: .seconds(10)) == cluster.brokerIds)
        let topics = [
            NewTopic(name: "orders", partitions: 6, replicationFactor: 2),
            NewTopic(name: "payments", partitions: 1, replicationFactor: 3),
        ]
        try admin.createTopics(topics, timeout: .seconds(10))
        try admin.createTopics(topics, timeout: .seconds(10))  // already there: not an error
        try admin.waitForTopics(["orders", "payments"], timeout: .seconds(10))
        let described = try admin.describeTopics(["orders", "payments"], timeout: .seconds(10))
        #expect(described.map(\.name) == ["orders", "payments"])
        #expect(described[0].partitions.map(\.id) == Array(0..<6))
        #expect(described[0].partitions.allSatisfy { $0.leader > 0 && Set($0.isr) == Set($0.replicas) })
        // librdkafka 2.0.2's mock gives every partition min(3, brokers) replicas whatever the
        // factor asked; a later mock may honour 2.
        #expect(described[0].partitions.allSatisfy { [2, 3].contains($0.replicas.count) })
        #expect(described[1].partitions.count == 1)
        #expect(described[1].partitions[0].replicas.sorted() == [1, 2, 3])
        let error = #expect(throws: StreamsError.self) { _ = try admin.describeTopics(["nope"], timeout: .seconds(10)) }
        #expect(error?.code == .unknownTopic)
        #expect(error?.message.contains("nope") == true)
        let waitError = #expect(throws: StreamsError.self) { try admin.waitForTopics(["nope"], timeout: .milliseconds(300)) }
        #expect(waitError?.code == .timeout)
    }

    @Test func twoConsumersShareTheGroupAndTheSurvivorTakesAll() throws {
        let logs = CapturedLogs()
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: logs.logger())
        let topic = "shared"
        try cluster.createTopic(topic, partitions: 6)
        let all = (0..<6).map { TopicPartition(topic: TopicName(topic), partition: Int32($0)) }
        let logA = RebalanceLog()
        let logB = RebalanceLog()
        let a = try KafkaConsumer(groupId: "sharing", properties: consumerProperties(cluster), logger: logs.logger()) { logA.events.append($0) }
        let b = try KafkaConsumer(groupId: "sharing", properties: consumerProperties(cluster), logger: logs.logger()) { logB.events.append($0) }
        try a.subscribe([topic])
        try b.subscribe([topic])
        // One thread polls both: each consumer's rebalance callback runs inside its poll.
        var deadline = ContinuousClock.now.advanced(by: .seconds(30))
        var assignedA: [TopicPartition] = []
        var assignedB: [TopicPartition] = []
        while ContinuousClock.now < deadline {
            try a.poll(maxRecords: 100, timeout: .milliseconds(50)) { _ in }
            try b.poll(maxRecords: 100, timeout: .milliseconds(50)) { _ in }
            assignedA = try a.assignment()
            assignedB = try b.assignment()
            if !assignedA.isEmpty && !assignedB.isEmpty && Set(assignedA).union(assignedB) == Set(all)
                && Set(assignedA).isDisjoint(with: assignedB)
            {
                break
            }
        }
        #expect(!assignedA.isEmpty)
        #expect(!assignedB.isEmpty)
        #expect(Set(assignedA).union(assignedB) == Set(all))
        #expect(Set(assignedA).isDisjoint(with: assignedB))
        // The events tell the same story as the assignments.
        #expect(Set(Self.owned(logA.events)) == Set(assignedA))
        #expect(Set(Self.owned(logB.events)) == Set(assignedB))

        try b.close()
        #expect(logB.events.last == .revoked(assignedB))
        deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while ContinuousClock.now < deadline && Set(assignedA) != Set(all) {
            try a.poll(maxRecords: 100, timeout: .milliseconds(100)) { _ in }
            assignedA = try a.assignment()
        }
        #expect(Set(assignedA) == Set(all))
        #expect(Set(Self.owned(logA.events)) == Set(all))
        try a.close()
        #expect(Self.owned(logA.events).isEmpty)
    }

    /// The partitions a sequence of events leaves a consumer with.
    static func owned(_ events: [RebalanceEvent]) -> [TopicPartition] {
        var owned = Set<TopicPartition>()
        for event in events {
            switch event {
            case .assigned(let partitions): owned.formUnion(partitions)
            case .revoked(let partitions), .lost(let partitions): owned.subtract(partitions)
            }
        }
        return owned.sorted()
    }

    @Test func commitThenCommittedRoundTrips() throws {
        let logs = CapturedLogs()
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: logs.logger())
        let topic = "commits"
        try cluster.createTopic(topic, partitions: 3)
        let producer = try KafkaProducer(properties: producerProperties(cluster), logger: logs.logger())
        for index in 0..<30 {
            var value = "v\(index)"
            try value.withUTF8 { bytes in
                try producer.send(
                    topic: topic, partition: Int32(index % 3), key: nil, value: UnsafeRawBufferPointer(bytes), timestamp: 0,
                    headers: Headers())
            }
        }
        try producer.flush(timeout: .seconds(10))
        let consumer = try KafkaConsumer(groupId: "committer", properties: consumerProperties(cluster), logger: logs.logger()) { _ in }
        let partitions = (0..<3).map { TopicPartition(topic: TopicName(topic), partition: Int32($0)) }
        #expect(try consumer.committed(partitions, timeout: .seconds(10)).isEmpty)
        try consumer.subscribe([topic])
        #expect(try !waitForAssignment(consumer, within: .seconds(20)).isEmpty)
        let watermarks = try consumer.watermarks(topic: TopicName(topic), partition: 1, timeout: .seconds(10))
        #expect(watermarks.low == 0)
        #expect(watermarks.high == 10)
        try consumer.commit([partitions[0]: 4, partitions[2]: 10])
        #expect(try consumer.committed(partitions, timeout: .seconds(10)) == [partitions[0]: 4, partitions[2]: 10])
        try consumer.close()

        // A new member of the group starts where the commits say.
        let next = try KafkaConsumer(groupId: "committer", properties: consumerProperties(cluster), logger: logs.logger()) { _ in }
        try next.subscribe([topic])
        let received = try consume(next, count: 6 + 10, within: .seconds(20))
        #expect(received.filter { $0.partition == 0 }.map(\.offset) == Array(4..<10))
        #expect(received.filter { $0.partition == 1 }.map(\.offset) == Array(0..<10))
        #expect(received.filter { $0.partition == 2 }.isEmpty)
        try next.close()
        try producer.close(timeout: .seconds(5))
    }

    /// Loses nothing. Duplicates are possible here and not checked: the mock cluster keeps no
    /// producer sequence numbers for idempotent, non-transactional producers (measured in
    /// shared/notes/librdkafka-here.md), so a batch whose response was lost to a broker going
    /// down is appended again when retried; a real broker drops it.
    @Test func brokerFailuresAndLeaderMovesLoseNothing() throws {
        let logs = CapturedLogs()
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: logs.logger())
        let topic = "faults"
        try cluster.createTopic(topic, partitions: 6, replicationFactor: 3)
        let producer = try KafkaProducer(
            properties: producerProperties(cluster, ["acks": "all", "enable.idempotence": "true"]), logger: logs.logger())
        let count = 50_000
        for index in 0..<count {
            switch index {
            case 10_000: try cluster.setBrokerDown(2)
            case 20_000: try cluster.setPartitionLeader(topic: topic, partition: 0, broker: 3)
            case 25_000: try cluster.setPartitionLeader(topic: topic, partition: 1, broker: 1)
            case 30_000: try cluster.setBrokerUp(2)
            case 40_000:
                try cluster.setPartitionLeader(topic: topic, partition: 0, broker: 2)
                cluster.injectRequestErrors(apiKey: 0, errors: [6, 7, 6])  // NOT_LEADER, REQUEST_TIMED_OUT
            default: break
            }
            if index % 10_000 == 0 && index > 0 {
                // Let the fault meet records in flight before sending more.
                producer.poll(timeoutMilliseconds: 200)
            }
            try send(producer, topic: topic, key: "k\(index)", value: "\(index)")
            if index % 1000 == 0 { producer.poll() }
        }
        try producer.flush(timeout: .seconds(60))
        #expect(producer.acknowledged == count)
        #expect(producer.failedDeliveries == 0)

        let consumer = try KafkaConsumer(groupId: "faults-check", properties: consumerProperties(cluster), logger: logs.logger()) { _ in }
        try consumer.subscribe([topic])
        // Everything the topic holds now: each record once, plus whatever the mock duplicated.
        var marks: Int64 = 0
        for partition in 0..<Int32(6) {
            marks += try consumer.watermarks(topic: TopicName(topic), partition: partition, timeout: .seconds(10)).high
        }
        #expect(marks >= Int64(count))
        let received = try consume(consumer, count: Int(marks), within: .seconds(40))
        #expect(received.count == Int(marks))
        #expect(Set(received.compactMap { $0.value.flatMap(Int.init) }) == Set(0..<count))
        try consumer.close()
        try producer.close(timeout: .seconds(5))
    }
}
