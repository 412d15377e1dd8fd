import CRdKafka
import Streams

/// Builds `rd_kafka_conf_t`s and `rd_kafka_t`s from Swift properties.
enum Configuration {
    /// A new `rd_kafka_conf_t` with `defaults` overridden by `properties`, the log and error
    /// callbacks routed to `context`, and `context` as the opaque pointer.
    ///
    /// The log callback is installed first, before any property is set, so that librdkafka
    /// never prints to stderr on its own.
    /// - Throws: `.invalidConfiguration` naming the property and librdkafka's message (but
    ///   not librdkafka's message for a secret key, because it quotes the value).
    static func make(
        properties: [String: String], defaults: [String: String], context: ClientContext
    ) throws -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        rd_kafka_conf_set_log_cb(conf, kafkaLogCallback)
        rd_kafka_conf_set_error_cb(conf, kafkaErrorCallback)
        rd_kafka_conf_set_opaque(conf, context.opaque)
        let merged = defaults.merging(properties) { _, chosen in chosen }
        do {
            for key in merged.keys.sorted() {
                try set(conf, key, merged[key]!)
            }
        } catch {
            rd_kafka_conf_destroy(conf)
            throw error
        }
        return conf
    }

    /// Sets one property.
    static func set(_ conf: OpaquePointer, _ key: String, _ value: String) throws {
        var buffer = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(conf, key, value, &buffer, buffer.count)
        guard result != RD_KAFKA_CONF_OK else { return }
        let problem = result == RD_KAFKA_CONF_UNKNOWN ? "unknown property" : "invalid value for property"
        var message = "\(problem) '\(key)'"
        if KafkaProperties.isSecret(key) {
            message += " (value and librdkafka's message withheld: the property holds a secret)"
        } else {
            message += ": \(KafkaErrors.string(buffer))"
        }
        throw StreamsError(.invalidConfiguration, message)
    }

    /// Creates the client handle; takes ownership of `conf` (destroyed on failure).
    static func makeHandle(_ type: rd_kafka_type_t, conf: OpaquePointer, what: String) throws -> OpaquePointer {
        var buffer = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, conf, &buffer, buffer.count) else {
            rd_kafka_conf_destroy(conf)
            throw StreamsError(.invalidConfiguration, "cannot create the \(what): \(KafkaErrors.string(buffer))")
        }
        return handle
    }
}
