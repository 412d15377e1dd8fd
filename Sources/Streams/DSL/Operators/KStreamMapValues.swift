@usableFromInline
final class KStreamMapValues<Key, Value, NewValue>: Processor {
    @usableFromInline let transform: @Sendable (Value) throws -> NewValue
    // Set once at initialize; the processor is confined to its task, so reads need no
    // run-time exclusivity check.
    @exclusivity(unchecked) @usableFromInline var context: ProcessorContext<Key, NewValue>!

    @inlinable init(_ transform: @escaping @Sendable (Value) throws -> NewValue) { self.transform = transform }

    @inlinable func initialize(context: ProcessorContext<Key, NewValue>) { self.context = context }

    @inlinable func process(_ record: Record<Key, Value>) throws {
        try context.forward(record.withValue(try transform(record.value)))
    }
}
