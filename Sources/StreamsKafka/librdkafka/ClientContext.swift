import CRdKafka
import Logging
import Streams
import Synchronization

/// The Swift side of one `rd_kafka_t`: what its C callbacks need, reached through the
/// handle's opaque pointer (`rd_kafka_conf_set_opaque`).
///
/// Lifetime: the client object that owns the handle holds this context strongly and passes
/// it unretained to librdkafka; it destroys the handle (which joins every librdkafka thread)
/// before it lets the context go, so no callback can see a freed context.
///
/// `@unchecked Sendable`: the log callback runs on librdkafka's own threads and reads only
/// the immutable `logger`; counters are atomics and lists are behind mutexes. `consumer`
/// is set once before the handle exists and then read only on the polling thread.
final class ClientContext: @unchecked Sendable {
    /// Where librdkafka's logs and errors go.
    let logger: Logger
    /// Delivered records (producer).
    let acknowledged = Atomic<Int>(0)
    /// Records whose delivery failed (producer).
    let failed = Atomic<Int>(0)
    /// The failures not yet taken (producer).
    let failures = Mutex<[DeliveryFailure]>([])
    /// A fatal error seen by a callback, thrown by the next call on the client.
    let fatalError = Mutex<StreamsError?>(nil)
    /// The consumer's rebalance state; only touched on the polling thread.
    var consumer: ConsumerCallbacks?

    init(logger: Logger) {
        self.logger = logger
    }

    /// The opaque pointer to hand librdkafka.
    var opaque: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    /// The context behind an opaque pointer.
    static func from(_ opaque: UnsafeMutableRawPointer) -> ClientContext {
        Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
    }

    /// Records a fatal error unless one is already recorded.
    func recordFatal(_ error: StreamsError) {
        fatalError.withLock { if $0 == nil { $0 = error } }
    }

    /// Throws the recorded fatal error, if any.
    func throwIfFatal() throws {
        if let error = fatalError.withLock({ $0 }) { throw error }
    }
}

/// librdkafka's log callback: forwards every line to the client's `Logger`.
/// Runs on librdkafka's internal threads (it must not call back into librdkafka but
/// `rd_kafka_opaque`, which reads an immutable field).
let kafkaLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    handle, level, facility, text in
    guard let handle, let opaque = rd_kafka_opaque(handle) else { return }
    let context = ClientContext.from(opaque)
    let swiftLevel: Logger.Level
    switch level {
    case ...2: swiftLevel = .critical
    case 3: swiftLevel = .error
    case 4: swiftLevel = .warning
    case 5: swiftLevel = .notice
    case 6: swiftLevel = .info
    default: swiftLevel = .debug
    }
    guard context.logger.logLevel <= swiftLevel else { return }
    let line = text.map { String(cString: $0) } ?? ""
    let name = facility.map { String(cString: $0) } ?? ""
    context.logger.log(
        level: swiftLevel, "librdkafka: \(line)",
        metadata: ["kafka.client": "\(String(cString: rd_kafka_name(handle)))", "kafka.facility": "\(name)"]
    )
}

/// librdkafka's error callback: logs the error; a fatal one is recorded so that the
/// client's next call throws it. Runs on the thread that polls the client.
let kafkaErrorCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
    handle, code, reason, opaque in
    guard let opaque else { return }
    let context = ClientContext.from(opaque)
    let err = rd_kafka_resp_err_t(code)
    let text = reason.map { String(cString: $0) } ?? ""
    if err == RD_KAFKA_RESP_ERR__FATAL, let handle {
        var buffer = [CChar](repeating: 0, count: 512)
        let original = rd_kafka_fatal_error(handle, &buffer, buffer.count)
        let detail = KafkaErrors.string(buffer)
        let error = StreamsError(.kafka, "fatal librdkafka error: \(KafkaErrors.describe(original)): \(detail)")
        context.logger.critical("\(error.message)")
        context.recordFatal(error)
    } else {
        // Transient errors (brokers down, transport failures) are retried by librdkafka.
        context.logger.warning("librdkafka error \(KafkaErrors.describe(err)): \(text)")
    }
}
