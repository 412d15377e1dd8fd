import Foundation

/// A persistent store's checkpoint file: one decimal changelog offset.
enum Checkpoint {
    static func read(_ path: String) -> Int64? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return Int64(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func write(_ offset: Int64, to path: String) {
        // Written whole, then moved into place, so a crash leaves the old file or the new one.
        let temporary = path + ".tmp"
        _ = FileManager.default.createFile(atPath: temporary, contents: Data("\(offset)\n".utf8))
        _ = try? FileManager.default.removeItem(atPath: path)
        _ = try? FileManager.default.moveItem(atPath: temporary, toPath: path)
    }

    static func remove(_ path: String) {
        _ = try? FileManager.default.removeItem(atPath: path)
    }
}
