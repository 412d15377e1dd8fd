import Foundation

/// Debian's headless chromium, which scripts/test.sh installs. Each run gets a fresh profile
/// folder and a deadline of 60 seconds (it can take seconds to start on a busy machine).
struct Chromium: Sendable {
    let executable: String

    /// The installed browser, or `nil`.
    static func installed() -> Chromium? {
        ChildProcess.find("chromium").map(Chromium.init(executable:))
    }

    /// The message a test fails with when the browser is missing.
    static let missing = "chromium is not installed; run scripts/test.sh, which installs it (apt-get install chromium)"

    /// The DOM after the page's scripts ran for 8 seconds of virtual time.
    func dumpDOM(of url: String) async throws -> String {
        try await run(["--dump-dom", url]).standardOutput
    }

    /// A 1280×1400 screenshot of the page, as PNG, after 8 seconds of virtual time.
    func screenshot(of url: String, to path: String) async throws {
        _ = try await run(["--screenshot=\(path)", url])
        guard FileManager.default.fileExists(atPath: path) else {
            throw ChildProcessError(description: "chromium wrote no screenshot to \(path)")
        }
    }

    /// Runs the browser off the cooperative pool.
    private func run(_ arguments: [String]) async throws -> ChildProcessResult {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("status-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let common = [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,1400",
            "--virtual-time-budget=8000", "--user-data-dir=\(profile.path)", "--no-first-run",
            "--disable-dev-shm-usage", "--disable-extensions", "--disable-background-networking",
        ]
        let executable = self.executable
        let result = try await offThePool { try ChildProcess.run(executable, common + arguments, within: .seconds(60)) }
        guard result.status == 0 else {
            throw ChildProcessError(
                description: "chromium exited with \(result.status): \(result.standardError.suffix(2000))")
        }
        return result
    }
}
