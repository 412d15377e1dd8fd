import Foundation
import Streams

/// ZMart's stream-processing application: masks every purchase's card number, then derives
/// purchase patterns, rewards and the masked purchase log.
///
/// ```text
/// transactions → masking → patterns → "patterns"
///                        → rewards  → "rewards"
///                        → "purchases"
/// ```
///
/// The masking node is the parent of the three others, so no other node ever sees a raw card
/// number. Event time is each purchase's `purchaseDate`.
public enum ZMartTopology {
    /// Input: raw purchases, keyed by whatever the till sends (often the customer id).
    public static let transactions: TopicName = "transactions"
    /// Output: ``PurchasePattern`` per purchase.
    public static let patterns: TopicName = "patterns"
    /// Output: ``RewardAccumulator`` per purchase.
    public static let rewards: TopicName = "rewards"
    /// Output: every masked ``Purchase``.
    public static let purchases: TopicName = "purchases"
    /// The three output topics, in the brief's order.
    public static let outputTopics: [TopicName] = [patterns, rewards, purchases]

    /// Event time from a purchase's date.
    public static let purchaseTime = TimestampExtractor<String, Purchase> { record in
        Int64((record.value.purchaseDate.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// Adds ZMart's nodes to a builder, so that larger applications and tests reuse them.
    /// - Parameters:
    ///   - builder: The builder.
    ///   - outputPrefix: Put before the output topics' names (`bench-patterns`, …), for a
    ///     second copy of the application on one cluster; none by default.
    /// - Returns: The masked purchase stream, for further processing.
    @discardableResult
    public static func addNodes(to builder: StreamsBuilder, outputPrefix: String = "") -> KStream<String, Purchase> {
        let patterns = TopicName(outputPrefix + patterns.rawValue)
        let rewards = TopicName(outputPrefix + rewards.rawValue)
        let purchases = TopicName(outputPrefix + purchases.rawValue)
        let masked = builder
            .stream(
                transactions,
                Consumed(
                    key: .string, value: .json(Purchase.self), timestampExtractor: purchaseTime,
                    name: "transactions-source")
            )
            .process(named: "masking") { PurchaseMasker() }

        masked.mapValues(named: "patterns") { PurchasePattern(purchase: $0) }
            .to(patterns, Produced(key: .string, value: .json(PurchasePattern.self), name: "patterns-sink"))
        masked.mapValues(named: "rewards") { RewardAccumulator(purchase: $0) }
            .to(rewards, Produced(key: .string, value: .json(RewardAccumulator.self), name: "rewards-sink"))
        masked.to(purchases, Produced(key: .string, value: .json(Purchase.self), name: "purchases-sink"))
        return masked
    }

    /// Builds ZMart's topology.
    /// - Parameter outputPrefix: Put before the output topics' names; none by default.
    /// - Throws: Never for this fixed graph; the builder's validation error otherwise.
    public static func make(outputPrefix: String = "") throws -> Topology {
        let builder = StreamsBuilder()
        addNodes(to: builder, outputPrefix: outputPrefix)
        return try builder.build()
    }
}
