import ZMart

/// Produces random, formatted card numbers and garbage strings from a seeded
/// generator, for property tests.
struct RandomCardFactory {
    var random: Xoshiro256StarStar

    init(seed: UInt64) {
        random = Xoshiro256StarStar(seed: seed)
    }

    mutating func pick<T>(_ values: [T]) -> T {
        values[random.nextInt(below: values.count)]
    }

    mutating func digits(count: Int) -> [Character] {
        (0..<count).map { _ in Character(String(random.nextInt(below: 10))) }
    }

    /// A valid card: returns the formatted text and its plain digits.
    mutating func validCard() -> (text: String, digits: String) {
        let digits = digits(count: random.nextInt(in: 12...19))
        var body = ""
        switch random.nextInt(below: 5) {
        case 0: // plain
            body = String(digits)
        case 1, 2: // groups of four with one separator style
            let separator: Character = random.nextInt(below: 2) == 0 ? "-" : " "
            for (index, digit) in digits.enumerated() {
                if index > 0, index % 4 == 0 { body.append(separator) }
                body.append(digit)
            }
        default: // random group sizes, random separator per gap
            var index = 0
            while index < digits.count {
                if index > 0 { body.append(pick(["-", " "])) }
                let size = random.nextInt(in: 1...6)
                for digit in digits[index..<min(index + size, digits.count)] { body.append(digit) }
                index += size
            }
        }
        let lead = random.nextInt(below: 3) == 0 ? String(pick([" ", "  ", "\t", "\n", " \t"])) : ""
        let trail = random.nextInt(below: 3) == 0 ? String(pick([" ", "\r\n", "\t", "  "])) : ""
        return (lead + body + trail, String(digits))
    }

    static let garbageAlphabet: [String] = [
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
        "a", "Z", "x", "X", "q", " ", " ", "-", "-", ".", "/", "_", "+", "(", ")", "#", "\t", "\n",
        "١", "٤", "۷", "１", "９", "४", "৩", "߁", "๕", "𝟗", "Ⅻ", "½", "²",
        "é", "ß", "€", "😀", "\u{00A0}", "\u{2011}", "\u{2212}", "\u{0301}",
    ]

    /// A string of random characters from a digit-heavy alphabet.
    mutating func garbage() -> String {
        let length = random.nextInt(in: 0...40)
        var text = ""
        for _ in 0..<length { text += pick(Self.garbageAlphabet) }
        return text
    }

    /// A valid card broken by exactly one mutation that must make it
    /// unparseable.
    mutating func brokenCard() -> (text: String, mutation: String) {
        let card = validCard()
        var scalars = Array(card.text.trimmingASCIIWhitespace().unicodeScalars)
        let digitPositions = scalars.indices.filter { MaskOracle.asciiDigits.contains(scalars[$0]) }
        let separatorPositions = scalars.indices.filter { scalars[$0] == " " || scalars[$0] == "-" }
        let mutation = random.nextInt(below: separatorPositions.isEmpty ? 8 : 10)
        switch mutation {
        case 0:
            scalars[pick(digitPositions)] = pick(["１", "٤", "४", "𝟗", "a", "O", "l", "X"])
            return (String(String.UnicodeScalarView(scalars)), "non-ASCII digit or letter")
        case 1:
            scalars.insert(pick([".", "/", "\t", "_", "\u{00A0}", "+"]), at: random.nextInt(in: 1...(scalars.count - 1)))
            return (String(String.UnicodeScalarView(scalars)), "foreign separator")
        case 2:
            scalars.insert("-", at: 0)
            return (String(String.UnicodeScalarView(scalars)), "leading separator")
        case 3:
            scalars.append("-")
            return (String(String.UnicodeScalarView(scalars)), "trailing dash")
        case 4: // too few digits
            let keep = random.nextInt(in: 0...11)
            return (String(MaskOracle.asciiDigitsOnly(card.digits).prefix(keep)), "too few digits")
        case 5: // too many digits
            let extra = String(digits(count: 20 - card.digits.count + random.nextInt(below: 10)))
            return (card.text + pick(["", "-", " "]) + extra, "too many digits")
        case 6:
            return ("card " + card.text, "prefixed text")
        case 7:
            let index = random.nextInt(in: 1...(scalars.count - 1))
            let pair: [Unicode.Scalar] = pick([["-", "-"], [" ", " "], ["-", " "], [" ", "-"]])
            scalars.insert(contentsOf: pair, at: index)
            return (String(String.UnicodeScalarView(scalars)), "double separator")
        default:
            let position = pick(separatorPositions)
            scalars[position] = pick([".", "/", "\t", "\u{2011}", "\u{2013}", "\n", "_"])
            return (String(String.UnicodeScalarView(scalars)), "replaced separator")
        }
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        var scalars = Array(unicodeScalars)
        while let first = scalars.first, MaskOracle.asciiWhitespace.contains(first) { scalars.removeFirst() }
        while let last = scalars.last, MaskOracle.asciiWhitespace.contains(last) { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
