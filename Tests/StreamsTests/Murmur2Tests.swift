import Streams
import Testing

@Suite("Murmur2 partitioning agrees with Kafka's Java clients")
struct Murmur2Tests {
    // Vectors published in Apache Kafka's UtilsTest.testMurmur2.
    @Test(arguments: [
        ("21", Int32(-973_932_308)),
        ("foobar", -790_332_482),
        ("a-little-bit-long-string", -985_981_536),
        ("a-little-bit-longer-string", -1_486_304_829),
        ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
        ("abc", 479_470_107),
        ("", 275_646_681),
    ])
    func hashMatchesJava(key: String, expected: Int32) {
        #expect(Murmur2.hash(Array(key.utf8)) == expected)
    }

    @Test func partitionClearsTheSignBitBeforeTheModulo() {
        // toPositive(-790332482) = 1357151166; 1357151166 % 50 = 16.
        #expect(Murmur2.partition(forKey: Array("foobar".utf8), partitionCount: 50) == 16)
        let hash = Murmur2.hash(Array("21".utf8))
        #expect(Murmur2.partition(forKey: Array("21".utf8), partitionCount: 7) == (hash & 0x7fff_ffff) % 7)
    }

    @Test func everyPartitionIsInRange() {
        for index in 0..<2_000 {
            let partition = Murmur2.partition(forKey: Array("customer-\(index)".utf8), partitionCount: 12)
            #expect((0..<12).contains(partition))
        }
    }
}
