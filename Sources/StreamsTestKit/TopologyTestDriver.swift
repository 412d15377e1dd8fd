import Streams
import Synchronization

/// Runs a topology synchronously in a test, one record at a time, on a virtual clock.
///
/// The driver runs the production task code over an in-memory cluster: each record piped
/// into a ``TestInputTopic`` is processed before `pipeInput` returns, and its outputs can be
/// read at once from a ``TestOutputTopic``. Wall-clock time stands still until
/// ``advanceWallClockTime(by:)`` moves it.
///
/// ```swift
/// let driver = try TopologyTestDriver(topology)
/// let input = driver.createInputTopic("words", key: .string, value: .string)
/// let output = driver.createOutputTopic("shouts", key: .string, value: .string)
/// try input.pipeInput(key: "a", value: "hello")
/// #expect(try output.readValue() == "HELLO")
/// try driver.assertNoUnreadOutput()
/// ```
public final class TopologyTestDriver {
    /// The in-memory cluster the driver runs on; its topics can be inspected directly.
    public let cluster: InMemoryCluster
    let streams: InMemoryStreams
    private let clock: VirtualClock
    private var readers: [TopicName: OutputPosition] = [:]

    /// Creates a driver and starts the topology.
    /// - Parameters:
    ///   - topology: The topology under test.
    ///   - config: Settings; the application id defaults to `test-driver`.
    ///   - partitions: Partitions of every topic the driver creates (1 by default, as Kafka's
    ///     driver); more partitions run more tasks.
    ///   - initialWallClockTime: The virtual wall clock's start, in ms since the epoch.
    /// - Throws: ``StreamsError`` if the topology cannot start.
    public init(
        _ topology: Topology, config: StreamsConfig = StreamsConfig(applicationId: "test-driver"),
        partitions: Int32 = 1, initialWallClockTime: Int64 = 0
    ) throws {
        let cluster = InMemoryCluster()
        let internalTopics = Set(topology.internalTopics)
        for topic in Set(topology.sourceTopics + topology.sinkTopics) where !internalTopics.contains(topic) {
            try cluster.createTopic(topic, partitions: partitions)
        }
        let clock = VirtualClock(initialWallClockTime)
        self.cluster = cluster
        self.clock = clock
        // The driver commits after every piped record, so offsets are always up to date.
        streams = try InMemoryStreams(topology: topology, cluster: cluster, config: config) { clock.now }
        try streams.start()
    }

    /// A state store of the topology, as its concrete type: Kafka Streams' `getStateStore`.
    ///
    /// ```swift
    /// let counts = try #require(driver.stateStore(named: "counts", as: KeyValueStore<String, Int64>.self))
    /// #expect(try counts.get("alice") == 2)
    /// ```
    /// - Parameters:
    ///   - name: The store's name.
    ///   - type: The store's type.
    ///   - partition: The partition of the task that owns it (0 with the driver's default one
    ///     partition).
    /// - Returns: The store, or `nil` if there is none of that name and type.
    public func stateStore<Store: StateStore>(
        named name: String, as type: Store.Type = Store.self, partition: Int32 = 0
    ) -> Store? {
        streams.stateStore(named: name, partition: partition) as? Store
    }

    /// The virtual wall-clock time in milliseconds since the epoch.
    public var wallClockTime: Int64 { clock.now }

