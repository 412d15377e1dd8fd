import Dispatch
import Foundation
import Logging
import Streams
import StreamsKafka

/// Runs ZMart on Kafka, as the `zmart` command does by default: on the embedded cluster (or
/// an existing one), input produced into `transactions`, one or more application instances,
/// and the outputs read back from their topics.
public struct ZMartKafkaRun: Sendable {
    /// Kafka-specific options.
    public struct KafkaOptions: Sendable {
        /// Brokers of an existing cluster; `nil` starts the embedded cluster.
        public var bootstrapServers: String?
        /// Brokers of the embedded cluster.
        public var brokers = 3
        /// Application instances sharing the partitions.
        public var instances = 1
        /// How often each instance commits; `nil` for the runtime's default for the guarantee
        /// (Kafka Streams': 30 s at-least-once, 100 ms exactly-once). The run asks for a commit
        /// once every input record has been processed.
        public var commitInterval: Duration?
        /// The processing guarantee. Under exactly-once the input is also written in
        /// transactions, and every reader of the run (the wait for commits, the read-back of
        /// the outputs) reads committed data only.
        public var guarantee: ProcessingGuarantee = .atLeastOnce
        /// The instances' process id (``StreamsKafka/KafkaConfig/processId``): give a
        /// restarted instance the same one so that it fences what its predecessor left open.
        /// With several instances, instance `n` (from 1) gets `<processId>-<n>`.
        public var processId: String?
        /// Only create the topics and write the input, then return (the application does
        /// not run): for a later ``resume`` run, or several.
        public var produceOnly = false
        /// Do not write input: join the application on the cluster, process what its input
        /// topic holds until all of it is committed, and report every record in the output
        /// topics (not only those of this run). With ``produceOnly``, how a run that was
        /// killed is finished.
        public var resume = false
        /// The consumers' `session.timeout.ms` on an existing cluster (the embedded one uses
        /// 6 s): how long a member that died without leaving holds its partitions.
        public var sessionTimeout: Duration?
        /// Also run, on the same broker, the bare librdkafka pass-through and the same
        /// pass-through as a topology on this runtime (for `--bench`).
        public var passthrough = false
        /// With ``passthrough``: how many times ZMart runs over the same input, each run
        /// between two runs of the pass-through, so both rates are medians of runs made turn
        /// about (the machine and the in-process cluster are noisy; one run of each is not a
        /// fair comparison).
        public var benchRounds = 3
        /// How long the run may take before it fails.
        public var timeout: Duration = .seconds(900)
        /// Called once the cluster is up, with its bootstrap address.
        public var onClusterReady: (@Sendable (String) -> Void)?
        /// Polled while the run waits; once it answers `true` (a SIGINT, say) the run stops
        /// feeding and waiting, closes the instances gracefully (they commit what they have
        /// processed) and reports what got through, with ``ZMartRun/Summary/interrupted`` set.
        public var stopRequested: (@Sendable () -> Bool)?
        /// Once every input record is processed and committed, keep the instances running
        /// (idle members of the group, as a long-running application is) until
        /// ``stopRequested`` answers `true`; ``onProcessed`` is called when the wait begins.
        public var holdAfterProcessing = false
        /// Called when every input record is processed and committed.
        public var onProcessed: (@Sendable () -> Void)?

        /// Creates options: the embedded cluster with 3 brokers, one instance.
        public init() {}
    }

    /// What the pass-through (or the bytes-only application) did.
    public struct Passthrough: Codable, Sendable {
        /// Records consumed and produced three times each.
        public var records = 0
        /// Seconds from the first record consumed to the last output acknowledged.
        public var seconds = 0.0
        /// Records per second.
        public var recordsPerSecond = 0.0
        /// Input records the cluster had deleted before the pass-through read them.
        public var lostRecords: Int64 = 0
        /// The rates of every run, in the order they ran, when there were several
        /// (``recordsPerSecond`` is then their median). The pass-through runs before ZMart's
        /// first run, between its runs and after its last: the embedded cluster lives in this
        /// process, so whoever runs first reuses memory the input's producer freed while later
        /// runs pay the kernel for fresh pages, and the machine's load varies.
        public var runs: [Double]?

        /// The median run of several, with every run's rate in ``runs``.
        static func median(of all: [Passthrough]) -> Passthrough {
            let sorted = all.sorted { $0.recordsPerSecond < $1.recordsPerSecond }
            var middle = sorted[sorted.count / 2]
            if sorted.count % 2 == 0 {
                let low = sorted[sorted.count / 2 - 1]
                middle.recordsPerSecond = (low.recordsPerSecond + middle.recordsPerSecond) / 2
                middle.seconds = (low.seconds + middle.seconds) / 2
            }
            middle.runs = all.map(\.recordsPerSecond)
            middle.lostRecords = all.map(\.lostRecords).max() ?? 0
            return middle
        }

        /// The rate of instances that processed `records` from their first record to their
        /// last commit.
        static func rate(of instances: [KafkaStreams], records: Int) -> Passthrough {
            var result = Passthrough()
            result.records = instances.reduce(0) { $0 + $1.processedRecords }
            result.lostRecords = Int64(instances.reduce(0) { $0 + $1.lostRecords })
            let first = instances.compactMap(\.firstRecordTime).min()
            let last = instances.compactMap(\.lastCommitTime).max()
            if let first, let last, last.uptimeNanoseconds > first.uptimeNanoseconds {
                result.seconds = Double(last.uptimeNanoseconds - first.uptimeNanoseconds) / 1e9
                result.recordsPerSecond = Double(records) / result.seconds
            }
            return result
        }
    }

