/// A serialized key as a dictionary key, hashed over its bytes in one call: `[UInt8]`'s own
/// `Hashable` feeds the hasher one element at a time, which cost more than the rest of a
/// lookup.
@usableFromInline
struct KeyBytes: Hashable {
    @usableFromInline let bytes: [UInt8]

    @inlinable init(_ bytes: [UInt8]) { self.bytes = bytes }

    @inlinable func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
