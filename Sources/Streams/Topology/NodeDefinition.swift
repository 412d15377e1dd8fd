/// One node of a topology as declared: what it is, where it takes records from, and how a
/// task makes its runtime form.
@usableFromInline
struct NodeDefinition: Sendable {
    @usableFromInline
    enum Kind: Sendable {
        case source(topics: [TopicName], keySerde: String, valueSerde: String)
        case processor(stores: [String])
        case sink(topic: TopicName?, keySerde: String, valueSerde: String)
    }

    @usableFromInline let name: String
    @usableFromInline var kind: Kind
    @usableFromInline let parents: [String]
    /// Identity of `Record<KeyIn, ValueIn>`; nil for sources.
    @usableFromInline let input: RecordType?
    /// Identity of `Record<KeyOut, ValueOut>`; nil for sinks.
    @usableFromInline let output: RecordType?
    /// Builds the node for one task, given the entry points of its children in order.
    @usableFromInline let make: @Sendable (TaskContext, [AnyObject]) throws -> RuntimeNode

    @usableFromInline
    init(
        name: String, kind: Kind, parents: [String], input: RecordType?, output: RecordType?,
        make: @escaping @Sendable (TaskContext, [AnyObject]) throws -> RuntimeNode
    ) {
        self.name = name
        self.kind = kind
        self.parents = parents
        self.input = input
        self.output = output
        self.make = make
    }

    var isSource: Bool { if case .source = kind { true } else { false } }
    var isSink: Bool { if case .sink = kind { true } else { false } }
}

/// The key/value types of the records a node takes or gives, for checking that a parent's
/// output fits its child's input.
@usableFromInline
struct RecordType: Sendable, Equatable, CustomStringConvertible {
    @usableFromInline let id: ObjectIdentifier
    @usableFromInline let description: String

    @inlinable
    static func of<Key, Value>(_ key: Key.Type, _ value: Value.Type) -> RecordType {
        RecordType(id: ObjectIdentifier(Record<Key, Value>.self), description: "(\(Key.self), \(Value.self))")
    }

    @usableFromInline
    init(id: ObjectIdentifier, description: String) {
        self.id = id
        self.description = description
    }

    @usableFromInline
    static func == (lhs: RecordType, rhs: RecordType) -> Bool { lhs.id == rhs.id }
}

/// A node made for one task.
@usableFromInline
struct RuntimeNode {
    /// `Downstream<KeyIn, ValueIn>` for processors and sinks.
    @usableFromInline var downstream: AnyObject?
    /// For sources: takes a record as bytes.
    @usableFromInline var source: ((RawRecord) throws -> Void)?
    @usableFromInline var initialize: () throws -> Void
    @usableFromInline var close: () -> Void

    @inlinable
    init(
        downstream: AnyObject? = nil, source: ((RawRecord) throws -> Void)? = nil,
        initialize: @escaping () throws -> Void = {}, close: @escaping () -> Void = {}
    ) {
        self.downstream = downstream
        self.source = source
        self.initialize = initialize
        self.close = close
    }
}

/// A record as bytes, as a runtime reads it from a topic. The buffers are only valid during
/// the call that receives it.
@usableFromInline
struct RawRecord {
    @usableFromInline let key: UnsafeRawBufferPointer?
    @usableFromInline let value: UnsafeRawBufferPointer?
    @usableFromInline let timestamp: Int64
    @usableFromInline let headers: Headers
    @usableFromInline let metadata: RecordMetadata

    @usableFromInline
    init(
        key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, timestamp: Int64,
        headers: Headers, metadata: RecordMetadata
    ) {
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.headers = headers
        self.metadata = metadata
    }
}

/// Casts the children's entry points to the type a node forwards.
@inlinable
func downstreams<Key, Value>(
    _ children: [AnyObject], of node: String, as: Record<Key, Value>.Type
) throws -> [Downstream<Key, Value>] {
    try children.map { child in
        guard let downstream = child as? Downstream<Key, Value> else {
            throw StreamsError(
                .invalidTopology,
                "a child of \(node) does not accept \(RecordType.of(Key.self, Value.self))",
                node: node)
        }
        return downstream
    }
}
