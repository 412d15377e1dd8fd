import CRdKafka
import Streams

/// Turns librdkafka's error codes and objects into `StreamsError`s whose message names the
/// error (`_QUEUE_FULL`, `UNKNOWN_TOPIC_OR_PART`, …) and its text.
enum KafkaErrors {
    /// `NAME (text)` for an error code.
    static func describe(_ err: rd_kafka_resp_err_t) -> String {
        "\(String(cString: rd_kafka_err2name(err))) (\(String(cString: rd_kafka_err2str(err))))"
    }

    /// An error for a failed call: `what: NAME (text)`.
    static func error(_ code: StreamsError.Code, _ what: String, _ err: rd_kafka_resp_err_t) -> StreamsError {
        StreamsError(code, "\(what): \(describe(err))")
    }

    /// Reads and destroys an `rd_kafka_error_t`, returning its code and `NAME (text)`.
    static func consume(_ error: OpaquePointer) -> (code: rd_kafka_resp_err_t, text: String) {
        defer { rd_kafka_error_destroy(error) }
        let code = rd_kafka_error_code(error)
        let text = "\(String(cString: rd_kafka_error_name(error))) (\(String(cString: rd_kafka_error_string(error))))"
        return (code, text)
    }

    /// The NUL-terminated text librdkafka wrote into an error buffer.
    static func string(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Whether a commit error means the group is rebalancing or has moved to a new generation.
    static func isRebalancing(_ err: rd_kafka_resp_err_t) -> Bool {
        err == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS || err == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION
            || err == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID || err == RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST
    }

    /// Whether a metadata or request error means the topic does not exist.
    static func isUnknownTopic(_ err: rd_kafka_resp_err_t) -> Bool {
        err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC
    }
}

extension Duration {
    /// The duration in whole milliseconds, clamped to what librdkafka's `int` timeouts take.
    var kafkaMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        let ms = seconds.multipliedReportingOverflow(by: 1000)
        if ms.overflow || ms.partialValue > Int64(Int32.max) { return Int32.max }
        return Int32(max(0, ms.partialValue + attoseconds / 1_000_000_000_000_000))
    }
}

extension ContinuousClock.Instant {
    /// The milliseconds left until this deadline, at least 0.
    var millisecondsLeft: Int32 {
        let now = ContinuousClock.now
        return now >= self ? 0 : (self - now).kafkaMilliseconds
    }
}
