#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A pipe that every wait of the server polls beside its socket: one byte written to it
/// wakes all the workers at once, whatever they are waiting for, so that `stop()` is prompt.
/// The byte is never read, so the pipe stays readable until it is closed.
struct WakePipe: Sendable {
    /// The end the waits poll.
    let readEnd: Int32
    private let writeEnd: Int32

    /// Opens the pipe; `nil` if the process is out of descriptors.
    init?() {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return nil }
        readEnd = ends[0]
        writeEnd = ends[1]
        POSIX.setCloseOnExec(readEnd)
        POSIX.setCloseOnExec(writeEnd)
    }

    /// Wakes every waiter, now and later.
    func wake() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Closes both ends; only once nobody polls them.
    func close() {
        POSIX.closeDescriptor(readEnd)
        POSIX.closeDescriptor(writeEnd)
    }
}
