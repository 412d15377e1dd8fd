import Streams
import Testing

@Suite("In-memory cluster and runtime")
struct InMemoryStreamsTests {
    func upperTopology() throws -> Topology {
        let builder = StreamsBuilder()
        builder.stream("in", Consumed(key: .string, value: .string))
            .mapValues { $0.uppercased() }
            .to("out", Produced(key: .string, value: .string))
        return try builder.build()
    }

    func cluster(partitions: Int32 = 3) throws -> InMemoryCluster {
        let cluster = InMemoryCluster()
        try cluster.createTopic("in", partitions: partitions)
        try cluster.createTopic("out", partitions: partitions)
        return cluster
    }

    func send(_ cluster: InMemoryCluster, _ count: Int, from start: Int = 0) throws {
        for index in start..<(start + count) {
            try cluster.send(
                Record(key: "k\(index)", value: "v\(index)", timestamp: Int64(index)), to: "in", key: .string,
                value: .string)
        }
    }

    @Test func oneTaskPerPartitionEachInOffsetOrder() throws {
        let cluster = try cluster(partitions: 3)
        try send(cluster, 300)
        let streams = try InMemoryStreams(topology: try upperTopology(), cluster: cluster, config: StreamsConfig(applicationId: "app"))
        try streams.start()
        #expect(streams.taskIds == [TaskId(subtopology: 0, partition: 0), TaskId(subtopology: 0, partition: 1), TaskId(subtopology: 0, partition: 2)])
        #expect(try streams.runUntilIdle() == 300)
        let out = try cluster.read(topic: "out", key: Serde<String>.string, value: Serde<String>.string)
        #expect(out.count == 300)
        // Each output partition holds its input partition's records in input order.
        for partition in Int32(0)..<3 {
            let inputs = try cluster.read(topic: "in", partition: partition).map { String(decoding: $0.value!, as: UTF8.self).uppercased() }
            let outputs = out.filter { $0.metadata?.partition == partition }.map(\.value)
            #expect(outputs == inputs)
        }
        try streams.close()
        #expect(streams.state == .notRunning)
        for partition in Int32(0)..<3 {
            #expect(cluster.committedOffset(group: "app", topic: "in", partition: partition) == (try cluster.endOffset(of: "in", partition: partition)))
        }
    }

    @Test func committedRecordsOfRepartitionTopicsArePurgedAndTheCountsStayExact() throws {
        let cluster = try cluster(partitions: 3)
        try cluster.createTopic("counts", partitions: 3)
        let builder = StreamsBuilder()
        builder.stream("in", Consumed(key: .string, value: .string))
            .groupBy(Grouped("by-last-digit", key: .string, value: .string)) { key, _ in String(key.last!) }
            .count(Materialized("counts", key: .string, value: .int64))
            .toStream()
            .to("counts", Produced(key: .string, value: Serde<Int64>.int64.optional))
        let streams = try InMemoryStreams(topology: try builder.build(), cluster: cluster, config: StreamsConfig(applicationId: "app"))
        try streams.start()
        let repartition = TopicName("app-by-last-digit-repartition")
        for round in 0..<3 {
            try send(cluster, 100, from: round * 100)
            try streams.runUntilIdle()
            try streams.commit()
            // What the application committed is gone from its repartition topic; nothing was
            // deleted before it was read.
            for partition in Int32(0)..<3 {
                let end = try cluster.endOffset(of: repartition, partition: partition)
                #expect(try cluster.startOffset(of: repartition, partition: partition) == end)
                #expect(cluster.committedOffset(group: "app", topic: repartition, partition: partition) == end)
            }
            #expect(try cluster.recordCount(of: repartition) == Int64((round + 1) * 100))
        }
        #expect(streams.lostRecords == 0)
        var last: [String: Int64] = [:]
        for record in try cluster.read(topic: "counts", key: Serde<String>.string, value: Serde<Int64>.int64.optional) {
            last[record.key] = record.value
        }
        #expect(last == Dictionary(uniqueKeysWithValues: (0..<10).map { ("\($0)", Int64(30)) }))
        try streams.close()
    }

