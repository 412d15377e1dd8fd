/// Helpers for librdkafka properties, which clients take as `[String: String]`
/// (the keys of librdkafka's `CONFIGURATION.md`, e.g. `bootstrap.servers`).
public enum KafkaProperties {
    /// Fragments of property names whose values are secrets: they are never logged nor put
    /// into an error message.
    public static let secretKeyFragments: [String] = [
        "password", "secret", "sasl.jaas", "sasl.oauthbearer", "ssl.key", "ssl.keystore", "token",
    ]

    /// Whether a property's value must be kept out of logs and errors.
    /// - Parameter key: A property name such as `sasl.password`.
    public static func isSecret(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return secretKeyFragments.contains { lowered.contains($0) }
    }

    /// The properties as `key=value` lines sorted by key, with the value of every secret key
    /// (see ``isSecret(_:)``) replaced by `[redacted]`: safe to log.
    /// - Parameter properties: The properties to describe.
    public static func redactedDescription(of properties: [String: String]) -> String {
        properties.keys.sorted().map { key in
            "\(key)=\(isSecret(key) ? "[redacted]" : properties[key]!)"
        }.joined(separator: "\n")
    }
}
