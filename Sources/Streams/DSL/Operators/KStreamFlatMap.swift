@usableFromInline
final class KStreamFlatMap<Key, Value, NewKey, NewValue>: Processor {
    @usableFromInline let transform: @Sendable (Key, Value) throws -> [(key: NewKey, value: NewValue)]
    // Set once at initialize; the processor is confined to its task, so reads need no
    // run-time exclusivity check.
    @exclusivity(unchecked) @usableFromInline var context: ProcessorContext<NewKey, NewValue>!

    @inlinable init(_ transform: @escaping @Sendable (Key, Value) throws -> [(key: NewKey, value: NewValue)]) {
        self.transform = transform
    }

    @inlinable func initialize(context: ProcessorContext<NewKey, NewValue>) { self.context = context }

    @inlinable func process(_ record: Record<Key, Value>) throws {
        for (key, value) in try transform(record.key, record.value) {
            try context.forward(record.with(key: key, value: value))
        }
    }
}
