import Logging

/// Where and how ``KStream/print(_:)`` writes records: a logger, a label and a formatter.
///
/// Printing is for development: the formatter decides what is shown, so never format a value
/// that may hold personal data such as a card number.
public struct Printed<Key, Value>: Sendable {
    /// Receives one line per record at `info` level.
    public var logger: Logger
    /// Prefixes every line, e.g. `[patterns]`.
    public var label: String?
    /// Formats one record; by default `key, value`.
    public var format: @Sendable (Key, Value) -> String

    /// Creates the options.
    /// - Parameters:
    ///   - logger: Receives one line per record.
    ///   - label: Prefixes every line.
    ///   - format: Formats one record.
    public init(
        logger: Logger, label: String? = nil,
        format: @escaping @Sendable (Key, Value) -> String = { key, value in "\(key), \(value)" }
    ) {
        self.logger = logger
        self.label = label
        self.format = format
    }
}
