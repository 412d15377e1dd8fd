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
            record.with(
                key: CardMasker.maskEmbeddedCardNumbersIfAny(in: record.key) ?? record.key,
                value: record.value.masked()))
    }
}

extension Purchase {
    /// This purchase with its card number masked (last four digits kept) and any card number
    /// written into another text field masked too.
    public func masked() -> Purchase {
        var copy = self
        copy.creditCardNumber = CardMasker.mask(creditCardNumber)
        // Free-text fields rarely hold a card number: reassign only the ones that do.
        if let text = CardMasker.maskEmbeddedCardNumbersIfAny(in: firstName) { copy.firstName = text }
        if let text = CardMasker.maskEmbeddedCardNumbersIfAny(in: lastName) { copy.lastName = text }
        if let text = CardMasker.maskEmbeddedCardNumbersIfAny(in: customerId) { copy.customerId = text }
        if let text = CardMasker.maskEmbeddedCardNumbersIfAny(in: itemPurchased) { copy.itemPurchased = text }
        if let text = CardMasker.maskEmbeddedCardNumbersIfAny(in: department) { copy.department = text }
        if let text = CardMasker.maskEmbeddedCardNumbersIfAny(in: employeeId) { copy.employeeId = text }
        if let text = CardMasker.maskEmbeddedCardNumbersIfAny(in: zipCode) { copy.zipCode = text }
        if let text = CardMasker.maskEmbeddedCardNumbersIfAny(in: storeId) { copy.storeId = text }
        return copy
    }
}
