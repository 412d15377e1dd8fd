import Streams

/// Decides what happens when an output record cannot be written: the brokers rejected it,
/// its delivery timed out, or the client refused it (too large, unknown topic).
///
/// Either way the failure is logged with the topic, partition and error, never with the
/// record's bytes.
public struct ProductionErrorHandler: Sendable {
    /// The handler's decision.
    public enum Response: Sendable, Hashable {
        /// Count the record as dropped and go on; the input offsets are committed.
        case `continue`
        /// Stop: the runtime goes to the `error` state and commits nothing more, so the inputs
        /// are processed again after a restart.
        case fail
    }

    let decide: @Sendable (DeliveryFailure) -> Response

    /// Creates a handler.
    /// - Parameter decide: Called once per record that could not be written.
    public init(_ decide: @escaping @Sendable (DeliveryFailure) -> Response) {
        self.decide = decide
    }

    /// Fails on the first record that cannot be written: the default.
    public static let logAndFail = ProductionErrorHandler { _ in .fail }

    /// Logs each record that cannot be written, drops it and goes on.
    public static let logAndContinue = ProductionErrorHandler { _ in .continue }
}
