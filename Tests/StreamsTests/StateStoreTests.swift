import MetricsTestKit
import Streams
import StreamsTestKit
import Synchronization
import Testing

/// Counts records per key in a key-value store and forwards the running count.
private final class Counter: Processor {
    typealias KeyIn = String
    typealias ValueIn = String
    typealias KeyOut = String
    typealias ValueOut = Int64
    let storeName: String
    private var context: ProcessorContext<String, Int64>!
    private var counts: KeyValueStore<String, Int64>!

    init(store: String = "counts") { storeName = store }

    func initialize(context: ProcessorContext<String, Int64>) throws {
        self.context = context
        counts = try context.stateStore(named: storeName, as: KeyValueStore<String, Int64>.self)
    }

    func process(_ record: Record<String, String>) throws {
        let count = (try counts.get(record.key) ?? 0) + 1
        try counts.put(record.key, count)
        try context.forward(record.withValue(count))
    }
}

@Suite("State stores in a topology")
struct StateStoreTests {
    func countingTopology(connectLater: Bool = false) throws -> Topology {
        var builder = TopologyBuilder()
        builder.addSource("src", topics: ["words"], key: Serde<String>.string, value: Serde<String>.string)
        if connectLater {
            builder.addProcessor("count", parents: ["src"]) { Counter() }
            builder.addStateStore(
                Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("counts"), key: .string, value: .int64))
            builder.connectProcessorAndStateStores("count", ["counts"])
        } else {
            builder.addStateStore(
                Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("counts"), key: .string, value: .int64),
                processors: ["count"])
            builder.addProcessor("count", parents: ["src"]) { Counter() }
        }
        builder.addSink("out", topic: "counts", key: .string, value: .int64, parents: ["count"])
        return try builder.build()
    }

    @Test(arguments: [false, true])
    func aProcessorCountsPerKeyInItsStore(connectLater: Bool) throws {
        let driver = try TopologyTestDriver(try countingTopology(connectLater: connectLater))
        let input = driver.createInputTopic("words", key: .string, value: .string)
        for word in ["a", "b", "a", "c", "a", "b"] { try input.pipeInput(key: word, value: word) }
        let output = driver.createOutputTopic("counts", key: .string, value: .int64)
        #expect(try output.readKeyValuesToList().map { "\($0.key)=\($0.value)" } == ["a=1", "b=1", "a=2", "c=1", "a=3", "b=2"])
        let store = try #require(driver.stateStore(named: "counts", as: KeyValueStore<String, Int64>.self))
        #expect(try store.get("a") == 3)
        #expect(try store.get("z") == nil)
        #expect(try store.all().map { "\($0.key)=\($0.value)" } == ["a=3", "b=2", "c=1"])
        #expect(try store.range(from: "b", to: "c").map(\.key) == ["b", "c"])
        #expect(try store.range(from: "b", reverse: true).map(\.key) == ["c", "b"])
        #expect(store.approximateNumEntries == 3)
        #expect(try store.delete("c") == 1)
        #expect(try store.putIfAbsent("a", 99) == 3)
        #expect(try store.putIfAbsent("d", 7) == nil)
        #expect(try store.get("d") == 7)
        // The description names the store on its processor.
        #expect(try countingTopology(connectLater: connectLater).describe().description.contains("Processor: count (stores: [counts])"))
    }

    @Test func everyTaskHasItsOwnStore() throws {
        let driver = try TopologyTestDriver(try countingTopology(), partitions: 2)
        let input = driver.createInputTopic("words", key: .string, value: .string)
        for word in ["a", "b", "c", "d", "e", "f", "a", "b"] { try input.pipeInput(key: word, value: word) }
        let first = try #require(driver.stateStore(named: "counts", as: KeyValueStore<String, Int64>.self, partition: 0))
        let second = try #require(driver.stateStore(named: "counts", as: KeyValueStore<String, Int64>.self, partition: 1))
        #expect(first !== second)
        let keys0 = Set(try first.all().map(\.key))
        let keys1 = Set(try second.all().map(\.key))
        #expect(keys0.isDisjoint(with: keys1))
        #expect(keys0.union(keys1) == ["a", "b", "c", "d", "e", "f"])
        // Each key lives with the partition Kafka's partitioner gives it.
        for key in keys0 { #expect(Murmur2.partition(forKey: Array(key.utf8), partitionCount: 2) == 0) }
    }

    @Test func storesCloseWithTheirTask() throws {
        let driver = try TopologyTestDriver(try countingTopology())
        try driver.createInputTopic("words", key: .string, value: .string).pipeInput(key: "a", value: "a")
        let store = try #require(driver.stateStore(named: "counts", as: KeyValueStore<String, Int64>.self))
        try driver.close()
        #expect(throws: StreamsError.self) { try store.get("a") }
    }

    @Test func aProcessorNotConnectedToAStoreCannotReachIt() throws {
        var builder = TopologyBuilder()
        builder.addSource("src", topics: ["words"], key: Serde<String>.string, value: Serde<String>.string)
        builder.addStateStore(
            Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("counts"), key: .string, value: .int64),
            processors: ["other"])
        builder.addProcessor("count", parents: ["src"]) { Counter() }
        builder.addProcessor("other", parents: ["src"]) { Counter(store: "counts") }
        builder.addSink("out", topic: "counts", key: .string, value: .int64, parents: ["count", "other"])
        let error = #expect(throws: StreamsError.self) { try TopologyTestDriver(try builder.build()) }
        #expect(error?.message.contains("processor count is not connected to a state store named counts") == true)
    }

    @Test func aStoreOfAnotherTypeIsAClearError() throws {
        var builder = TopologyBuilder()
        builder.addSource("src", topics: ["words"], key: Serde<String>.string, value: Serde<String>.string)
        builder.addStateStore(
            Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("counts"), key: .string, value: .string),
            processors: ["count"])
        builder.addProcessor("count", parents: ["src"]) { Counter() }
        builder.addSink("out", topic: "counts", key: .string, value: .int64, parents: ["count"])
        let error = #expect(throws: StreamsError.self) { try TopologyTestDriver(try builder.build()) }
        #expect(error?.message.contains("state store counts is a KeyValueStore<String, String>") == true)
    }

    @Test func badStoreWiringFailsTheBuildNamingTheNode() throws {
        func builder() -> TopologyBuilder {
            var builder = TopologyBuilder()
            builder.addSource("src", topics: ["words"], key: Serde<String>.string, value: Serde<String>.string)
            builder.addProcessor("count", parents: ["src"], stores: []) { Counter() }
            builder.addSink("out", topic: "counts", key: .string, value: .int64, parents: ["count"])
            return builder
        }
        let store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("counts"), key: .string, value: .int64)
        var twice = builder()
        twice.addStateStore(store, processors: ["count"])
        twice.addStateStore(store)
        #expect(throws: StreamsError.self) { try twice.build() }
        var unknownProcessor = builder()
        unknownProcessor.addStateStore(store, processors: ["nope"])
        let unknown = #expect(throws: StreamsError.self) { try unknownProcessor.build() }
        #expect(unknown?.message.contains("unknown processor nope") == true)
        var toASink = builder()
        toASink.addStateStore(store, processors: ["out"])
        let sink = #expect(throws: StreamsError.self) { try toASink.build() }
        #expect(sink?.message.contains("out, which is not a processor") == true)
        var missing = TopologyBuilder()
        missing.addSource("src", topics: ["words"], key: Serde<String>.string, value: Serde<String>.string)
        missing.addProcessor("count", parents: ["src"], stores: ["counts"]) { Counter() }
        missing.addSink("out", topic: "counts", key: .string, value: .int64, parents: ["count"])
        let notAdded = #expect(throws: StreamsError.self) { try missing.build() }
        #expect(notAdded?.message.contains("uses state store counts, which was not added") == true)
    }

    @Test func processorsSharingAStoreAreOneSubtopology() throws {
        var builder = TopologyBuilder()
        builder.addSource("left", topics: ["l"], key: Serde<String>.string, value: Serde<String>.string)
        builder.addSource("right", topics: ["r"], key: Serde<String>.string, value: Serde<String>.string)
        builder.addStateStore(
            Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("counts"), key: .string, value: .int64),
            processors: ["count-left", "count-right"])
        builder.addProcessor("count-left", parents: ["left"]) { Counter() }
        builder.addProcessor("count-right", parents: ["right"]) { Counter() }
        builder.addSink("out", topic: "counts", key: .string, value: .int64, parents: ["count-left", "count-right"])
        let shared = try builder.build()
        #expect(shared.subtopologyCount == 1)
        let driver = try TopologyTestDriver(shared)
        try driver.createInputTopic("l", key: .string, value: .string).pipeInput(key: "a", value: "x")
        try driver.createInputTopic("r", key: .string, value: .string).pipeInput(key: "a", value: "y")
        #expect(try driver.stateStore(named: "counts", as: KeyValueStore<String, Int64>.self)?.get("a") == 2)
    }
}

