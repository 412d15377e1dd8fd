import Foundation
import Streams
import Testing

/// The contract of ``KeyValueBytesStore``, run against every store.
@Suite("KeyValueBytesStore conformance")
struct KeyValueBytesStoreConformanceTests {
    @Test(arguments: StoreFactory.all)
    func nameAndPersistence(_ factory: StoreFactory) throws {
        try withStore(factory) { store in
            #expect(store.name == "conformance")
            #expect(store.persistent == factory.persistent)
        }
    }

    @Test(arguments: StoreFactory.all)
    func getOfMissingKeyIsNil(_ factory: StoreFactory) throws {
        try withStore(factory) { store in
            #expect(try store.get(bytes("absent")) == nil)
            try store.put(bytes("present"), bytes("1"))
            #expect(try store.get(bytes("absent")) == nil)
            #expect(try store.get(bytes("presen")) == nil)
            #expect(try store.get(bytes("present!")) == nil)
        }
    }

    @Test(arguments: StoreFactory.all)
    func putThenGet(_ factory: StoreFactory) throws {
        try withStore(factory) { store in
            try store.put(bytes("a"), bytes("apple"))
            try store.put(bytes("b"), bytes("banana"))
            #expect(try store.get(bytes("a")) == bytes("apple"))
            #expect(try store.get(bytes("b")) == bytes("banana"))
        }
    }

    @Test(arguments: StoreFactory.all)
    func putOverwrites(_ factory: StoreFactory) throws {
        try withStore(factory) { store in
            try store.put(bytes("a"), bytes("first"))
            try store.put(bytes("a"), bytes("second, longer"))
            #expect(try store.get(bytes("a")) == bytes("second, longer"))
            try store.put(bytes("a"), bytes("3"))
            #expect(try store.get(bytes("a")) == bytes("3"))
            #expect(try store.all() == [KeyValueBytes(key: bytes("a"), value: bytes("3"))])
        }
    }

    @Test(arguments: StoreFactory.all)
    func putNilDeletes(_ factory: StoreFactory) throws {
        try withStore(factory) { store in
            try store.put(bytes("a"), bytes("1"))
            try store.put(bytes("b"), bytes("2"))
            try store.put(bytes("a"), nil)
            #expect(try store.get(bytes("a")) == nil)
            #expect(try store.all() == [KeyValueBytes(key: bytes("b"), value: bytes("2"))])
            // Deleting a missing key is not an error.
            try store.put(bytes("never"), nil)
            #expect(try store.get(bytes("never")) == nil)
        }
    }

    @Test(arguments: StoreFactory.all)
    func deleteReturnsTheOldValue(_ factory: StoreFactory) throws {
        try withStore(factory) { store in
            try store.put(bytes("a"), bytes("apple"))
            #expect(try store.delete(bytes("a")) == bytes("apple"))
            #expect(try store.get(bytes("a")) == nil)
            #expect(try store.delete(bytes("a")) == nil)
            #expect(try store.delete(bytes("missing")) == nil)
            #expect(try store.all().isEmpty)
        }
    }