    /// Moves the virtual wall clock forward and runs the wall-clock punctuations now due.
    /// - Parameter duration: How far; must not be negative.
    /// - Throws: A punctuator's error.
    public func advanceWallClockTime(by duration: Duration) throws {
        precondition(duration >= .zero, "time only moves forward")
        let (seconds, attoseconds) = duration.components
        clock.advance(by: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        try streams.punctuateNow()
    }

    /// A typed handle for piping records into a topic.
    /// - Parameters:
    ///   - topic: The topic; created with the driver's partition count if missing.
    ///   - key: Serializes keys.
    ///   - value: Serializes values.
    ///   - startTimestamp: The timestamp of records piped without one.
    ///   - autoAdvance: How much that timestamp grows after each such record.
    public func createInputTopic<Key, Value>(
        _ topic: TopicName, key: Serde<Key>, value: Serde<Value>, startTimestamp: Int64 = 0,
        autoAdvance: Duration = .zero
    ) -> TestInputTopic<Key, Value> {
        ensureTopic(topic)
        return TestInputTopic(
            driver: self, topic: topic, key: key, value: value, startTimestamp: startTimestamp,
            autoAdvance: autoAdvance)
    }

    /// A typed handle for reading the records written to a topic.
    /// - Parameters:
    ///   - topic: The topic; created with the driver's partition count if missing.
    ///   - key: Deserializes keys.
    ///   - value: Deserializes values.
    public func createOutputTopic<Key, Value>(
        _ topic: TopicName, key: Serde<Key>, value: Serde<Value>
    ) -> TestOutputTopic<Key, Value> {
        ensureTopic(topic)
        return TestOutputTopic(driver: self, topic: topic, key: key, value: value)
    }

    /// Topics (other than input topics) that hold records no output topic has read yet, with
    /// their counts.
    public var unreadOutput: [TopicName: Int64] {
        let inputs = Set(streams.topology.sourceTopics)
        var unread: [TopicName: Int64] = [:]
        for (topic, partitions) in cluster.topics where !inputs.contains(topic) {
            var count: Int64 = 0
            for partition in 0..<partitions {
                let end = (try? cluster.endOffset(of: topic, partition: partition)) ?? 0
                count += end - position(topic: topic, partition: partition)
            }
            if count > 0 { unread[topic] = count }
        }
        return unread
    }

    /// Throws if any output topic holds records that were not read.
    /// - Throws: ``StreamsError`` (``StreamsError/Code/illegalState``) naming each topic and
    ///   its count of unread records.
    public func assertNoUnreadOutput() throws {
        let unread = unreadOutput
        guard unread.isEmpty else {
            let list = unread.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
            throw StreamsError(.illegalState, "unread output records: " + list.joined(separator: ", "))
        }
    }

    /// Closes the processors, as an application's shutdown does.
    /// - Throws: The final commit's error.
    public func close() throws { try streams.close() }

    // MARK: used by the test topics

    func ensureTopic(_ topic: TopicName) {
        if !cluster.hasTopic(topic) {
            let partitions = cluster.topics.values.max() ?? 1
            try? cluster.createTopic(topic, partitions: partitions)
        }
    }

    func pipe(
        topic: TopicName, key: [UInt8]?, value: [UInt8]?, timestamp: Int64, headers: Headers
    ) throws {
        try cluster.send(topic: topic, key: key, value: value, timestamp: timestamp, headers: headers)
        try streams.runUntilIdle()
        try streams.commit()
    }

    func position(topic: TopicName, partition: Int32) -> Int64 {
        readers[topic]?.offsets[partition] ?? 0
    }

    /// The next unread record of a topic, partition by partition; nil when all are read.
    func nextRecord(of topic: TopicName) throws -> StoredRecord? {
        let partitions = try cluster.partitionCount(of: topic)
        for partition in 0..<partitions {
            let offset = position(topic: topic, partition: partition)
            if let record = try cluster.read(topic: topic, partition: partition, from: offset, limit: 1).first {
                readers[topic, default: OutputPosition()].offsets[partition] = record.metadata.offset + 1
                return record
            }
        }
        return nil
    }
}

@available(*, unavailable, message: "a test driver runs on the test's thread")
extension TopologyTestDriver: Sendable {}

private struct OutputPosition {
    var offsets: [Int32: Int64] = [:]
}

/// The driver's wall clock: moves only when the test says so.
final class VirtualClock: Sendable {
    private let millis: Atomic<Int64>
    init(_ start: Int64) { millis = Atomic(start) }
    var now: Int64 { millis.load(ordering: .relaxed) }
    func advance(by delta: Int64) { millis.add(delta, ordering: .relaxed) }
}
