/// The name of a Kafka topic.
///
/// A distinct type, not a bare `String`, so that a topic can never be passed where a node or
/// store name is expected. Write it as a string literal:
///
/// ```swift
/// let purchases: TopicName = "purchases"
/// ```
public struct TopicName: Hashable, Sendable, Comparable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    /// The topic's name as Kafka knows it.
    public let rawValue: String

    /// Creates a topic name.
    /// - Parameter rawValue: The name as Kafka knows it.
    @inlinable public init(_ rawValue: String) { self.rawValue = rawValue }

    /// Creates a topic name from a string literal.
    public init(stringLiteral value: String) { self.rawValue = value }

    /// The topic's name.
    public var description: String { rawValue }

    /// Whether two names are equal. Names of different lengths differ at once: runtimes look
    /// topics up by name for every record they write, and String's general comparison of two
    /// unequal names costs many times more. (Kafka's legal names are ASCII, where equal
    /// strings are equal bytes.)
    @inlinable
    public static func == (lhs: TopicName, rhs: TopicName) -> Bool {
        lhs.rawValue.utf8.count == rhs.rawValue.utf8.count && lhs.rawValue == rhs.rawValue
    }

    /// Orders topic names alphabetically.
    public static func < (lhs: TopicName, rhs: TopicName) -> Bool { lhs.rawValue < rhs.rawValue }
}
