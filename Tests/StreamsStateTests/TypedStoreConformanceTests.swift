import Foundation
import Streams
import Testing

/// One typed store shape over one bytes engine, with or without the record cache.
struct TypedStoreCase: Sendable, CustomTestStringConvertible {
    let engine: StoreFactory
    /// Cached entries in front of the engine, or `nil` for none.
    let cacheCapacity: Int?

    var testDescription: String { "\(engine.name)\(cacheCapacity.map { ", cache of \($0)" } ?? "")" }

    /// Every engine, uncached and with a cache small enough to write back mid-test.
    static let all: [TypedStoreCase] = StoreFactory.all.flatMap { [TypedStoreCase(engine: $0, cacheCapacity: nil), TypedStoreCase(engine: $0, cacheCapacity: 2)] }
}

/// Keys that are prefixes of one another, so one key's range must never reach another's.
private let prefixKeys = ["a", "ab", "a\u{0}", "b", ""]

/// The contracts of the typed stores, ``KeyValueStore``, ``WindowStore`` and ``SessionStore``,
/// run against every bytes engine (in memory and RocksDB), cached and not.
@Suite("Typed store conformance")
struct TypedStoreConformanceTests {
    // MARK: Key-value stores

    @Test(arguments: TypedStoreCase.all)
    func keyValueStorePutGetDeleteAndRangeInKeyOrder(_ test: TypedStoreCase) throws {
        try withStore(test.engine) { bytes in
            let store = KeyValueStore(bytes, key: Serde<String>.string, value: Serde<Int64>.int64, cacheCapacity: test.cacheCapacity)
            for (index, key) in prefixKeys.enumerated() { try store.put(key, Int64(index)) }
            #expect(try store.get("ab") == 1)
            #expect(try store.get("abc") == nil)
            try store.put("ab", 10)
            #expect(try store.get("ab") == 10)
            #expect(try store.delete("b") == 3)
            #expect(try store.get("b") == nil)
            #expect(try store.putIfAbsent("a", 99) == 0)
            #expect(try store.get("a") == 0)
            try store.put("", nil)
            #expect(try store.all().map(\.key) == ["a", "a\u{0}", "ab"])
            #expect(try store.range(from: "a\u{0}", to: "b").map(\.value) == [2, 10])
            #expect(try store.range(reverse: true).map(\.key) == ["ab", "a\u{0}", "a"])
            try store.flush()
            #expect(try bytes.all().count == 3)
        }
    }

