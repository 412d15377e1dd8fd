import CoreMetrics
import Foundation
import MetricsTestKit
import Streams
import Testing

@Suite("Metrics and status of the in-memory runtime")
struct StreamsMetricsTests {
    /// in → source → upper (mapValues) → keep (filter: drops values holding "x") → sink → out;
    /// malformed Int64 keys are skipped by the handler.
    func topology() throws -> Topology {
        let builder = StreamsBuilder()
        builder.stream("in", Consumed(key: .int64, value: .string, name: "source"))
            .mapValues(named: "upper") { $0.uppercased() }
            .filter(named: "keep") { _, value in !value.contains("X") }
            .to("out", Produced(key: .int64, value: .string, name: "sink"))
        return try builder.build()
    }

    struct Run {
        let metrics: TestMetrics
        let streams: InMemoryStreams
        let cluster: InMemoryCluster
        let inputBytes: Int
        let kept: Int
    }

    /// Sends `count` records over 3 partitions (every 5th value holds an x, every 7th key is
    /// malformed), processes them and commits.
    func run(count: Int, threads: Int = 1) throws -> Run {
        let cluster = InMemoryCluster()
        try cluster.createTopic("in", partitions: 3)
        try cluster.createTopic("out", partitions: 3)
        var inputBytes = 0
        var kept = 0
        for index in 0..<count {
            let malformed = index % 7 == 0
            let key: [UInt8] = malformed ? [1, 2, 3] : Array(withUnsafeBytes(of: Int64(index).bigEndian) { Array($0) })
            let value = Array((index % 5 == 0 ? "x\(index)" : "v\(index)").utf8)
            inputBytes += key.count + value.count
            if !malformed && index % 5 != 0 { kept += 1 }
            try cluster.send(topic: "in", partition: Int32(index % 3), key: key, value: value, timestamp: Int64(index))
        }
        let metrics = TestMetrics()
        var config = StreamsConfig(applicationId: "metered")
        config.metricsFactory = metrics
        config.numStreamThreads = threads
        config.deserializationErrorHandler = .logAndContinue
        let streams = try InMemoryStreams(topology: try topology(), cluster: cluster, config: config)
        try streams.start()
        try streams.runUntilIdle()
        try streams.commit()
        return Run(metrics: metrics, streams: streams, cluster: cluster, inputBytes: inputBytes, kept: kept)
    }

