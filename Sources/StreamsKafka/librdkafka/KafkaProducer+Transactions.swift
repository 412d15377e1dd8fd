import CRdKafka
import Streams

/// Kafka transactions on a producer made with a `transactional.id` (librdkafka's
/// transactional producer): outputs and consumer offsets committed together, or not at all.
///
/// Every call blocks; call them from one thread (they must not overlap one another). Each
/// throws a ``Streams/StreamsError`` that says what to do next:
/// - ``Streams/StreamsError/isRetriable``: make the same call again (a timeout, a coordinator
///   not reachable yet);
/// - code ``Streams/StreamsError/Code/transactionAborted``: the transaction cannot commit
///   (a record could not be written, the group moved on): call ``abortTransaction(timeout:)``,
///   then begin a new one;
/// - ``Streams/StreamsError/isFatal``: the producer can do nothing more; code
///   ``Streams/StreamsError/Code/producerFenced`` when a newer producer took its
///   transactional id over.
extension KafkaProducer {
    /// Registers the transactional id with its coordinator, fencing any older producer with
    /// the same id and aborting what that producer left open. Call once, before the first
    /// transaction.
    /// - Parameter timeout: How long to wait for the coordinator.
    /// - Throws: ``Streams/StreamsError`` as the extension's summary describes.
    public func initTransactions(timeout: Duration) throws {
        try transactionCall("initializing transactions") { rd_kafka_init_transactions(handle, timeout.kafkaMilliseconds) }
    }

    /// Begins a transaction: every record sent from now on is part of it. Local (no request).
    /// - Throws: ``Streams/StreamsError`` as the extension's summary describes; `.illegalState`
    ///   when a transaction is already open.
    public func beginTransaction() throws {
        try transactionCall("beginning a transaction") { rd_kafka_begin_transaction(handle) }
    }

    /// Adds consumer offsets to the open transaction: they count as the group's committed
    /// offsets once the transaction commits, and never if it aborts.
    /// - Parameters:
    ///   - offsets: Per partition, the next offset to read (last processed + 1).
    ///   - group: The consuming group's current metadata (``KafkaConsumer/groupMetadata()``),
    ///     which lets the coordinator refuse offsets of a member the group has moved past.
    ///   - timeout: How long to wait for the coordinators.
    /// - Throws: ``Streams/StreamsError`` as the extension's summary describes.
    public func sendOffsetsToTransaction(
        _ offsets: [TopicPartition: Int64], group: ConsumerGroupMetadata, timeout: Duration
    ) throws {
        guard !offsets.isEmpty else { return }
        let list = TopicPartitionList.make(offsets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try transactionCall("sending offsets to the transaction") {
            rd_kafka_send_offsets_to_transaction(handle, list, group.pointer, timeout.kafkaMilliseconds)
        }
    }

    /// Commits the open transaction: first delivers every record sent in it (serving delivery
    /// reports), then asks the coordinator to commit. After a retriable timeout the commit goes
    /// on in the background; calling again resumes it.
    /// - Parameter timeout: How long to wait.
    /// - Throws: ``Streams/StreamsError`` as the extension's summary describes.
    public func commitTransaction(timeout: Duration) throws {
        try transactionCall("committing the transaction") { rd_kafka_commit_transaction(handle, timeout.kafkaMilliseconds) }
    }

    /// Aborts the open transaction: records not yet delivered are dropped, and those written
    /// stay invisible to `read_committed` readers; its offsets never count. Also the way out of
    /// an error that requires an abort.
    /// - Parameter timeout: How long to wait.
    /// - Throws: ``Streams/StreamsError``: retriable (call again) or fatal.
    public func abortTransaction(timeout: Duration) throws {
        try transactionCall("aborting the transaction") { rd_kafka_abort_transaction(handle, timeout.kafkaMilliseconds) }
    }

    /// The producer's fatal error, if it has had one (fenced, say): no call can succeed after it.
    public var fatalError: StreamsError? {
        var buffer = [CChar](repeating: 0, count: 512)
        let err = rd_kafka_fatal_error(handle, &buffer, buffer.count)
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaErrors.fatal(err, detail: KafkaErrors.string(buffer), what: "the producer failed")
    }

    /// Runs one transactional call and turns its error object into a `StreamsError`.
    private func transactionCall(_ what: String, _ call: () -> OpaquePointer?) throws {
        guard let error = call() else { return }
        throw KafkaErrors.transactionError(error, what)
    }
}

/// A consumer's group membership as of now (group, generation, member): what a transaction
/// needs to commit the consumer's offsets (``KafkaProducer/sendOffsetsToTransaction(_:group:timeout:)``).
///
/// `@unchecked Sendable`: librdkafka never changes the object after making it, and it is
/// destroyed only when the last reference goes.
public final class ConsumerGroupMetadata: @unchecked Sendable {
    let pointer: OpaquePointer

    init(pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { rd_kafka_consumer_group_metadata_destroy(pointer) }
}

extension KafkaErrors {
    /// Whether a code means a newer producer took the transactional id over.
    static func isFenced(_ err: rd_kafka_resp_err_t) -> Bool {
        err == RD_KAFKA_RESP_ERR__FENCED || err == RD_KAFKA_RESP_ERR_PRODUCER_FENCED
    }

    /// A fatal error: ``Streams/StreamsError/Code/producerFenced`` when fenced.
    static func fatal(_ err: rd_kafka_resp_err_t, detail: String, what: String) -> StreamsError {
        if isFenced(err) {
            return StreamsError(
                .producerFenced,
                "\(what): fenced: a newer producer with the same transactional id (an instance started with the same process id) took over, so this one can write nothing more: \(describe(err)) \(detail)",
                isFatal: true)
        }
        return StreamsError(.kafka, "\(what): \(describe(err)) \(detail)", isFatal: true)
    }

    /// Reads and destroys a transactional call's error: retriable, requiring an abort
    /// (``Streams/StreamsError/Code/transactionAborted``) or fatal. Being fenced is fatal,
    /// whatever librdkafka says of the call that noticed it first.
    static func transactionError(_ error: OpaquePointer, _ what: String) -> StreamsError {
        let fatal = rd_kafka_error_is_fatal(error) != 0
        let retriable = rd_kafka_error_is_retriable(error) != 0
        let abortable = rd_kafka_error_txn_requires_abort(error) != 0
        let (code, text) = consume(error)
        if fatal || isFenced(code) {
            return Self.fatal(code, detail: "", what: "\(what) failed (\(text))")
        }
        if abortable {
            return StreamsError(.transactionAborted, "\(what) failed and the transaction must be aborted: \(text)")
        }
        if retriable || code == RD_KAFKA_RESP_ERR__TIMED_OUT {
            return StreamsError(.timeout, "\(what) did not finish: \(text)", isRetriable: true)
        }
        let streamsCode: StreamsError.Code = code == RD_KAFKA_RESP_ERR__STATE ? .illegalState : .kafka
        return StreamsError(streamsCode, "\(what) failed: \(text)")
    }
}
