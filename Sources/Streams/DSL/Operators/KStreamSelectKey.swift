@usableFromInline
final class KStreamSelectKey<Key, Value, NewKey>: Processor {
    @usableFromInline let selector: @Sendable (Key, Value) throws -> NewKey
    // Set once at initialize; the processor is confined to its task, so reads need no
    // run-time exclusivity check.
    @exclusivity(unchecked) @usableFromInline var context: ProcessorContext<NewKey, Value>!

    @inlinable init(_ selector: @escaping @Sendable (Key, Value) throws -> NewKey) { self.selector = selector }

    @inlinable func initialize(context: ProcessorContext<NewKey, Value>) { self.context = context }

    @inlinable func process(_ record: Record<Key, Value>) throws {
        try context.forward(record.withKey(try selector(record.key, record.value)))
    }
}
