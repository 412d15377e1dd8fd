/// The reward points a customer earns for a purchase: the record of the
/// `rewards` stream.
public struct RewardAccumulator: Codable, Equatable, Hashable, Sendable {
    /// The customer who earns the points.
    public var customerId: String
    /// The amount of the purchase: quantity × unit price.
    public var purchaseTotal: Double
    /// The points earned: one per whole dollar (see ``points(for:)``).
    public var rewardPoints: Int

    /// Creates a reward accumulator.
    ///
    /// - Parameters:
    ///   - customerId: The customer who earns the points.
    ///   - purchaseTotal: The amount of the purchase.
    ///   - rewardPoints: The points earned.
    public init(customerId: String, purchaseTotal: Double, rewardPoints: Int) {
        self.customerId = customerId
        self.purchaseTotal = purchaseTotal
        self.rewardPoints = rewardPoints
    }

    /// Derives the reward for a purchase.
    ///
    /// `purchaseTotal` is ``Purchase/total`` (quantity × price) and
    /// `rewardPoints` is ``points(for:)`` of that total.
    ///
    /// - Parameter purchase: The purchase that earns the reward.
    public init(purchase: Purchase) {
        let total = purchase.total
        self.init(
            customerId: purchase.customerId,
            purchaseTotal: total,
            rewardPoints: Self.points(for: total)
        )
    }

    /// The relative tolerance within which a total counts as a whole number.
    public static let integerTolerance = 1e-9

    /// Computes the reward points for a purchase total: its whole part,
    /// truncated toward zero.
    ///
    /// Binary floating point cannot represent most cent amounts exactly, so a
    /// product such as `0.29 * 100` evaluates to `28.999999999999996`. Plain
    /// truncation would award 28 points for a $29 purchase. Therefore a total
    /// that lies within representation error of an integer counts as that
    /// integer:
    ///
    /// ```swift
    /// let nearest = total.rounded()
    /// if abs(total - nearest) <= 1e-9 * max(1, abs(total)) { nearest }
    /// else { total.rounded(.towardZero) }
    /// ```
    ///
    /// Examples: `28.999999999999996` → 29, `59.97000000000001` → 59,
    /// `9.999` → 9, `-3.5` → -3.
    ///
    /// The tolerance is relative, so it grows with the total: it stays below
    /// a thousandth of a cent up to $10,000 and below one cent up to
    /// $10,000,000; from about $500,000,000 upward it exceeds half a dollar
    /// and the result becomes round-to-nearest. Retail totals are far below
    /// that range.
    ///
    /// - Parameter total: The purchase total in dollars.
    /// - Returns: The points; clamped to `Int.min...Int.max` for huge totals,
    ///   and 0 for NaN or infinite totals. Never traps.
    public static func points(for total: Double) -> Int {
        guard total.isFinite else { return 0 }
        let nearest = total.rounded()
        let whole: Double
        if abs(total - nearest) <= integerTolerance * max(1, abs(total)) {
            whole = nearest
        } else {
            whole = total.rounded(.towardZero)
        }
        // Double(Int.max) rounds up to 2^63, which does not fit in Int.
        if whole >= 0x1p63 { return Int.max }
        if whole < -0x1p63 { return Int.min }
        return Int(whole)
    }
}
