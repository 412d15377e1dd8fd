import Foundation
import Streams
import StreamsRocksDB
import Testing

/// One store implementation the conformance suite runs against.
struct StoreFactory: Sendable, CustomTestStringConvertible {
    let name: String
    let persistent: Bool
    /// Opens a store named `name` whose files (if any) go under `directory`.
    let make: @Sendable (_ name: String, _ directory: URL) throws -> any KeyValueBytesStore

    var testDescription: String { name }

    static let inMemory = StoreFactory(name: "InMemoryKeyValueStore", persistent: false) { name, _ in
        InMemoryKeyValueStore(name: name)
    }
    static let rocksDB = StoreFactory(name: "RocksDBKeyValueStore", persistent: true) { name, directory in
        // A directory that does not exist yet, so every test also covers its creation.
        try RocksDBKeyValueStore(name: name, directory: directory.appendingPathComponent("rocksdb/\(name)"))
    }

    /// Every key-value bytes store.
    static let all: [StoreFactory] = [.inMemory, .rocksDB]
}

/// Runs `body` with a fresh store in a fresh temporary directory; closes the store and removes
/// the directory afterwards.
func withStore<Result>(
    _ factory: StoreFactory, _ body: (any KeyValueBytesStore) throws -> Result
) throws -> Result {
    try withTemporaryDirectory { directory in
        let store = try factory.make("conformance", directory)
        defer { store.close() }
        return try body(store)
    }
}

/// Runs `body` with a new empty directory, removed afterwards whatever happens.
func withTemporaryDirectory<Result>(_ body: (URL) throws -> Result) throws -> Result {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("streams-state-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}

/// `Array(string.utf8)`, to keep the tests short.
func bytes(_ string: String) -> [UInt8] { Array(string.utf8) }

/// The keys of `entries`, in their order.
func keys(_ entries: [KeyValueBytes]) -> [[UInt8]] { entries.map(\.key) }
