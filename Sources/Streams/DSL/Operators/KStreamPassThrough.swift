/// Forwards every record unchanged: the node of `merge` and of each branch of `split`.
@usableFromInline
final class KStreamPassThrough<Key, Value>: Processor {
    @usableFromInline var context: ProcessorContext<Key, Value>!

    @inlinable init() {}

    @inlinable func initialize(context: ProcessorContext<Key, Value>) { self.context = context }

    @inlinable func process(_ record: Record<Key, Value>) throws { try context.forward(record) }
}
