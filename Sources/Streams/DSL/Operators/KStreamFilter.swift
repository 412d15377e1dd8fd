@usableFromInline
final class KStreamFilter<Key, Value>: Processor {
    @usableFromInline typealias KeyOut = Key
    @usableFromInline typealias ValueOut = Value
    @usableFromInline let predicate: @Sendable (Key, Value) throws -> Bool
    @usableFromInline let keep: Bool
    // Set once at initialize; the processor is confined to its task, so reads need no
    // run-time exclusivity check.
    @exclusivity(unchecked) @usableFromInline var context: ProcessorContext<Key, Value>!

    @inlinable init(_ predicate: @escaping @Sendable (Key, Value) throws -> Bool, keep: Bool) {
        self.predicate = predicate
        self.keep = keep
    }

    @inlinable func initialize(context: ProcessorContext<Key, Value>) { self.context = context }

    @inlinable func process(_ record: Record<Key, Value>) throws {
        if try predicate(record.key, record.value) == keep { try context.forward(record) }
    }
}
