import Streams

/// The first processor of ZMart: masks the card number of every purchase, keeping only its
/// last four digits, and masks any card number written into the key or a free-text field.
///
/// Every other node is its child, so none of them, and no topic, sees a raw card number.
public final class PurchaseMasker: Processor {
    private var context: ProcessorContext<String, Purchase>!

    /// Creates the processor.
    public init() {}

    /// Keeps the context.
    public func initialize(context: ProcessorContext<String, Purchase>) {
        self.context = context
    }

    /// Forwards the masked purchase.
    public func process(_ record: Record<String, Purchase>) throws {
        try context.forward(
            record.with(key: CardMasker.maskEmbeddedCardNumbers(in: record.key), value: record.value.masked()))
    }
}

extension Purchase {
    /// This purchase with its card number masked (last four digits kept) and any card number
    /// written into another text field masked too.
    public func masked() -> Purchase {
        var copy = self
        copy.creditCardNumber = CardMasker.mask(creditCardNumber)
        copy.firstName = CardMasker.maskEmbeddedCardNumbers(in: firstName)
        copy.lastName = CardMasker.maskEmbeddedCardNumbers(in: lastName)
        copy.customerId = CardMasker.maskEmbeddedCardNumbers(in: customerId)
        copy.itemPurchased = CardMasker.maskEmbeddedCardNumbers(in: itemPurchased)
        copy.department = CardMasker.maskEmbeddedCardNumbers(in: department)
        copy.employeeId = CardMasker.maskEmbeddedCardNumbers(in: employeeId)
        copy.zipCode = CardMasker.maskEmbeddedCardNumbers(in: zipCode)
        copy.storeId = CardMasker.maskEmbeddedCardNumbers(in: storeId)
        return copy
    }
}
