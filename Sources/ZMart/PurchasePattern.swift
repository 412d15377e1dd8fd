import Foundation

/// Where, when and for how much an item was bought: the record of the
/// `patterns` stream, used to analyse purchase patterns by location.
public struct PurchasePattern: Codable, Equatable, Hashable, Sendable {
    /// The five-digit zip code of the store.
    public var zipCode: String
    /// The item bought.
    public var item: String
    /// When the purchase happened.
    public var date: Date
    /// The amount paid: quantity × unit price.
    public var amount: Double

    /// Creates a purchase pattern.
    ///
    /// - Parameters:
    ///   - zipCode: The store's zip code.
    ///   - item: The item bought.
    ///   - date: When the purchase happened.
    ///   - amount: The amount paid.
    public init(zipCode: String, item: String, date: Date, amount: Double) {
        self.zipCode = zipCode
        self.item = item
        self.date = date
        self.amount = amount
    }

    /// Derives the pattern of a purchase.
    ///
    /// - Parameter purchase: The purchase; its zip code, item, date and
    ///   ``Purchase/total`` (quantity × price) are used.
    public init(purchase: Purchase) {
        self.init(
            zipCode: purchase.zipCode,
            item: purchase.itemPurchased,
            date: purchase.purchaseDate,
            amount: purchase.total
        )
    }
}
