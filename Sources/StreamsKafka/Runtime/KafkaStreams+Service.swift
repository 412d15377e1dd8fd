import Foundation
import ServiceLifecycle
import Streams

extension KafkaStreams: Service {
    /// Starts the instance (off Swift's cooperative pool, since it blocks on the cluster) and
    /// runs until it stops; a graceful shutdown of the service group (SIGTERM, SIGINT) or the
    /// task's cancellation closes it cleanly.
    /// - Throws: The error that stopped the instance, if it did not stop cleanly.
    public func run() async throws {
        if state == .created {
            try await onDedicatedThread { try self.start() }
        }
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await self.waitUntilStopped()
            } onGracefulShutdown: {
                self.requestShutdown()
            }
        } onCancel: {
            self.requestShutdown()
        }
        if state == .error, let failure {
            throw failure
        }
    }
}

/// Runs blocking work on a new OS thread and awaits its result.
func onDedicatedThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.name = "streams-blocking-call"
        thread.start()
    }
}