@Suite("Changelogs and restoration, in memory")
struct ChangelogTests {
    func topology(logging: Bool = true) throws -> Topology {
        var builder = TopologyBuilder()
        builder.addSource("src", topics: ["words"], key: Serde<String>.string, value: Serde<String>.string)
        let store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("counts"), key: .string, value: .int64)
        builder.addStateStore(logging ? store : store.withLoggingDisabled(), processors: ["count"])
        builder.addProcessor("count", parents: ["src"]) { Counter() }
        builder.addSink("out", topic: "counts", key: .string, value: .int64, parents: ["count"])
        return try builder.build()
    }

    func cluster() throws -> InMemoryCluster {
        let cluster = InMemoryCluster()
        try cluster.createTopic("words", partitions: 2)
        try cluster.createTopic("counts", partitions: 2)
        return cluster
    }

    func send(_ words: [String], to cluster: InMemoryCluster) throws {
        for word in words {
            try cluster.send(Record(key: word, value: word, timestamp: 0), to: "words", key: .string, value: .string)
        }
    }

    /// Runs one instance over what is in `words` now and closes it; returns the last count
    /// output per key.
    func runOnce(
        _ cluster: InMemoryCluster, logging: Bool = true, listener: StateRestoreListener? = nil,
        metrics: TestMetrics? = nil, beforeClose: ((InMemoryStreams) throws -> Void)? = nil
    ) throws -> [String: Int64] {
        var config = StreamsConfig(applicationId: "app")
        config.restoreListener = listener
        config.metricsFactory = metrics
        let streams = try InMemoryStreams(topology: try topology(logging: logging), cluster: cluster, config: config)
        try streams.start()
        try streams.runUntilIdle()
        try beforeClose?(streams)
        try streams.close()
        var last: [String: Int64] = [:]
        for record in try cluster.read(topic: "counts", key: Serde<String>.string, value: Serde<Int64>.int64) {
            last[record.key] = record.value
        }
        return last
    }

    @Test func aRestartedApplicationRebuildsItsStoresFromTheChangelog() throws {
        let cluster = try cluster()
        try send(["a", "b", "a"], to: cluster)
        #expect(try runOnce(cluster) == ["a": 2, "b": 1])
        // The changelog is an internal topic, prefixed with the application id, one record per write.
        #expect(cluster.hasTopic("app-counts-changelog"))
        #expect(try cluster.recordCount(of: "app-counts-changelog") == 3)
        try send(["a", "c", "b"], to: cluster)
        let reports = Locked<[String]>([])
        let metrics = TestMetrics()
        let listener = StateRestoreListener(
            onRestoreStart: { progress in reports.withLock { $0.append("start \(progress.task) \(progress.store) \(progress.total)") } },
            onRestoreEnd: { progress in reports.withLock { $0.append("end \(progress.task) \(progress.restored)/\(progress.total)") } })
        let counts = try runOnce(cluster, listener: listener, metrics: metrics) { streams in
            try streams.commit()
            #expect(metrics.counterTotal(label: StreamsMetricNames.Task.restoreTotal) == 3)
        }
        #expect(counts == ["a": 3, "b": 2, "c": 1])
        // Each task read its changelog partition whole: the three writes of the first run.
        let seen = reports.value
        let totals = seen.filter { $0.hasPrefix("start") }.compactMap { Int($0.split(separator: " ").last!) }
        #expect(totals.reduce(0, +) == 3)
        #expect(seen.filter { $0.hasPrefix("end") }.allSatisfy { line in
            let parts = line.split(separator: " ").last!.split(separator: "/")
            return parts[0] == parts[1]
        })
    }

    @Test func withoutLoggingAStoreStartsEmptyAfterARestart() throws {
        let cluster = try cluster()
        try send(["a", "a"], to: cluster)
        #expect(try runOnce(cluster, logging: false) == ["a": 2])
        #expect(!cluster.hasTopic("app-counts-changelog"))
        try send(["a"], to: cluster)
        #expect(try runOnce(cluster, logging: false)["a"] == 1)
    }

    @Test func deletesAreTombstonesThatRestoreAsDeletes() throws {
        var builder = TopologyBuilder()
        builder.addSource("src", topics: ["words"], key: Serde<String>.string, value: Serde<String>.string)
        builder.addStateStore(
            Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("counts"), key: .string, value: .int64),
            processors: ["count"])
        // A value "reset" deletes the key's count.
        builder.addProcessor("count", parents: ["src"]) { Resetter() }
        builder.addSink("out", topic: "counts", key: .string, value: .int64, parents: ["count"])
        let topology = try builder.build()
        let cluster = try cluster()
        for (key, value) in [("a", "x"), ("a", "x"), ("a", "reset"), ("b", "x")] {
            try cluster.send(Record(key: key, value: value, timestamp: 0), to: "words", key: .string, value: .string)
        }
        let first = try InMemoryStreams(topology: topology, cluster: cluster, config: StreamsConfig(applicationId: "app"))
        try first.start()
        try first.runUntilIdle()
        try first.close()
        let tombstones = try (Int32(0)..<2).flatMap { try cluster.read(topic: "app-counts-changelog", partition: $0) }
            .filter { $0.value == nil }
        #expect(tombstones.map { $0.key.map { String(decoding: $0, as: UTF8.self) } } == ["a"])
        let second = try InMemoryStreams(topology: topology, cluster: cluster, config: StreamsConfig(applicationId: "app"))
        try second.start()
        let partitionOfA = Murmur2.partition(forKey: Array("a".utf8), partitionCount: 2)
        let store = try #require(second.stateStore(named: "counts", partition: partitionOfA) as? KeyValueStore<String, Int64>)
        #expect(try store.get("a") == nil)
        let partitionOfB = Murmur2.partition(forKey: Array("b".utf8), partitionCount: 2)
        let storeB = try #require(second.stateStore(named: "counts", partition: partitionOfB) as? KeyValueStore<String, Int64>)
        #expect(try storeB.get("b") == 1)
        try second.close()
    }
}