    /// Sends `records` records one a second in event-time order, record `i` to partition
    /// `partition(i)`, counts them per minute in one window through a repartition topic, and
    /// returns the late records and the count of each minute.
    func countPerMinuteThroughARepartition(
        partitions: Int32, records: Int, grace: Duration, threads: Int = 1, partition: (Int) -> Int32
    ) throws -> (late: Int, counts: [Int64: Int64]) {
        let cluster = try cluster(partitions: partitions)
        try cluster.createTopic("per-minute", partitions: partitions)
        for index in 0..<records {
            try cluster.send(
                Record(key: "k\(index)", value: "v", timestamp: Int64(index) * 1_000), to: "in", key: .string,
                value: .string, partition: partition(index))
        }
        let builder = StreamsBuilder()
        builder.stream("in", Consumed(key: .string, value: .string))
            .groupBy(Grouped("everything", key: .string, value: .string)) { _, _ in "all" }
            .windowedBy(.ofSize(.seconds(60), grace: grace))
            .count(Materialized("per-minute", key: .string, value: .int64))
            .toStream()
            .to("per-minute", Produced(key: .windowed(.string, windowSize: .seconds(60)), value: Serde<Int64>.int64.optional))
        var config = StreamsConfig(applicationId: "app")
        config.numStreamThreads = threads
        let streams = try InMemoryStreams(topology: try builder.build(), cluster: cluster, config: config)
        try streams.start()
        try streams.runUntilIdle()
        var counts: [Int64: Int64] = [:]
        for record in try cluster.read(
            topic: "per-minute", key: Serde<Windowed<String>>.windowed(.string, windowSize: .seconds(60)),
            value: Serde<Int64>.int64.optional)
        {
            counts[record.key.start] = record.value
        }
        let late = streams.lateRecords
        try streams.close()
        return (late, counts)
    }

    @Test func partitionsInterleaveSoThatARepartitionedWindowSeesNoLateRecords() throws {
        // Alternating between two partitions. Taking whole chunks of one partition at a time
        // would put the other's records minutes behind stream time.
        let (late, counts) = try countPerMinuteThroughARepartition(partitions: 2, records: 6_000, grace: .seconds(300)) {
            Int32($0 % 2)
        }
        #expect(late == 0)
        #expect(counts.count == 100)
        #expect(counts.values.allSatisfy { $0 == 60 })
    }

    @Test(arguments: [2, 3])
    func threadsKeepWithinTheSkewBoundSoARepartitionedWindowSeesNoLateRecords(threads: Int) throws {
        // Each thread owns some of the eight partitions; the repartition topic gathers records
        // from all of them. A thread running ahead at its own pace (or, with more threads than
        // cores, one started after another finished) would put the others' records minutes
        // behind stream time. Within the one-minute skew bound, a 5-minute grace covers it.
        let (late, counts) = try countPerMinuteThroughARepartition(
            partitions: 8, records: 12_000, grace: .seconds(300), threads: threads
        ) { Int32($0 % 8) }
        #expect(late == 0)
        #expect(counts.count == 200)
        #expect(counts.values.allSatisfy { $0 == 60 })
    }

    @Test func aNegativeThreadSkewIsRefused() {
        var config = StreamsConfig(applicationId: "app")
        config.maxThreadSkew = .seconds(-1)
        let error = #expect(throws: StreamsError.self) { try config.validate() }
        #expect(error?.message == "maxThreadSkew must not be negative")
    }

    @Test func unevenPartitionsAreReadInTimestampOrderSoNothingIsLateEvenWithoutGrace() throws {
        // Seven records in ten go to partition 0, two to 1, one to 2. Taken in turns (a record
        // or a chunk of each partition), the small partitions would run hours ahead in event
        // time; with no grace, every record of partition 0 behind them would be late.
        let (late, counts) = try countPerMinuteThroughARepartition(partitions: 3, records: 12_000, grace: .zero) {
            switch $0 % 10 {
            case 0..<7: 0
            case 7, 8: 1
            default: 2
            }
        }
        #expect(late == 0)
        #expect(counts.count == 200)
        #expect(counts.values.allSatisfy { $0 == 60 })
    }

    @Test func aRestartResumesFromTheCommittedOffsets() throws {
        let cluster = try cluster()
        try send(cluster, 50)
        let first = try InMemoryStreams(topology: try upperTopology(), cluster: cluster, config: StreamsConfig(applicationId: "app"))
        try first.start()
        try first.runUntilIdle()
        try first.close()
        try send(cluster, 20, from: 50)
        let second = try InMemoryStreams(topology: try upperTopology(), cluster: cluster, config: StreamsConfig(applicationId: "app"))
        try second.start()
        #expect(try second.runUntilIdle() == 20)
        try second.close()
        #expect(try cluster.recordCount(of: "out") == 70)
    }

