import Testing
import ZMart

@Suite("CardMasker.mask — properties")
struct CardMaskerPropertyTests {
    @Test("random valid cards keep exactly their last four digits", arguments: [UInt64(1), 0xC0FFEE])
    func validCards(seed: UInt64) {
        var factory = RandomCardFactory(seed: seed)
        for _ in 0..<2_000 {
            let card = factory.validCard()
            let masked = CardMasker.mask(card.text)
            let trimmed = Array(card.text.trimmingASCIIWhitespace().unicodeScalars)
            let output = Array(masked.unicodeScalars)

            // Same shape as the trimmed input.
            #expect(output.count == trimmed.count, "\(card.text.debugDescription) → \(masked)")
            guard output.count == trimmed.count else { continue }

            var digitsSeen = 0
            let total = card.digits.count
            for (original, result) in zip(trimmed, output) {
                if MaskOracle.asciiDigits.contains(original) {
                    digitsSeen += 1
                    if digitsSeen <= total - 4 {
                        #expect(result == "x", "digit \(digitsSeen) of \(card.text.debugDescription) exposed: \(masked)")
                    } else {
                        #expect(result == original, "kept digit changed in \(card.text.debugDescription): \(masked)")
                    }
                } else {
                    #expect(result == original, "separator moved in \(card.text.debugDescription): \(masked)")
                }
            }
            // No other digit anywhere; the visible digits are the card's last four.
            #expect(MaskOracle.digitCount(masked) == 4)
            #expect(MaskOracle.asciiDigitsOnly(masked) == String(card.digits.suffix(4)))
            #expect(masked == MaskOracle.expectedMask(card.text))
            #expect(CardMasker.mask(masked) == masked)
        }
    }

    @Test("random garbage never leaks digits", arguments: [UInt64(2), 0xBAD5EED])
    func garbage(seed: UInt64) {
        var factory = RandomCardFactory(seed: seed)
        var validSeen = 0
        for _ in 0..<3_000 {
            let input = factory.garbage()
            let masked = CardMasker.mask(input)
            let kind = MaskOracle.classify(input)
            #expect(masked == MaskOracle.expectedMask(input), "\(input.debugDescription)")
            switch kind {
            case .unparseable:
                #expect(masked == CardMasker.unparseableMask, "\(input.debugDescription) → \(masked)")
                #expect(MaskOracle.digitCount(masked) == 0)
            case .card, .alreadyMasked:
                validSeen += 1
                #expect(MaskOracle.digitCount(masked) == 4)
            }
            #expect(MaskOracle.digitCount(masked) <= 4)
            #expect(CardMasker.mask(masked) == masked)
        }
        // Sanity: the garbage is mostly garbage.
        #expect(validSeen < 300)
    }

    @Test("a valid card broken by one mutation is masked whole", arguments: [UInt64(3), 0xFEED])
    func brokenCards(seed: UInt64) {
        var factory = RandomCardFactory(seed: seed)
        for _ in 0..<2_000 {
            let broken = factory.brokenCard()
            let masked = CardMasker.mask(broken.text)
            #expect(masked == CardMasker.unparseableMask, "\(broken.mutation): \(broken.text.debugDescription) → \(masked)")
            #expect(MaskOracle.classify(broken.text) == .unparseable, "oracle disagrees: \(broken.text.debugDescription)")
        }
    }

    @Test("strings built from substrings mask the same")
    func substringInputs() {
        var factory = RandomCardFactory(seed: 4)
        for _ in 0..<200 {
            let card = factory.validCard()
            let embedded = "<<" + card.text + ">>"
            let slice = String(embedded.dropFirst(2).dropLast(2))
            #expect(CardMasker.mask(slice) == CardMasker.mask(card.text))
        }
    }
}
