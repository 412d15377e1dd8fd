import CRocksDB
import Foundation
import Streams

/// A key-value store kept on disk by RocksDB: Kafka Streams' persistent key-value store.
///
/// Each store is one RocksDB database in its own directory. Keys are ordered by RocksDB's
/// default bytewise comparator, which is the order of ``compareKeyBytes(_:_:)``.
///
/// Writes skip RocksDB's write-ahead log, as in Kafka Streams: the store's changelog topic is
/// its log. Unflushed writes are lost if the process dies; ``flush()`` (which a task calls
/// before it commits) and ``close()`` write the memtables to disk, so the data is there when
/// the store is opened again in the same directory.
///
/// Like every state store it is confined to the task that owns it: it is not `Sendable`.
///
/// ```swift
/// let store = try RocksDBKeyValueStore(name: "counts", directory: stateDirectory)
/// try store.put(Array("apples".utf8), [3])
/// try store.flush()
/// store.close()
/// ```
public final class RocksDBKeyValueStore: KeyValueBytesStore {
    /// The store's name.
    public let name: String
    /// The database's directory.
    public let directory: URL
    /// `directory/.checkpoint`: the changelog offset the data reflects, written when its task
    /// closes cleanly.
    public var checkpointPath: String? { directory.appendingPathComponent(".checkpoint").path }
    /// Always `true`.
    public var persistent: Bool { true }

    /// The open database; `nil` once closed. The option objects below live exactly as long
    /// as the database and are destroyed with it in `close()`.
    private var db: OpaquePointer?
    private let readOptions: OpaquePointer
    private let writeOptions: OpaquePointer
    private let flushOptions: OpaquePointer

    /// Memtable size: RocksDB's default is 64 MiB, and Kafka Streams uses 16 MiB; an
    /// application has one store per task and per store name, so the smaller buffer keeps
    /// the resident memory of many stores modest.
    static let writeBufferSize = 16 << 20
    /// At most two memtables (one filling, one being flushed) per store.
    static let maxWriteBufferNumber: Int32 = 2
    /// Each store's LRU block cache for reads. Without one RocksDB makes a 32 MiB cache per
    /// database (and Kafka Streams sets 50 MiB per store); a quarter of that keeps many stores'
    /// memory modest, and the OS page cache still holds the files.
    static let blockCacheSize = 8 << 20

