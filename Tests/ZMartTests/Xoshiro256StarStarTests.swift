import Testing
import ZMart

@Suite("Xoshiro256StarStar")
struct Xoshiro256StarStarTests {
    @Test("matches the reference xoshiro256** outputs")
    func referenceVectors() {
        var random = Xoshiro256StarStar(state: (1, 2, 3, 4))
        let expected: [UInt64] = [11520, 0, 1_509_978_240, 1_215_971_899_390_074_240, 1_216_172_134_540_287_360, 607_988_272_756_665_600]
        #expect((0..<expected.count).map { _ in random.next() } == expected)
    }

    @Test("matches the reference SplitMix64 outputs")
    func splitMixVectors() {
        var state: UInt64 = 0
        let expected: [UInt64] = [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F, 0xF88B_B8A8_724C_81EC]
        #expect((0..<4).map { _ in Xoshiro256StarStar.splitMix64(&state) } == expected)
    }

    @Test("seeding expands the seed with SplitMix64")
    func seeded() {
        var random = Xoshiro256StarStar(seed: 42)
        let expected: [UInt64] = [1_546_998_764_402_558_742, 6_990_951_692_964_543_102, 12_544_586_762_248_559_009]
        #expect((0..<3).map { _ in random.next() } == expected)
    }

    @Test("bounded draws stay in range and cover it", arguments: [1, 2, 3, 7, 10, 1_000])
    func bounded(bound: Int) {
        var random = Xoshiro256StarStar(seed: UInt64(bound))
        var seen = Set<Int>()
        for _ in 0..<20_000 {
            let value = random.nextInt(below: bound)
            #expect((0..<bound).contains(value))
            seen.insert(value)
        }
        #expect(seen.count == bound)
    }

    @Test("closed ranges, including the full Int range")
    func closedRanges() {
        var random = Xoshiro256StarStar(seed: 9)
        for _ in 0..<1_000 {
            #expect((12...19).contains(random.nextInt(in: 12...19)))
            #expect((-5...5).contains(random.nextInt(in: -5...5)))
            _ = random.nextInt(in: Int.min...Int.max)
            let unit = random.nextUnitDouble()
            #expect(unit >= 0 && unit < 1)
        }
        #expect(random.nextInt(in: 3...3) == 3)
    }
}
