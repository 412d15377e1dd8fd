import Testing
import ZMart

@Suite("CardMasker.maskEmbeddedCardNumbers")
struct EmbeddedCardMaskingTests {
    static let cases: [(input: String, expected: String)] = [
        ("card 4111-1111-1111-1111 bought", "card xxxx-xxxx-xxxx-1111 bought"),
        ("4111111111111111", "xxxxxxxxxxxx1111"),
        ("paid 4111 1111 1111 1111.", "paid xxxx xxxx xxxx 1111."),
        ("amex 3714 496353 98431 and visa 4222222222222", "amex xxxx xxxxxx x8431 and visa xxxxxxxxx2222"),
        ("C-4111111111111111", "C-xxxxxxxxxxxx1111"),
        ("name4111111111111111x", "namexxxxxxxxxxxx1111x"),
        ("1234-5678-9012-3456-7890123456789", "xxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxxx"),
        ("run 1234567890123456789012345 end", "run xxxxxxxxxxxxxxxxxxxxxxxxx end"),
        ("6250941006528599431", "xxxxxxxxxxxxxxx9431"),
        ("12345678901234567890", "xxxxxxxxxxxxxxxxxxxx"),
        ("4111--1111-1111-1111", "4111--xxxx-xxxx-1111"),    // runs of 4 and 12 digits
        ("4111.1111.1111.1111", "4111.1111.1111.1111"),      // dots split the runs
        ("123456789012-", "xxxxxxxx9012-"),
        ("-123456789012 ", "-xxxxxxxx9012 "),
        ("é 4111 1111 1111 1111 ü", "é xxxx xxxx xxxx 1111 ü"),
        ("xxxx-xxxx-xxxx-3456", "xxxx-xxxx-xxxx-3456"),
    ]

    @Test("embedded card numbers are masked", arguments: cases)
    func masksEmbedded(input: String, expected: String) {
        let masked = CardMasker.maskEmbeddedCardNumbers(in: input)
        #expect(masked == expected)
        #expect(masked.utf8.count == input.utf8.count)
        #expect(CardMasker.maskEmbeddedCardNumbers(in: masked) == masked)
    }

    static let untouched: [String] = [
        "", "zip 90210", "C-004711", "S-017", "E-1234", "order 12345678901",
        "1234 5678 901", "call 555-123-4567", "2026-11-25 08:00:00",
        "plain text without numbers", "４１１１１１１１１１１１１１１１",
    ]

    @Test("text without a 12-digit run is returned unchanged", arguments: untouched)
    func leavesShortNumbers(input: String) {
        #expect(CardMasker.maskEmbeddedCardNumbers(in: input) == input)
    }

    @Test("a random card embedded in random words is masked exactly", arguments: [UInt64(5), 6])
    func randomEmbedding(seed: UInt64) {
        var factory = RandomCardFactory(seed: seed)
        let words = ["key", "customer", "bought", "card:", "#", "(", ")", "paid with", "é", "😀"]
        for _ in 0..<1_000 {
            let card = factory.validCard()
            let body = card.text.trimmingASCIIWhitespace()
            let prefix = factory.pick(words) + " "
            let suffix = " " + factory.pick(words)
            let masked = CardMasker.maskEmbeddedCardNumbers(in: prefix + body + suffix)
            #expect(masked == prefix + CardMasker.mask(body) + suffix)
            #expect(MaskOracle.digitCount(masked) == 4)
        }
    }
}
