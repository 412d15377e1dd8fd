import Dispatch
import Foundation

/// What a finished child process left.
struct ChildProcessResult: Sendable {
    var status: Int32
    var standardOutput: String
    var standardError: String
}

/// Why a child process gave no result.
struct ChildProcessError: Error, CustomStringConvertible {
    var description: String
}

/// Runs a program with a deadline: its output goes to temporary files (so a chatty program
/// never blocks on a full pipe), and it is terminated, then killed, when the deadline passes.
enum ChildProcess {
    static func run(_ executable: String, _ arguments: [String], within timeout: Duration) throws -> ChildProcessResult {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("status-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outURL = folder.appendingPathComponent("stdout"), errURL = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()

        let (seconds, attoseconds) = timeout.components
        let wait = DispatchTimeInterval.milliseconds(Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
        if finished.wait(timeout: .now() + wait) == .timedOut {
            process.terminate()
            if finished.wait(timeout: .now() + .seconds(5)) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                _ = finished.wait(timeout: .now() + .seconds(5))
            }
            let errors = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            throw ChildProcessError(
                description: "\(executable) did not finish within \(timeout) and was stopped; "
                    + "its last errors: \(errors.suffix(2000))")
        }
        return ChildProcessResult(
            status: process.terminationStatus,
            standardOutput: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    /// The path of `name` on `PATH`, as `command -v` finds it.
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
