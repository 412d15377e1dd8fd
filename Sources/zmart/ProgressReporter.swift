import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Streams
import Synchronization

/// Shows how a run is going: records processed, rate and lag, read from the application's
/// status. On a terminal it rewrites one line on stdout; otherwise it prints a plain line to
/// stderr now and then, so stdout keeps only the report.
final class ProgressReporter: Sendable {
    private let source: any StatusReporting
    private let interval: Duration
    private let terminal: Bool
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let shown = Atomic<Bool>(false)

    /// - Parameters:
    ///   - source: The application's status.
    ///   - interval: Time between lines; the first comes after one interval, so short runs
    ///     print none.
    ///   - terminal: Whether stdout is a terminal.
    init(source: any StatusReporting, interval: Duration, terminal: Bool) {
        self.source = source
        self.interval = interval
        self.terminal = terminal
    }

    /// Whether stdout is a terminal.
    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// One progress line for a snapshot.
    static func line(_ status: StatusSnapshot) -> String {
        String(
            format: "progress: state=%@ processed=%d rate=%.0f/s lag=%lld skipped=%d",
            status.state.description, status.processedRecords, status.processRate, status.totalLag,
            status.skippedRecords)
    }

    /// Starts printing on a thread of its own.
    func start() {
        let thread = Thread { [self] in
            let step = 0.05
            let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
            var waited = 0.0
            while !stopped.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: step)
                waited += step
                guard waited >= seconds else { continue }
                waited = 0
                show(Self.line(source.statusSnapshot()))
            }
            finished.signal()
        }
        thread.name = "zmart-progress"
        thread.start()
    }

    /// Stops printing; on a terminal, clears the progress line.
    func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        finished.wait()
        if terminal && shown.load(ordering: .relaxed) {
            FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8))
        }
    }

    private func show(_ line: String) {
        shown.store(true, ordering: .relaxed)
        if terminal {
            FileHandle.standardOutput.write(Data("\r\u{1B}[K\(line)".utf8))
        } else {
            FileHandle.standardError.write(Data("\(line)\n".utf8))
        }
    }
}
