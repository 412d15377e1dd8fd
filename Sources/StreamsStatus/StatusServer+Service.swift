import Foundation
import ServiceLifecycle

extension StatusServer: Service {
    /// Starts the server, serves until the service group shuts down gracefully (SIGTERM,
    /// SIGINT) or the task is cancelled, then stops it.
    /// - Throws: ``StatusServerError`` when the server cannot listen.
    public func run() async throws {
        try start()
        // Either way ends the service: a graceful shutdown returns, a cancellation throws.
        try? await gracefulShutdown()
        // stop() joins the worker threads; it is quick, but a blocking wait all the same, so
        // it runs on a thread of its own rather than on the cooperative pool.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                self.stop()
                continuation.resume()
            }
            thread.name = "streams-status-stop"
            thread.start()
        }
    }
}