    /// Opens the database in `directory`, creating the directory and the database if they do
    /// not exist.
    ///
    /// - Parameters:
    ///   - name: The store's name, unique in the topology.
    ///   - directory: The database's directory. Only one open store may use it at a time.
    /// - Throws: ``StreamsError`` with code ``StreamsError/Code/stateStore`` naming the store,
    ///   the directory and RocksDB's message when the database cannot be opened: the path is
    ///   a regular file, the directory cannot be created, or another open store holds its lock.
    public init(name: String, directory: URL) throws {
        self.name = name
        self.directory = directory
        let path = directory.path
        var isDirectory: ObjCBool = false
        // A path that exists (as a directory, or as a file RocksDB will refuse with its own
        // message) is left to RocksDB; a missing one is created with its parents.
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw StreamsError(
                    .stateStore, "state store \(name) cannot create its directory \(path)", underlying: error)
            }
        }

        // The options, table options and cache are copied (the cache shared by reference
        // count) into the database when it opens, so they are destroyed at the end of init.
        let options = rocksdb_options_create()!
        let tableOptions = rocksdb_block_based_options_create()!
        let cache = rocksdb_cache_create_lru(Self.blockCacheSize)!
        defer {
            rocksdb_cache_destroy(cache)
            rocksdb_block_based_options_destroy(tableOptions)
            rocksdb_options_destroy(options)
        }
        rocksdb_options_set_create_if_missing(options, 1)
        rocksdb_options_set_write_buffer_size(options, Self.writeBufferSize)
        rocksdb_options_set_max_write_buffer_number(options, Self.maxWriteBufferNumber)
        rocksdb_block_based_options_set_block_cache(tableOptions, cache)
        rocksdb_options_set_block_based_table_factory(options, tableOptions)

        var error: UnsafeMutablePointer<CChar>?
        let db = rocksdb_open(options, path, &error)
        if let message = Self.take(error) {
            if let db { rocksdb_close(db) }
            throw StreamsError(.stateStore, "state store \(name) cannot open RocksDB in \(path): \(message)")
        }
        guard let db else {
            throw StreamsError(.stateStore, "state store \(name) cannot open RocksDB in \(path)")
        }
        self.db = db
        readOptions = rocksdb_readoptions_create()!
        writeOptions = rocksdb_writeoptions_create()!
        // No write-ahead log: Kafka Streams disables it because the changelog topic is the
        // store's log; after a crash the store is restored from the changelog.
        rocksdb_writeoptions_disable_WAL(writeOptions, 1)
        flushOptions = rocksdb_flushoptions_create()!
        rocksdb_flushoptions_set_wait(flushOptions, 1)
    }

    deinit {
        close()
    }

    /// The value stored for `key`, or `nil`.
    /// - Throws: ``StreamsError`` (``StreamsError/Code/illegalState``) once closed, or
    ///   (``StreamsError/Code/stateStore``) when RocksDB fails to read.
    public func get(_ key: [UInt8]) throws -> [UInt8]? {
        let db = try openDB()
        // A pinnable slice tells a missing key (`nil`) from an empty value unambiguously.
        let slice = try call("get") { error in
            Self.withChars(key) { rocksdb_get_pinned(db, readOptions, $0, $1, error) }
        }
        guard let slice else { return nil }
        defer { rocksdb_pinnableslice_destroy(slice) }
        var length = 0
        let bytes = rocksdb_pinnableslice_value(slice, &length)
        return Self.copy(bytes, length)
    }

    /// Stores `value` for `key`; `nil` deletes the key.
    /// - Throws: ``StreamsError`` once closed or when RocksDB fails to write.
    public func put(_ key: [UInt8], _ value: [UInt8]?) throws {
        let db = try openDB()
        guard let value else {
            try call("delete") { error in
                Self.withChars(key) { rocksdb_delete(db, writeOptions, $0, $1, error) }
            }
            return
        }
        try call("put") { error in
            Self.withChars(key) { keyBytes, keyLength in
                Self.withChars(value) { rocksdb_put(db, writeOptions, keyBytes, keyLength, $0, $1, error) }
            }
        }
    }

    /// Stores every entry in one atomic write batch, in order; a `nil` value deletes its key.
    /// - Throws: ``StreamsError`` once closed or when RocksDB fails to write.
    public func putAll(_ entries: [(key: [UInt8], value: [UInt8]?)]) throws {
        let db = try openDB()
        let batch = rocksdb_writebatch_create()!
        defer { rocksdb_writebatch_destroy(batch) }
        for entry in entries {
            Self.withChars(entry.key) { keyBytes, keyLength in
                if let value = entry.value {
                    Self.withChars(value) { rocksdb_writebatch_put(batch, keyBytes, keyLength, $0, $1) }
                } else {
                    rocksdb_writebatch_delete(batch, keyBytes, keyLength)
                }
            }
        }
        try call("write batch") { error in rocksdb_write(db, writeOptions, batch, error) }
    }

    /// Deletes `key`; returns the value it had.
    /// - Throws: ``StreamsError`` once closed or when RocksDB fails.
    @discardableResult
    public func delete(_ key: [UInt8]) throws -> [UInt8]? {
        let old = try get(key)
        if old != nil { try put(key, nil) }
        return old
    }

    /// Deletes every entry in one write: a range delete from the empty key (the smallest) to
    /// the last key, and the last key itself.
    /// - Throws: ``StreamsError`` once closed or when RocksDB fails.
    public func removeAll() throws {
        let db = try openDB()
        let iterator = rocksdb_create_iterator(db, readOptions)!
        defer { rocksdb_iter_destroy(iterator) }
        rocksdb_iter_seek_to_last(iterator)
        guard rocksdb_iter_valid(iterator) != 0 else { return }
        let last = Self.entry(iterator).key
        let batch = rocksdb_writebatch_create()!
        defer { rocksdb_writebatch_destroy(batch) }
        Self.withChars(last) { lastBytes, lastLength in
            rocksdb_writebatch_delete_range(batch, "", 0, lastBytes, lastLength)
            rocksdb_writebatch_delete(batch, lastBytes, lastLength)
        }
        try call("remove all") { error in rocksdb_write(db, writeOptions, batch, error) }
    }

    /// The entries with `from <= key <= to` in key order (`nil` bounds are open), or in
    /// reverse order when `reverse` is set.
    /// - Throws: ``StreamsError`` once closed or when RocksDB's iterator fails.
    public func range(from: [UInt8]?, to: [UInt8]?, reverse: Bool) throws -> [KeyValueBytes] {
        let db = try openDB()
        let iterator = rocksdb_create_iterator(db, readOptions)!
        defer { rocksdb_iter_destroy(iterator) }
        var result: [KeyValueBytes] = []
        // The iterator's order is the bytewise comparator's, the same as `compareKeyBytes`,
        // so the walk stops at the first key past the far bound.
        if reverse {
            if let to {
                Self.withChars(to) { rocksdb_iter_seek_for_prev(iterator, $0, $1) }
            } else {
                rocksdb_iter_seek_to_last(iterator)
            }
            while rocksdb_iter_valid(iterator) != 0 {
                let entry = Self.entry(iterator)
                if let from, compareKeyBytes(entry.key, from) < 0 { break }
                result.append(entry)
                rocksdb_iter_prev(iterator)
            }
        } else {
            if let from {
                Self.withChars(from) { rocksdb_iter_seek(iterator, $0, $1) }
            } else {
                rocksdb_iter_seek_to_first(iterator)
            }
            while rocksdb_iter_valid(iterator) != 0 {
                let entry = Self.entry(iterator)
                if let to, compareKeyBytes(entry.key, to) > 0 { break }
                result.append(entry)
                rocksdb_iter_next(iterator)
            }
        }
        // An iterator becomes invalid at the end or on an I/O error; only the latter reports.
        try call("range") { error in rocksdb_iter_get_error(iterator, error) }
        return result
    }

    /// RocksDB's estimate of the number of keys (its `rocksdb.estimate-num-keys` property);
    /// `0` once closed. It is exact for keys written once and flushed, and may count a
    /// deleted or overwritten key until a compaction drops it.
    public var approximateNumEntries: Int {
        guard let db else { return 0 }
        guard let value = rocksdb_property_value(db, "rocksdb.estimate-num-keys") else { return 0 }
        defer { rocksdb_free(value) }
        return Int(String(cString: value)) ?? 0
    }

    /// Writes the memtables to disk, so the data survives a close or a crash.
    /// - Throws: ``StreamsError`` once closed or when RocksDB fails to flush.
    public func flush() throws {
        let db = try openDB()
        try call("flush") { error in rocksdb_flush(db, flushOptions, error) }
    }

    /// Flushes the memtables and closes the database, releasing its directory's lock. Later
    /// calls do nothing; the store's other methods throw.
    public func close() {
        guard let db else { return }
        // A failed flush cannot be reported from here (`close` does not throw); RocksDB's
        // close flushes unpersisted memtables too, and the changelog restores what is lost.
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_flush(db, flushOptions, &error)
        _ = Self.take(error)
        rocksdb_close(db)
        self.db = nil
        rocksdb_flushoptions_destroy(flushOptions)
        rocksdb_writeoptions_destroy(writeOptions)
        rocksdb_readoptions_destroy(readOptions)
    }

    // MARK: - C helpers

    private func openDB() throws -> OpaquePointer {
        guard let db else { throw StreamsError(.illegalState, "state store \(name) is closed") }
        return db
    }

    /// Runs a C call with an error out-parameter; throws RocksDB's message if it set one.
    private func call<Result>(
        _ operation: String, _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Result
    ) throws -> Result {
        var error: UnsafeMutablePointer<CChar>?
        let result = body(&error)
        if let message = Self.take(error) {
            throw StreamsError(
                .stateStore, "state store \(name) (RocksDB in \(directory.path)): \(operation) failed: \(message)")
        }
        return result
    }

    /// Copies RocksDB's error string and frees it (it was allocated by RocksDB).
    private static func take(_ error: UnsafeMutablePointer<CChar>?) -> String? {
        guard let error else { return nil }
        defer { rocksdb_free(error) }
        return String(cString: error)
    }

    /// Lends `bytes` to C as `const char*` and a length. An empty array may lend a null
    /// pointer, which RocksDB accepts with length 0.
    private static func withChars<Result>(
        _ bytes: [UInt8], _ body: (UnsafePointer<CChar>?, Int) -> Result
    ) -> Result {
        bytes.withUnsafeBufferPointer { buffer in
            // UInt8 and CChar are the same size and may alias each other.
            body(UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self), buffer.count)
        }
    }

    /// Copies `length` bytes that RocksDB owns into an array.
    private static func copy(_ bytes: UnsafePointer<CChar>?, _ length: Int) -> [UInt8] {
        guard let bytes, length > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: length))
    }

    /// The iterator's current entry, copied (its slices are valid only until it moves).
    private static func entry(_ iterator: OpaquePointer) -> KeyValueBytes {
        var keyLength = 0
        let key = rocksdb_iter_key(iterator, &keyLength)
        var valueLength = 0
        let value = rocksdb_iter_value(iterator, &valueLength)
        return KeyValueBytes(key: copy(key, keyLength), value: copy(value, valueLength))
    }
}
