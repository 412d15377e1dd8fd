/// `aggregate`, `reduce` and `count`: folds each record into its key's value in a store and
/// forwards the new value.
@usableFromInline
final class KStreamAggregate<Key, Value, Aggregate>: Processor {
    @usableFromInline typealias KeyIn = Key
    @usableFromInline typealias ValueIn = Value
    @usableFromInline typealias KeyOut = Key
    @usableFromInline typealias ValueOut = Aggregate?
    @usableFromInline let storeName: String
    /// Changes the key's aggregate (`nil` before the key's first record) with the key and the
    /// record's value.
    @usableFromInline let fold: @Sendable (Key, Value, inout Aggregate?) throws -> Void
    // Set once at initialize; the processor is confined to its task.
    @exclusivity(unchecked) @usableFromInline var context: ProcessorContext<Key, Aggregate?>!
    @exclusivity(unchecked) @usableFromInline var store: KeyValueStore<Key, Aggregate>!

    @inlinable init(store: String, _ fold: @escaping @Sendable (Key, Value, inout Aggregate?) throws -> Void) {
        storeName = store
        self.fold = fold
    }

    @inlinable func initialize(context: ProcessorContext<Key, Aggregate?>) throws {
        self.context = context
        store = try context.stateStore(named: storeName, as: KeyValueStore<Key, Aggregate>.self)
    }

    @inlinable func process(_ record: Record<Key, Value>) throws {
        let new = try store.update(record.key, inPlace: true) { aggregate in
            try fold(record.key, record.value, &aggregate)
            return aggregate
        }
        try context.forward(record.withValue(new))
    }
}

/// A table read from a topic: each record sets (or, with a null value, deletes) its key.
@usableFromInline
final class KTableSource<Key, Value>: Processor {
    @usableFromInline typealias KeyIn = Key
    @usableFromInline typealias ValueIn = Value?
    @usableFromInline typealias KeyOut = Key
    @usableFromInline typealias ValueOut = Value?
    @usableFromInline let storeName: String
    // Set once at initialize; the processor is confined to its task.
    @exclusivity(unchecked) @usableFromInline var context: ProcessorContext<Key, Value?>!
    @exclusivity(unchecked) @usableFromInline var store: KeyValueStore<Key, Value>!

    @inlinable init(store: String) { storeName = store }

    @inlinable func initialize(context: ProcessorContext<Key, Value?>) throws {
        self.context = context
        store = try context.stateStore(named: storeName, as: KeyValueStore<Key, Value>.self)
    }

    @inlinable func process(_ record: Record<Key, Value?>) throws {
        try store.put(record.key, record.value)
        try context.forward(record)
    }
}

/// A table's filter: a value that fails the predicate is forwarded as a delete.
@usableFromInline
final class KTableFilter<Key, Value>: Processor {
    @usableFromInline typealias KeyIn = Key
    @usableFromInline typealias ValueIn = Value?
    @usableFromInline typealias KeyOut = Key
    @usableFromInline typealias ValueOut = Value?
    @usableFromInline let predicate: @Sendable (Key, Value) throws -> Bool
    // Set once at initialize; the processor is confined to its task.
    @exclusivity(unchecked) @usableFromInline var context: ProcessorContext<Key, Value?>!

    @inlinable init(_ predicate: @escaping @Sendable (Key, Value) throws -> Bool) { self.predicate = predicate }

    @inlinable func initialize(context: ProcessorContext<Key, Value?>) throws { self.context = context }

    @inlinable func process(_ record: Record<Key, Value?>) throws {
        let kept = try record.value.map { try predicate(record.key, $0) } ?? false
        try context.forward(kept ? record : record.withValue(nil))
    }
}
