import Streams
import Testing

/// The record cache in front of key-value stores: a key updated many times between commits
/// reaches its changelog once per commit, reads see the latest value, downstream sees every
/// update, and what was cached survives a restart through the changelog.
@Suite("Store caching")
struct StoreCacheTests {
    static let keys = ["a", "b", "c"]

    /// Counts words into `counts`, cached or not, and forwards every count to `out`.
    func run(
        batches: [[String]], caching: Bool, cluster: InMemoryCluster, maxEntries: Int? = nil
    ) throws -> (outputs: [(String, Int64?)], store: [String: Int64]) {
        let builder = StreamsBuilder()
        var materialized = Materialized("counts", key: Serde<String>.string, value: Serde<Int64>.int64)
        materialized.cachingEnabled = caching
        builder.stream("words", Consumed(key: .string, value: .string))
            .groupByKey()
            .count(materialized)
            .toStream()
            .to("out", Produced(key: .string, value: Serde<Int64>.int64.optional))
        var topology = try builder.build()
        if let maxEntries {
            // The same topology through the Processor API with a small cache.
            var manual = TopologyBuilder()
            manual.addSource("source", topics: ["words"], key: Serde<String>.string, value: Serde<String>.string)
            manual.addProcessor("count", parents: ["source"], stores: ["counts"]) { Counter() }
            manual.addSink("sink", topic: "out", key: Serde<String>.string, value: Serde<Int64>.int64.optional, parents: ["count"])
            manual.addStateStore(
                Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("counts"), key: .string, value: .int64)
                    .withCachingEnabled(maxEntries: maxEntries),
                processors: ["count"])
            topology = try manual.build()
        }
        let streams = try InMemoryStreams(topology: topology, cluster: cluster, config: StreamsConfig(applicationId: "app"))
        try streams.start()
        for batch in batches {
            for word in batch {
                try cluster.send(Record(key: word, value: word, timestamp: 1), to: "words", key: .string, value: .string)
            }
            try streams.runUntilIdle()
            try streams.commit()
        }
        let store = try #require(streams.stateStore(named: "counts", partition: 0) as? KeyValueStore<String, Int64>)
        let contents = Dictionary(uniqueKeysWithValues: try store.all().map { ($0.key, $0.value) })
        try streams.close()
        let outputs = try cluster.read(topic: "out", key: Serde<String>.string, value: Serde<Int64>.int64.optional)
            .map { ($0.key, $0.value) }
        return (outputs, contents)
    }

    func cluster() throws -> InMemoryCluster {
        let cluster = InMemoryCluster()
        try cluster.createTopic("words", partitions: 1)
        try cluster.createTopic("out", partitions: 1)
        return cluster
    }

    @Test func aKeyUpdatedBetweenCommitsReachesItsChangelogOncePerCommit() throws {
        let batches = [Array(repeating: "a", count: 50) + ["b", "c", "b"], ["a", "c"], []]
        let cached = try cluster()
        let withCache = try run(batches: batches, caching: true, cluster: cached)
        let plain = try cluster()
        let withoutCache = try run(batches: batches, caching: false, cluster: plain)
        // Downstream and the store are the same either way.
        #expect(withCache.outputs.map(\.0) == withoutCache.outputs.map(\.0))
        #expect(withCache.outputs.map(\.1) == withoutCache.outputs.map(\.1))
        #expect(withCache.outputs.count == 55)
        #expect(withCache.store == ["a": 51, "b": 2, "c": 2])
        #expect(withCache.store == withoutCache.store)
        // The changelog holds one record per key and commit with a cache, one per write without.
        let changelog = try cached.read(topic: "app-counts-changelog", key: Serde<String>.string, value: Serde<Int64>.int64.optional)
        #expect(changelog.map(\.key) == ["a", "b", "c", "a", "c"])
        #expect(changelog.map(\.value) == [50, 2, 1, 51, 2])
        #expect(try plain.recordCount(of: "app-counts-changelog") == 55)
    }

    @Test func whatWasCachedIsRestoredAfterARestart() throws {
        let cluster = try cluster()
        _ = try run(batches: [["a", "b", "a"], ["a"]], caching: true, cluster: cluster)
        let again = try run(batches: [["b"]], caching: true, cluster: cluster)
        #expect(again.store == ["a": 3, "b": 2])
        #expect(again.outputs.last.map { $0.0 == "b" && $0.1 == 2 } == true)
    }

    @Test func aFullCacheWritesBackBeforeTheCommit() throws {
        let cluster = try cluster()
        let words = (0..<10).map { "w\($0)" }
        let result = try run(batches: [words], caching: true, cluster: cluster, maxEntries: 4)
        #expect(result.store.count == 10)
        #expect(result.store.values.allSatisfy { $0 == 1 })
        let changelog = try cluster.read(topic: "app-counts-changelog", key: Serde<String>.string, value: Serde<Int64>.int64.optional)
        // Every key once: written when the cache filled, the rest at the commit.
        #expect(changelog.map(\.key).sorted() == words.sorted())
    }

    @Test func deletesThroughTheCacheBecomeTombstones() throws {
        let builder = StreamsBuilder()
        builder.stream("words", Consumed(key: .string, value: .string))
            .process(named: "toggle", stores: ["seen"]) { Toggle() }
            .to("out", Produced(key: .string, value: .string))
        builder.addStateStore(
            Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("seen"), key: .string, value: .string)
                .withCachingEnabled(maxEntries: 100))
        let cluster = try cluster()
        let streams = try InMemoryStreams(topology: try builder.build(), cluster: cluster, config: StreamsConfig(applicationId: "app"))
        try streams.start()
        for word in ["x", "y", "x"] {
            try cluster.send(Record(key: word, value: word, timestamp: 1), to: "words", key: .string, value: .string)
        }
        try streams.runUntilIdle()
        try streams.commit()
        try streams.close()
        let changelog = try cluster.read(topic: "app-seen-changelog", partition: 0)
        #expect(changelog.map { String(decoding: $0.key ?? [], as: UTF8.self) } == ["x", "y"])
        #expect(changelog[0].value == nil)
        #expect(changelog[1].value.map { String(decoding: $0, as: UTF8.self) } == "y")
    }
}

/// Counts each key's records in the store `counts`.
private final class Counter: Processor {
    private var context: ProcessorContext<String, Int64?>!
    private var counts: KeyValueStore<String, Int64>!
    func initialize(context: ProcessorContext<String, Int64?>) throws {
        self.context = context
        counts = try context.stateStore(named: "counts")
    }
    func process(_ record: Record<String, String>) throws {
        let count = (try counts.get(record.key) ?? 0) + 1
        try counts.put(record.key, count)
        try context.forward(record.withValue(count))
    }
}

/// Remembers a key the first time, forgets it the second.
private final class Toggle: Processor {
    private var context: ProcessorContext<String, String>!
    private var seen: KeyValueStore<String, String>!
    func initialize(context: ProcessorContext<String, String>) throws {
        self.context = context
        seen = try context.stateStore(named: "seen")
    }
    func process(_ record: Record<String, String>) throws {
        if try seen.delete(record.key) == nil { try seen.put(record.key, record.value) }
        try context.forward(record)
    }
}
