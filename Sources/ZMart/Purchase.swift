import Foundation

/// A single purchase made at a ZMart store: the raw record of the
/// `purchases` stream.
///
/// The record contains a credit card number; call ``maskingCreditCard()``
/// before the record leaves the ingestion stage.
public struct Purchase: Codable, Equatable, Hashable, Sendable {
    /// The customer's first name.
    public var firstName: String
    /// The customer's last name.
    public var lastName: String
    /// The stable customer identifier, for example `"C-004711"`.
    public var customerId: String
    /// The card number used for payment; raw until masked.
    public var creditCardNumber: String
    /// The name of the item bought, for example `"headphones"`.
    public var itemPurchased: String
    /// The department the item belongs to, for example `"electronics"`.
    public var department: String
    /// The employee who handled the sale, for example `"E-1234"`.
    public var employeeId: String
    /// The number of units bought.
    public var quantity: Int
    /// The unit price in dollars.
    public var price: Double
    /// When the purchase happened (the event time).
    public var purchaseDate: Date
    /// The five-digit US zip code of the store.
    public var zipCode: String
    /// The store identifier, for example `"S-017"`.
    public var storeId: String

    /// Creates a purchase.
    ///
    /// - Parameters:
    ///   - firstName: The customer's first name.
    ///   - lastName: The customer's last name.
    ///   - customerId: The stable customer identifier.
    ///   - creditCardNumber: The card number used for payment.
    ///   - itemPurchased: The name of the item bought.
    ///   - department: The department the item belongs to.
    ///   - employeeId: The employee who handled the sale.
    ///   - quantity: The number of units bought.
    ///   - price: The unit price in dollars.
    ///   - purchaseDate: When the purchase happened.
    ///   - zipCode: The store's zip code.
    ///   - storeId: The store identifier.
    public init(
        firstName: String,
        lastName: String,
        customerId: String,
        creditCardNumber: String,
        itemPurchased: String,
        department: String,
        employeeId: String,
        quantity: Int,
        price: Double,
        purchaseDate: Date,
        zipCode: String,
        storeId: String
    ) {
        self.firstName = firstName
        self.lastName = lastName
        self.customerId = customerId
        self.creditCardNumber = creditCardNumber
        self.itemPurchased = itemPurchased
        self.department = department
        self.employeeId = employeeId
        self.quantity = quantity
        self.price = price
        self.purchaseDate = purchaseDate
        self.zipCode = zipCode
        self.storeId = storeId
    }

    /// The amount paid: quantity × unit price.
    public var total: Double { Double(quantity) * price }

    /// Why a purchase of `quantity` units at `price` cannot be processed, or `nil` if it can.
    ///
    /// Its ``total`` must be a finite number: JSON has no infinity, so neither the pattern nor
    /// the reward of an infinite amount could be written. Both decoders refuse such a purchase
    /// as malformed, so it is reported and skipped like any other bad input.
    static func invalidAmount(quantity: Int, price: Double) -> String? {
        (Double(quantity) * price).isFinite ? nil : "quantity × price is not a finite amount"
    }

    /// Decodes a purchase, refusing one whose amount is not finite (see ``total``).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        firstName = try c.decode(String.self, forKey: .firstName)
        lastName = try c.decode(String.self, forKey: .lastName)
        customerId = try c.decode(String.self, forKey: .customerId)
        creditCardNumber = try c.decode(String.self, forKey: .creditCardNumber)
        itemPurchased = try c.decode(String.self, forKey: .itemPurchased)
        department = try c.decode(String.self, forKey: .department)
        employeeId = try c.decode(String.self, forKey: .employeeId)
        quantity = try c.decode(Int.self, forKey: .quantity)
        price = try c.decode(Double.self, forKey: .price)
        purchaseDate = try c.decode(Date.self, forKey: .purchaseDate)
        zipCode = try c.decode(String.self, forKey: .zipCode)
        storeId = try c.decode(String.self, forKey: .storeId)
        if let reason = Self.invalidAmount(quantity: quantity, price: price) {
            throw DecodingError.dataCorruptedError(forKey: .price, in: c, debugDescription: reason)
        }
    }

    /// Returns a copy whose card number is masked with ``CardMasker/mask(_:)``.
    ///
    /// - Returns: The same purchase with all but the last four card digits
    ///   replaced by `x`, or with ``CardMasker/unparseableMask`` if the card
    ///   field is not a recognisable card number.
    public func maskingCreditCard() -> Purchase {
        var copy = self
        copy.creditCardNumber = CardMasker.mask(creditCardNumber)
        return copy
    }
}
