/// The headers of a record: an ordered list of name/value pairs, as in Kafka.
///
/// A name may appear more than once; ``last(_:)`` returns the value added last.
public struct Headers: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// One header.
    public struct Header: Sendable, Hashable {
        /// The header's name.
        public var name: String
        /// The header's value; `nil` is Kafka's null header value.
        public var value: [UInt8]?

        /// Creates a header.
        public init(name: String, value: [UInt8]?) {
            self.name = name
            self.value = value
        }
    }

    @usableFromInline var storage: [Header]

    /// Creates empty headers.
    @inlinable public init() { storage = [] }

    /// Creates headers from name/value pairs, in order.
    public init(_ headers: [Header]) { storage = headers }

    /// Creates headers from string values, in order.
    public init(dictionaryLiteral elements: (String, String)...) {
        storage = elements.map { Header(name: $0.0, value: Array($0.1.utf8)) }
    }

    /// Whether there is no header.
    @inlinable public var isEmpty: Bool { storage.isEmpty }

    /// The number of headers.
    public var count: Int { storage.count }

    /// Appends a header.
    public mutating func add(_ name: String, _ value: [UInt8]?) {
        storage.append(Header(name: name, value: value))
    }

    /// Appends a header with a UTF-8 string value.
    public mutating func add(_ name: String, _ value: String) {
        storage.append(Header(name: name, value: Array(value.utf8)))
    }

    /// Removes every header with this name.
    public mutating func remove(_ name: String) {
        storage.removeAll { $0.name == name }
    }

    /// The value of the last header with this name, if any.
    public func last(_ name: String) -> [UInt8]? {
        storage.last { $0.name == name }?.value
    }

    /// The value of the last header with this name decoded as UTF-8, if any.
    public func lastString(_ name: String) -> String? {
        last(name).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Iterates the headers in order.
    public func makeIterator() -> IndexingIterator<[Header]> { storage.makeIterator() }
}