/// A store that says it is persistent (so restoration batches its writes) and counts what
/// restoration writes into it.
private final class BatchCountingStore: KeyValueBytesStore, @unchecked Sendable {
    let name: String
    var persistent: Bool { true }
    private var entries: [[UInt8]: [UInt8]] = [:]
    private let writes: Locked<Int>

    init(name: String, writes: Locked<Int>) {
        self.name = name
        self.writes = writes
    }

    func get(_ key: [UInt8]) throws -> [UInt8]? { entries[key] }
    func put(_ key: [UInt8], _ value: [UInt8]?) throws { entries[key] = value }
    func putAll(_ batch: [(key: [UInt8], value: [UInt8]?)]) throws {
        writes.withLock { $0 += batch.count }
        for entry in batch { entries[entry.key] = entry.value }
    }
    func delete(_ key: [UInt8]) throws -> [UInt8]? { entries.removeValue(forKey: key) }
    func range(from: [UInt8]?, to: [UInt8]?, reverse: Bool) throws -> [KeyValueBytes] {
        let all = entries.map { KeyValueBytes(key: $0.key, value: $0.value) }.sorted { compareKeyBytes($0.key, $1.key) < 0 }
            .filter { entry in
                (from.map { compareKeyBytes(entry.key, $0) >= 0 } ?? true) && (to.map { compareKeyBytes(entry.key, $0) <= 0 } ?? true)
            }
        return reverse ? all.reversed() : all
    }
    var approximateNumEntries: Int { entries.count }
    func flush() throws {}
    func close() {}
}