    /// The dead-letter topic: records of `transactions` that are not a purchase, card numbers
    /// masked.
    public static let deadLetterTopic: TopicName = "transactions-dlq"

    let options: ZMartRun.Options
    let kafka: KafkaOptions
    /// The topology.
    public let topology: Topology

    /// Prepares a run.
    /// - Throws: ``Streams/StreamsError`` for invalid options.
    public init(options: ZMartRun.Options, kafka: KafkaOptions) throws {
        _ = try ZMartRun(options: options)
        guard kafka.instances >= 1 else {
            throw StreamsError(.invalidConfiguration, "instances must be at least 1, not \(kafka.instances)")
        }
        guard kafka.brokers >= 1 else {
            throw StreamsError(.invalidConfiguration, "brokers must be at least 1, not \(kafka.brokers)")
        }
        if kafka.bootstrapServers == nil && kafka.guarantee == .exactlyOnce && options.stateful {
            // The mock stores no transactional offsets, and a stateful run is done only when
            // its repartition topics are committed too.
            throw StreamsError(
                .invalidConfiguration,
                "stateful exactly-once needs a cluster that implements transactions (bootstrapServers): the embedded cluster stores no transactional offsets, so the run could not tell when it is done")
        }
        self.options = options
        self.kafka = kafka
        topology = try Self.topology(options, instance: 0)
    }

    /// The topology of one instance: with RocksDB stores, each instance keeps them in a folder
    /// of its own (instances in one process must not open one task's database twice while a
    /// rebalance moves it).
    static func topology(_ options: ZMartRun.Options, instance: Int) throws -> Topology {
        guard options.stateful else { return try ZMartTopology.make() }
        var options = options
        options.stateDirectory = options.stateDirectory?.appendingPathComponent("instance-\(instance)", isDirectory: true)
        return try ZMartTopology.makeStateful(stores: options.storeSupplier())
    }

    /// The partitions each topic gets: enough that no partition outgrows the embedded cluster's
    /// retention (~5 MiB each), and at least ``ZMartRun/Options/partitions``. 2 MiB are
    /// planned per partition: keys do not spread evenly and the cluster counts its own
    /// overhead.
    static func partitions(for options: ZMartRun.Options, embedded: Bool) -> Int32 {
        guard embedded else { return options.partitions }
        let needed = (ZMartInput.estimatedBytes(options) + (2 << 20) - 1) / (2 << 20)
        return max(options.partitions, Int32(clamping: needed))
    }

