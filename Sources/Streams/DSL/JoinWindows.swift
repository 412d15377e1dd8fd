/// How far apart in time two records may be to join in a stream-stream join, and how long
/// after that a late record is still accepted. Kafka Streams' `JoinWindows`.
///
/// A record of the left stream at time `t` joins the right stream's records (with the same
/// key) at `t - before ... t + after`, both ends inclusive; a right record at `t` joins the
/// left records at `t - after ... t + before`.
///
/// ```swift
/// // Records at most five minutes apart, accepted until one minute after their window.
/// let windows = JoinWindows.ofTimeDifference(.seconds(300), grace: .seconds(60))
/// // Only right records up to ten seconds after the left one.
/// let after = JoinWindows.ofTimeDifference(.seconds(10), grace: .zero).before(.zero)
/// ```
public struct JoinWindows: Sendable, Hashable {
    /// How long before a left record a right record may be to join it, in milliseconds.
    public let beforeMillis: Int64
    /// How long after a left record a right record may be to join it, in milliseconds.
    public let afterMillis: Int64
    /// How long after its window a record is still accepted, in milliseconds; later ones are
    /// dropped and counted as late.
    public let graceMillis: Int64

    /// Windows that join records at most `difference` apart: `|t1 - t2| <= difference`.
    /// - Parameters:
    ///   - difference: The largest time difference between joined records.
    ///   - grace: How long after its window a record is still accepted.
    /// - Precondition: `difference` and `grace` are not negative.
    public static func ofTimeDifference(_ difference: Duration, grace: Duration) -> JoinWindows {
        precondition(difference >= .zero, "the time difference cannot be negative")
        precondition(grace >= .zero, "the grace period cannot be negative")
        return JoinWindows(
            beforeMillis: difference.milliseconds, afterMillis: difference.milliseconds, graceMillis: grace.milliseconds)
    }

    /// The same windows with a different reach before the left record: right records up to
    /// `before` earlier join it.
    /// - Precondition: `-before <= after`, so the window is not empty.
    public func before(_ before: Duration) -> JoinWindows {
        precondition(-before.milliseconds <= afterMillis, "the window would be empty: -before > after")
        return JoinWindows(beforeMillis: before.milliseconds, afterMillis: afterMillis, graceMillis: graceMillis)
    }

    /// The same windows with a different reach after the left record: right records up to
    /// `after` later join it.
    /// - Precondition: `-after <= before`, so the window is not empty.
    public func after(_ after: Duration) -> JoinWindows {
        precondition(-after.milliseconds <= beforeMillis, "the window would be empty: -after > before")
        return JoinWindows(beforeMillis: beforeMillis, afterMillis: after.milliseconds, graceMillis: graceMillis)
    }
}
