/// A serialized key as a dictionary key.
///
/// It carries its bytes' hash, computed once when it is made: a lookup compares the hashes
/// held in the dictionary's own key storage and reads a candidate's bytes (elsewhere on the
/// heap, often a cache miss) only when they match. Comparing the bytes of every key along a
/// probe sequence cost more than the rest of a lookup, as did `[UInt8]`'s own `Hashable`,
/// which feeds the hasher one element at a time.
@usableFromInline
struct KeyBytes: Hashable {
    @usableFromInline let bytes: [UInt8]
    @usableFromInline let hash: Int

    @inlinable init(_ bytes: [UInt8]) {
        self.bytes = bytes
        hash = Self.hash(bytes)
    }

    /// The hash of serialized key bytes (seeded per process, like every Swift hash).
    @inlinable static func hash(_ bytes: [UInt8]) -> Int {
        var hasher = Hasher()
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        return hasher.finalize()
    }

    @inlinable static func == (lhs: KeyBytes, rhs: KeyBytes) -> Bool {
        lhs.hash == rhs.hash && lhs.bytes == rhs.bytes
    }

    @inlinable func hash(into hasher: inout Hasher) {
        hasher.combine(hash)
    }
}
