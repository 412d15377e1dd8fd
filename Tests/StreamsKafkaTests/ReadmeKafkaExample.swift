import Logging
import ServiceLifecycle
import Streams
import StreamsKafka

// The README's "Running on Kafka" example, kept here so that it keeps compiling. It is not run:
// it would wait for a signal.
func readmeKafkaExample(topology: Topology, password: String, logger: Logger) async throws {
    var config = StreamsConfig(applicationId: "zmart")       // group id, internal-topic prefix
    config.numStreamThreads = 2                               // tasks dealt to 2 OS threads
    config.commitInterval = .seconds(1)                       // Kafka Streams' default is 30 s
    config.deserializationErrorHandler = .deadLetterQueue("transactions-dlq", redact: .dropContent)

    var kafka = KafkaConfig(bootstrapServers: "broker1:9092,broker2:9092")
    kafka.productionErrorHandler = .logAndFail                // or .logAndContinue
    kafka.properties["security.protocol"] = "SASL_SSL"        // any librdkafka property, untouched
    kafka.properties["sasl.password"] = password              // never logged

    let streams = try KafkaStreams(topology: topology, config: config, kafka: kafka)
    streams.setStateListener { new, old in print("\(old) -> \(new)") }
    let group = ServiceGroup(services: [streams], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    try await group.run()                                     // until SIGTERM/SIGINT, then a clean close
}
