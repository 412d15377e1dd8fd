/// Builds realistic, Luhn-valid card numbers for generated test data.
///
/// The numbers use real issuer prefixes and groupings but are random; they
/// are not real accounts.
enum SyntheticCardNumber {
    /// A card layout: issuer prefix choices, digit groups and separator.
    struct Format: Sendable {
        let prefixes: [[UInt8]]
        let groups: [Int]
        /// The separator byte, or `nil` for no separator.
        let separator: UInt8?

        var length: Int { groups.reduce(0, +) }
    }

    private static let space: UInt8 = 0x20
    private static let dash: UInt8 = 0x2D

    /// The formats with their relative weights.
    static let weightedFormats: [(weight: Int, format: Format)] = [
        // Visa 16, dashes
        (20, Format(prefixes: [[4]], groups: [4, 4, 4, 4], separator: dash)),
        // Mastercard 16, spaces
        (20, Format(prefixes: [[5, 1], [5, 2], [5, 3], [5, 4], [5, 5], [2, 2, 2, 1]], groups: [4, 4, 4, 4], separator: space)),
        // Visa / Discover 16, no separator
        (20, Format(prefixes: [[4], [6, 0, 1, 1]], groups: [16], separator: nil)),
        // Discover 16, spaces
        (8, Format(prefixes: [[6, 0, 1, 1], [6, 5]], groups: [4, 4, 4, 4], separator: space)),
        // Amex 15, 4-6-5 with spaces
        (8, Format(prefixes: [[3, 4], [3, 7]], groups: [4, 6, 5], separator: space)),
        // Amex 15, 4-6-5 with dashes
        (6, Format(prefixes: [[3, 4], [3, 7]], groups: [4, 6, 5], separator: dash)),
        // Legacy Visa 13, no separator
        (6, Format(prefixes: [[4]], groups: [13], separator: nil)),
        // UnionPay / Maestro 19, 4-4-4-4-3 with spaces
        (6, Format(prefixes: [[6, 2], [6, 7, 5, 9]], groups: [4, 4, 4, 4, 3], separator: space)),
        // Visa 19, no separator
        (6, Format(prefixes: [[4]], groups: [19], separator: nil)),
    ]

    private static let totalWeight = weightedFormats.reduce(0) { $0 + $1.weight }

    /// Draws a format according to the weights.
    static func randomFormat(using random: inout Xoshiro256StarStar) -> Format {
        var pick = random.nextInt(below: totalWeight)
        for entry in weightedFormats {
            if pick < entry.weight { return entry.format }
            pick -= entry.weight
        }
        return weightedFormats[0].format
    }

    /// Generates a Luhn-valid card number in a random format.
    static func make(using random: inout Xoshiro256StarStar) -> String {
        make(format: randomFormat(using: &random), using: &random)
    }

    /// Generates a Luhn-valid card number in the given format.
    static func make(format: Format, using random: inout Xoshiro256StarStar) -> String {
        let length = format.length
        var digits = format.prefixes[random.nextInt(below: format.prefixes.count)]
        while digits.count < length - 1 {
            digits.append(UInt8(random.nextInt(below: 10)))
        }
        digits.append(luhnCheckDigit(for: digits))

        var bytes: [UInt8] = []
        bytes.reserveCapacity(length + format.groups.count)
        var index = 0
        for (groupIndex, group) in format.groups.enumerated() {
            if groupIndex > 0, let separator = format.separator { bytes.append(separator) }
            for _ in 0..<group {
                bytes.append(0x30 + digits[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The Luhn check digit that makes `payload` + digit a valid number.
    static func luhnCheckDigit(for payload: [UInt8]) -> UInt8 {
        var sum = 0
        var double = true
        for digit in payload.reversed() {
            var value = Int(digit)
            if double {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
            double.toggle()
        }
        return UInt8((10 - sum % 10) % 10)
    }
}
