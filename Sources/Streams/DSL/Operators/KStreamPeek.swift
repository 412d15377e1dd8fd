/// `peek` (forwards) and `foreach` (terminal).
@usableFromInline
final class KStreamPeek<Key, Value>: Processor {
    @usableFromInline let action: @Sendable (Key, Value) throws -> Void
    @usableFromInline let forwards: Bool
    // Set once at initialize; the processor is confined to its task, so reads need no
    // run-time exclusivity check.
    @exclusivity(unchecked) @usableFromInline var context: ProcessorContext<Key, Value>!

    @inlinable init(_ action: @escaping @Sendable (Key, Value) throws -> Void, forward: Bool) {
        self.action = action
        self.forwards = forward
    }

    @inlinable func initialize(context: ProcessorContext<Key, Value>) { self.context = context }

    @inlinable func process(_ record: Record<Key, Value>) throws {
        try action(record.key, record.value)
        if forwards { try context.forward(record) }
    }
}
