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
        for (name, value) in [("startupTimeout", startupTimeout), ("pollTimeout", pollTimeout), ("flushTimeout", flushTimeout)]
        where value <= .zero {
            throw StreamsError(.invalidConfiguration, "\(name) must be positive")
        }
        for key in ["bootstrap.servers", "group.id", "enable.auto.commit"]
        where properties[key] != nil || consumerProperties[key] != nil || producerProperties[key] != nil {
            throw StreamsError(
                .invalidConfiguration,
                "property \(key) is set by the runtime (from bootstrapServers, applicationId or the processing guarantee): remove it")
        }
    }

    /// Properties of every client: the pass-through ones and the bootstrap servers.
    var common: [String: String] {
        var merged = properties
        merged["bootstrap.servers"] = bootstrapServers
        return merged
    }
}

/// Kafka Streams' `processing.guarantee`.
public enum ProcessingGuarantee: Sendable, Hashable, CustomStringConvertible {
    /// Every input record affects the outputs at least once: an input offset is committed only
    /// after every output record it caused is acknowledged by the brokers. After a crash,
    /// records processed since the last commit are processed again.
    case atLeastOnce

    /// `at-least-once`.
    public var description: String {
        switch self {
        case .atLeastOnce: "at-least-once"
        }
    }
}
