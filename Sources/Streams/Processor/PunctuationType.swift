/// Which clock drives a punctuation.
public enum PunctuationType: Sendable, Hashable {
    /// Stream time: the largest record timestamp the task has seen. It advances only when
    /// records arrive, so a punctuation on stream time is driven purely by the data.
    case streamTime
    /// Wall-clock time of the runtime (virtual and advanced by hand in the test driver).
    case wallClockTime
}

/// A scheduled punctuation; cancel it to stop further calls.
public final class Cancellable {
    @usableFromInline var isCancelled = false
    init() {}
    /// Stops the punctuation; the punctuator is not called again.
    public func cancel() { isCancelled = true }
}

@available(*, unavailable, message: "punctuations are confined to their task")
extension Cancellable: Sendable {}
