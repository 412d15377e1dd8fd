/// The error type of the StreamsStatus module: why a ``StatusServer`` could not start.
///
/// Its ``description`` names the address, e.g.
/// `addressInUse: cannot listen on 127.0.0.1:8080: Address already in use (errno 98)`.
public struct StatusServerError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added; switch with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidAddress, addressInUse, socket
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The host is not an IPv4 or IPv6 literal, or the port is outside 0...65535.
        public static let invalidAddress = Code(.invalidAddress)
        /// Another socket listens on the port already.
        public static let addressInUse = Code(.addressInUse)
        /// The operating system refused to make, bind or listen on the socket (the message
        /// names the call and the system's reason).
        public static let socket = Code(.socket)

        /// The code's name, e.g. `addressInUse`.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// What went wrong, naming the host and port.
    public var message: String
    /// The host the server was to listen on.
    public var host: String
    /// The port the server was to listen on (0 for an ephemeral one).
    public var port: Int
    /// The system's error number, when a system call failed.
    public var errno: Int32?

    /// Creates an error.
    /// - Parameters:
    ///   - code: What kind of failure this is.
    ///   - message: What went wrong.
    ///   - host: The host the server was to listen on.
    ///   - port: The port the server was to listen on.
    ///   - errno: The system's error number, when a system call failed.
    public init(_ code: Code, _ message: String, host: String, port: Int, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.host = host
        self.port = port
        self.errno = errno
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
