@testable import Streams
import Testing

/// The store cache's own key table: every key finds its own entry whatever its length, keys
/// that share their first bytes stay apart, and forgetting or filling up loses no write.
@Suite("Store cache table")
struct StoreCacheTableTests {
    /// Keys of 0 to 80 bytes; many share their first 32 bytes and differ only after them.
    static let keys: [[UInt8]] = {
        var keys: [[UInt8]] = [[]]
        for length in 1...80 {
            for variant in 0..<40 {
                var key = [UInt8](repeating: 0x61, count: length)
                key[length - 1] = UInt8(variant)
                if length > 2 { key[length / 2] = UInt8(variant &* 7 & 0xff) }
                keys.append(key)
            }
        }
        return Array(Set(keys.map { $0 })).sorted { $0.lexicographicallyPrecedes($1) }
    }()

    func noWriteBack(_: [UInt8], _: Int?) {}

    @Test func everyKeyFindsItsOwnValueAsTheTableGrows() throws {
        let cache = StoreCache<Int>(capacity: 100_000)
        for (index, key) in Self.keys.enumerated() {
            cache.write(key, index, writeBack: noWriteBack)
        }
        #expect(cache.count == Self.keys.count)
        for (index, key) in Self.keys.enumerated() {
            let entry = cache.entry(key, load: { Issue.record("a cached key was loaded"); return nil }, writeBack: noWriteBack)
            #expect(entry.value == index)
            #expect(entry.key == key)
        }
        // A key never written is loaded, once.
        var loads = 0
        let absent = [UInt8](repeating: 0x62, count: 40)
        _ = cache.entry(absent, load: { loads += 1; return 7 }, writeBack: noWriteBack)
        #expect(cache.entry(absent, load: { loads += 1; return 8 }, writeBack: noWriteBack).value == 7)
        #expect(loads == 1)
    }

    @Test func forgettingDropsOnlyCleanEntriesThatMatch() throws {
        let cache = StoreCache<Int>(capacity: 100_000)
        for (index, key) in Self.keys.enumerated() { cache.write(key, index, writeBack: noWriteBack) }
        var written: [[UInt8]] = []
        cache.writeBack { key, _ in written.append(key) }
        #expect(written == Self.keys)
        // Dirty again: the even-length keys.
        for (index, key) in Self.keys.enumerated() where key.count % 2 == 0 {
            cache.write(key, index + 1, writeBack: noWriteBack)
        }
        cache.forget { $0.count > 40 }
        var loaded: [[UInt8]] = []
        for (index, key) in Self.keys.enumerated() {
            let entry = cache.entry(key, load: { loaded.append(key); return nil }, writeBack: noWriteBack)
            if key.count > 40 && key.count % 2 == 1 {
                #expect(entry.value == nil)
            } else {
                #expect(entry.value == (key.count % 2 == 0 ? index + 1 : index))
            }
        }
        #expect(loaded == Self.keys.filter { $0.count > 40 && $0.count % 2 == 1 })
    }

    @Test func aFullCacheWritesEveryDirtyEntryInOrderAndStartsAgain() throws {
        let cache = StoreCache<Int>(capacity: 50)
        var written: [([UInt8], Int?)] = []
        for (index, key) in Self.keys.prefix(120).enumerated() {
            cache.write(key, index) { written.append(($0, $1)) }
        }
        // Filled twice: 100 entries written back, 20 still cached and dirty.
        #expect(written.map(\.0) == Array(Self.keys.prefix(100)))
        #expect(written.map(\.1) == Array(0..<100))
        #expect(cache.count == 20)
        #expect(cache.hasDirtyEntries)
        cache.discard()
        #expect(cache.count == 0)
        #expect(!cache.hasDirtyEntries)
    }
}
