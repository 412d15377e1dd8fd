@usableFromInline
final class KStreamSelectKey<Key, Value, NewKey>: Processor {
    @usableFromInline let selector: @Sendable (Key, Value) throws -> NewKey
    @usableFromInline var context: ProcessorContext<NewKey, Value>!

    @inlinable init(_ selector: @escaping @Sendable (Key, Value) throws -> NewKey) { self.selector = selector }

    @inlinable func initialize(context: ProcessorContext<NewKey, Value>) { self.context = context }

    @inlinable func process(_ record: Record<Key, Value>) throws {
        try context.forward(record.withKey(try selector(record.key, record.value)))
    }
}