    @Test func countsAfterAKnownRunMatchTheRecords() throws {
        let count = 1_000
        let run = try run(count: count)
        let metrics = run.metrics
        let malformed = (0..<count).filter { $0 % 7 == 0 }.count
        let processed = Int64(count)
        #expect(metrics.counterTotal(label: StreamsMetricNames.Thread.processTotal) == processed)
        #expect(metrics.counterTotal(label: StreamsMetricNames.Task.processTotal) == processed)
        // One task per partition, each with its share.
        for partition in 0..<3 {
            let share = Int64((0..<count).filter { $0 % 3 == partition }.count)
            #expect(
                metrics.counterTotal(label: StreamsMetricNames.Task.processTotal, dimensions: [("task_id", "0_\(partition)")])
                    == share)
        }
        func node(_ name: String) -> Int64 {
            metrics.counterTotal(label: StreamsMetricNames.ProcessorNode.processTotal, dimensions: [("processor_node_id", name)])
        }
        #expect(node("source") == processed)
        #expect(node("upper") == processed - Int64(malformed))
        #expect(node("keep") == processed - Int64(malformed))
        #expect(node("sink") == Int64(run.kept))
        #expect(metrics.counterTotal(label: StreamsMetricNames.Task.droppedRecordsTotal) == Int64(malformed))
        #expect(
            metrics.counterTotal(label: StreamsMetricNames.Topic.recordsConsumedTotal, dimensions: [("topic", "in")])
                == processed)
        #expect(
            metrics.counterTotal(label: StreamsMetricNames.Topic.bytesConsumedTotal, dimensions: [("topic", "in")])
                == Int64(run.inputBytes))
        #expect(
            metrics.counterTotal(
                label: StreamsMetricNames.Topic.recordsProducedTotal,
                dimensions: [("topic", "out"), ("processor_node_id", "sink")]) == Int64(run.kept))
        let outputBytes = try (Int32(0)..<3).flatMap { try run.cluster.read(topic: "out", partition: $0) }
            .reduce(0) { $0 + ($1.key?.count ?? 0) + ($1.value?.count ?? 0) }
        #expect(metrics.counterTotal(label: StreamsMetricNames.Topic.bytesProducedTotal) == Int64(outputBytes))
        #expect(metrics.counterTotal(label: StreamsMetricNames.Thread.commitTotal) >= 1)
        #expect(metrics.counterTotal(label: StreamsMetricNames.Thread.taskCreatedTotal) == 3)
        // Every input partition is fully processed: no lag.
        let lags = metrics.recorders(label: StreamsMetricNames.Consumer.recordsLag)
        #expect(lags.count == 3)
        #expect(lags.allSatisfy { $0.lastValue == 0 })
        // Every metric carries the application id.
        #expect(metrics.counters.allSatisfy { counter in counter.dimensions.contains { $0 == ("application_id", "metered") } })
        try run.streams.close()
    }

    @Test func theStatusShowsTasksPartitionsAndLag() throws {
        let run = try run(count: 300, threads: 2)
        let status = run.streams.statusBoard.statusSnapshot()
        #expect(status.applicationId == "metered")
        #expect(status.state == .running)
        #expect(status.threads.map(\.threadName) == ["metered-StreamThread-1", "metered-StreamThread-2"])
        #expect(status.threads.flatMap(\.activeTasks).map(\.taskId).sorted() == (0..<3).map { TaskId(subtopology: 0, partition: $0) })
        #expect(status.processedRecords == 300)
        #expect(status.threads.flatMap(\.activeTasks).reduce(0) { $0 + $1.processedRecords } == 300)
        #expect(status.partitions.count == 3)
        for partition in status.partitions {
            let end = try run.cluster.endOffset(of: "in", partition: partition.partition)
            #expect(partition.endOffset == end)
            #expect(partition.position == end)
            #expect(partition.committedOffset == end)
            #expect(partition.lag == 0)
        }
        #expect(status.totalLag == 0)
        try run.streams.close()
        #expect(run.streams.statusBoard.statusSnapshot().state == .notRunning)
    }

    @Test func lagCountsRecordsNotYetProcessed() throws {
        let run = try run(count: 30)
        // More input arrives; the next refresh (a commit forces one) shows it as lag.
        for index in 0..<9 {
            try run.cluster.send(topic: "in", partition: Int32(index % 3), key: nil, value: Array("late".utf8), timestamp: 0)
        }
        try run.streams.commit()
        #expect(run.streams.statusBoard.statusSnapshot().totalLag == 9)
        #expect(run.metrics.recorders(label: StreamsMetricNames.Consumer.recordsLag).allSatisfy { $0.lastValue == 3 })
        try run.streams.close()
    }

    @Test func closingRemovesTheTaskAndThreadMetrics() throws {
        let run = try run(count: 30)
        #expect(!run.metrics.counters(label: StreamsMetricNames.Task.processTotal).isEmpty)
        try run.streams.close()
        #expect(run.metrics.counters(label: StreamsMetricNames.Task.processTotal).isEmpty)
        #expect(run.metrics.counters(label: StreamsMetricNames.Thread.processTotal).isEmpty)
    }

    @Test func snapshotsRoundTripThroughJSON() throws {
        let run = try run(count: 30)
        let status = run.streams.statusBoard.statusSnapshot()
        let data = try JSONEncoder().encode(status)
        #expect(try JSONDecoder().decode(StatusSnapshot.self, from: data) == status)
        try run.streams.close()
    }
}
