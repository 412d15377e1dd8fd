import Foundation
import Streams
import StreamsRocksDB
import Synchronization
import Testing

/// What only the persistent store promises: its files outlive it, and one directory has one
/// owner at a time.
@Suite("RocksDBKeyValueStore")
struct RocksDBKeyValueStoreTests {
    @Test func dataSurvivesCloseAndReopen() throws {
        try withTemporaryDirectory { root in
            let directory = root.appendingPathComponent("counts")
            let first = try RocksDBKeyValueStore(name: "counts", directory: directory)
            try first.put(bytes("a"), bytes("1"))
            try first.putAll([(key: bytes("b"), value: bytes("2")), (key: bytes("c"), value: bytes("3"))])
            try first.flush()
            // Written after the last flush: close must flush it, since there is no WAL.
            try first.put(bytes("d"), bytes("4"))
            try first.delete(bytes("b"))
            first.close()

            let second = try RocksDBKeyValueStore(name: "counts", directory: directory)
            #expect(
                try second.all() == [
                    KeyValueBytes(key: bytes("a"), value: bytes("1")),
                    KeyValueBytes(key: bytes("c"), value: bytes("3")),
                    KeyValueBytes(key: bytes("d"), value: bytes("4")),
                ])
            try second.put(bytes("a"), nil)
            second.close()

            let third = try RocksDBKeyValueStore(name: "counts", directory: directory)
            defer { third.close() }
            #expect(keys(try third.all()) == [bytes("c"), bytes("d")])
        }
    }

    @Test func openingAnOpenDirectoryAgainFails() throws {
        try withTemporaryDirectory { root in
            let directory = root.appendingPathComponent("shared")
            let owner = try RocksDBKeyValueStore(name: "owner", directory: directory)
            try owner.put(bytes("a"), bytes("1"))
            let error = #expect(throws: StreamsError.self) {
                _ = try RocksDBKeyValueStore(name: "intruder", directory: directory)
            }
            #expect(error?.code == .stateStore)
            #expect(error?.message.contains("intruder") == true)
            #expect(error?.message.contains(directory.path) == true)
            #expect(error?.message.lowercased().contains("lock") == true, "RocksDB's message: \(String(describing: error))")
            // The failed open left the owner working; once it closes, the directory is free.
            #expect(try owner.get(bytes("a")) == bytes("1"))
            owner.close()
            let next = try RocksDBKeyValueStore(name: "next", directory: directory)
            defer { next.close() }
            #expect(try next.get(bytes("a")) == bytes("1"))
        }
    }

    @Test func aRegularFileAsTheDirectoryFails() throws {
        try withTemporaryDirectory { root in
            let file = root.appendingPathComponent("not-a-directory")
            try Data("plain file".utf8).write(to: file)
            let error = #expect(throws: StreamsError.self) {
                _ = try RocksDBKeyValueStore(name: "misplaced", directory: file)
            }
            #expect(error?.code == .stateStore)
            #expect(error?.message.contains("misplaced") == true)
            #expect(error?.message.contains(file.path) == true)
            // The file is untouched.
            #expect(try Data(contentsOf: file) == Data("plain file".utf8))
        }
    }

    @Test func aDirectoryUnderARegularFileFails() throws {
        try withTemporaryDirectory { root in
            let file = root.appendingPathComponent("file")
            try Data().write(to: file)
            let directory = file.appendingPathComponent("store")
            let error = #expect(throws: StreamsError.self) {
                _ = try RocksDBKeyValueStore(name: "nested", directory: directory)
            }
            #expect(error?.code == .stateStore)
            #expect(error?.message.contains(directory.path) == true)
        }
    }
}

@Suite("RocksDB stores in a topology")
struct RocksDBTopologyTests {
    @Test func anAggregationOnRocksDBKeepsEachTasksStoreInItsOwnDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rocks-topology-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let restored = RestoredCount(0)
        func run(_ words: [String], cluster: InMemoryCluster) throws -> [String: Int64] {
            let builder = StreamsBuilder()
            var materialized = Materialized("counts", key: Serde<String>.string, value: Serde<Int64>.int64)
            materialized.storeSupplier = { name in RocksDBStores.persistentKeyValueStore(name, directory: directory) }
            builder.stream("words", Consumed(key: .string, value: .string))
                .groupByKey()
                .count(materialized)
                .toStream()
                .to("counts", Produced(key: .string, value: Serde<Int64>.int64.optional))
            for word in words {
                try cluster.send(Record(key: word, value: word, timestamp: 0), to: "words", key: .string, value: .string)
            }
            var config = StreamsConfig(applicationId: "rocks")
            config.restoreListener = StateRestoreListener(onRestoreEnd: { progress in restored.add(progress.restored) })
            let streams = try InMemoryStreams(topology: try builder.build(), cluster: cluster, config: config)
            try streams.start()
            try streams.runUntilIdle()
            try streams.close()
            var last: [String: Int64] = [:]
            for record in try cluster.read(topic: "counts", key: Serde<String>.string, value: Serde<Int64>.int64.optional) {
                last[record.key] = record.value
            }
            return last
        }
        let cluster = InMemoryCluster()
        try cluster.createTopic("words", partitions: 2)
        try cluster.createTopic("counts", partitions: 2)
        #expect(try run(["a", "b", "a"], cluster: cluster) == ["a": 2, "b": 1])
        for task in ["0_0", "0_1"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("\(task)/counts/CURRENT").path))
        }
        // A clean close left checkpoints: the changelog's end for each task's partition.
        for partition in Int32(0)..<2 {
            let checkpoint = directory.appendingPathComponent("0_\(partition)/counts/.checkpoint").path
            let text = try String(contentsOfFile: checkpoint, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(Int64(text) == (try cluster.endOffset(of: "rocks-counts-changelog", partition: partition)))
        }
        // So the restart reads nothing back: the data is on disk.
        #expect(try run(["a"], cluster: cluster)["a"] == 3)
        #expect(restored.value == 0)
        // Without checkpoints (as after a crash) the whole changelog is read again, and the
        // counts are still right: replaying writes the store already has changes nothing.
        for task in ["0_0", "0_1"] {
            try FileManager.default.removeItem(at: directory.appendingPathComponent("\(task)/counts/.checkpoint"))
        }
        let changelog = try cluster.recordCount(of: "rocks-counts-changelog")
        #expect(try run(["b"], cluster: cluster)["b"] == 2)
        #expect(changelog > 0)
        #expect(Int64(restored.value) == changelog)
    }
}

/// A counter a restore listener can add to from the stream thread.
final class RestoredCount: Sendable {
    private let total: Mutex<Int>
    init(_ value: Int) { total = Mutex(value) }
    func add(_ amount: Int) { total.withLock { $0 += amount } }
    var value: Int { total.withLock { $0 } }
}
