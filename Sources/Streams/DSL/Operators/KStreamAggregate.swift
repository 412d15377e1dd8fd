/// `aggregate`, `reduce` and `count`: folds each record into its key's value in a store and
/// forwards the new value.
final class KStreamAggregate<Key, Value, Aggregate>: Processor {
    typealias KeyIn = Key
    typealias ValueIn = Value
    typealias KeyOut = Key
    typealias ValueOut = Aggregate?
    let storeName: String
    /// The new aggregate from the key, the record's value and the old aggregate (`nil` for
    /// the key's first record).
    let fold: @Sendable (Key, Value, Aggregate?) throws -> Aggregate
    private var context: ProcessorContext<Key, Aggregate?>!
    private var store: KeyValueStore<Key, Aggregate>!

    init(store: String, _ fold: @escaping @Sendable (Key, Value, Aggregate?) throws -> Aggregate) {
        storeName = store
        self.fold = fold
    }

    func initialize(context: ProcessorContext<Key, Aggregate?>) throws {
        self.context = context
        store = try context.stateStore(named: storeName, as: KeyValueStore<Key, Aggregate>.self)
    }

    func process(_ record: Record<Key, Value>) throws {
        let new = try fold(record.key, record.value, try store.get(record.key))
        try store.put(record.key, new)
        try context.forward(record.withValue(Optional(new)))
    }
}

/// A table read from a topic: each record sets (or, with a null value, deletes) its key.
final class KTableSource<Key, Value>: Processor {
    typealias KeyIn = Key
    typealias ValueIn = Value?
    typealias KeyOut = Key
    typealias ValueOut = Value?
    let storeName: String
    private var context: ProcessorContext<Key, Value?>!
    private var store: KeyValueStore<Key, Value>!

    init(store: String) { storeName = store }

    func initialize(context: ProcessorContext<Key, Value?>) throws {
        self.context = context
        store = try context.stateStore(named: storeName, as: KeyValueStore<Key, Value>.self)
    }

    func process(_ record: Record<Key, Value?>) throws {
        try store.put(record.key, record.value)
        try context.forward(record)
    }
}

/// A table's filter: a value that fails the predicate is forwarded as a delete.
final class KTableFilter<Key, Value>: Processor {
    typealias KeyIn = Key
    typealias ValueIn = Value?
    typealias KeyOut = Key
    typealias ValueOut = Value?
    let predicate: @Sendable (Key, Value) throws -> Bool
    private var context: ProcessorContext<Key, Value?>!

    init(_ predicate: @escaping @Sendable (Key, Value) throws -> Bool) { self.predicate = predicate }

    func initialize(context: ProcessorContext<Key, Value?>) throws { self.context = context }

    func process(_ record: Record<Key, Value?>) throws {
        let kept = try record.value.map { try predicate(record.key, $0) } ?? false
        try context.forward(kept ? record : record.withValue(nil))
    }
}
