import Streams
import Synchronization
import Testing

/// Counts words per key in the store "counts" and writes the running counts to `output`.
func wordCountTopology(output: TopicName) throws -> Topology {
    let builder = StreamsBuilder()
    builder.stream("words", Consumed(key: .string, value: .string))
        .groupByKey()
        .count(Materialized("counts", key: .string, value: .int64))
        .toStream()
        .to(output, Produced(key: .string, value: Serde<Int64>.int64.optional))
    return try builder.build()
}

@Suite("Compacted topics in memory")
struct CompactionTests {
    /// Writes `count` records over `keys` keys to partition 0 (a tenth of them tombstones, a
    /// few without a key, some with headers); returns each key's last value (`nil` inside
    /// for a tombstone) and the offsets of the records without a key.
    func write(
        _ count: Int, keys: Int, to topic: TopicName, on cluster: InMemoryCluster, seed: UInt64
    ) throws -> (latest: [String: String?], unkeyed: [Int64]) {
        var random = SplitMix64(seed: seed)
        var latest: [String: String?] = [:]
        var unkeyed: [Int64] = []
        for index in 0..<count {
            if Int.random(in: 0..<100, using: &random) == 0 {
                let sent = try cluster.send(
                    topic: topic, partition: 0, key: nil, value: Array("no key \(index)".utf8), timestamp: Int64(index))
                unkeyed.append(sent.offset)
                continue
            }
            let key = "key-\(Int.random(in: 0..<keys, using: &random))"
            let value: String? = Int.random(in: 0..<10, using: &random) == 0 ? nil : "value \(index) " + String(repeating: "v", count: Int.random(in: 0..<40, using: &random))
            let headers: Headers = index % 7 == 0 ? ["n": "\(index)"] : Headers()
            try cluster.send(
                topic: topic, partition: 0, key: Array(key.utf8), value: value.map { Array($0.utf8) },
                timestamp: Int64(index), headers: headers)
            latest[key] = .some(value)
        }
        return (latest, unkeyed)
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func aCompactedTopicKeepsEachKeysLatestRecordAndEveryOffset(seed: UInt64) throws {
        let cluster = InMemoryCluster()
        try cluster.createTopic("log", partitions: 1, cleanupPolicy: .compact(minDirtyBytes: 4096))
        let written = 30_000
        let (latest, unkeyed) = try write(written, keys: 200, to: "log", on: cluster, seed: seed)
        #expect(try cluster.endOffset(of: "log", partition: 0) == Int64(written))
        #expect(try cluster.startOffset(of: "log", partition: 0) == 0)

        let kept = try cluster.read(topic: "log", partition: 0)
        // Far fewer records than written: about the keys, the segment being written and
        // what came since the last compaction.
        #expect(kept.count < written / 3)
        // Offsets only grow, and the last record is still the last written.
        #expect(zip(kept, kept.dropFirst()).allSatisfy { $0.metadata.offset < $1.metadata.offset })
        #expect(kept.last?.metadata.offset == Int64(written - 1))
        // Reading the log from the start still ends with each key's latest value.
        var seen: [String: String?] = [:]
        for record in kept {
            guard let key = record.key else { continue }
            seen[String(decoding: key, as: UTF8.self)] = .some(record.value.map { String(decoding: $0, as: UTF8.self) })
        }
        for (key, value) in latest {
            // A deleted key may be gone altogether once its tombstone was dropped.
            if value == nil {
                #expect(seen[key] == nil || seen[key]! == nil, "key \(key)")
            } else {
                #expect(seen[key] == value, "key \(key)")
            }
        }
        #expect(Set(seen.keys).isSubset(of: Set(latest.keys)))
        // Records without a key are all kept; timestamps and headers travel with the records.
        #expect(Set(kept.filter { $0.key == nil }.map(\.metadata.offset)) == Set(unkeyed))
        #expect(kept.allSatisfy { $0.timestamp == $0.metadata.offset })
        #expect(kept.allSatisfy { record in
            record.metadata.offset % 7 != 0 || record.key == nil
                || record.headers == ["n": "\(record.metadata.offset)"]
        })
    }

    @Test func readingFromAnOffsetThatCompactionRemovedStartsAtTheNextKeptRecord() throws {
        let cluster = InMemoryCluster()
        try cluster.createTopic("log", partitions: 1, cleanupPolicy: .compact(minDirtyBytes: 1024))
        _ = try write(20_000, keys: 50, to: "log", on: cluster, seed: 9)
        let kept = try cluster.read(topic: "log", partition: 0).map(\.metadata.offset)
        let gaps = zip(kept, kept.dropFirst()).filter { $1 - $0 > 1 }
        #expect(!gaps.isEmpty)
        for (before, after) in gaps.prefix(20) {
            let read = try cluster.read(topic: "log", partition: 0, from: before + 1, limit: 3)
            #expect(read.first?.metadata.offset == after)
            // Consuming from the gap moves past it too.
            var offsets: [Int64] = []
            let (next, lost) = try cluster.consume(topic: "log", partition: 0, from: before + 1, limit: 1) {
                offsets.append($0.offset)
            }
            #expect(offsets == [after] && next == after + 1 && lost == 0)
        }
    }

    @Test func aTombstoneOutlivesOneCompactionAndIsDroppedAtTheNext() throws {
        let cluster = InMemoryCluster()
        try cluster.createTopic("log", partitions: 1, cleanupPolicy: .compact(minDirtyBytes: 1024))
        let filler = Array(repeating: UInt8(ascii: "f"), count: 100)
        func fill(_ count: Int) throws {
            for index in 0..<count {
                try cluster.send(topic: "log", partition: 0, key: Array("f\(index % 10)".utf8), value: filler, timestamp: 0)
            }
        }
        try cluster.send(topic: "log", partition: 0, key: Array("gone".utf8), value: Array("x".utf8), timestamp: 0)
        try cluster.send(topic: "log", partition: 0, key: Array("gone".utf8), value: nil, timestamp: 0)
        func gone() throws -> [StoredRecord] {
            try cluster.read(topic: "log", partition: 0).filter { $0.key == Array("gone".utf8) }
        }
        // Enough records to fill the first segment (2,048 entries) and compact behind it.
        try fill(2_100)
        #expect(try cluster.read(topic: "log", partition: 0).count < 2_102)
        let afterOne = try gone()
        #expect(afterOne.count == 1 && afterOne.first?.value == nil)
        // Another segment's worth: the next compaction drops the tombstone.
        try fill(4_200)
        #expect(try gone().isEmpty)
    }

    @Test func aDeleteTopicKeepsEveryRecord() throws {
        let cluster = InMemoryCluster()
        try cluster.createTopic("log", partitions: 1)
        #expect(try cluster.cleanupPolicy(of: "log") == .delete)
        _ = try write(10_000, keys: 5, to: "log", on: cluster, seed: 4)
        #expect(try cluster.read(topic: "log", partition: 0).map(\.metadata.offset) == Array(0..<10_000))
    }

    @Test func aPolicyWithoutAPositiveMinimumIsRefused() {
        let cluster = InMemoryCluster()
        #expect(throws: StreamsError.self) {
            try cluster.createTopic("log", cleanupPolicy: .compact(minDirtyBytes: 0))
        }
    }

    @Test func storesChangelogsAreCompactedAndARestartRestoresTheLatestValues() throws {
        func topology() throws -> Topology { try wordCountTopology(output: "totals") }
        // The runtime creates a store's changelog compacted, its other topics not.
        let fresh = InMemoryCluster()
        try fresh.createTopic("words", partitions: 2)
        try fresh.createTopic("totals", partitions: 2)
        let probe = try InMemoryStreams(topology: try topology(), cluster: fresh, config: StreamsConfig(applicationId: "app"))
        try probe.start()
        try probe.close()
        #expect(try fresh.cleanupPolicy(of: "app-counts-changelog") == .compact)
        #expect(try fresh.cleanupPolicy(of: "words") == .delete)

        // Here the changelog compacts after a kilobyte, so a small test sees it.
        let cluster = InMemoryCluster()
        try cluster.createTopic("words", partitions: 2)
        try cluster.createTopic("totals", partitions: 2)
        try cluster.createTopic("app-counts-changelog", partitions: 2, cleanupPolicy: .compact(minDirtyBytes: 1024))
        var expected: [String: Int64] = [:]
        var random = SplitMix64(seed: 5)
        func send(_ count: Int) throws {
            for _ in 0..<count {
                let word = "w\(Int.random(in: 0..<30, using: &random))"
                expected[word, default: 0] += 1
                try cluster.send(Record(key: word, value: word, timestamp: 0), to: "words", key: .string, value: .string)
            }
        }
        let restored = Mutex(0)
        func run() throws -> InMemoryStreams {
            var config = StreamsConfig(applicationId: "app")
            config.restoreListener = StateRestoreListener(onRestoreEnd: { progress in
                restored.withLock { $0 += progress.restored }
            })
            let streams = try InMemoryStreams(topology: try topology(), cluster: cluster, config: config)
            try streams.start()
            return streams
        }
        // A commit after every 50 records: the changelog takes a write per key counted since the last.
        let first = try run()
        for _ in 0..<400 {
            try send(50)
            try first.runUntilIdle()
            try first.commit()
        }
        try first.close()
        let changelog: TopicName = "app-counts-changelog"
        let writes = try cluster.recordCount(of: changelog)
        let kept = try (0..<2).reduce(0) { $0 + (try cluster.read(topic: changelog, partition: $1).count) }
        #expect(writes > 8_000)
        #expect(kept < Int(writes) / 3)

        // A new instance restores the stores from the compacted changelog, then goes on.
        let second = try run()
        try send(1_000)
        try second.runUntilIdle()
        try second.close()
        #expect(restored.withLock { $0 > 0 && $0 <= kept })
        var last: [String: Int64] = [:]
        for record in try cluster.read(topic: "totals", key: Serde<String>.string, value: Serde<Int64>.int64.optional) {
            last[record.key] = record.value
        }
        #expect(last == expected)
    }
}