    @Test(arguments: TypedStoreCase.all)
    func keyValueStoreUpdateReadsChangesAndWritesOneKeyAndWritesNothingWhenItThrows(_ test: TypedStoreCase) throws {
        struct Refused: Error {}
        try withStore(test.engine) { bytes in
            let store = KeyValueStore(bytes, key: Serde<String>.string, value: Serde<Int64>.int64, cacheCapacity: test.cacheCapacity)
            // Absent: the body sees nil, and what it leaves is stored.
            let first = try store.update("a") { count -> Int64? in
                let seen = count
                count = (count ?? 0) + 1
                return seen
            }
            #expect(first == nil)
            try store.put("b", 5)
            try store.update("b") { $0 = ($0 ?? 0) * 10 }
            try store.update("a") { $0 = ($0 ?? 0) + 1 }
            #expect(try store.get("a") == 2)
            #expect(try store.get("b") == 50)
            // A body that throws after changing its value writes nothing.
            #expect(throws: Refused.self) {
                try store.update("b") { count in
                    count = 0
                    throw Refused()
                }
            }
            #expect(try store.get("b") == 50)
            // Leaving nil deletes the key.
            try store.update("a") { $0 = nil }
            #expect(try store.get("a") == nil)
            try store.flush()
            #expect(try bytes.all().count == 1)
            #expect(try store.all().map(\.key) == ["b"])
        }
    }

    @Test(arguments: TypedStoreCase.all)
    func aBodyThatUsesTheSameStoreLeavesTheKeyBeingUpdatedIntact(_ test: TypedStoreCase) throws {
        try withStore(test.engine) { bytes in
            let counts = KeyValueStore(bytes, key: Serde<String>.string, value: Serde<Int64>.int64, cacheCapacity: test.cacheCapacity)
            try counts.put("total", 0)
            // Each update of one key reads and writes other keys of the same store.
            for word in ["x", "yy", "x", "zzz", "x"] {
                try counts.update(word) { count in
                    let total = try counts.get("total") ?? 0
                    try counts.put("total", total + 1)
                    try counts.put("last-\(word)", total)
                    count = (count ?? 0) + 1
                }
            }
            #expect(try counts.all().map(\.key) == ["last-x", "last-yy", "last-zzz", "total", "x", "yy", "zzz"])
            #expect(try counts.all().map(\.value) == [4, 1, 3, 5, 3, 1, 1])
            let windows = WindowStore(bytes, key: Serde<String>.string, value: Serde<String>.string, cacheCapacity: test.cacheCapacity)
            try windows.update("a", windowStart: 0) { value in
                try windows.put("b", "b@0", windowStart: 0)
                value = (try windows.fetch("b", windowStart: 0) ?? "") + "+a"
            }
            #expect(try windows.fetch("a", windowStart: 0) == "b@0+a")
            #expect(try windows.fetch("b", windowStart: 0) == "b@0")
        }
    }

    // MARK: Window stores

    @Test(arguments: TypedStoreCase.all)
    func keyValueStoreInPlaceUpdatesGrowACollectionAndKeepWhatAThrowingBodyLeft(_ test: TypedStoreCase) throws {
        struct Refused: Error {}
        try withStore(test.engine) { bytes in
            let store = KeyValueStore(bytes, key: Serde<String>.string, value: .json([Int].self), cacheCapacity: test.cacheCapacity)
            for (key, value) in [("a", 1), ("b", 10), ("a", 2), ("a", 3)] {
                let before = try store.update(key, inPlace: true) { list -> Int in
                    if list == nil { list = [] }
                    list!.append(value)
                    return list!.count - 1
                }
                #expect(before == (key == "a" ? value - 1 : 0))
            }
            #expect(try store.get("a") == [1, 2, 3])
            // A value read earlier is a copy: changing the stored one in place leaves it be.
            let read = try store.get("b")
            try store.update("b", inPlace: true) { $0!.append(20) }
            #expect(read == [10])
            #expect(try store.get("b") == [10, 20])
            // A throwing body: a cached value keeps what it left (inout); a store without a
            // cache writes nothing.
            #expect(throws: Refused.self) {
                try store.update("b", inPlace: true) { list in
                    list!.append(30)
                    throw Refused()
                }
            }
            #expect(try store.get("b") == (test.cacheCapacity == nil ? [10, 20] : [10, 20, 30]))
            try store.update("a", inPlace: true) { $0 = nil }
            try store.flush()
            #expect(try store.all().map(\.key) == ["b"])
        }
    }

    @Test(arguments: TypedStoreCase.all)
    func windowStoreKeepsOneValuePerKeyAndWindowStart(_ test: TypedStoreCase) throws {
        try withStore(test.engine) { bytes in
            let store = WindowStore(bytes, key: Serde<String>.string, value: Serde<String>.string, cacheCapacity: test.cacheCapacity)
            try store.put("a", "a@0", windowStart: 0)
            try store.put("a", "a@1000", windowStart: 1000)
            try store.put("ab", "ab@0", windowStart: 0)
            #expect(try store.fetch("a", windowStart: 0) == "a@0")
            #expect(try store.fetch("a", windowStart: 1000) == "a@1000")
            #expect(try store.fetch("a", windowStart: 500) == nil)
            #expect(try store.fetch("abc", windowStart: 0) == nil)
            try store.put("a", "a@0 again", windowStart: 0)
            #expect(try store.fetch("a", windowStart: 0) == "a@0 again")
            try store.put("a", nil, windowStart: 1000)
            #expect(try store.fetch("a", windowStart: 1000) == nil)
            #expect(try store.fetch("a", from: .min, to: .max).map(\.value) == ["a@0 again"])
        }
    }

    @Test(arguments: TypedStoreCase.all)
    func windowStoreUpdateChangesOneKeysWindowAndWritesNothingWhenItThrows(_ test: TypedStoreCase) throws {
        struct Refused: Error {}
        try withStore(test.engine) { bytes in
            let store = WindowStore(bytes, key: Serde<String>.string, value: Serde<String>.string, cacheCapacity: test.cacheCapacity)
            try store.put("a", "a@0", windowStart: 0)
            try store.update("a", windowStart: 0) { $0 = ($0 ?? "") + "+1" }
            let seen = try store.update("a", windowStart: 1000) { value -> String? in
                let seen = value
                value = "a@1000"
                return seen
            }
            #expect(seen == nil)
            try store.update("ab", windowStart: 0) { $0 = ($0 ?? "new") + "!" }
            #expect(throws: Refused.self) {
                try store.update("a", windowStart: 1000) { value in
                    value = "lost"
                    throw Refused()
                }
            }
            #expect(try store.fetch("a", windowStart: 0) == "a@0+1")
            #expect(try store.fetch("a", windowStart: 1000) == "a@1000")
            #expect(try store.fetch("ab", windowStart: 0) == "new!")
            try store.update("a", windowStart: 0) { $0 = nil }
            #expect(try store.fetch("a", from: .min, to: .max).map(\.value) == ["a@1000"])
        }
    }

    @Test(arguments: TypedStoreCase.all)
    func windowStoreRangesAreOneKeysWindowsInTimeOrderWithInclusiveBounds(_ test: TypedStoreCase) throws {
        try withStore(test.engine) { bytes in
            let store = WindowStore(bytes, key: Serde<String>.string, value: Serde<Int64>.int64, cacheCapacity: test.cacheCapacity)
            // Negative starts too: they sort before zero, not after it.
            let starts: [Int64] = [2000, -1000, 0, 1000, Int64.max, Int64.min, -1]
            for key in prefixKeys {
                for start in starts { try store.put(key, start, windowStart: start) }
            }
            for key in prefixKeys {
                #expect(try store.fetch(key, from: .min, to: .max).map(\.start) == starts.sorted())
                #expect(try store.fetch(key, from: -1, to: 1000).map(\.value) == [-1, 0, 1000])
                #expect(try store.fetch(key, from: 1, to: 999).isEmpty)
                #expect(try store.fetch(key, from: 1000, to: 0).isEmpty)
            }
            let all = try store.all()
            #expect(all.count == prefixKeys.count * starts.count)
            #expect(Set(all.map(\.key)) == Set(prefixKeys))
            // Within one key, in time order.
            #expect(all.filter { $0.key == "ab" }.map(\.start) == starts.sorted())
        }
    }

    @Test(arguments: TypedStoreCase.all)
    func windowStoreDeletesWindowsBeforeARetentionBound(_ test: TypedStoreCase) throws {
        try withStore(test.engine) { bytes in
            let store = WindowStore(bytes, key: Serde<String>.string, value: Serde<Int64>.int64, cacheCapacity: test.cacheCapacity)
            for key in ["a", "b"] {
                for start in stride(from: Int64(0), through: 4000, by: 1000) { try store.put(key, start, windowStart: start) }
            }
            #expect(try store.deleteWindows(before: 2000) == 4)
            #expect(try store.fetch("a", from: .min, to: .max).map(\.start) == [2000, 3000, 4000])
            #expect(try store.fetch("b", windowStart: 1000) == nil)
            #expect(try store.deleteWindows(before: 2000) == 0)
            // What the cache held was written and is gone from it too.
            try store.put("a", 7, windowStart: 5000)
            try store.flush()
            #expect(try store.all().map { "\($0.key)@\($0.start)" } == ["a@2000", "a@3000", "a@4000", "a@5000", "b@2000", "b@3000", "b@4000"])
        }
    }

    @Test(arguments: TypedStoreCase.all)
    func windowStoreRemovesAndReturnsClosedWindowsOldestFirstThenByKey(_ test: TypedStoreCase) throws {
        try withStore(test.engine) { bytes in
            let store = WindowStore(bytes, key: Serde<String>.string, value: Serde<Int64>.int64, cacheCapacity: test.cacheCapacity)
            for key in ["b", "a", "ab"] {
                for start in stride(from: Int64(0), through: 3000, by: 1000) { try store.put(key, start + 1, windowStart: start) }
            }
            // Some windows flushed, then changed again in the cache: the latest values come out.
            try store.flush()
            try store.put("a", 100, windowStart: 1000)
            try store.put("b", nil, windowStart: 0)
            let removed = try store.removeWindows(startingAtOrBefore: 1000)
            #expect(removed.map { "\($0.key)@\($0.start)=\($0.value)" } == ["a@0=1", "ab@0=1", "a@1000=100", "ab@1000=1001", "b@1000=1001"])
            #expect(try store.removeWindows(startingAtOrBefore: 1000).isEmpty)
            #expect(try store.fetch("a", windowStart: 1000) == nil)
            try store.flush()
            let reread = WindowStore(bytes, key: Serde<String>.string, value: Serde<Int64>.int64)
            #expect(Set(try reread.all().map { "\($0.key)@\($0.start)" }) == ["a@2000", "a@3000", "ab@2000", "ab@3000", "b@2000", "b@3000"])
        }
    }

    @Test(arguments: TypedStoreCase.all)
    func windowStoreRemovesWindowsItWasOpenedOnAndWindowsMadeAfterEachRemoval(_ test: TypedStoreCase) throws {
        try withStore(test.engine) { bytes in
            // Windows already in the engine when the store is opened, as after a restore.
            let before = WindowStore(bytes, key: Serde<String>.string, value: Serde<Int64>.int64)
            for key in ["x", "y"] { try before.put(key, 1, windowStart: 0) }
            let store = WindowStore(bytes, key: Serde<String>.string, value: Serde<Int64>.int64, cacheCapacity: test.cacheCapacity)
            try store.update("x", windowStart: 0) { $0! += 1 }
            try store.update("z", windowStart: 1000) { $0 = ($0 ?? 0) + 5 }
            #expect(try store.removeWindows(startingAtOrBefore: 0).map { "\($0.key)@\($0.start)=\($0.value)" } == ["x@0=2", "y@0=1"])
            // After the first removal: windows made by update and by put, one deleted and made
            // again, and one deleted for good.
            try store.update("x", windowStart: 2000) { $0 = ($0 ?? 0) + 1 }
            try store.put("y", 7, windowStart: 2000)
            try store.put("y", nil, windowStart: 2000)
            try store.put("y", 8, windowStart: 2000)
            try store.put("w", 9, windowStart: 3000)
            try store.put("w", nil, windowStart: 3000)
            try store.update("z", windowStart: 1000) { $0! += 1 }
            #expect(try store.removeWindows(startingAtOrBefore: 500).isEmpty)
            #expect(
                try store.removeWindows(startingAtOrBefore: 3000).map { "\($0.key)@\($0.start)=\($0.value)" }
                    == ["z@1000=6", "x@2000=1", "y@2000=8"])
            try store.put("v", 1, windowStart: 4000)
            try store.put("v", 2, windowStart: 5000)
            #expect(try store.deleteWindows(before: 5000) == 1)
            try store.flush()
            let reread = WindowStore(bytes, key: Serde<String>.string, value: Serde<Int64>.int64)
            #expect(try reread.all().map { "\($0.key)@\($0.start)=\($0.value)" } == ["v@5000=2"])
        }
    }

    @Test(arguments: TypedStoreCase.all)
    func windowStoreFlushWritesEveryCachedWindowToTheEngine(_ test: TypedStoreCase) throws {
        try withStore(test.engine) { bytes in
            let store = WindowStore(bytes, key: Serde<String>.string, value: Serde<Int64>.int64, cacheCapacity: test.cacheCapacity)
            for start in 0..<10 { try store.put("k", Int64(start), windowStart: Int64(start)) }
            try store.put("k", nil, windowStart: 3)
            try store.flush()
            let reread = WindowStore(bytes, key: Serde<String>.string, value: Serde<Int64>.int64)
            #expect(try reread.fetch("k", from: 0, to: 9).map(\.value) == [0, 1, 2, 4, 5, 6, 7, 8, 9])
        }
    }

    // MARK: Session stores

    @Test(arguments: StoreFactory.all)
    func sessionStoreKeepsOneValuePerKeyAndSession(_ engine: StoreFactory) throws {
        try withStore(engine) { bytes in
            let store = SessionStore(bytes, key: Serde<String>.string, value: Serde<Int64>.int64)
            try store.put(Windowed(key: "a", start: 0, end: 100), 2)
            try store.put(Windowed(key: "a", start: 300, end: 300), 1)
            try store.put(Windowed(key: "ab", start: 0, end: 100), 5)
            #expect(try store.fetchSession("a", start: 0, end: 100) == 2)
            #expect(try store.fetchSession("a", start: 0, end: 99) == nil)
            #expect(try store.fetchSession("ab", start: 0, end: 100) == 5)
            try store.put(Windowed(key: "a", start: 0, end: 100), 3)
            #expect(try store.fetchSession("a", start: 0, end: 100) == 3)
            try store.remove(Windowed(key: "a", start: 300, end: 300))
            #expect(try store.fetch("a").map { "\($0.session.start)-\($0.session.end)=\($0.value)" } == ["0-100=3"])
            #expect(try store.fetch("abc").isEmpty)
        }
    }

    @Test(arguments: StoreFactory.all)
    func sessionStoreFindsTheSessionsThatOverlapATimeRange(_ engine: StoreFactory) throws {
        try withStore(engine) { bytes in
            let store = SessionStore(bytes, key: Serde<String>.string, value: Serde<String>.string)
            let sessions: [(Int64, Int64)] = [(-500, -400), (0, 100), (150, 150), (200, 900), (1000, 1100)]
            for key in prefixKeys {
                for (start, end) in sessions { try store.put(Windowed(key: key, start: start, end: end), "\(key):\(start)-\(end)") }
            }
            for key in prefixKeys {
                func found(_ earliestEnd: Int64, _ latestStart: Int64) throws -> [String] {
                    try store.findSessions(key, earliestEnd: earliestEnd, latestStart: latestStart).map {
                        #expect($0.session.key == key)
                        return "\($0.session.start)-\($0.session.end)"
                    }
                }
                // A record at 150 with a gap of 50 touches the sessions overlapping [100, 200].
                #expect(try found(100, 200) == ["0-100", "150-150", "200-900"])
                // Ordered by end, whatever the starts.
                #expect(try found(.min, .max) == ["-500--400", "0-100", "150-150", "200-900", "1000-1100"])
                #expect(try found(901, 999).isEmpty)
                #expect(try found(-450, -450) == ["-500--400"])
                #expect(try found(1100, 1100) == ["1000-1100"])
            }
            #expect(try store.all().count == prefixKeys.count * sessions.count)
        }
    }

    @Test(arguments: StoreFactory.all)
    func sessionStoreRemovesSessionsThatEndedBeforeARetentionBound(_ engine: StoreFactory) throws {
        try withStore(engine) { bytes in
            let store = SessionStore(bytes, key: Serde<String>.string, value: Serde<Int64>.int64)
            // A long session that started early but ends late is kept.
            try store.put(Windowed(key: "a", start: 0, end: 5000), 1)
            try store.put(Windowed(key: "a", start: 100, end: 200), 2)
            try store.put(Windowed(key: "b", start: 1000, end: 1999), 3)
            try store.put(Windowed(key: "b", start: 2000, end: 2000), 4)
            #expect(try store.removeSessions(endingBefore: 2000) == 2)
            #expect(try store.all().map { "\($0.session.key)@\($0.session.start)-\($0.session.end)" } == ["a@0-5000", "b@2000-2000"])
        }
    }

    @Test func sessionWindowedKeysRoundTripInKafkasLayout() throws {
        let serde = Serde<Windowed<String>>.sessionWindowed(.string)
        let key = Windowed(key: "C-1", start: 1_700_000_000_000, end: 1_700_000_060_000)
        let bytes = try #require(try serde.serialize(key))
        // Key bytes, then the end, then the start, big-endian (Kafka's SessionKeySchema).
        #expect(bytes.count == 3 + 16)
        #expect(Array(bytes[3..<11]) == withUnsafeBytes(of: Int64(1_700_000_060_000).bigEndian, Array.init))
        #expect(Array(bytes[11...]) == withUnsafeBytes(of: Int64(1_700_000_000_000).bigEndian, Array.init))
        #expect(try serde.deserialize(bytes) == key)
        #expect(throws: StreamsError.self) { try serde.deserialize([1, 2, 3]) }
    }
}