    @Test(arguments: StoreFactory.all)
    func putAllAppliesEntriesInOrderWithDeletes(_ factory: StoreFactory) throws {
        try withStore(factory) { store in
            try store.put(bytes("a"), bytes("old a"))
            try store.put(bytes("b"), bytes("old b"))
            try store.putAll([
                (key: bytes("c"), value: bytes("1")),
                (key: bytes("a"), value: nil),
                (key: bytes("d"), value: bytes("2")),
                (key: bytes("c"), value: bytes("3")),
                (key: bytes("d"), value: nil),
                (key: bytes("e"), value: nil),
                (key: bytes("f"), value: nil),
                (key: bytes("f"), value: bytes("4")),
            ])
            #expect(try store.get(bytes("a")) == nil)
            #expect(try store.get(bytes("d")) == nil)
            #expect(try store.get(bytes("e")) == nil)
            #expect(
                try store.all() == [
                    KeyValueBytes(key: bytes("b"), value: bytes("old b")),
                    KeyValueBytes(key: bytes("c"), value: bytes("3")),
                    KeyValueBytes(key: bytes("f"), value: bytes("4")),
                ])
            try store.putAll([])
            #expect(try store.all().count == 3)
        }
    }

    /// Keys b, d, f, h with values B, D, F, H.
    private func fillLetters(_ store: any KeyValueBytesStore) throws {
        for letter in ["d", "h", "b", "f"] { try store.put(bytes(letter), bytes(letter.uppercased())) }
    }

    @Test(arguments: StoreFactory.all)
    func rangeWithBothBoundsIsInclusive(_ factory: StoreFactory) throws {
        try withStore(factory) { store in
            try fillLetters(store)
            let entries = try store.range(from: bytes("d"), to: bytes("f"), reverse: false)
            #expect(
                entries == [
                    KeyValueBytes(key: bytes("d"), value: bytes("D")),
                    KeyValueBytes(key: bytes("f"), value: bytes("F")),
                ])
            #expect(keys(try store.range(from: bytes("d"), to: bytes("d"), reverse: false)) == [bytes("d")])
            #expect(keys(try store.range(from: bytes("b"), to: bytes("h"), reverse: false)).count == 4)
        }
    }

    @Test(arguments: StoreFactory.all)
    func rangeWithOpenBounds(_ factory: StoreFactory) throws {
        try withStore(factory) { store in
            try fillLetters(store)
            #expect(keys(try store.range(from: nil, to: bytes("d"), reverse: false)) == [bytes("b"), bytes("d")])
            #expect(keys(try store.range(from: bytes("f"), to: nil, reverse: false)) == [bytes("f"), bytes("h")])
            #expect(keys(try store.range(from: nil, to: nil, reverse: false)).map { String(decoding: $0, as: UTF8.self) } == ["b", "d", "f", "h"])
        }
    }

    @Test(arguments: StoreFactory.all)
    func rangeBoundsNeedNotBeKeys(_ factory: StoreFactory) throws {
        try withStore(factory) { store in
            try fillLetters(store)
            #expect(keys(try store.range(from: bytes("c"), to: bytes("g"), reverse: false)) == [bytes("d"), bytes("f")])
            #expect(keys(try store.range(from: bytes("a"), to: bytes("z"), reverse: false)).count == 4)
            #expect(keys(try store.range(from: bytes("d0"), to: bytes("f"), reverse: false)) == [bytes("f")])
            #expect(try store.range(from: bytes("i"), to: nil, reverse: false).isEmpty)
            #expect(try store.range(from: nil, to: bytes("a"), reverse: false).isEmpty)
            #expect(try store.range(from: bytes("c"), to: bytes("c9"), reverse: false).isEmpty)
        }
    }

    @Test(arguments: StoreFactory.all)
    func rangeFromAboveToIsEmpty(_ factory: StoreFactory) throws {
        try withStore(factory) { store in
            try fillLetters(store)
            #expect(try store.range(from: bytes("f"), to: bytes("d"), reverse: false).isEmpty)
            #expect(try store.range(from: bytes("f"), to: bytes("d"), reverse: true).isEmpty)
            #expect(try store.range(from: bytes("g"), to: bytes("c"), reverse: true).isEmpty)
        }
    }

    @Test(arguments: StoreFactory.all)
    func reverseRange(_ factory: StoreFactory) throws {
        try withStore(factory) { store in
            try fillLetters(store)
            #expect(
                try store.range(from: bytes("c"), to: bytes("h"), reverse: true) == [
                    KeyValueBytes(key: bytes("h"), value: bytes("H")),
                    KeyValueBytes(key: bytes("f"), value: bytes("F")),
                    KeyValueBytes(key: bytes("d"), value: bytes("D")),
                ])
            #expect(keys(try store.range(from: nil, to: nil, reverse: true)) == [bytes("h"), bytes("f"), bytes("d"), bytes("b")])
            #expect(keys(try store.range(from: nil, to: bytes("e"), reverse: true)) == [bytes("d"), bytes("b")])
            #expect(keys(try store.range(from: bytes("e"), to: nil, reverse: true)) == [bytes("h"), bytes("f")])
            #expect(keys(try store.range(from: bytes("b"), to: bytes("b"), reverse: true)) == [bytes("b")])
            #expect(try store.range(from: bytes("i"), to: nil, reverse: true).isEmpty)
        }
    }

    @Test(arguments: StoreFactory.all)
    func keysAreOrderedAsUnsignedBytesWithPrefixesFirst(_ factory: StoreFactory) throws {
        let expected: [[UInt8]] = [
            [], [0x00], [0x00, 0x00], [0x01], [0x01, 0x00], [0x01, 0xff], [0x02], [0x7f], [0x7f, 0xff], [0x80],
            [0xfe, 0xff, 0xff], [0xff], [0xff, 0x00], [0xff, 0xff],
        ]
        try withStore(factory) { store in
            var generator = SplitMix64(seed: 7)
            for (index, key) in expected.shuffled(using: &generator).enumerated() {
                try store.put(key, [UInt8(index)])
            }
            #expect(keys(try store.all()) == expected)
            #expect(keys(try store.range(from: nil, to: nil, reverse: true)) == expected.reversed())
            // A signed comparison would put 0x80...0xff before 0x00.
            #expect(keys(try store.range(from: [0x7f], to: [0x80], reverse: false)) == [[0x7f], [0x7f, 0xff], [0x80]])
            #expect(keys(try store.range(from: [0x01], to: [0x01, 0x00], reverse: false)) == [[0x01], [0x01, 0x00]])
            #expect(keys(try store.range(from: [0xff], to: nil, reverse: false)) == [[0xff], [0xff, 0x00], [0xff, 0xff]])
            // The reference comparator agrees.
            #expect(expected.sorted { compareKeyBytes($0, $1) < 0 } == expected)
        }
    }

    @Test(arguments: StoreFactory.all)
    func allIsTheUnboundedRangeInKeyOrder(_ factory: StoreFactory) throws {
        try withStore(factory) { store in
            #expect(try store.all().isEmpty)
            try fillLetters(store)
            try store.put(bytes("a"), bytes("A"))
            let all = try store.all()
            #expect(all == (try store.range(from: nil, to: nil, reverse: false)))
            #expect(keys(all) == ["a", "b", "d", "f", "h"].map(bytes))
            #expect(all.map(\.value) == ["A", "B", "D", "F", "H"].map(bytes))
        }
    }

    @Test(arguments: StoreFactory.all)
    func approximateNumEntries(_ factory: StoreFactory) throws {
        try withStore(factory) { store in
            #expect(store.approximateNumEntries == 0)
            for index in 0..<100 { try store.put(bytes("key-\(index)"), bytes("value-\(index)")) }
            try store.flush()
            // Distinct keys written once and flushed: RocksDB's estimate is exact too.
            #expect(store.approximateNumEntries == 100)
            for index in 0..<20 { try store.delete(bytes("key-\(index)")) }
            try store.flush()
            if factory.persistent {
                // RocksDB counts tombstones against entries until a compaction drops them.
                #expect((60...100).contains(store.approximateNumEntries))
            } else {
                #expect(store.approximateNumEntries == 80)
            }
        }
    }

    @Test(arguments: StoreFactory.all)
    func emptyKeysAndValues(_ factory: StoreFactory) throws {
        try withStore(factory) { store in
            try store.put([], bytes("value of the empty key"))
            try store.put(bytes("k"), [])
            #expect(try store.get([]) == bytes("value of the empty key"))
            // An empty value is a value, not a missing key.
            #expect(try store.get(bytes("k")) == [])
            #expect(
                try store.all() == [
                    KeyValueBytes(key: [], value: bytes("value of the empty key")),
                    KeyValueBytes(key: bytes("k"), value: []),
                ])
            #expect(keys(try store.range(from: [], to: [], reverse: false)) == [[]])
            #expect(keys(try store.range(from: nil, to: [], reverse: true)) == [[]])
            #expect(try store.delete(bytes("k")) == [])
            #expect(try store.delete([]) == bytes("value of the empty key"))
            #expect(try store.all().isEmpty)
            try store.putAll([(key: [], value: []), (key: [0], value: [])])
            #expect(try store.all() == [KeyValueBytes(key: [], value: []), KeyValueBytes(key: [0], value: [])])
        }
    }

    @Test(arguments: StoreFactory.all)
    func largeValues(_ factory: StoreFactory) throws {
        let large = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        let other = Array(large.reversed())
        try withStore(factory) { store in
            try store.put(bytes("large"), large)
            try store.putAll([(key: bytes("other"), value: other)])
            #expect(try store.get(bytes("large")) == large)
            try store.flush()
            #expect(try store.get(bytes("large")) == large)
            #expect(try store.get(bytes("other")) == other)
            #expect(try store.all().map(\.value) == [large, other])
            #expect(try store.delete(bytes("large")) == large)
        }
    }

    @Test(arguments: StoreFactory.all)
    func manyRandomKeysMatchAReference(_ factory: StoreFactory) throws {
        var generator = SplitMix64(seed: 0x5EED_2026)
        func randomBytes(maxCount: Int) -> [UInt8] {
            (0..<Int.random(in: 0...maxCount, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        }
        try withStore(factory) { store in
            var reference: [[UInt8]: [UInt8]] = [:]
            // Short keys collide, so overwrites and deletes of present keys happen often.
            for step in 0..<10_000 {
                let key = randomBytes(maxCount: 3)
                switch Int.random(in: 0..<10, using: &generator) {
                case 0:
                    #expect(try store.delete(key) == reference.removeValue(forKey: key))
                case 1:
                    var batch: [(key: [UInt8], value: [UInt8]?)] = []
                    for _ in 0..<Int.random(in: 1...8, using: &generator) {
                        let value: [UInt8]? = Bool.random(using: &generator) ? randomBytes(maxCount: 12) : nil
                        batch.append((key: randomBytes(maxCount: 3), value: value))
                    }
                    try store.putAll(batch)
                    for entry in batch { reference[entry.key] = entry.value }
                default:
                    let value = randomBytes(maxCount: 12)
                    try store.put(key, value)
                    reference[key] = value
                }
                // Half the data reaches RocksDB's files, the rest stays in its memtable.
                if step == 5_000 { try store.flush() }
            }
            let sorted = reference.keys.sorted { compareKeyBytes($0, $1) < 0 }
                .map { KeyValueBytes(key: $0, value: reference[$0]!) }
            #expect(sorted.count > 1_000)
            #expect(try store.all() == sorted)
            for key in reference.keys.prefix(500) { #expect(try store.get(key) == reference[key]) }
            for _ in 0..<200 {
                let from: [UInt8]? = Int.random(in: 0..<5, using: &generator) == 0 ? nil : randomBytes(maxCount: 3)
                let to: [UInt8]? = Int.random(in: 0..<5, using: &generator) == 0 ? nil : randomBytes(maxCount: 3)
                let expected = sorted.filter { entry in
                    (from.map { compareKeyBytes(entry.key, $0) >= 0 } ?? true)
                        && (to.map { compareKeyBytes(entry.key, $0) <= 0 } ?? true)
                }
                #expect(try store.range(from: from, to: to, reverse: false) == expected)
                #expect(try store.range(from: from, to: to, reverse: true) == expected.reversed())
            }
        }
    }

    @Test(arguments: StoreFactory.all)
    func useAfterCloseThrows(_ factory: StoreFactory) throws {
        try withStore(factory) { store in
            try store.put(bytes("a"), bytes("1"))
            store.close()
            store.close()  // Idempotent.
            let calls: [(String, () throws -> Void)] = [
                ("get", { _ = try store.get(bytes("a")) }),
                ("put", { try store.put(bytes("a"), bytes("2")) }),
                ("put nil", { try store.put(bytes("a"), nil) }),
                ("putAll", { try store.putAll([(key: bytes("a"), value: bytes("2"))]) }),
                ("delete", { try store.delete(bytes("a")) }),
                ("range", { _ = try store.range(from: nil, to: nil, reverse: false) }),
                ("all", { _ = try store.all() }),
                ("flush", { try store.flush() }),
            ]
            for (operation, call) in calls {
                let error = #expect(throws: StreamsError.self, "\(operation) after close") { try call() }
                #expect(error?.code == .illegalState, "\(operation) after close")
                #expect(error?.message.contains("conformance") == true, "\(operation) names the store")
            }
        }
    }
}
