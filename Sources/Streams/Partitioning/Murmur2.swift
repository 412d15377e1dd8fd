/// Kafka's murmur2 hash, bit for bit as Java's `org.apache.kafka.common.utils.Utils.murmur2`.
///
/// Java's clients place a keyed record in partition
/// `(murmur2(keyBytes) & 0x7fffffff) % partitionCount`; using the same hash lets Swift and Java
/// applications agree on where every key lives.
public enum Murmur2 {
    /// The signed 32-bit hash of `bytes`, as Java's `Utils.murmur2` returns it.
    @inlinable
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        let m: UInt32 = 0x5bd1_e995
        let length = bytes.count
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: length)
        let whole = length & ~3
        var i = 0
        // Four bytes at a time with one little-endian load (no per-byte bounds checks): keys
        // are hashed once per record sent, so this is on every record's path.
        while i < whole {
            var k = UInt32(littleEndian: bytes.baseAddress.unsafelyUnwrapped.loadUnaligned(fromByteOffset: i, as: UInt32.self))
            k &*= m
            k ^= k >> 24
            k &*= m
            h &*= m
            h ^= k
            i += 4
        }
        let rest = length & 3
        if rest == 3 { h ^= UInt32(bytes[whole + 2]) << 16 }
        if rest >= 2 { h ^= UInt32(bytes[whole + 1]) << 8 }
        if rest >= 1 {
            h ^= UInt32(bytes[whole])
            h &*= m
        }
        h ^= h >> 13
        h &*= m
        h ^= h >> 15
        return Int32(bitPattern: h)
    }

    /// The signed 32-bit hash of `bytes`.
    @inlinable
    public static func hash(_ bytes: [UInt8]) -> Int32 {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// The partition Kafka's Java clients choose for a key:
    /// `(murmur2(keyBytes) & 0x7fffffff) % partitionCount`.
    /// - Parameters:
    ///   - keyBytes: The serialized key.
    ///   - partitionCount: The topic's number of partitions; must be positive.
    @inlinable
    public static func partition(forKey keyBytes: UnsafeRawBufferPointer, partitionCount: Int32) -> Int32 {
        precondition(partitionCount > 0, "a topic has at least one partition")
        return (hash(keyBytes) & 0x7fff_ffff) % partitionCount
    }

    /// The partition Kafka's Java clients choose for a key.
    @inlinable
    public static func partition(forKey keyBytes: [UInt8], partitionCount: Int32) -> Int32 {
        keyBytes.withUnsafeBytes { partition(forKey: $0, partitionCount: partitionCount) }
    }
}
