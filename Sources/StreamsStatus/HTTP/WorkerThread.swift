import Dispatch
import Foundation

/// An OS thread that can be joined: the server's workers block in `poll`, so they live off
/// Swift's cooperative pool, and `stop()` waits for them to return.
final class WorkerThread: Sendable {
    private let finished = DispatchSemaphore(value: 0)

    /// Starts a thread named `name` running `body`.
    init(name: String, _ body: @escaping @Sendable () -> Void) {
        let finished = self.finished
        let thread = Thread {
            body()
            finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Waits until the body has returned.
    func join() {
        finished.wait()
    }
}
