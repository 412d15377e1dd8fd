// swift-tools-version:6.0
import PackageDescription

// Swift 6 language mode (strict concurrency) applies to every target through the tools version.
let package = Package(
    name: "swift-kafka-streams",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Streams", targets: ["Streams"]),
        .library(name: "StreamsTestKit", targets: ["StreamsTestKit"]),
        .library(name: "StreamsKafka", targets: ["StreamsKafka"]),
        .library(name: "StreamsStatus", targets: ["StreamsStatus"]),
        .library(name: "StreamsRocksDB", targets: ["StreamsRocksDB"]),
        .library(name: "ZMart", targets: ["ZMart"]),
        .executable(name: "zmart", targets: ["zmart"]),
    ],
    dependencies: [
        // The `zmart` command line.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // `KStream.print` and runtime logs go to a swift-log Logger, the ecosystem's logging API.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // SIGINT/SIGTERM and graceful shutdown of the Kafka runtime, the way Swift services do it.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Runtime metrics go through swift-metrics, the ecosystem's metrics API (a small, pure
        // Swift package), so any backend can collect them.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        // The status server's /metrics in Prometheus' text format (needs only swift-metrics and
        // swift-atomics).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .target(
            name: "Streams",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        .target(name: "StreamsTestKit", dependencies: ["Streams"]),
        // Debian's librdkafka-dev; the scripts install it when pkg-config cannot find it.
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .target(
            name: "StreamsKafka",
            dependencies: [
                "Streams", "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Debian's librocksdb-dev for the persistent state stores; the scripts install it when
        // pkg-config cannot find it.
        .systemLibrary(name: "CRocksDB", pkgConfig: "rocksdb", providers: [.apt(["librocksdb-dev"])]),
        // Persistent state stores on RocksDB; the only target that imports CRocksDB.
        .target(name: "StreamsRocksDB", dependencies: ["Streams", "CRocksDB"]),
        // The status server: /metrics, /health, /topology and a live page, on loopback.
        .target(
            name: "StreamsStatus",
            dependencies: [
                "Streams",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "ZMart",
            dependencies: ["Streams", "StreamsKafka", "StreamsRocksDB", .product(name: "CoreMetrics", package: "swift-metrics")]
        ),
        .executableTarget(
            name: "zmart",
            dependencies: [
                "ZMart", "Streams", "StreamsKafka", "StreamsStatus",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(name: "json-bench", dependencies: ["Streams", "ZMart"], path: "Benchmarks/json-bench"),
        .executableTarget(name: "zmart-bench", dependencies: ["ZMart"], path: "Benchmarks/zmart-bench"),
        .executableTarget(name: "streams-bench", dependencies: ["Streams"], path: "Benchmarks/streams-bench"),
        .executableTarget(
            name: "state-bench", dependencies: ["Streams", "StreamsRocksDB", "ZMart"], path: "Benchmarks/state-bench"),
        .executableTarget(
            name: "kafka-clients-bench",
            dependencies: ["Streams", "StreamsKafka", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/kafka-clients-bench"
        ),
        .testTarget(
            name: "StreamsTests",
            dependencies: ["Streams", "StreamsTestKit", .product(name: "MetricsTestKit", package: "swift-metrics")]
        ),
        .testTarget(name: "StreamsTestKitTests", dependencies: ["Streams", "StreamsTestKit"]),
        .testTarget(
            name: "StreamsKafkaTests",
            dependencies: [
                "StreamsKafka", "Streams", "StreamsStatus", "ZMart", .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "StreamsStatusTests",
            dependencies: [
                "StreamsStatus", "Streams",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // One conformance suite per store protocol, run against every store.
        .testTarget(name: "StreamsStateTests", dependencies: ["Streams", "StreamsRocksDB"]),
        .testTarget(name: "ZMartTests", dependencies: ["ZMart", "Streams", "StreamsTestKit"]),
        .testTarget(name: "zmartTests", dependencies: ["zmart"]),
    ]
)
