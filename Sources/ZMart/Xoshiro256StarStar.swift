/// A small, fast, seedable pseudo-random number generator (xoshiro256**).
///
/// The algorithm is fixed (Blackman & Vigna, 2018) and every derived value
/// — bounded integers, unit doubles — is computed by this type itself, so a
/// given seed produces the same sequence on every platform and with every
/// Swift version. Do not replace the helpers with the standard library's
/// `Int.random(in:using:)` or `Double.random(in:using:)`: their algorithms
/// are not guaranteed to be stable.
///
/// The four words of state are expanded from a 64-bit seed with SplitMix64,
/// as recommended by the authors. This generator is **not** cryptographically
/// secure; it is meant for test data.
public struct Xoshiro256StarStar: Sendable, Hashable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// Creates a generator whose state is expanded from `seed` with SplitMix64.
    ///
    /// - Parameter seed: Any 64-bit value; equal seeds give equal sequences.
    public init(seed: UInt64) {
        var splitMix = seed
        s0 = Self.splitMix64(&splitMix)
        s1 = Self.splitMix64(&splitMix)
        s2 = Self.splitMix64(&splitMix)
        s3 = Self.splitMix64(&splitMix)
    }

    /// Creates a generator from raw state words, mainly for reference tests.
    ///
    /// - Parameter state: The four state words; they must not all be zero
    ///   (an all-zero state is replaced by the state for seed 0).
    public init(state: (UInt64, UInt64, UInt64, UInt64)) {
        if state == (0, 0, 0, 0) {
            self = Xoshiro256StarStar(seed: 0)
        } else {
            (s0, s1, s2, s3) = state
        }
    }

    /// Advances a SplitMix64 state and returns its next output.
    ///
    /// SplitMix64 is used to expand seeds and to derive independent
    /// per-entity seeds (for example one per customer).
    ///
    /// - Parameter state: The SplitMix64 state, advanced in place.
    /// - Returns: The next 64-bit output.
    public static func splitMix64(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Returns the next raw 64-bit output.
    ///
    /// - Returns: A uniformly distributed `UInt64`.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, by: 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, by: 45)
        return result
    }

    /// Returns a uniformly distributed integer in `0..<bound` without bias
    /// (Lemire's multiply-and-reject method).
    ///
    /// - Parameter bound: The exclusive upper bound; must be greater than 0.
    /// - Returns: A value in `0..<bound`.
    public mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "bound must be positive")
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = next().multipliedFullWidth(by: bound)
            }
        }
        return product.high
    }

    /// Returns a uniformly distributed integer in `0..<bound`.
    ///
    /// - Parameter bound: The exclusive upper bound; must be greater than 0.
    /// - Returns: A value in `0..<bound`.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        return Int(truncatingIfNeeded: next(below: UInt64(bound)))
    }

    /// Returns a uniformly distributed integer in a closed range.
    ///
    /// - Parameter range: The range to draw from; may span the whole of `Int`
    ///   except that its width must fit in `UInt64` (always true).
    /// - Returns: A value in `range`.
    public mutating func nextInt(in range: ClosedRange<Int>) -> Int {
        let width = UInt64(bitPattern: Int64(range.upperBound &- range.lowerBound))
        if width == UInt64.max { return Int(truncatingIfNeeded: next()) }
        let offset = next(below: width + 1)
        return range.lowerBound &+ Int(truncatingIfNeeded: offset)
    }

    /// Returns a uniformly distributed double in `0..<1` with 53 random bits.
    ///
    /// - Returns: A value `k / 2^53` for a random integer `k < 2^53`.
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Returns `true` with the given probability.
    ///
    /// - Parameter probability: A value in `0...1`.
    /// - Returns: A Boolean drawn with that probability.
    public mutating func nextBool(probability: Double) -> Bool {
        nextUnitDouble() < probability
    }

    @inline(__always)
    private func rotateLeft(_ value: UInt64, by amount: UInt64) -> UInt64 {
        (value << amount) | (value >> (64 - amount))
    }
}
