import CRdKafka
import Streams

/// The librdkafka this process runs with.
public enum LibrdkafkaVersion {
    /// The oldest librdkafka the runtime supports: 2.0.0 brought the mock-cluster calls and
    /// the incremental (cooperative) rebalance protocol the runtime relies on.
    public static let minimum: (major: Int, minor: Int, patch: Int) = (2, 0, 0)

    /// The version string of the loaded library, e.g. `2.0.2`.
    public static var current: String { String(cString: rd_kafka_version_str()) }

    /// Whether the loaded librdkafka aborts the process when a cooperative-sticky consumer
    /// that joined its group is destroyed before its first assignment (librdkafka issue 4312,
    /// fixed in 2.3.0; Debian bookworm ships 2.0.2).
    static var abortsOnEarlyStickyDestroy: Bool {
        let encoded = Int(rd_kafka_version())
        return ((encoded >> 24) & 0xff, (encoded >> 16) & 0xff) < (2, 3)
    }

    /// Checks that the loaded librdkafka is at least ``minimum``.
    ///
    /// Call it once at start-up, before creating any client, so that an old system library
    /// fails with an explanation instead of a missing feature later.
    /// - Throws: ``StreamsError`` with code `.invalidConfiguration` naming the loaded version
    ///   and the minimum.
    public static func check() throws {
        try check(encodedVersion: Int(rd_kafka_version()), named: current)
    }

    /// Checks an encoded version (`0xMMmmrrxx`, as `rd_kafka_version()` returns it) against
    /// ``minimum``. Split from ``check()`` so that tests can feed an older version.
    package static func check(encodedVersion: Int, named name: String? = nil) throws {
        let major = (encodedVersion >> 24) & 0xff
        let minor = (encodedVersion >> 16) & 0xff
        let patch = (encodedVersion >> 8) & 0xff
        if (major, minor, patch) < minimum {
            let shown = name ?? "\(major).\(minor).\(patch)"
            let wanted = "\(minimum.major).\(minimum.minor).\(minimum.patch)"
            throw StreamsError(
                .invalidConfiguration,
                "librdkafka \(shown) is older than the minimum \(wanted): install librdkafka-dev ≥ \(minimum.major).\(minimum.minor)"
            )
        }
    }
}
