import ZMart

/// An independent, deliberately simple reference model of the masking rules,
/// written over Unicode scalars and `split` rather than bytes and a state
/// machine, used to cross-check `CardMasker` in property tests.
enum MaskOracle {
    enum Kind: Equatable {
        case card(masked: String)
        case alreadyMasked(String)
        case unparseable
    }

    static let asciiWhitespace: Set<Unicode.Scalar> = [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}"]
    static let asciiDigits = Set("0123456789".unicodeScalars)

    static func classify(_ input: String) -> Kind {
        var scalars = Array(input.unicodeScalars)
        while let first = scalars.first, asciiWhitespace.contains(first) { scalars.removeFirst() }
        while let last = scalars.last, asciiWhitespace.contains(last) { scalars.removeLast() }
        let groups = scalars.split(omittingEmptySubsequences: false) { $0 == " " || $0 == "-" }
        guard !scalars.isEmpty, groups.allSatisfy({ !$0.isEmpty }) else { return .unparseable }
        let positions = groups.flatMap { $0 }
        guard (12...19).contains(positions.count) else { return .unparseable }
        if positions.allSatisfy({ asciiDigits.contains($0) }) {
            var remaining = positions.count
            var output = String.UnicodeScalarView()
            for scalar in scalars {
                if asciiDigits.contains(scalar) {
                    output.append(remaining > 4 ? "x" : scalar)
                    remaining -= 1
                } else {
                    output.append(scalar)
                }
            }
            return .card(masked: String(output))
        }
        let placeholders = positions.prefix { $0 == "x" }
        let tail = positions.dropFirst(placeholders.count)
        if !placeholders.isEmpty, tail.count == 4, tail.allSatisfy({ asciiDigits.contains($0) }) {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars)
            return .alreadyMasked(String(view))
        }
        return .unparseable
    }

    static func expectedMask(_ input: String) -> String {
        switch classify(input) {
        case let .card(masked): return masked
        case let .alreadyMasked(value): return value
        case .unparseable: return CardMasker.unparseableMask
        }
    }

    /// Counts every Unicode digit (any script), not only ASCII.
    static func digitCount(_ text: String) -> Int {
        text.unicodeScalars.filter { $0.properties.numericType != nil }.count
    }

    static func asciiDigitsOnly(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { asciiDigits.contains($0) }))
    }

    static func isLuhnValid(_ digits: String) -> Bool {
        var sum = 0
        for (offset, character) in digits.reversed().enumerated() {
            guard var value = character.wholeNumberValue else { return false }
            if offset % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return sum % 10 == 0
    }
}
