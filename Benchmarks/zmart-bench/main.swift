import Foundation
import ZMart

// Runs ZMart's in-memory path (`zmart --in-memory --input FILE`) synchronously on the main
// thread, for callgrind: valgrind crashes on `zmart`'s async main.
//
//   zmart-bench FILE [OUTPUT-DIR] [THREADS] [--stateful]
//
// Run it with MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_MMAP_THRESHOLD_=268435456 to match
// the allocator settings `zmart` makes.
let stateful = CommandLine.arguments.contains("--stateful")
let arguments = CommandLine.arguments.filter { $0 != "--stateful" }
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: zmart-bench FILE [OUTPUT-DIR] [THREADS]\n".utf8))
    exit(2)
}
var options = ZMartRun.Options()
options.input = URL(fileURLWithPath: arguments[1])
if arguments.count >= 3, !arguments[2].isEmpty { options.outputDirectory = URL(fileURLWithPath: arguments[2]) }
if arguments.count >= 4, let threads = Int(arguments[3]) { options.threads = threads }
options.stateful = stateful
let summary = try ZMartRun(options: options).run()
print("records=\(summary.records) malformed=\(summary.malformed) "
    + options.outputTopics.map { "\($0.rawValue)=\(summary.outputCounts[$0.rawValue] ?? 0)" }.joined(separator: " ")
    + " late=\(summary.lateRecords ?? 0) seconds=\(summary.seconds)")
