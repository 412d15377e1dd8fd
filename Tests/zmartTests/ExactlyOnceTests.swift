import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Exactly-once on a broker that implements Kafka transactions: Tansu (a Kafka-compatible
/// broker from PyPI) behind `scripts/kafka-txn-proxy.py`, which fills in what Tansu's
/// read_committed fetches leave out. librdkafka's mock cluster accepts transactions but
/// ignores them, so it cannot show any of this.
///
/// The `zmart` processes run with librdkafka 2.16 (Debian's 2.0.2 cannot talk to Tansu), set
/// up by `scripts/txn-env.sh`, which `scripts/test.sh` sources. Without it these tests fail,
/// saying so: they never skip.
@Suite("exactly-once on a transactional broker", .serialized)
struct ExactlyOnceTests {
    /// What `scripts/txn-env.sh` exports.
    struct Environment {
        let tansu: String
        let python: String
        let libraryPath: String

        static func load() throws -> Environment {
            let env = ProcessInfo.processInfo.environment
            guard let tansu = env["STREAMS_TANSU"], let python = env["STREAMS_TXN_PYTHON"],
                let libraryPath = env["STREAMS_TXN_LIBRARY_PATH"],
                FileManager.default.isExecutableFile(atPath: tansu)
            else {
                throw Failure(
                    "the exactly-once tests need Tansu and librdkafka 2.16: run them through scripts/test.sh (it sources scripts/txn-env.sh, which installs both from PyPI)")
            }
            return Environment(tansu: tansu, python: python, libraryPath: libraryPath)
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// A child process with stdout and stderr in files.
    final class Child {
        let pid: pid_t
        let stdoutPath: String
        let stderrPath: String
        private(set) var status: Int32?

        init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], folder: URL) throws {
            let tag = UUID().uuidString.prefix(8)
            stdoutPath = folder.appendingPathComponent("\(tag).out").path
            stderrPath = folder.appendingPathComponent("\(tag).err").path
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            var merged = ProcessInfo.processInfo.environment
            for (key, value) in environment { merged[key] = value }
            let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { envp.forEach { free($0) } }
            let argv = ([executable] + arguments).map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            var pid: pid_t = 0
            let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
            guard spawned == 0 else { throw Failure("cannot start \(executable): error \(spawned)") }
            self.pid = pid
        }

        var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

        /// Whether it has exited (reaps it once it has).
        var hasExited: Bool {
            if status != nil { return true }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return false }
            status = raw
            return true
        }

        /// Waits for it to exit, up to `seconds`; kills it after that and fails.
        @discardableResult
        func wait(seconds: Double, what: String) throws -> Int32 {
            let deadline = Date().addingTimeInterval(seconds)
            while !hasExited {
                if Date() > deadline {
                    kill(pid, SIGKILL)
                    _ = wait(forever: ())
                    throw Failure("\(what) did not finish within \(Int(seconds)) s; its stderr ends: \(stderr.suffix(2000))")
                }
                usleep(20_000)
            }
            return exitCode
        }

        private func wait(forever: Void) -> Int32 {
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
            status = raw
            return raw
        }

        /// The exit status, or 128 + the signal that ended it.
        var exitCode: Int32 {
            guard let status else { return -1 }
            return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        }

        /// Waits until `condition` holds, up to `seconds`.
        func waitUntil(seconds: Double, _ what: String, _ condition: () -> Bool) throws {
            let deadline = Date().addingTimeInterval(seconds)
            while !condition() {
                if hasExited { throw Failure("exited (\(exitCode)) before \(what); stderr: \(stderr.suffix(2000))") }
                if Date() > deadline { throw Failure("no \(what) within \(Int(seconds)) s; stderr: \(stderr.suffix(2000))") }
                usleep(20_000)
            }
        }

        func stop() {
            guard !hasExited else { return }
            kill(pid, SIGKILL)
            _ = wait(forever: ())
        }
    }

    /// Tansu behind the transaction proxy, on a free loopback port.
    final class Broker {
        let child: Child
        let bootstrap: String

        init(_ environment: Environment, folder: URL) throws {
            let child = try Child(
                environment.python,
                [Self.script, "--listen", "127.0.0.1:0", "--tansu", environment.tansu], folder: folder)
            self.child = child
            var found: String?
            try child.waitUntil(seconds: 60, "the broker's listening line") {
                guard let line = child.stdout.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) else {
                    return false
                }
                found = String(line.dropFirst("listening on ".count))
                return true
            }
            bootstrap = found!
        }

        static let script = ExactlyOnceTests.repository.appendingPathComponent("scripts/kafka-txn-proxy.py").path

        deinit {
            if !child.hasExited { kill(child.pid, SIGTERM) }
            _ = try? child.wait(seconds: 10, what: "the broker")
        }
    }

    let environment: Environment
    let folder: URL

    init() throws {
        environment = try Environment.load()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("zmart-eos-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// Starts `zmart` with librdkafka 2.16.
    func zmart(_ arguments: [String]) throws -> Child {
        try Child(
            ZMartCommandTests.binary.path, arguments, environment: ["LD_LIBRARY_PATH": environment.libraryPath],
            folder: folder)
    }

    /// Runs `zmart` to the end and expects success.
    func zmartSucceeds(_ arguments: [String], seconds: Double = 300) throws -> Child {
        let child = try zmart(arguments)
        let code = try child.wait(seconds: seconds, what: "zmart \(arguments.joined(separator: " "))")
        guard code == 0 else {
            throw Failure("zmart \(arguments.joined(separator: " ")) exited with \(code): \(child.stderr.suffix(3000))")
        }
        return child
    }

    /// The lines of an output file, sorted (a multiset: duplicates stay).
    func lines(_ directory: URL, _ topic: String) throws -> [String] {
        try String(contentsOf: directory.appendingPathComponent("\(topic).tsv"), encoding: .utf8)
            .split(separator: "\n").map(String.init).sorted()
    }

    /// An input file and the outputs of a run with no crash (the in-memory runtime).
    func reference(records: Int, seed: UInt64) throws -> (input: URL, outputs: URL) {
        let input = folder.appendingPathComponent("input.tsv")
        _ = try zmartSucceeds(["--generate-input", input.path, "--records", "\(records)", "--seed", "\(seed)", "--quiet"])
        let outputs = folder.appendingPathComponent("reference")
        _ = try zmartSucceeds(["--in-memory", "--stateful", "--input", input.path, "--output", outputs.path, "--quiet"])
        return (input, outputs)
    }

    /// The committed outputs hold each input exactly once, and the reward totals are those
    /// of the run with no crash.
    func expectSameOutputs(_ outputs: URL, as reference: URL, records: Int) throws {
        for topic in ["patterns", "purchases", "rewards"] {
            let got = try lines(outputs, topic)
            let expected = try lines(reference, topic)
            #expect(expected.count == records, "the reference run has \(expected.count) \(topic) records")
            #expect(got.count == expected.count, "\(topic): \(got.count) committed records, \(expected.count) expected")
            if got != expected {
                let missing = Set(expected).subtracting(got).count
                let extra = got.count - Set(got).count
                Issue.record("\(topic) differs from the run with no crash: \(missing) records missing, \(extra) duplicated")
            }
        }
    }

    func common(_ bootstrap: String) -> [String] {
        [
            "--bootstrap-servers", bootstrap, "--stateful", "--guarantee", "exactly-once", "--session-timeout", "6",
            "--quiet", "--log-level", "info", "--progress-every", "0",
        ]
    }

    @Test(
        "SIGKILLed (or stopped with SIGTERM) at random points and restarted, ZMart's committed outputs hold each purchase once and its reward totals are those of a run with no crash",
        arguments: [SIGKILL, SIGTERM])
    func killedAndRestarted(signal: Int32) throws {
        // SIGTERM stops the instance cleanly: it commits what it processed, and must not
        // commit past records it polled and holds unprocessed.
        let seed = UInt64.random(in: 1...1_000_000)
        let records = 20_000
        print("exactly-once kill test: signal \(signal), seed \(seed), \(records) purchases")
        let (input, reference) = try reference(records: records, seed: seed)
        let broker = try Broker(environment, folder: folder)
        let base = common(broker.bootstrap)
        _ = try zmartSucceeds(base + ["--produce-only", "--input", input.path])
        var killedWhileRunning = 0
        for round in 1...3 {
            let child = try zmart(base + ["--resume", "--process-id", "zmart-eos-test"])
            // Somewhere after it has started processing: its first commit is logged at info
            // as a partition assignment, then records flow within the commit interval. A
            // round after one that processed everything has nothing to do and may finish
            // before it logs an assignment: the input is done, so the rounds end there.
            try child.waitUntil(seconds: 120, "a partition assignment in round \(round)") {
                child.stderr.contains("partitions assigned") || (child.hasExited && child.exitCode == 0)
            }
            if child.hasExited, !child.stderr.contains("partitions assigned") { break }
            usleep(UInt32.random(in: 200_000...2_500_000))
            if !child.hasExited {
                kill(child.pid, signal)
                try child.wait(seconds: 60, what: "the killed zmart")
                killedWhileRunning += 1
            } else {
                #expect(child.exitCode == 0, "round \(round) exited with \(child.exitCode): \(child.stderr.suffix(2000))")
            }
        }
        #expect(killedWhileRunning >= 1, "no run was still processing when it was killed: the test proved nothing")
        let outputs = folder.appendingPathComponent("outputs")
        let last = try zmartSucceeds(base + ["--resume", "--process-id", "zmart-eos-test", "--output", outputs.path])
        #expect(last.stdout.contains("records=\(records) "), "the input holds \(records) purchases: \(last.stdout)")
        try expectSameOutputs(outputs, as: reference, records: records)
    }

    @Test("a zombie instance (stopped, replaced by one with its process id, then resumed) is fenced: it fails with a clear error and nothing it wrote after its replacement started is visible")
    func zombieIsFenced() throws {
        let seed = UInt64.random(in: 1...1_000_000)
        let records = 20_000
        let later = 5_000
        print("exactly-once zombie test: seed \(seed), \(records) + \(later) purchases")
        let first = folder.appendingPathComponent("first.tsv")
        let second = folder.appendingPathComponent("second.tsv")
        let both = folder.appendingPathComponent("both.tsv")
        _ = try zmartSucceeds(["--generate-input", first.path, "--records", "\(records)", "--seed", "\(seed)", "--quiet"])
        _ = try zmartSucceeds(["--generate-input", second.path, "--records", "\(later)", "--seed", "\(seed + 1)", "--quiet"])
        try (try Data(contentsOf: first) + Data(contentsOf: second)).write(to: both)
        let reference = folder.appendingPathComponent("reference")
        _ = try zmartSucceeds(["--in-memory", "--stateful", "--input", both.path, "--output", reference.path, "--quiet"])
        let broker = try Broker(environment, folder: folder)
        let base = common(broker.bootstrap)
        _ = try zmartSucceeds(base + ["--produce-only", "--input", first.path])
        // The zombie-to-be stays in its group once its input is processed (as a service with
        // a status page does), so it is still there to be resumed.
        let zombie = try zmart(base + ["--resume", "--process-id", "zombie", "--status-port", "0"])
        defer { zombie.stop() }
        try zombie.waitUntil(seconds: 120, "the first instance's partition assignment") {
            zombie.stderr.contains("partitions assigned")
        }
        usleep(UInt32.random(in: 100_000...1_000_000))
        try #require(!zombie.hasExited, "the first instance exited: \(zombie.stderr.suffix(1000))")
        kill(zombie.pid, SIGSTOP)
        // Its replacement, with the same process id: its producer takes the transactional id
        // over (fencing the stopped one), and once the group has dropped the stopped member it
        // processes the rest of the input.
        let replacement = try zmartSucceeds(base + ["--resume", "--process-id", "zombie"])
        #expect(replacement.stdout.contains("records=\(records) "), "\(replacement.stdout)")
        // More input, then the zombie wakes up: it rejoins the group, gets the new records and
        // must not be able to write what it makes of them.
        _ = try zmartSucceeds(base + ["--produce-only", "--input", second.path])
        kill(zombie.pid, SIGCONT)
        // It fails: fenced, or (Tansu sometimes closes the fenced producer's connection instead
        // of answering) unable to abort its transaction within the flush timeout, or, when it
        // wakes up processing records it held and writes before it sees the rebalance, with
        // its transaction failed (librdkafka's abortable state after the fencing).
        let code = try zombie.wait(seconds: 300, what: "the resumed zombie")
        #expect(code != 0, "the zombie went on as if nothing happened: \(zombie.stderr.suffix(2000))")
        #expect(
            zombie.stderr.contains("fenced") || zombie.stderr.contains("aborting the transaction did not finish")
                || zombie.stderr.contains("the transaction has failed"),
            "the zombie's error does not say why it stopped: \(zombie.stderr.suffix(2000))")
        // Whatever the zombie left is finished by a third instance; the committed outputs are
        // those of one run with no zombie.
        let outputs = folder.appendingPathComponent("outputs")
        let last = try zmartSucceeds(base + ["--resume", "--process-id", "finisher", "--output", outputs.path])
        #expect(last.stdout.contains("records=\(records + later) "), "\(last.stdout)")
        try expectSameOutputs(outputs, as: reference, records: records + later)
    }
}
