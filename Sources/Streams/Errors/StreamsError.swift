/// The error type of the Streams module.
///
/// It carries a ``code`` to switch on, a human-readable ``message``, the record ``location``
/// (topic, partition, offset) where one is known, and the ``underlying`` error.
///
/// Messages never contain a record's key or value: records may hold personal data such as
/// card numbers. They name where the record is and what was wrong with it.
public struct StreamsError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added; switch with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case deserialization, serialization, invalidTopology, processing, invalidConfiguration
            case unknownTopic, illegalState, production, kafka, timeout, lostRecords, rebalanceInProgress
            case stateStore, producerFenced, transactionAborted
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Bytes could not be turned into a key or value.
        public static let deserialization = Code(.deserialization)
        /// A key or value could not be turned into bytes.
        public static let serialization = Code(.serialization)
        /// The topology is not a valid graph (unknown parent, duplicate name, cycle, …).
        public static let invalidTopology = Code(.invalidTopology)
        /// A processor failed while processing a record.
        public static let processing = Code(.processing)
        /// A configuration value is missing or wrong.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// A topic the topology needs does not exist.
        public static let unknownTopic = Code(.unknownTopic)
        /// An operation was called in a state that does not allow it.
        public static let illegalState = Code(.illegalState)
        /// A record could not be written to its topic.
        public static let production = Code(.production)
        /// A Kafka client or broker reported an error (the message names librdkafka's code).
        public static let kafka = Code(.kafka)
        /// An operation did not finish within its deadline.
        public static let timeout = Code(.timeout)
        /// Records were deleted (by retention, say) before they were processed.
        public static let lostRecords = Code(.lostRecords)
        /// The consumer group is rebalancing, so the group refused a commit; it can be made
        /// again once the rebalance is over.
        public static let rebalanceInProgress = Code(.rebalanceInProgress)
        /// A state store's storage engine failed: it could not open its directory (missing
        /// permissions, a file in the way, another open store holding its lock), or a read,
        /// write or flush failed. The message names the store and the engine's own message.
        public static let stateStore = Code(.stateStore)
        /// Under exactly-once: another producer with this instance's transactional id (a newer
        /// instance started with the same process id) has taken over, so this instance is a
        /// zombie. Its open transaction was aborted by the brokers and it can write nothing
        /// more: the error is fatal (``StreamsError/isFatal``) and the instance stops.
        public static let producerFenced = Code(.producerFenced)
        /// Under exactly-once: a transaction could not be committed and was aborted, so none of
        /// its outputs, changelog writes or offsets count. The runtime handles it itself (the
        /// affected tasks are rebuilt from the committed changelogs and their input is read
        /// again from the committed offsets); it surfaces only when aborts keep recurring.
        public static let transactionAborted = Code(.transactionAborted)

        /// The code's name, e.g. `deserialization`.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// What went wrong, without any record content.
    public var message: String
    /// The record being handled, where known.
    public var location: RecordMetadata?
    /// The processor node that was handling the record, where known.
    public var node: String?
    /// The error that caused this one, if any.
    public var underlying: (any Error)?
    /// Whether the failure cannot be recovered from by retrying: the component that raised
    /// it (a Kafka client, a stream thread) can do nothing more and must be replaced.
    public var isFatal: Bool
    /// Whether the same operation may succeed if it is made again (a timeout, a broker that
    /// is not reachable yet).
    public var isRetriable: Bool

    /// Creates an error.
    /// - Parameters:
    ///   - code: What kind of failure this is.
    ///   - message: What went wrong; must not contain record content.
    ///   - location: The record being handled, where known.
    ///   - node: The processor node handling it, where known.
    ///   - underlying: The cause.
    ///   - isFatal: Whether retrying cannot help (see ``isFatal``).
    ///   - isRetriable: Whether the operation may succeed if made again (see ``isRetriable``).
    public init(
        _ code: Code, _ message: String, location: RecordMetadata? = nil, node: String? = nil,
        underlying: (any Error)? = nil, isFatal: Bool = false, isRetriable: Bool = false
    ) {
        self.code = code
        self.message = message
        self.location = location
        self.node = node
        self.underlying = underlying
        self.isFatal = isFatal
        self.isRetriable = isRetriable
    }

    /// `code: message (at topic-partition@offset, node N, fatal): cause`.
    public var description: String {
        var text = "\(code): \(message)"
        var place: [String] = []
        if let location { place.append("at \(location)") }
        if let node { place.append("node \(node)") }
        if isFatal { place.append("fatal") } else if isRetriable { place.append("retriable") }
        if !place.isEmpty { text += " (" + place.joined(separator: ", ") + ")" }
        if let underlying {
            text += ": " + String(describing: underlying)
        }
        return text
    }
}
