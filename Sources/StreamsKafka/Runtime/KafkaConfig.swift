import Foundation
import Streams

/// How a ``KafkaStreams`` application reaches Kafka: Kafka Streams' `bootstrap.servers`,
/// `processing.guarantee` and client settings, next to the runtime-independent
/// ``Streams/StreamsConfig``.
///
/// Any librdkafka property passes through untouched (see librdkafka's `CONFIGURATION.md`),
/// security settings included; the runtime never logs their values.
///
/// ```swift
/// var kafka = KafkaConfig(bootstrapServers: "broker1:9092,broker2:9092")
/// kafka.properties["security.protocol"] = "SASL_SSL"
/// kafka.properties["sasl.mechanism"] = "PLAIN"
/// kafka.properties["sasl.username"] = "zmart"
/// kafka.properties["sasl.password"] = secret
/// ```
public struct KafkaConfig: Sendable {
    /// `host:port` pairs, comma-separated, of brokers to bootstrap from.
    public var bootstrapServers: String
    /// The processing guarantee; at-least-once by default.
    public var processingGuarantee: ProcessingGuarantee = .atLeastOnce
    /// Under exactly-once, names this instance among the application's: stream thread `n`
    /// (from 1) writes with the transactional id `<applicationId>-<processId>-<n>`, Kafka
    /// Streams' scheme.
    ///
    /// Give an instance the same id when it restarts (``persistentProcessId(in:)`` keeps one
    /// in a directory of the instance's), and a different one to every instance that runs at
    /// the same time: two instances with one id fence each other (the newer one's producers
    /// take the transactional ids over, the older one stops with
    /// ``Streams/StreamsError/Code/producerFenced``). A restart with the same id aborts its
    /// dead predecessor's open transactions at once; with a new id they stay open until the
    /// brokers time them out (``transactionTimeout``), which holds `read_committed` readers of
    /// the partitions they wrote back until then.
    ///
    /// `nil`, the default, gives each ``KafkaStreams`` object a random id (a UUID): never
    /// shared, so copies of one program never fence each other, but never reused either.
    /// Letters, digits, `.`, `_` and `-`.
    public var processId: String?
    /// Under exactly-once, how long a transaction may stay open (`transaction.timeout.ms`; 10 s,
    /// Kafka Streams' setting). Brokers abort a transaction that outlives it; the runtime
    /// aborts one itself rather than commit it late (a stream thread stalled that long), and
    /// processes its records again.
    public var transactionTimeout: Duration = .seconds(10)
    /// What happens when an output record cannot be written; fails by default.
    public var productionErrorHandler: ProductionErrorHandler = .logAndFail
    /// librdkafka properties given to every client the runtime makes.
    public var properties: [String: String] = [:]
    /// librdkafka properties for the consumers only; they win over ``properties``.
    public var consumerProperties: [String: String] = [:]
    /// librdkafka properties for the producers only; they win over ``properties``.
    public var producerProperties: [String: String] = [:]
    /// How long ``KafkaStreams/start()`` waits for the cluster and the topics.
    public var startupTimeout: Duration = .seconds(30)
    /// How long one poll waits for records when none are there.
    public var pollTimeout: Duration = .milliseconds(100)
    /// How long a commit waits for the outputs of the processed records to be acknowledged.
    public var flushTimeout: Duration = .seconds(60)
    /// Where this instance answers interactive queries, `host:port` (Kafka Streams'
    /// `application.server`). When set, every instance of the application publishes it with
    /// its partitions to the internal topic `<applicationId>-instances`, so that any instance
    /// can say which one owns a key (``KafkaStreams/queryMetadata(forKey:store:key:)``'s
    /// `activeHost`) and list them all (``KafkaStreams/allMetadata()``). `nil` by default:
    /// then an instance knows only its own keys.
    public var applicationServer: String?

    /// Creates a configuration.
    /// - Parameter bootstrapServers: `host:port` pairs, comma-separated.
    public init(bootstrapServers: String) {
        self.bootstrapServers = bootstrapServers
    }