    @Test func stateChangesAreReported() throws {
        let streams = try InMemoryStreams(topology: try upperTopology(), cluster: try cluster(), config: StreamsConfig(applicationId: "app"))
        var changes: [String] = []
        streams.onStateChange = { new, old in changes.append("\(old)->\(new)") }
        try streams.start()
        try streams.close()
        #expect(changes == ["created->running", "running->pendingShutdown", "pendingShutdown->notRunning"])
    }

    @Test func missingTopicsAndBadConfigurationFailAtStart() throws {
        let empty = InMemoryCluster()
        let streams = try InMemoryStreams(topology: try upperTopology(), cluster: empty, config: StreamsConfig(applicationId: "app"))
        let error = #expect(throws: StreamsError.self) { try streams.start() }
        #expect(error?.code == .unknownTopic)
        #expect(streams.state == .error)
        for id in ["", "has space", "slash/no"] {
            #expect(throws: StreamsError.self) {
                _ = try InMemoryStreams(topology: try upperTopology(), cluster: empty, config: StreamsConfig(applicationId: id))
            }
        }
    }

    @Test func sourcesOfOneSubtopologyMustBeCoPartitioned() throws {
        let builder = StreamsBuilder()
        builder.stream("a", Consumed(key: .string, value: .string))
            .merge(builder.stream("b", Consumed(key: .string, value: .string)))
            .to("out", Produced(key: .string, value: .string))
        let cluster = InMemoryCluster()
        try cluster.createTopic("a", partitions: 2)
        try cluster.createTopic("b", partitions: 3)
        try cluster.createTopic("out")
        let streams = try InMemoryStreams(topology: try builder.build(), cluster: cluster, config: StreamsConfig(applicationId: "app"))
        let error = #expect(throws: StreamsError.self) { try streams.start() }
        #expect(error?.message.contains("not co-partitioned") == true)
    }

    @Test func recordsDroppedBeforeProcessingAreCountedAsLost() throws {
        let cluster = InMemoryCluster()
        // Retention keeps about one segment: most of 20 MB of input is gone before the app runs.
        try cluster.createTopic("in", partitions: 1, retentionBytes: 1)
        try cluster.createTopic("out")
        let big = String(repeating: "x", count: 10_000)
        for index in 0..<2_000 {
            try cluster.send(Record(key: "k\(index)", value: big, timestamp: 0), to: "in", key: .string, value: .string)
        }
        let start = try cluster.startOffset(of: "in", partition: 0)
        #expect(start > 0)
        let streams = try InMemoryStreams(topology: try upperTopology(), cluster: cluster, config: StreamsConfig(applicationId: "app"))
        try streams.start()
        let processed = try streams.runUntilIdle()
        #expect(streams.lostRecords == start)
        #expect(Int64(processed) + streams.lostRecords == 2_000)
    }

    @Test func deleteRecordsMovesTheStartOffset() throws {
        let cluster = try cluster(partitions: 1)
        try send(cluster, 5_000)
        try cluster.deleteRecords(topic: "in", partition: 0, before: 4_000)
        #expect(try cluster.startOffset(of: "in", partition: 0) == 4_000)
        #expect(try cluster.endOffset(of: "in", partition: 0) == 5_000)
        let left = try cluster.read(topic: "in", partition: 0)
        #expect(left.count == 1_000)
        #expect(left.first?.metadata.offset == 4_000)
        let result = try cluster.consume(topic: "in", partition: 0, from: 10) { _ in }
        #expect(result.lost == 3_990)
        #expect(result.next == 5_000)
    }

    @Test func producerBatchesUntilFlush() throws {
        let cluster = try cluster(partitions: 2)
        let producer = InMemoryProducer(cluster: cluster)
        let key = Array("key".utf8)
        let value = Array("value".utf8)
        let partition = try key.withUnsafeBytes { k in
            try value.withUnsafeBytes { v in
                try producer.sendReturningPartition(topic: "in", key: k, value: v, timestamp: 1)
            }
        }
        #expect(partition == Murmur2.partition(forKey: key, partitionCount: 2))
        #expect(try cluster.recordCount(of: "in") == 0)
        try producer.flush()
        #expect(try cluster.read(topic: "in", partition: partition).map(\.value) == [value])
    }

    /// A stream thread flushes its producer after every poll, often with a handful of records
    /// per partition; the log copies such small flushes after the records it has. Whatever
    /// the flush sizes, every record reads back at its offset with its key, value, timestamp
    /// and headers.
    @Test func recordsFlushedInSmallAndLargeBatchesReadBackInOrder() throws {
        struct Written: Equatable {
            var offset: Int64
            var key: [UInt8]?
            var value: [UInt8]?
            var timestamp: Int64
            var headers: Headers
        }
        func read(_ cluster: InMemoryCluster) throws -> [Written] {
            try cluster.read(topic: "in", partition: 0).map {
                Written(offset: $0.metadata.offset, key: $0.key, value: $0.value, timestamp: $0.timestamp, headers: $0.headers)
            }
        }
        func withBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
            guard let bytes else { return try body(nil) }
            return try bytes.withUnsafeBytes { try body($0) }
        }
        let cluster = InMemoryCluster()
        try cluster.createTopic("in", partitions: 1)
        let producer = InMemoryProducer(cluster: cluster)
        var expected: [Written] = []
        // Batches of 1 to 3,000 records: small ones are copied after the log's last records,
        // ones past its room are taken over whole.
        let batchSizes = [1, 2, 7, 1, 3_000, 1, 40, 2_500, 3, 1, 1, 900]
        var index = 0
        for (batchNumber, size) in batchSizes.enumerated() {
            for _ in 0..<size {
                let key: [UInt8]? = index % 11 == 0 ? nil : Array("key-\(index)".utf8)
                let value: [UInt8]? = index % 13 == 0 ? nil : Array(repeating: UInt8(index % 251), count: index % 97)
                let headers: Headers = index % 5 == 0 ? Headers([.init(name: "n", value: Array("\(index)".utf8))]) : Headers()
                try withBytes(key) { k in
                    if index % 2 == 0 || value == nil {
                        try withBytes(value) { v in
                            try producer.send(topic: "in", partition: 0, key: k, value: v, timestamp: Int64(index), headers: headers)
                        }
                    } else {
                        // The path a stream thread's sinks use: the value written into the segment.
                        try producer.send(topic: "in", partition: 0, key: k, timestamp: Int64(index), headers: headers) { space in
                            guard let value, value.count <= space.count else { return nil }
                            space.copyBytes(from: value)
                            return value.count
                        }
                    }
                }
                expected.append(Written(offset: Int64(index), key: key, value: value, timestamp: Int64(index), headers: headers))
                index += 1
            }
            try producer.flush()
            // A consumer between flushes sees exactly the records flushed so far.
            #expect(try read(cluster) == expected, "after batch \(batchNumber)")
        }
        #expect(try cluster.endOffset(of: "in", partition: 0) == Int64(index))
        #expect(try read(cluster) == expected)
        try cluster.deleteRecords(topic: "in", partition: 0, before: 3_005)
        #expect(try read(cluster) == Array(expected[3_005...]))
    }
}

