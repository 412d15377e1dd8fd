import CRdKafka

/// The librdkafka this process runs with.
public enum LibrdkafkaVersion {
    /// The oldest librdkafka the runtime supports: 2.0.0 brought the mock-cluster calls and
    /// the incremental (cooperative) rebalance protocol the runtime relies on.
    public static let minimum: (major: Int, minor: Int, patch: Int) = (2, 0, 0)

    /// The version string of the loaded library, e.g. `2.0.2`.
    public static var current: String { String(cString: rd_kafka_version_str()) }
}