    /// Runs to the end of the input.
    /// - Returns: The application's summary, and the pass-through's if asked for.
    /// - Throws: ``Streams/StreamsError`` from the cluster, the clients or the application, or a
    ///   timeout naming how far it got.
    /// - Returns: The application's summary; with ``KafkaOptions/passthrough``, the bare
    ///   librdkafka pass-through's figures, those of the same pass-through written as a
    ///   topology (bytes in, bytes out, no JSON) and run by ``StreamsKafka/KafkaStreams``, and
    ///   the median of ZMart's ``KafkaOptions/benchRounds`` runs.
    public func run() throws -> (
        summary: ZMartRun.Summary, passthrough: Passthrough?, runtimeOnly: Passthrough?, application: Passthrough?
    ) {
        let logger = options.logger
        let deadline = ContinuousClock.now + kafka.timeout
        let cluster = kafka.bootstrapServers == nil ? try EmbeddedKafkaCluster(brokers: kafka.brokers, logger: logger) : nil
        defer { cluster?.close() }
        let bootstrap = cluster?.bootstrapServers ?? kafka.bootstrapServers!
        kafka.onClusterReady?(bootstrap)
        let partitions = Self.partitions(for: options, embedded: cluster != nil)

        let admin = try KafkaAdminClient(properties: ["bootstrap.servers": bootstrap], logger: logger)
        let brokerCount: Int
        do {
            brokerCount = try admin.brokers(timeout: .seconds(30)).count
        } catch {
            throw StreamsError(
                .timeout, "cannot reach the Kafka cluster at \(bootstrap) within 30 s", underlying: error)
        }
        let replication = Int16(min(3, brokerCount))
        let topics = [ZMartTopology.transactions, Self.deadLetterTopic] + options.outputTopics
        try admin.createTopics(
            topics.map { NewTopic(name: $0.rawValue, partitions: partitions, replicationFactor: replication) },
            timeout: .seconds(30))
        try admin.waitForTopics(topics.map(\.rawValue), timeout: .seconds(30))

        var summary = ZMartRun.Summary()
        summary.engine = "swift-kafka"
        summary.partitions = partitions
        summary.threads = options.threads
        // Watches the application's group; also tells where this run's input starts.
        let probe = try KafkaConsumer(
            groupId: "zmart", properties: ["bootstrap.servers": bootstrap], logger: logger, onRebalance: { _ in })
        defer { try? probe.close() }
        let inputPartitions = (0..<partitions).map { TopicPartition(topic: ZMartTopology.transactions, partition: $0) }
        let baseOffsets = try inputPartitions.map {
            try probe.watermarks(topic: $0.topic, partition: $0.partition, timeout: .seconds(30)).high
        }
        // Where the outputs start: on an existing cluster, earlier runs' records are not ours.
        var outputStarts: [TopicPartition: Int64] = [:]
        for topic in options.outputTopics + [Self.deadLetterTopic] {
            for partition in 0..<partitions {
                outputStarts[TopicPartition(topic: topic, partition: partition)] = try probe.watermarks(
                    topic: topic, partition: partition, timeout: .seconds(30)
                ).high
            }
        }
        // The application: `instances` members of one group.
        var config = StreamsConfig(applicationId: "zmart")
        config.logger = logger
        config.numStreamThreads = options.threads
        if let interval = kafka.commitInterval { config.commitInterval = interval }
        config.metricsFactory = options.metricsFactory
        config.deserializationErrorHandler = .deadLetterQueue(Self.deadLetterTopic, redact: ZMartRedaction.maskCardNumbers)
        var kafkaConfig = KafkaConfig(bootstrapServers: bootstrap)
        kafkaConfig.processingGuarantee = kafka.guarantee
        kafkaConfig.consumerProperties["fetch.wait.max.ms"] = "50"
        if let timeout = kafka.sessionTimeout {
            kafkaConfig.consumerProperties["session.timeout.ms"] = String(timeout.milliseconds)
            kafkaConfig.consumerProperties["heartbeat.interval.ms"] = String(max(100, timeout.milliseconds / 10))
        }
        if cluster != nil {
            // The embedded cluster lives in this process: members that stop are noticed and
            // rebalances finish in seconds, not librdkafka's default 45 s session.
            kafkaConfig.consumerProperties["session.timeout.ms"] = "6000"
            kafkaConfig.consumerProperties["heartbeat.interval.ms"] = "500"
        }
        var instances: [KafkaStreams] = []
        defer { for instance in instances { instance.close(timeout: .seconds(30)) } }
        func startInstances() throws {
            for index in 0..<kafka.instances {
                var kafkaConfig = kafkaConfig
                kafkaConfig.processId = kafka.processId.map { kafka.instances == 1 ? $0 : "\($0)-\(index + 1)" }
                let instance = try KafkaStreams(
                    topology: try Self.topology(options, instance: index), config: config, kafka: kafkaConfig)
                try instance.start()
                instances.append(instance)
            }
        }
        var lineOfOffset: [[Int32]] = []
        var passthrough: Passthrough?
        var passthroughRuns: [Passthrough] = []
        var runtimeOnly: Passthrough?
        var application: Passthrough?
        func waitForMembers() throws {
            let sharing = min(kafka.instances, Int(partitions))
            while instances.filter({ $0.state == .running && !$0.assignedPartitions.isEmpty }).count < sharing {
                if kafka.stopRequested?() == true { throw Interrupted() }
                try Self.throwIfAnyFailed(instances)
                guard ContinuousClock.now < deadline else {
                    throw StreamsError(.timeout, "the \(kafka.instances) instances did not all join within \(kafka.timeout)")
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        if kafka.resume {
            // Every record already in the input is this run's, and so is every output.
            for key in outputStarts.keys { outputStarts[key] = 0 }
        }
        do {
            if kafka.produceOnly {
                lineOfOffset = try produceInput(bootstrap: bootstrap, partitions: partitions, summary: &summary)
                summary.peakRSSBytes = peakResidentSetBytes()
                return (summary, nil, nil, nil)
            } else if kafka.resume {
                try startInstances()
                options.onStatus?(InstancesStatus(instances))
            } else if kafka.instances == 1 || kafka.passthrough {
                // Input first: the application's rate is then measured on its own. The
                // pass-through reads the same input on the same broker before the application
                // starts, so neither runs while the other does.
                lineOfOffset = try produceInput(bootstrap: bootstrap, partitions: partitions, summary: &summary)
                if summary.interrupted == true { throw Interrupted() }
                if kafka.passthrough {
                    passthroughRuns.append(
                        try runPassthrough(
                            round: 1, bootstrap: bootstrap, admin: admin, partitions: partitions,
                            replication: replication, records: summary.records, deadline: deadline))
                    runtimeOnly = try runBytesApplication(
                        bootstrap: bootstrap, admin: admin, partitions: inputPartitions, replication: replication,
                        kafkaConfig: kafkaConfig, records: summary.records, deadline: deadline)
                }
                try startInstances()
                options.onStatus?(InstancesStatus(instances))
            } else {
                // Every member joins before the input arrives, so the partitions are shared
                // from the first record on.
                try startInstances()
                options.onStatus?(InstancesStatus(instances))
                try waitForMembers()
                lineOfOffset = try produceInput(bootstrap: bootstrap, partitions: partitions, summary: &summary)
                if summary.interrupted == true { throw Interrupted() }
            }
            try waitUntilCommitted(
                probe: probe, partitions: inputPartitions, instances: instances, deadline: deadline, bootstrap: bootstrap,
                records: cluster == nil ? nil : summary.records)
            try waitUntilRepartitionTopicsAreCommitted(
                probe: probe, partitions: partitions, instances: instances, deadline: deadline, bootstrap: bootstrap)
            if kafka.holdAfterProcessing {
                kafka.onProcessed?()
                while kafka.stopRequested?() != true {
                    try Self.throwIfAnyFailed(instances)
                    Thread.sleep(forTimeInterval: 0.05)
                }
            }
            if kafka.passthrough {
                // Turn about on the same broker: pass-through, ZMart, …, pass-through (see
                // Passthrough.runs). Later ZMart runs are copies of the application under
                // another id, writing to their own topics.
                for instance in instances { instance.close(timeout: .seconds(60)) }
                var applicationRuns = [Passthrough.rate(of: instances, records: summary.records)]
                for round in 2..<(max(1, kafka.benchRounds) + 1) {
                    passthroughRuns.append(
                        try runPassthrough(
                            round: round, bootstrap: bootstrap, admin: admin, partitions: partitions,
                            replication: replication, records: summary.records, deadline: deadline))
                    applicationRuns.append(
                        try runBenchApplication(
                            topology: try ZMartTopology.make(outputPrefix: "bench\(round)-"),
                            applicationId: "zmart-bench-\(round)",
                            outputs: ZMartTopology.outputTopics.map { TopicName("bench\(round)-\($0.rawValue)") },
                            bootstrap: bootstrap, admin: admin, partitions: inputPartitions, replication: replication,
                            kafkaConfig: kafkaConfig, records: summary.records, deadline: deadline))
                }
                passthroughRuns.append(
                    try runPassthrough(
                        round: passthroughRuns.count + 1, bootstrap: bootstrap, admin: admin, partitions: partitions,
                        replication: replication, records: summary.records, deadline: deadline))
                passthrough = Passthrough.median(of: passthroughRuns)
                application = Passthrough.median(of: applicationRuns)
            }
        } catch is Interrupted {
            // Asked to stop: the instances close gracefully below and commit what they did.
            summary.interrupted = true
        }
        let first = instances.compactMap(\.firstRecordTime).min()
        let last = instances.compactMap(\.lastCommitTime).max()
        for instance in instances { instance.close(timeout: .seconds(60)) }
        summary.processedPerInstance = instances.map(\.processedRecords)
        if options.stateful { summary.lateRecords = instances.reduce(0) { $0 + $1.lateRecords } }
        try Self.throwIfAnyFailed(instances)
        if options.stateful {
            summary.stores = options.stateDirectory == nil ? "memory" : "rocksdb"
            if options.measureRestoration && summary.interrupted != true {
                let (records, seconds) = try measureRestoration(config: config, kafka: kafkaConfig, deadline: deadline)
                summary.restoredRecords = records
                summary.restoreSeconds = seconds
            }
        }
        summary.lostRecords = Int64(instances.reduce(0) { $0 + $1.lostRecords })
        if let first, let last, last.uptimeNanoseconds > first.uptimeNanoseconds {
            summary.seconds = Double(last.uptimeNanoseconds - first.uptimeNanoseconds) / 1e9
            summary.recordsPerSecond = Double(summary.records) / summary.seconds
        }

        // The outputs, read back from Kafka.
        let reader = try OutputReader(
            bootstrap: bootstrap, admin: admin, topics: options.outputTopics + [Self.deadLetterTopic],
            directory: options.outputDirectory, samples: options.samplesPerTopic, logger: logger,
            watchedCustomer: options.watchedCustomer)
        try reader.readAll(from: outputStarts, deadline: deadline)
        if kafka.resume {
            // The input's offsets count transaction markers too: count its records.
            let input = try OutputReader(
                bootstrap: bootstrap, admin: admin, topics: [ZMartTopology.transactions], directory: nil, samples: 0,
                logger: logger)
            try input.readAll(from: [:], deadline: deadline)
            summary.records = Int(input.counts[ZMartTopology.transactions] ?? 0)
            if summary.seconds > 0 { summary.recordsPerSecond = Double(summary.records) / summary.seconds }
        }
        summary.watchedCustomerReward = reader.watchedReward
        for topic in options.outputTopics {
            summary.outputCounts[topic.rawValue] = reader.counts[topic] ?? 0
            summary.samples[topic.rawValue] = reader.samples[topic] ?? []
        }
        for dead in reader.deadLetters where dead.partition >= 0 && Int(dead.partition) < lineOfOffset.count {
            let lines = lineOfOffset[Int(dead.partition)]
            let index = dead.offset - baseOffsets[Int(dead.partition)]
            // Records of an earlier run on the same cluster have no line of this input.
            guard index >= 0 && index < lines.count else { continue }
            let line = Int(lines[Int(index)])
            summary.malformedLines.append(ZMartRun.MalformedLine(line: line, reason: dead.reason))
        }
        summary.malformedLines.sort { $0.line < $1.line }
        summary.malformed = summary.malformedLines.count

        summary.peakRSSBytes = peakResidentSetBytes()
        return (summary, passthrough, runtimeOnly, application)
    }

    /// Starts one more instance, with empty stores (RocksDB ones in a fresh folder), once the
    /// run's instances have left: it is given every partition and rebuilds every store from
    /// the changelogs before it runs. Returns the records it read back and the seconds spent
    /// restoring (see ``RestoreTiming``).
    private func measureRestoration(
        config: StreamsConfig, kafka: KafkaConfig, deadline: ContinuousClock.Instant
    ) throws -> (Int, Double) {
        let timing = RestoreTiming()
        var config = config
        config.restoreListener = StateRestoreListener(
            onRestoreStart: { timing.started($0) },
            onRestoreEnd: { timing.ended($0) })
        var options = self.options
        let fresh = options.stateDirectory?.appendingPathComponent("restore-\(UInt64.random(in: 0...UInt64.max))")
        options.stateDirectory = fresh
        defer { if let fresh { try? FileManager.default.removeItem(at: fresh) } }
        let instance = try KafkaStreams(topology: try Self.topology(options, instance: 0), config: config, kafka: kafka)
        defer { instance.close(timeout: .seconds(60)) }
        try instance.start()
        let sources = Set((0..<topology.subtopologyCount).flatMap {
            topology.sourceTopics(ofSubtopology: $0, applicationId: config.applicationId)
        })
        let expected = try KafkaAdminClient(properties: ["bootstrap.servers": kafka.bootstrapServers], logger: options.logger)
            .describeTopics(sources.map(\.rawValue), timeout: .seconds(30)).reduce(0) { $0 + $1.partitions.count }
        // Stores are restored in the rebalance that assigns their partitions, before it ends.
        while !(instance.state == .running && instance.assignedPartitions.count >= expected) {
            try Self.throwIfAnyFailed([instance])
            guard ContinuousClock.now < deadline else {
                throw StreamsError(.timeout, "the restoring instance did not get every partition within \(self.kafka.timeout)")
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return timing.result
    }

    /// Produces the input into `transactions`, each record to its key's murmur2 partition, and
    /// returns the input line of each offset per partition (for dead-lettered records).
    private func produceInput(
        bootstrap: String, partitions: Int32, summary: inout ZMartRun.Summary
    ) throws -> [[Int32]] {
        var properties = ["bootstrap.servers": bootstrap]
        let transactional = kafka.guarantee == .exactlyOnce
        // Under exactly-once the input is written as the application writes: in transactions,
        // so each partition ends at a settled offset for read_committed readers.
        if transactional { properties["transactional.id"] = "zmart-input-\(UUID().uuidString)" }
        let producer = try KafkaProducer(properties: properties, logger: options.logger)
        defer { try? producer.close(timeout: .seconds(30)) }
        if transactional {
            try producer.initTransactions(timeout: .seconds(60))
            try producer.beginTransaction()
        }
        var lineOfOffset = Array(repeating: [Int32](), count: Int(partitions))
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let topic = ZMartTopology.transactions.rawValue
        var records = 0
        var malformed: [ZMartRun.MalformedLine] = []
        let stop = kafka.stopRequested
        var interrupted = false
        do {
            try ZMartInput.forEach(options) { event in
                if records & 0xFFF == 0, stop?() == true { throw Interrupted() }
                switch event {
                case .record(let line, let key, let value):
                    // The explicit partition is the one Kafka's partitioner would pick; knowing it
                    // gives each record's offset (the topic is new and the producer keeps order).
                    let partition = Murmur2.partition(forKey: key, partitionCount: partitions)
                    try producer.send(
                        topic: topic, partition: partition, key: key, value: value,
                        timestamp: ZMartInput.purchaseTime(value) ?? now, headers: Headers())
                    lineOfOffset[Int(partition)].append(Int32(truncatingIfNeeded: line))
                    records += 1
                    if transactional && records % 50_000 == 0 {
                        try producer.commitTransaction(timeout: .seconds(120))
                        try producer.beginTransaction()
                    }
                case .malformed(let line):
                    malformed.append(line)
                }
            }
        } catch is Interrupted {
            interrupted = true
        }
        if transactional {
            try producer.commitTransaction(timeout: .seconds(120))
        } else {
            try producer.flush(timeout: .seconds(120))
        }
        if let failure = producer.takeDeliveryFailures().first {
            throw StreamsError(.production, "cannot write the input to \(topic)", underlying: failure.error)
        }
        summary.records = records
        summary.malformedLines = malformed
        if interrupted { summary.interrupted = true }
        return lineOfOffset
    }

    /// The run was asked to stop.
    struct Interrupted: Error {}

    /// Throws the error that stopped an instance, if one has stopped.
    private static func throwIfAnyFailed(_ instances: [KafkaStreams]) throws {
        if let failed = instances.first(where: { $0.state == .error }) {
            throw failed.failure ?? StreamsError(.processing, "an instance stopped with an error")
        }
    }

    /// Waits until the group has committed the end of every partition of the topology's
    /// internal source topics (repartition topics of stateful ZMart): once the input is
    /// committed, nothing more is written to them, so their ends stand still.
    private func waitUntilRepartitionTopicsAreCommitted(
        probe: KafkaConsumer, partitions count: Int32, instances: [KafkaStreams], deadline: ContinuousClock.Instant,
        bootstrap: String
    ) throws {
        let settle = CommitLag(bootstrap: bootstrap, exactlyOnce: kafka.guarantee == .exactlyOnce, logger: options.logger)
        let internalSources = (0..<topology.subtopologyCount)
            .flatMap { topology.sourceTopics(ofSubtopology: $0, applicationId: "zmart") }
            .filter { $0 != ZMartTopology.transactions }
        let all = internalSources.flatMap { topic in (0..<count).map { TopicPartition(topic: topic, partition: $0) } }
        guard !all.isEmpty else { return }
        while true {
            try Self.throwIfAnyFailed(instances)
            if kafka.stopRequested?() == true { throw Interrupted() }
            for instance in instances { instance.requestCommit() }
            let committed = try probe.committed(all, timeout: .seconds(30))
            var ends: [TopicPartition: Int64] = [:]
            for partition in all {
                ends[partition] = try probe.watermarks(topic: partition.topic, partition: partition.partition, timeout: .seconds(30)).high
            }
            let behind = try settle.behind(committed: committed, ends: ends)
            if behind == 0 { return }
            guard ContinuousClock.now < deadline else {
                throw StreamsError(.timeout, "ZMart did not finish within \(kafka.timeout): \(behind) repartitioned records not committed")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Waits until the group has committed the end of every partition of `transactions`.
    ///
    /// `records`: on the embedded cluster, the records the input holds. Under exactly-once
    /// the mock answers the transactional offset commits without storing them, so there the
    /// wait is for every record to be processed, and then the instances close: their last
    /// transaction commits as they do (``KafkaStreams/lastCommitTime`` is then the end of the
    /// run, as it is when the offsets are watched).
    private func waitUntilCommitted(
        probe: KafkaConsumer, partitions all: [TopicPartition], instances: [KafkaStreams],
        deadline: ContinuousClock.Instant, bootstrap: String, records: Int?
    ) throws {
        if kafka.guarantee == .exactlyOnce, let records {
            while instances.reduce(0, { $0 + $1.processedRecords }) < records {
                try Self.throwIfAnyFailed(instances)
                if kafka.stopRequested?() == true { throw Interrupted() }
                guard ContinuousClock.now < deadline else {
                    throw StreamsError(.timeout, "ZMart did not finish within \(kafka.timeout): not every input record was processed")
                }
                Thread.sleep(forTimeInterval: 0.005)
            }
            for instance in instances { instance.close(timeout: .seconds(60)) }
            try Self.throwIfAnyFailed(instances)
            return
        }
        let settle = CommitLag(bootstrap: bootstrap, exactlyOnce: kafka.guarantee == .exactlyOnce, logger: options.logger)
        var ends: [TopicPartition: Int64] = [:]
        for partition in all {
            ends[partition] = try probe.watermarks(
                topic: partition.topic, partition: partition.partition, timeout: .seconds(30)
            ).high
        }
        let total = ends.values.reduce(0, +) - (try probe.committed(all, timeout: .seconds(30)).values.reduce(0, +))
        while true {
            try Self.throwIfAnyFailed(instances)
            if kafka.stopRequested?() == true { throw Interrupted() }
            let processed = instances.reduce(0) { $0 + $1.processedRecords + $1.lostRecords }
            // Under exactly-once, offsets also count transaction markers (and aborted records
            // are processed again): only the committed offsets tell.
            if processed < total && kafka.guarantee == .atLeastOnce {
                // Cheap to watch; the committed offsets are asked for once all is processed.
                guard ContinuousClock.now < deadline else {
                    throw StreamsError(
                        .timeout, "ZMart did not finish within \(kafka.timeout): \(processed) of \(total) input records processed")
                }
                Thread.sleep(forTimeInterval: 0.005)
                continue
            }
            for instance in instances { instance.requestCommit() }
            let committed = try probe.committed(all, timeout: .seconds(30))
            let behind = try settle.behind(committed: committed, ends: ends)
            if behind == 0 { return }
            if ContinuousClock.now >= deadline {
                throw StreamsError(
                    .timeout, "ZMart did not finish within \(kafka.timeout): \(behind) input records not committed")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// The pass-through as a topology on this runtime: `transactions` as bytes to three topics,
    /// no JSON. What separates it from the bare pass-through is the runtime's own cost.
    private func runBytesApplication(
        bootstrap: String, admin: KafkaAdminClient, partitions: [TopicPartition], replication: Int16,
        kafkaConfig: KafkaConfig, records: Int, deadline: ContinuousClock.Instant
    ) throws -> Passthrough {
        let targets = ZMartTopology.outputTopics.map { TopicName("bytes-\($0.rawValue)") }
        let builder = StreamsBuilder()
        let input = builder.stream(ZMartTopology.transactions, Consumed(key: .bytes, value: .bytes))
        for target in targets { input.to(target, Produced(key: .bytes, value: .bytes)) }
        return try runBenchApplication(
            topology: try builder.build(), applicationId: "zmart-bytes", outputs: targets, bootstrap: bootstrap,
            admin: admin, partitions: partitions, replication: replication, kafkaConfig: kafkaConfig,
            records: records, deadline: deadline)
    }

    /// Runs `topology` as one instance of `applicationId` over all of `transactions`, writing
    /// to `outputs` (made here), and measures it from its first record to its last commit.
    private func runBenchApplication(
        topology: Topology, applicationId: String, outputs: [TopicName], bootstrap: String, admin: KafkaAdminClient,
        partitions: [TopicPartition], replication: Int16, kafkaConfig: KafkaConfig, records: Int,
        deadline: ContinuousClock.Instant
    ) throws -> Passthrough {
        try admin.createTopics(
            outputs.map { NewTopic(name: $0.rawValue, partitions: Int32(partitions.count), replicationFactor: replication) },
            timeout: .seconds(30))
        try admin.waitForTopics(outputs.map(\.rawValue), timeout: .seconds(30))
        var config = StreamsConfig(applicationId: applicationId)
        config.logger = options.logger
        config.numStreamThreads = options.threads
        if let interval = kafka.commitInterval { config.commitInterval = interval }
        // The application's own run sends malformed records to its dead-letter topic; copies
        // skip them, so that topic holds each once.
        config.deserializationErrorHandler = .logAndContinue
        let instance = try KafkaStreams(topology: topology, config: config, kafka: kafkaConfig)
        defer { instance.close(timeout: .seconds(60)) }
        try instance.start()
        let probe = try KafkaConsumer(
            groupId: config.applicationId, properties: ["bootstrap.servers": bootstrap], logger: options.logger,
            onRebalance: { _ in })
        defer { try? probe.close() }
        try waitUntilCommitted(
            probe: probe, partitions: partitions, instances: [instance], deadline: deadline, bootstrap: bootstrap,
            records: kafka.bootstrapServers == nil ? records : nil)
        return Passthrough.rate(of: [instance], records: records)
    }

    /// Consumes `transactions` and produces each record's bytes to three topics with no
    /// processing: the ceiling the application is measured against.
    private func runPassthrough(
        round: Int, bootstrap: String, admin: KafkaAdminClient, partitions: Int32, replication: Int16, records: Int,
        deadline: ContinuousClock.Instant
    ) throws -> Passthrough {
        let targets = ZMartTopology.outputTopics.map { "passthrough\(round)-\($0.rawValue)" }
        try admin.createTopics(
            targets.map { NewTopic(name: $0, partitions: partitions, replicationFactor: replication) },
            timeout: .seconds(30))
        try admin.waitForTopics(targets, timeout: .seconds(30))
        let consumer = try KafkaConsumer(
            groupId: "zmart-passthrough-\(round)", properties: ["bootstrap.servers": bootstrap, "fetch.wait.max.ms": "50"],
            logger: options.logger, onRebalance: { _ in })
        defer { try? consumer.close() }
        let producer = try KafkaProducer(properties: ["bootstrap.servers": bootstrap], logger: options.logger)
        defer { try? producer.close(timeout: .seconds(30)) }
        // Until the end each partition has now: the records the application read.
        var remaining: [Int32: Int64] = [:]
        var lost: Int64 = 0
        for partition in 0..<partitions {
            let marks = try consumer.watermarks(topic: ZMartTopology.transactions, partition: partition, timeout: .seconds(30))
            if marks.high > marks.low { remaining[partition] = marks.high }
            lost += marks.low
        }
        try consumer.subscribe([ZMartTopology.transactions.rawValue])
        var consumed = 0
        var first: DispatchTime?
        while !remaining.isEmpty {
            if kafka.stopRequested?() == true { throw Interrupted() }
            guard ContinuousClock.now < deadline else {
                throw StreamsError(.timeout, "the pass-through did not finish: \(consumed) of \(records) records")
            }
            consumed += try consumer.poll(maxRecords: 1000, timeout: .milliseconds(100)) { record in
                if first == nil { first = .now() }
                if let end = remaining[record.partition], record.offset + 1 >= end { remaining[record.partition] = nil }
                for target in targets {
                    try producer.send(
                        topic: target, partition: nil, key: record.key, value: record.value,
                        timestamp: record.timestamp, headers: record.headers)
                }
            }
            producer.poll(timeoutMilliseconds: 0)
        }
        try producer.flush(timeout: .seconds(120))
        let end = DispatchTime.now()
        var result = Passthrough()
        result.records = consumed
        result.lostRecords = lost
        if let first {
            result.seconds = Double(end.uptimeNanoseconds - first.uptimeNanoseconds) / 1e9
            result.recordsPerSecond = Double(consumed) / result.seconds
        }
        return result
    }
}

/// Keeps card numbers out of ZMart's dead-letter topic.
enum ZMartRedaction {
    /// Masks every card-number-like digit run in the bytes (as text), as the masking node does.
    static let maskCardNumbers = DeserializationErrorHandler.Redaction { bytes in
        Array(CardMasker.maskEmbeddedCardNumbers(in: String(decoding: bytes, as: UTF8.self)).utf8)
    }
}

/// Reads output topics from the beginning to their current end.
final class OutputReader {
    struct DeadLetter {
        let partition: Int32
        let offset: Int64
        let reason: String
    }

    private let consumer: KafkaConsumer
    private let topics: [TopicName]
    private let sampleLimit: Int
    private var files: [TopicName: FileHandle] = [:]
    private var buffers: [TopicName: [UInt8]] = [:]
    private(set) var counts: [TopicName: Int64] = [:]
    private(set) var samples: [TopicName: [String]] = [:]
    private(set) var deadLetters: [DeadLetter] = []

    private let admin: KafkaAdminClient
    /// The customer whose last `rewards` record is kept, as key bytes.
    private let watched: [UInt8]?
    /// The watched customer's last `rewards` value.
    private(set) var watchedReward: String?

    init(
        bootstrap: String, admin: KafkaAdminClient, topics: [TopicName], directory: URL?, samples: Int,
        logger: Logger, watchedCustomer: String? = nil
    ) throws {
        self.admin = admin
        watched = watchedCustomer.map { Array($0.utf8) }
        consumer = try KafkaConsumer(
            groupId: "zmart-reader-\(UUID().uuidString)",
            properties: [
                "bootstrap.servers": bootstrap, "fetch.wait.max.ms": "50", "enable.auto.commit": "false",
                // Only what committed transactions wrote (librdkafka's default, said here).
                "isolation.level": "read_committed",
            ], logger: logger,
            onRebalance: { _ in })
        self.topics = topics
        sampleLimit = samples
        if let directory {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            // The dead-letter topic too: its records are masked like every output.
            for topic in topics {
                let url = directory.appendingPathComponent("\(topic.rawValue).tsv")
                guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                    throw StreamsError(.invalidConfiguration, "cannot create output file \(url.path)")
                }
                files[topic] = try FileHandle(forWritingTo: url)
                buffers[topic] = []
            }
        }
    }

    deinit {
        try? consumer.close()
        for file in files.values { try? file.close() }
    }

    /// Reads every record up to the ends the partitions have now.
    /// - Parameters:
    ///   - starts: The first offset wanted per partition; records before it are skipped.
    ///   - deadline: When to give up.
    func readAll(from starts: [TopicPartition: Int64], deadline: ContinuousClock.Instant) throws {
        var remaining: [TopicPartition: Int64] = [:]
        var from: [TopicPartition: Int64] = [:]
        for topic in topics {
            let count = try admin.describeTopics([topic.rawValue], timeout: .seconds(30)).first?.partitions.count ?? 0
            for partition in 0..<Int32(count) {
                let marks = try consumer.watermarks(topic: topic, partition: partition, timeout: .seconds(30))
                let key = TopicPartition(topic: topic, partition: partition)
                let first = max(marks.low, starts[key] ?? 0)
                if marks.high > first {
                    remaining[key] = marks.high
                    from[key] = first
                }
            }
            counts[topic] = 0
            samples[topic] = []
        }
        // Assigned, not subscribed: no group to join (which takes seconds on some brokers).
        try consumer.assign(from)
        while !remaining.isEmpty {
            guard ContinuousClock.now < deadline else {
                throw StreamsError(.timeout, "reading the outputs back did not finish: \(remaining.count) partitions left")
            }
            _ = try consumer.poll(maxRecords: 1000, timeout: .milliseconds(100)) { record in
                let partition = TopicPartition(topic: record.topic, partition: record.partition)
                guard let end = remaining[partition], record.offset < end else { return }
                if record.offset + 1 >= end { remaining[partition] = nil }
                if record.offset >= starts[partition] ?? 0 { take(record) }
            }
            // A partition that ends with a transaction marker is done when the position
            // passes it: no record carries the last offset.
            for (partition, position) in try consumer.positions(Array(remaining.keys)) where position >= remaining[partition]! {
                remaining[partition] = nil
            }
            for (topic, buffer) in buffers where buffer.count > 1 << 20 {
                try files[topic]?.write(contentsOf: buffer)
                buffers[topic]!.removeAll(keepingCapacity: true)
            }
        }
        for (topic, buffer) in buffers where !buffer.isEmpty { try files[topic]?.write(contentsOf: buffer) }
    }

    private func take(_ record: ConsumedRecord) {
        let topic = record.topic
        counts[topic, default: 0] += 1
        if topic == ZMartKafkaRun.deadLetterTopic {
            deadLetters.append(
                DeadLetter(
                    partition: record.headers.lastString(DeadLetterHeaders.partition).flatMap(Int32.init) ?? -1,
                    offset: record.headers.lastString(DeadLetterHeaders.offset).flatMap(Int64.init) ?? -1,
                    reason: record.headers.lastString(DeadLetterHeaders.message) ?? "cannot be deserialized"))
        } else if samples[topic, default: []].count < sampleLimit {
            samples[topic, default: []].append(OutputDrain.text(record.key) + "\t" + OutputDrain.text(record.value))
        }
        // Per partition in offset order, and a customer's rewards share one partition: the last
        // seen is the latest.
        if let watched, topic == ZMartTopology.rewards, let key = record.key, key.elementsEqual(watched) {
            watchedReward = OutputDrain.text(record.value)
        }
        if buffers[topic] != nil {
            // Outputs are compact JSON; a dead-letter value is whatever arrived, so control
            // bytes (a TAB or line break inside it) become spaces to keep one record a line.
            let clean = topic == ZMartKafkaRun.deadLetterTopic
            for (bytes, last) in [(record.key, false), (record.value, true)] {
                if let bytes {
                    if clean {
                        buffers[topic]!.append(contentsOf: bytes.lazy.map { $0 < 0x20 ? 0x20 : $0 })
                    } else {
                        buffers[topic]!.append(contentsOf: bytes)
                    }
                }
                buffers[topic]!.append(last ? 0x0A : 0x09)
            }
        }
    }
}

/// How far a group's committed offsets are behind the ends of their partitions, in records.
///
/// Under exactly-once a partition can end with transaction markers: offsets that hold no
/// record, which a consumer steps over only once it has fetched them. A group committed up to
/// such a marker has nothing left to read, though its offset is short of the end; a read of
/// what lies between (committed data only, at most once a second) tells the two apart.
final class CommitLag {
    private let bootstrap: String
    private let exactlyOnce: Bool
    private let logger: Logger
    private var lastLook = ContinuousClock.now - .seconds(10)
    /// Partitions (and the end they had) seen to hold nothing committed past the group's offset.
    private var settled: [TopicPartition: (from: Int64, end: Int64)] = [:]

    init(bootstrap: String, exactlyOnce: Bool, logger: Logger) {
        self.bootstrap = bootstrap
        self.exactlyOnce = exactlyOnce
        self.logger = logger
    }

    func behind(committed: [TopicPartition: Int64], ends: [TopicPartition: Int64]) throws -> Int64 {
        var lagging: [TopicPartition: (from: Int64, end: Int64)] = [:]
        for (partition, end) in ends {
            let from = committed[partition] ?? 0
            if end > from { lagging[partition] = (from, end) }
        }
        guard exactlyOnce, !lagging.isEmpty else { return lagging.values.reduce(0) { $0 + $1.end - $1.from } }
        let unknown = lagging.filter { settled[$0.key].map { $0 != $1 } ?? true }
        if !unknown.isEmpty && ContinuousClock.now - lastLook >= .seconds(1) {
            lastLook = ContinuousClock.now
            for (partition, range) in try Self.onlyMarkers(unknown, bootstrap: bootstrap, logger: logger) {
                settled[partition] = range
            }
        }
        return lagging.reduce(0) { total, entry in
            settled[entry.key].map { $0 == entry.value } == true ? total : total + entry.value.end - entry.value.from
        }
    }

    /// The partitions of `ranges` in which a read_committed consumer reaches the end without
    /// a record.
    private static func onlyMarkers(
        _ ranges: [TopicPartition: (from: Int64, end: Int64)], bootstrap: String, logger: Logger
    ) throws -> [TopicPartition: (from: Int64, end: Int64)] {
        let consumer = try KafkaConsumer(
            groupId: "zmart-lag-\(UUID().uuidString)",
            properties: [
                "bootstrap.servers": bootstrap, "enable.auto.commit": "false", "isolation.level": "read_committed",
                "fetch.wait.max.ms": "50",
            ], logger: logger, onRebalance: { _ in })
        defer { try? consumer.close() }
        try consumer.assign(ranges.mapValues(\.from))
        var holdsRecords = Set<TopicPartition>()
        var result: [TopicPartition: (from: Int64, end: Int64)] = [:]
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline && result.count + holdsRecords.count < ranges.count {
            _ = try consumer.poll(maxRecords: 100, timeout: .milliseconds(50)) { record in
                holdsRecords.insert(TopicPartition(topic: record.topic, partition: record.partition))
            }
            for (partition, position) in try consumer.positions(Array(ranges.keys))
            where !holdsRecords.contains(partition) && position >= ranges[partition]!.end {
                result[partition] = ranges[partition]!
            }
        }
        return result
    }
}
