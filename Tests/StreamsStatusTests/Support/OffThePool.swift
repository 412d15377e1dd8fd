import Foundation

/// Runs blocking work (a socket read with a deadline, a browser run) on a thread of its own
/// and awaits it, so that tests never hold Swift's cooperative pool, which the other tests
/// (and the server's `Service` tests) need: on a 2-core machine it has two threads.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.name = "status-tests-blocking"
        thread.start()
    }
}
