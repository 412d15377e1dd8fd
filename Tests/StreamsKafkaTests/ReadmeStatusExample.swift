import Prometheus
import Streams
import StreamsKafka
import StreamsStatus

// The README's "Status page" example, kept here so that it keeps compiling. It is not run: it
// would need a cluster at localhost:9092.
func readmeStatusExample(topology: Topology) throws {
    let registry = PrometheusCollectorRegistry()
    var config = StreamsConfig(applicationId: "zmart")
    config.metricsFactory = PrometheusMetricsFactory(registry: registry)   // the runtime's metrics land in it
    let streams = try KafkaStreams(
        topology: topology, config: config, kafka: KafkaConfig(bootstrapServers: "localhost:9092"))
    let server = StatusServer(source: streams, registry: registry, port: 8080)
    try server.start()                                        // or add it to the ServiceGroup: it is a Service
    try streams.start()
    print("status page: \(server.url)")
}