@Suite("Stream threads")
struct StreamThreadTests {
    @Test(arguments: [2, 3, 8])
    func tasksAreSharedByThreadsAndNothingIsLost(threads: Int) throws {
        let builder = StreamsBuilder()
        builder.stream("in", Consumed(key: .string, value: .int64))
            .mapValues { $0 * 2 }
            .to("out", Produced(key: .string, value: .int64))
        let cluster = InMemoryCluster()
        try cluster.createTopic("in", partitions: 6)
        try cluster.createTopic("out", partitions: 6)
        let producer = InMemoryProducer(cluster: cluster)
        for index in 0..<20_000 {
            let key = Array("k\(index % 997)".utf8)
            var value = Int64(index).bigEndian
            try key.withUnsafeBytes { k in
                try withUnsafeBytes(of: &value) { v in
                    _ = try producer.sendReturningPartition(topic: "in", key: k, value: v, timestamp: Int64(index))
                }
            }
        }
        try producer.flush()
        var config = StreamsConfig(applicationId: "threads")
        config.numStreamThreads = threads
        let streams = try InMemoryStreams(topology: try builder.build(), cluster: cluster, config: config)
        try streams.start()
        #expect(try streams.runUntilIdle() == 20_000)
        try streams.close()
        let out = try cluster.read(topic: "out", key: Serde<String>.string, value: Serde<Int64>.int64)
        #expect(out.count == 20_000)
        #expect(Set(out.map(\.value)) == Set((0..<20_000).map { Int64($0) * 2 }))
        // Per key, the order of the input is kept.
        var lastByKey: [String: Int64] = [:]
        for record in out.sorted(by: { ($0.metadata!.partition, $0.metadata!.offset) < ($1.metadata!.partition, $1.metadata!.offset) }) {
            if let last = lastByKey[record.key] { #expect(record.value > last) }
            lastByKey[record.key] = record.value
        }
        for partition in Int32(0)..<6 {
            #expect(cluster.committedOffset(group: "threads", topic: "in", partition: partition) == (try cluster.endOffset(of: "in", partition: partition)))
        }
    }

    @Test func anErrorInOneThreadStopsTheRuntime() throws {
        let builder = StreamsBuilder()
        builder.stream("in", Consumed(key: .string, value: .string))
            .to("out", Produced(key: .string, value: .string))
        let cluster = InMemoryCluster()
        try cluster.createTopic("in", partitions: 4)
        try cluster.createTopic("out", partitions: 4)
        try cluster.send(topic: "in", partition: 3, key: Array("k".utf8), value: [0xff], timestamp: 0)
        var config = StreamsConfig(applicationId: "threads")
        config.numStreamThreads = 2
        let streams = try InMemoryStreams(topology: try builder.build(), cluster: cluster, config: config)
        try streams.start()
        let error = #expect(throws: StreamsError.self) { try streams.runUntilIdle() }
        #expect(error?.location?.description == "in-3@0")
        #expect(streams.state == .error)
    }
}

@Suite("Dead-letter topic")
struct DeadLetterTests {
    @Test func badRecordsGoToTheDeadLetterTopicWithTheirOriginAndTheStreamGoesOn() throws {
        let cluster = InMemoryCluster()
        try cluster.createTopic("numbers", partitions: 2)
        try cluster.createTopic("doubled", partitions: 2)
        try cluster.createTopic("numbers-dlq", partitions: 1)
        let builder = StreamsBuilder()
        builder.stream("numbers", Consumed(key: .string, value: .int32))
            .mapValues { $0 * 2 }
            .to("doubled", Produced(key: .string, value: .int32))
        var config = StreamsConfig(applicationId: "dlq-app")
        // The redaction stands for what an application does to keep personal data out.
        config.deserializationErrorHandler = .deadLetterQueue(
            "numbers-dlq", redact: .init { bytes in bytes.map { $0 == UInt8(ascii: "7") ? UInt8(ascii: "#") : $0 } })
        for index in 0..<40 {
            let key = Array("k\(index)".utf8)
            // Five bytes are no big-endian Int32.
            let value = index % 10 == 3 ? Array("bad 7".utf8) : try Serde<Int32>.int32.serialize(Int32(index))
            try cluster.send(topic: "numbers", key: key, value: value, timestamp: 1)
        }
        let streams = try InMemoryStreams(topology: try builder.build(), cluster: cluster, config: config)
        try streams.start()
        try streams.runUntilIdle()
        try streams.close()

        #expect(try cluster.recordCount(of: "doubled") == 36)
        #expect(streams.deadLetteredRecords == 4)
        #expect(streams.skippedRecords == 4)
        let dead = try cluster.read(topic: "numbers-dlq", partition: 0)
        #expect(dead.count == 4)
        for record in dead {
            #expect(record.value.map { String(decoding: $0, as: UTF8.self) } == "bad #")
            #expect(record.headers.lastString(DeadLetterHeaders.topic) == "numbers")
            #expect(record.headers.lastString(DeadLetterHeaders.exception) == "deserialization")
            #expect(record.headers.lastString(DeadLetterHeaders.message)?.contains("value") == true)
            let partition = try #require(record.headers.lastString(DeadLetterHeaders.partition).flatMap(Int32.init))
            let offset = try #require(record.headers.lastString(DeadLetterHeaders.offset).flatMap(Int64.init))
            // The headers point at a bad record of the input.
            let original = try cluster.read(topic: "numbers", partition: partition).first { $0.metadata.offset == offset }
            #expect(original.map { String(decoding: $0.value ?? [], as: UTF8.self) } == "bad 7")
        }
    }
}