extension ChangelogTests {
    @Test(arguments: [false, true])
    func aChangelogLongerThanARestoreBatchRestoresEachKeysLastWrite(persistent: Bool) throws {
        let batchedWrites = Locked(0)
        var builder = TopologyBuilder()
        builder.addSource("src", topics: ["words"], key: Serde<String>.string, value: Serde<String>.string)
        let supplier = persistent
            ? KeyValueBytesStoreSupplier(name: "counts", persistent: true) { _ in BatchCountingStore(name: "counts", writes: batchedWrites) }
            : Stores.inMemoryKeyValueStore("counts")
        builder.addStateStore(Stores.keyValueStoreBuilder(supplier, key: .string, value: .int64), processors: ["count"])
        builder.addProcessor("count", parents: ["src"]) { Resetter() }
        builder.addSink("out", topic: "counts", key: .string, value: .int64, parents: ["count"])
        let topology = try builder.build()
        let cluster = try cluster()
        // 30,000 writes to 12 keys, one in seven a delete: restoration reads them in batches,
        // and whatever a batch holds for a key, only its last write may count.
        var expected: [String: Int64] = [:]
        var state: UInt64 = 7
        for _ in 0..<30_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let key = "k\((state >> 33) % 12)"
            let reset = (state >> 20) % 7 == 0
            expected[key] = reset ? nil : (expected[key] ?? 0) + 1
            try cluster.send(Record(key: key, value: reset ? "reset" : "x", timestamp: 0), to: "words", key: .string, value: .string)
        }
        let first = try InMemoryStreams(topology: topology, cluster: cluster, config: StreamsConfig(applicationId: "app"))
        try first.start()
        try first.runUntilIdle()
        try first.close()
        let changelog = try (Int32(0)..<2).reduce(0) { $0 + (try cluster.read(topic: "app-counts-changelog", partition: $1).count) }
        #expect(changelog > 2 * 8192)

