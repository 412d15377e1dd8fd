import Streams
import StreamsKafka
import Testing

@Suite("librdkafka version and properties")
struct VersionTests {
    @Test func loadedVersionIsSupported() throws {
        try LibrdkafkaVersion.check()
        #expect(LibrdkafkaVersion.current.hasPrefix("2."))
    }

    @Test func olderVersionIsRefused() throws {
        let error = #expect(throws: StreamsError.self) {
            try LibrdkafkaVersion.check(encodedVersion: 0x0109_02ff)
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message == "librdkafka 1.9.2 is older than the minimum 2.0.0: install librdkafka-dev ≥ 2.0")
        try LibrdkafkaVersion.check(encodedVersion: 0x0200_00ff)
        try LibrdkafkaVersion.check(encodedVersion: 0x0301_00ff)
    }

    @Test func unknownPropertyIsNamed() throws {
        let error = #expect(throws: StreamsError.self) {
            _ = try KafkaProducer(
                properties: ["bootstrap.servers": "127.0.0.1:1", "no.such.property": "1"], logger: CapturedLogs().logger())
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("'no.such.property'") == true)
    }

    @Test func badValueIsNamedWithLibrdkafkasMessage() throws {
        let error = #expect(throws: StreamsError.self) {
            _ = try KafkaConsumer(
                groupId: "g", properties: ["bootstrap.servers": "127.0.0.1:1", "session.timeout.ms": "abc"],
                logger: CapturedLogs().logger()) { _ in }
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("'session.timeout.ms'") == true)
        #expect(error?.message.contains("Invalid value for configuration property") == true)
    }

    @Test func secretsStayOutOfDescriptionsErrorsAndLogs() throws {
        let secret = "hunter2-\(UInt32.random(in: 0...UInt32.max))"
        let properties = [
            "bootstrap.servers": "127.0.0.1:1", "sasl.password": secret, "ssl.key.password": secret,
            "sasl.oauthbearer.config": secret, "my.token": secret,
        ]
        let description = KafkaProperties.redactedDescription(of: properties)
        #expect(!description.contains(secret))
        #expect(description.contains("sasl.password=[redacted]"))
        #expect(description.contains("bootstrap.servers=127.0.0.1:1"))

        let logs = CapturedLogs()
        // A bad value (a boolean property) and an unknown property, both secret-looking.
        for (key, value) in [("enable.sasl.oauthbearer.unsecure.jwt", secret), ("my.secret.setting", secret)] {
            let error = #expect(throws: StreamsError.self) {
                _ = try KafkaProducer(properties: ["bootstrap.servers": "127.0.0.1:1", key: value], logger: logs.logger(level: .trace))
            }
            #expect(error?.code == .invalidConfiguration)
            #expect(error?.message.contains("'\(key)'") == true)
            #expect(error.map { String(describing: $0) }?.contains(secret) == false)
        }
        #expect(!logs.all.contains { $0.contains(secret) })
    }
}
