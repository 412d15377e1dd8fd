/// Forwards every record unchanged: the node of `merge` and of each branch of `split`.
@usableFromInline
final class KStreamPassThrough<Key, Value>: Processor {
    // Set once at initialize; the processor is confined to its task, so reads need no
    // run-time exclusivity check.
    @exclusivity(unchecked) @usableFromInline var context: ProcessorContext<Key, Value>!

    @inlinable init() {}

    @inlinable func initialize(context: ProcessorContext<Key, Value>) { self.context = context }

    @inlinable func process(_ record: Record<Key, Value>) throws { try context.forward(record) }
}
