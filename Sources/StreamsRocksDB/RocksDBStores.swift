import Foundation
import Streams

/// Persistent state stores on RocksDB, for ``Streams/Stores`` and ``Streams/Materialized``.
///
/// ```swift
/// let state = URL(fileURLWithPath: "/var/lib/zmart/state")
/// var totals = Materialized("reward-totals", key: .string, value: .int64)
/// totals.storeSupplier = { name in RocksDBStores.persistentKeyValueStore(name, directory: state) }
/// ```
public enum RocksDBStores {
    /// Key-value stores on RocksDB: each task's store is a database in
    /// `directory/<taskId>/<name>` (Kafka Streams' `state.dir` layout), so tasks never share
    /// one. Give every application its own `directory`.
    /// - Parameters:
    ///   - name: The store's name.
    ///   - directory: Where the application's state lives.
    public static func persistentKeyValueStore(_ name: String, directory: URL) -> KeyValueBytesStoreSupplier {
        KeyValueBytesStoreSupplier(name: name, persistent: true) { task in
            let path = directory.appendingPathComponent(task.description, isDirectory: true)
                .appendingPathComponent(name, isDirectory: true)
            return try RocksDBKeyValueStore(name: name, directory: path)
        }
    }
}