    /// Checks the settings.
    /// - Throws: ``Streams/StreamsError`` (``Streams/StreamsError/Code/invalidConfiguration``)
    ///   naming the setting that is wrong.
    public func validate() throws {
        guard !bootstrapServers.allSatisfy(\.isWhitespace) else {
            throw StreamsError(
                .invalidConfiguration, "bootstrapServers is empty: name at least one broker as host:port")
        }
        if let applicationServer {
            let parts = applicationServer.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count >= 2, !parts.dropLast().joined(separator: ":").isEmpty, let port = Int(parts.last!), (1...65535).contains(port)
            else {
                throw StreamsError(
                    .invalidConfiguration, "applicationServer must be host:port, not \(applicationServer)")
            }
        }
        for (name, value) in [
            ("startupTimeout", startupTimeout), ("pollTimeout", pollTimeout), ("flushTimeout", flushTimeout),
            ("transactionTimeout", transactionTimeout),
        ]
        where value <= .zero {
            throw StreamsError(.invalidConfiguration, "\(name) must be positive")
        }
        for key in ["bootstrap.servers", "group.id", "enable.auto.commit"]
        where properties[key] != nil || consumerProperties[key] != nil || producerProperties[key] != nil {
            throw StreamsError(
                .invalidConfiguration,
                "property \(key) is set by the runtime (from bootstrapServers, applicationId or the processing guarantee): remove it")
        }
        if properties["transactional.id"] != nil || producerProperties["transactional.id"] != nil {
            throw StreamsError(
                .invalidConfiguration,
                "property transactional.id is set by the runtime under exactly-once (<applicationId>-<processId>-<thread>): set processId instead")
        }
        if let processId {
            let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
            if processId.isEmpty || processId.contains(where: { !allowed.contains($0) }) {
                throw StreamsError(
                    .invalidConfiguration, "processId must be letters, digits, '.', '_' and '-', and not empty")
            }
        }
        guard processingGuarantee.isExactlyOnce else { return }
        for (key, allowedValue) in [("isolation.level", "read_committed"), ("enable.idempotence", "true")] {
            for (scope, value) in [("properties", properties[key]), ("consumerProperties", consumerProperties[key]), ("producerProperties", producerProperties[key])]
            where value != nil && value != allowedValue {
                throw StreamsError(
                    .invalidConfiguration,
                    "\(scope)[\"\(key)\"] must be \(allowedValue) under exactly-once (or left out: the runtime sets it)")
            }
        }
        if properties["transaction.timeout.ms"] != nil || producerProperties["transaction.timeout.ms"] != nil {
            throw StreamsError(
                .invalidConfiguration, "property transaction.timeout.ms is set by the runtime: set transactionTimeout instead")
        }
    }

    /// A process id kept in `directory` (`kafka-streams-process-metadata`, as Kafka Streams
    /// keeps it in its state directory): read if the file is there, otherwise made (a UUID)
    /// and written, so an instance that restarts with the same directory has the same
    /// ``processId`` and fences what its dead predecessor left open.
    ///
    /// A directory belongs to one instance at a time: two instances that run at once with one
    /// directory share an id, and the newer fences the older.
    /// - Parameter directory: The instance's own directory; made if missing.
    /// - Returns: The id.
    /// - Throws: ``Streams/StreamsError`` (``Streams/StreamsError/Code/invalidConfiguration``)
    ///   naming the file when it cannot be read or written, or holds no valid id.
    public static func persistentProcessId(in directory: URL) throws -> String {
        let file = directory.appendingPathComponent("kafka-streams-process-metadata")
        if let data = FileManager.default.contents(atPath: file.path) {
            struct Metadata: Decodable { var processId: String }
            guard let metadata = try? JSONDecoder().decode(Metadata.self, from: data), !metadata.processId.isEmpty,
                metadata.processId.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" })
            else {
                throw StreamsError(.invalidConfiguration, "\(file.path) holds no valid process id: remove it to make a new one")
            }
            return metadata.processId
        }
        let id = UUID().uuidString.lowercased()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            // Written whole, then moved into place: a crash leaves no half-written id.
            let temporary = directory.appendingPathComponent("kafka-streams-process-metadata.tmp")
            try Data("{\"processId\":\"\(id)\"}\n".utf8).write(to: temporary)
            try FileManager.default.moveItem(at: temporary, to: file)
        } catch {
            throw StreamsError(.invalidConfiguration, "cannot write the process id to \(file.path)", underlying: error)
        }
        return id
    }

    /// Properties of every client: the pass-through ones and the bootstrap servers.
    var common: [String: String] {
        var merged = properties
        merged["bootstrap.servers"] = bootstrapServers
        return merged
    }
}

/// Kafka Streams' `processing.guarantee`: what a crash may do to the outputs and state.
///
/// ```swift
/// var kafka = KafkaConfig(bootstrapServers: "broker1:9092")
/// kafka.processingGuarantee = .exactlyOnce
/// ```
public struct ProcessingGuarantee: Sendable, Hashable, CustomStringConvertible {
    private enum Base: Sendable, Hashable {
        case atLeastOnce, exactlyOnce
    }
    private let base: Base
    private init(_ base: Base) { self.base = base }

    /// Every input record affects the outputs at least once: an input offset is committed only
    /// after every output record it caused is acknowledged by the brokers. After a crash,
    /// records processed since the last commit are processed again, so outputs and state
    /// updates may be repeated. The default.
    public static let atLeastOnce = ProcessingGuarantee(.atLeastOnce)

    /// Every input record affects the outputs and the state exactly once, even when instances
    /// die: Kafka Streams' `exactly_once_v2`. Each stream thread writes through a
    /// transactional producer; its outputs, its changelog writes and its input offsets are
    /// committed in one Kafka transaction per commit interval, or not at all. Readers of the
    /// outputs must read committed data only (`isolation.level=read_committed`) to see only
    /// committed results. Needs brokers that implement transactions (Kafka 2.5 or later).
    ///
    /// See ``KafkaConfig/processId`` for the identity that fences a dead instance's leftovers
    /// and ``Streams/StreamsConfig/commitInterval`` for the latency trade-off (100 ms by
    /// default under exactly-once).
    public static let exactlyOnce = ProcessingGuarantee(.exactlyOnce)

    /// Whether this is ``exactlyOnce``.
    var isExactlyOnce: Bool { base == .exactlyOnce }

    /// Kafka Streams' names: `at_least_once` or `exactly_once_v2`.
    public var description: String {
        switch base {
        case .atLeastOnce: "at_least_once"
        case .exactlyOnce: "exactly_once_v2"
        }
    }
}