        let restored = Locked(0)
        var config = StreamsConfig(applicationId: "app")
        config.restoreListener = StateRestoreListener(onRestoreEnd: { progress in restored.withLock { $0 += progress.restored } })
        batchedWrites.withLock { $0 = 0 }
        let second = try InMemoryStreams(topology: topology, cluster: cluster, config: config)
        try second.start()
        #expect(restored.value == changelog)
        if persistent {
            // In batches, each key's last write only: a few dozen writes for the whole changelog.
            #expect(batchedWrites.value > 0 && batchedWrites.value <= 12 * (changelog / 8192 + 2), "\(batchedWrites.value)")
        }
        for index in 0..<12 {
            let key = "k\(index)"
            let partition = Murmur2.partition(forKey: Array(key.utf8), partitionCount: 2)
            let store = try #require(second.stateStore(named: "counts", partition: partition) as? KeyValueStore<String, Int64>)
            #expect(try store.get(key) == expected[key], "\(key)")
        }
        try second.close()
    }
}

/// Counts per key like `Counter`, but a value "reset" deletes the key's count.
private final class Resetter: Processor {
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
        if record.value == "reset" {
            try counts.delete(record.key)
            return
        }
        let count = (try counts.get(record.key) ?? 0) + 1
        try counts.put(record.key, count)
        try context.forward(record.withValue(count))
    }
}
