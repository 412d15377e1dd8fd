import Testing
import ZMart

@Suite("CardMasker.mask — table")
struct CardMaskerTableTests {
    static let cards: [(input: String, expected: String)] = [
        ("1234-5678-9012-3456", "xxxx-xxxx-xxxx-3456"),
        ("1234567890123", "xxxxxxxxx0123"),
        ("4111 1111 1111 1111", "xxxx xxxx xxxx 1111"),
        ("123456789012", "xxxxxxxx9012"),
        ("1234 5678 9012", "xxxx xxxx 9012"),
        ("4222222222222", "xxxxxxxxx2222"),
        ("371449635398431", "xxxxxxxxxxx8431"),
        ("3714 496353 98431", "xxxx xxxxxx x8431"),
        ("3714-496353-98431", "xxxx-xxxxxx-x8431"),
        ("4111111111111111", "xxxxxxxxxxxx1111"),
        ("5500 0000 0000 0004", "xxxx xxxx xxxx 0004"),
        ("6250941006528599431", "xxxxxxxxxxxxxxx9431"),
        ("6250 9410 0652 8599 431", "xxxx xxxx xxxx xxx9 431"),
        ("1234 5678-9012 3456", "xxxx xxxx-xxxx 3456"),
        ("1-2-3-4-5-6-7-8-9-0-1-2", "x-x-x-x-x-x-x-x-9-0-1-2"),
        ("12 34-5678 90 12 34 5 6", "xx xx-xxxx xx xx 34 5 6"),
        ("  4111-1111-1111-1111  ", "xxxx-xxxx-xxxx-1111"),
        ("\t4111 1111 1111 1111\n", "xxxx xxxx xxxx 1111"),
        ("\r\n 371449635398431 \r\n", "xxxxxxxxxxx8431"),
        ("0000000000000000", "xxxxxxxxxxxx0000"),
    ]

    @Test("card numbers keep only their last four digits", arguments: cards)
    func masksCardNumbers(input: String, expected: String) {
        #expect(CardMasker.mask(input) == expected)
        #expect(CardMasker.isCardNumber(input))
    }

    static let alreadyMasked: [(input: String, expected: String)] = [
        ("xxxx-xxxx-xxxx-3456", "xxxx-xxxx-xxxx-3456"),
        ("xxxxxxxxx0123", "xxxxxxxxx0123"),
        ("xxxx xxxxxx x8431", "xxxx xxxxxx x8431"),
        ("xxxx xxxx xxxx xxx9 431", "xxxx xxxx xxxx xxx9 431"),
        ("xxxxxxxx9012", "xxxxxxxx9012"),
        (" xxxx xxxx xxxx 1111\t", "xxxx xxxx xxxx 1111"),
    ]

    @Test("already-masked values map to themselves", arguments: alreadyMasked)
    func idempotentOnMaskedValues(input: String, expected: String) {
        #expect(CardMasker.mask(input) == expected)
        #expect(!CardMasker.isCardNumber(input))
    }

    static let unparseable: [String] = [
        "", " ", "\t\n", "n/a", "null", "unknown",
        "12345678901",                          // 11 digits
        "1234 5678 901",                        // 11 digits, grouped
        "12345678901234567890",                 // 20 digits
        "1234-5678-9012-3456-7890",             // 20 digits, grouped
        "4111.1111.1111.1111",
        "4111/1111/1111/1111",
        "4111_1111_1111_1111",
        "4111\t1111\t1111\t1111",
        "4111\n1111 1111 1111",
        "4111--1111-1111-1111",
        "4111  1111 1111 1111",
        "4111 -1111 1111 1111",
        "-4111-1111-1111-1111",
        "4111-1111-1111-1111-",
        " -4111 1111 1111 1111 ",
        "4111 1111 1111 111a",
        "card 4111 1111 1111 1111",
        "+14111111111111111",
        "(4111) 1111 1111 1111",
        "４１１１１１１１１１１１１１１１",          // fullwidth digits
        "٤١١١١١١١١١١١١١١١",                    // Arabic-Indic digits
        "4111 1111 1111 111١",                  // one Arabic-Indic digit
        "४१११११११११११११११",                    // Devanagari digits
        "4111 1111 1111 1111\u{00A0}",          // trailing no-break space
        "\u{00A0}4111 1111 1111 1111",          // leading no-break space
        "4111\u{2011}1111\u{2011}1111\u{2011}1111", // non-breaking hyphen
        "4111\u{2013}1111\u{2013}1111\u{2013}1111", // en dash
        "4111 1111 1111 1111\u{0301}",          // combining mark on last digit
        "xxxx-xxxx-xxxx-xxxx",
        "XXXX-XXXX-XXXX-3456",                  // uppercase placeholders
        "xxxx-xxxx-xxxx-345",                   // three visible digits
        "xxxx-xxxx-xxxx-34567",                 // five visible digits
        "1234-xxxx-xxxx-3456",                  // digits before placeholders
        "xxxx-1234-xxxx-3456",
        "12xx-xxxx-xxxx-xx34",                  // four digits, but not at the end
        "xxxx-xxxx-xxxx-3x456",
        "xxxxxxxxxxxxxxxxxxxx1234",             // 24 positions
        "xxx1234",                              // 7 positions
        "xxxx--xxxx-xxxx-3456",
        "****-****-****-3456",
        "😀4111111111111111",
    ]

    @Test("everything else is masked whole", arguments: unparseable)
    func masksUnparseableWhole(input: String) {
        let masked = CardMasker.mask(input)
        #expect(masked == CardMasker.unparseableMask)
        #expect(MaskOracle.digitCount(masked) == 0)
        #expect(!CardMasker.isCardNumber(input))
    }

    @Test("a 12-position masked value is accepted")
    func shortestMaskedValue() {
        #expect(CardMasker.mask("xxxx-xxxx-3456") == "xxxx-xxxx-3456")
    }

    @Test("the unparseable mask is fixed and digit-free")
    func unparseableMaskShape() {
        #expect(CardMasker.unparseableMask == "xxxx-xxxx-xxxx-xxxx")
        #expect(CardMasker.mask(CardMasker.unparseableMask) == CardMasker.unparseableMask)
    }

    @Test("masking is idempotent", arguments: cards.map(\.input) + unparseable)
    func idempotent(input: String) {
        let once = CardMasker.mask(input)
        #expect(CardMasker.mask(once) == once)
    }

    @Test("masking a purchase touches only the card number")
    func maskingPurchase() {
        var generator = PurchaseGenerator(seed: 7)
        let purchase = generator.next()
        let masked = purchase.maskingCreditCard()
        #expect(masked.creditCardNumber == CardMasker.mask(purchase.creditCardNumber))
        #expect(masked.creditCardNumber != purchase.creditCardNumber)
        var restored = masked
        restored.creditCardNumber = purchase.creditCardNumber
        #expect(restored == purchase)
    }
}
