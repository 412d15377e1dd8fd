import Foundation
import Streams
import StreamsKafka
import Testing
import ZMart

/// librdkafka before 2.3 aborts the process when a cooperative-sticky member that has joined
/// its group is destroyed before its first assignment (librdkafka issue 4312). An instance
/// stopped in that window — here, while the group still waits for a dead member's session —
/// must stop cleanly instead.
@Suite("An instance stopped before its first assignment", .serialized)
struct EarlyCloseTests {
    typealias Support = RuntimeTestSupport

    @Test func stopsCleanlyWhileTheGroupWaitsForADeadMember() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: Support.logger)
        for topic in [ZMartTopology.transactions] + ZMartTopology.statefulOutputTopics {
            try cluster.createTopic(topic.rawValue, partitions: 4)
        }
        let (config, kafka) = Support.configs("early-close", bootstrap: cluster.bootstrapServers)
        let dead = try KafkaStreams(topology: try ZMartTopology.makeStateful(), config: config, kafka: kafka)
        try dead.start()
        try Support.waitUntil("the first member owns the partitions") { dead.state == .running && !dead.assignedPartitions.isEmpty }
        dead.simulateCrash()
        #expect(dead.close(timeout: .seconds(30)))
        for _ in 0..<3 {
            let late = try KafkaStreams(topology: try ZMartTopology.makeStateful(), config: config, kafka: kafka)
            try late.start()
            Thread.sleep(forTimeInterval: 0.5)
            #expect(late.close(timeout: .seconds(30)))
            #expect(late.state == .notRunning)
        }
    }
}
