/// Sends each record to the child of the first predicate it satisfies, else to the default
/// child, else nowhere.
@usableFromInline
final class KStreamBranch<Key, Value>: Processor {
    @usableFromInline let predicates: [@Sendable (Key, Value) throws -> Bool]
    @usableFromInline let children: [String]
    @usableFromInline let defaultChild: String?
    // Set once at initialize; the processor is confined to its task, so reads need no
    // run-time exclusivity check.
    @exclusivity(unchecked) @usableFromInline var context: ProcessorContext<Key, Value>!

    @inlinable
    init(predicates: [@Sendable (Key, Value) throws -> Bool], children: [String], defaultChild: String?) {
        self.predicates = predicates
        self.children = children
        self.defaultChild = defaultChild
    }

    @inlinable func initialize(context: ProcessorContext<Key, Value>) { self.context = context }

    @inlinable func process(_ record: Record<Key, Value>) throws {
        for (index, predicate) in predicates.enumerated() where try predicate(record.key, record.value) {
            try context.forward(record, to: children[index])
            return
        }
        if let defaultChild { try context.forward(record, to: defaultChild) }
    }
}
