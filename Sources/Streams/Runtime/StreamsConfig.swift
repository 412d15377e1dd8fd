import CoreMetrics
import Logging

/// Settings of a streams application, shared by every runtime.
///
/// ```swift
/// var config = StreamsConfig(applicationId: "zmart")
/// config.commitInterval = .seconds(1)
/// config.deserializationErrorHandler = .logAndContinue
/// ```
public struct StreamsConfig: Sendable {
    /// Identifies the application: the consumer group id and the prefix of internal topics.
    public var applicationId: String
    /// How often progress is committed: Kafka Streams' `commit.interval.ms`. Its default is
    /// 30 s under at-least-once and 100 ms under exactly-once, where outputs become visible to
    /// `read_committed` readers only when their transaction commits, so the interval is the
    /// latency they see (and a shorter one costs more transactions). The Kafka runtime uses
    /// 100 ms under exactly-once unless this is set.
    public var commitInterval: Duration = .seconds(30) {
        didSet { commitIntervalIsSet = true }
    }
    /// Whether ``commitInterval`` was set, so a runtime knows whether to apply its own default.
    package private(set) var commitIntervalIsSet = false
    /// What to do with records that cannot be deserialized; fails by default.
    public var deserializationErrorHandler: DeserializationErrorHandler = .logAndFail
    /// Stream threads per instance, as Kafka Streams' `num.stream.threads`: tasks are dealt to
    /// them and they process in parallel. One by default.
    public var numStreamThreads: Int = 1
    /// The most records fetched from one partition at a time.
    public var maxPollRecords: Int = 1000
    /// How far, in event time, one stream thread may run ahead of the slowest of the
    /// instance's threads (in-memory runtime); `nil` lets each go at its own pace.
    ///
    /// A repartition topic gathers records from the tasks of every thread. When one thread runs
    /// ahead, its records reach the downstream tasks before the others' earlier ones, stream time
    /// jumps, and a windowed aggregation drops the earlier records as late. With a bound, a
    /// thread whose next record is later than the slowest thread's next by more than this waits
    /// (at most a second per stall, see `max.task.idle.ms`), and writes its outputs at least
    /// every half bound of event time. Keep it well below your windows' grace periods. One
    /// minute by default; no effect with one thread.
    public var maxThreadSkew: Duration? = .seconds(60)
    /// Where the runtime logs; records' keys and values are never logged.
    public var logger: Logger
    /// Where the runtime's metrics go (see ``StreamsMetricNames``); `nil`, the default, for
    /// `MetricsSystem.factory`, the process-wide backend of swift-metrics.
    public var metricsFactory: (any MetricsFactory)?
    /// How often rates and latencies are computed and the status refreshed; counts are also
    /// published at every commit. One second by default.
    public var metricsRefreshInterval: Duration = .seconds(1)
    /// Told when tasks rebuild their state stores from changelogs, and how far they got.
    public var restoreListener: StateRestoreListener?

    /// Creates a configuration.
    /// - Parameter applicationId: The application id: letters, digits, `.`, `_` and `-`.
    public init(applicationId: String) {
        self.applicationId = applicationId
        var logger = Logger(label: "streams")
        logger[metadataKey: "application"] = .string(applicationId)
        self.logger = logger
    }

    /// Checks the settings.
    /// - Throws: ``StreamsError`` (``StreamsError/Code/invalidConfiguration``) naming the
    ///   setting that is wrong.
    public func validate() throws {
        guard !applicationId.isEmpty else {
            throw StreamsError(.invalidConfiguration, "applicationId must not be empty")
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        if let bad = applicationId.first(where: { !allowed.contains($0) }) {
            throw StreamsError(
                .invalidConfiguration,
                "applicationId may hold only letters, digits, '.', '_' and '-', not \(bad.debugDescription)")
        }
        guard commitInterval > .zero else {
            throw StreamsError(.invalidConfiguration, "commitInterval must be positive")
        }
        guard numStreamThreads >= 1 else {
            throw StreamsError(.invalidConfiguration, "numStreamThreads must be at least 1, not \(numStreamThreads)")
        }
        guard metricsRefreshInterval > .zero else {
            throw StreamsError(.invalidConfiguration, "metricsRefreshInterval must be positive")
        }
        if let maxThreadSkew, maxThreadSkew < .zero {
            throw StreamsError(.invalidConfiguration, "maxThreadSkew must not be negative")
        }
        guard maxPollRecords > 0 else {
            throw StreamsError(.invalidConfiguration, "maxPollRecords must be positive")
        }
    }
}
