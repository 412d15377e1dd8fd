/// An unbounded stream of key/value records, as declared with the DSL.
///
/// Every operator adds a node to the topology and returns a new stream of the node's output;
/// the types flow through the chain, so a mismatched serde or value type is a compile error.
/// A stream is a handle on its ``StreamsBuilder`` and is used on the builder's thread.
public struct KStream<Key, Value> {
    @usableFromInline let builder: StreamsBuilder
    /// The name of the node whose output this stream is.
    public let node: String
    /// Whether an operator upstream may have changed the keys since the input topic (`map`,
    /// `selectKey`, `flatMap`, `process`): grouping it then needs a repartition topic, as in
    /// Kafka Streams.
    public let keyChanged: Bool

    @usableFromInline
    init(builder: StreamsBuilder, node: String, keyChanged: Bool = false) {
        self.builder = builder
        self.node = node
        self.keyChanged = keyChanged
    }

    @inlinable
    func adding<P: Processor>(
        _ prefix: String, named name: String?, parents: [String]? = nil, changesKey: Bool = false,
        _ supplier: @escaping @Sendable () -> P
    ) -> KStream<P.KeyOut, P.ValueOut> {
        let nodeName = builder.nodeName(name, prefix: prefix)
        builder.topology.addProcessor(nodeName, parents: parents ?? [node], supplier)
        return KStream<P.KeyOut, P.ValueOut>(builder: builder, node: nodeName, keyChanged: changesKey || keyChanged)
    }

    /// Keeps the records that satisfy a predicate.
    ///
    /// ```swift
    /// let big = purchases.filter { _, purchase in purchase.total > 100 }
    /// ```
    /// - Parameters:
    ///   - name: The node's name; generated when `nil`.
    ///   - predicate: Returns `true` for records to keep.
    @inlinable
    public func filter(
        named name: String? = nil, _ predicate: @escaping @Sendable (Key, Value) throws -> Bool
    ) -> KStream<Key, Value> {
        adding("KSTREAM-FILTER-", named: name) { KStreamFilter(predicate, keep: true) }
    }

    /// Drops the records that satisfy a predicate.
    ///
    /// ```swift
    /// let paid = purchases.filterNot { _, purchase in purchase.price == 0 }
    /// ```
    /// - Parameters:
    ///   - name: The node's name; generated when `nil`.
    ///   - predicate: Returns `true` for records to drop.
    @inlinable
    public func filterNot(
        named name: String? = nil, _ predicate: @escaping @Sendable (Key, Value) throws -> Bool
    ) -> KStream<Key, Value> {
        adding("KSTREAM-FILTER-", named: name) { KStreamFilter(predicate, keep: false) }
    }

    /// Transforms each value, keeping the key (so the partitioning is unchanged).
    ///
    /// ```swift
    /// let patterns = purchases.mapValues { PurchasePattern(purchase: $0) }
    /// ```
    /// - Parameters:
    ///   - name: The node's name; generated when `nil`.
    ///   - transform: A pure function of the value.
    @inlinable
    public func mapValues<NewValue>(
        named name: String? = nil, _ transform: @escaping @Sendable (Value) throws -> NewValue
    ) -> KStream<Key, NewValue> {
        adding("KSTREAM-MAPVALUES-", named: name) { KStreamMapValues<Key, Value, NewValue>(transform) }
    }

    /// Transforms each record into a new key and value.
    ///
    /// ```swift
    /// let byZip = purchases.map { _, purchase in (key: purchase.zipCode, value: purchase.total) }
    /// ```
    /// - Parameters:
    ///   - name: The node's name; generated when `nil`.
    ///   - transform: A pure function of the key and value.
    @inlinable
    public func map<NewKey, NewValue>(
        named name: String? = nil,
        _ transform: @escaping @Sendable (Key, Value) throws -> (key: NewKey, value: NewValue)
    ) -> KStream<NewKey, NewValue> {
        adding("KSTREAM-MAP-", named: name, changesKey: true) { KStreamMap<Key, Value, NewKey, NewValue>(transform) }
    }

    /// Transforms each record into zero or more records.
    ///
    /// ```swift
    /// let words = lines.flatMap { _, line in line.split(separator: " ").map { (key: String($0), value: 1) } }
    /// ```
    /// - Parameters:
    ///   - name: The node's name; generated when `nil`.
    ///   - transform: Returns the new records, forwarded in order.
    @inlinable
    public func flatMap<NewKey, NewValue>(
        named name: String? = nil,
        _ transform: @escaping @Sendable (Key, Value) throws -> [(key: NewKey, value: NewValue)]
    ) -> KStream<NewKey, NewValue> {
        adding("KSTREAM-FLATMAP-", named: name, changesKey: true) { KStreamFlatMap<Key, Value, NewKey, NewValue>(transform) }
    }

    /// Transforms each value into zero or more values, each with the record's key.
    ///
    /// ```swift
    /// let items = orders.flatMapValues { $0.lines }
    /// ```
    /// - Parameters:
    ///   - name: The node's name; generated when `nil`.
    ///   - transform: Returns the new values, forwarded in order.
    @inlinable
    public func flatMapValues<NewValue>(
        named name: String? = nil, _ transform: @escaping @Sendable (Value) throws -> [NewValue]
    ) -> KStream<Key, NewValue> {
        adding("KSTREAM-FLATMAPVALUES-", named: name) { KStreamFlatMapValues<Key, Value, NewValue>(transform) }
    }

    /// Gives each record a new key computed from its key and value.
    ///
    /// ```swift
    /// let byCustomer = purchases.selectKey { _, purchase in purchase.customerId }
    /// ```
    /// - Parameters:
    ///   - name: The node's name; generated when `nil`.
    ///   - keySelector: Returns the new key.
    @inlinable
    public func selectKey<NewKey>(
        named name: String? = nil, _ keySelector: @escaping @Sendable (Key, Value) throws -> NewKey
    ) -> KStream<NewKey, Value> {
        adding("KSTREAM-KEY-SELECT-", named: name, changesKey: true) { KStreamSelectKey<Key, Value, NewKey>(keySelector) }
    }

    /// Calls an action for each record and passes the record on unchanged.
    ///
    /// ```swift
    /// let counted = purchases.peek { _, _ in counter.increment() }
    /// ```
    /// - Parameters:
    ///   - name: The node's name; generated when `nil`.
    ///   - action: A side effect; it must not block.
    @inlinable
    public func peek(
        named name: String? = nil, _ action: @escaping @Sendable (Key, Value) throws -> Void
    ) -> KStream<Key, Value> {
        adding("KSTREAM-PEEK-", named: name) { KStreamPeek(action, forward: true) }
    }

    /// Calls an action for each record; the stream ends here.
    ///
    /// ```swift
    /// alerts.foreach { customer, alert in notifier.send(alert, to: customer) }
    /// ```
    /// - Parameters:
    ///   - name: The node's name; generated when `nil`.
    ///   - action: A side effect; it must not block.
    @inlinable
    public func foreach(named name: String? = nil, _ action: @escaping @Sendable (Key, Value) throws -> Void) {
        _ = adding("KSTREAM-FOREACH-", named: name) { KStreamPeek(action, forward: false) }
    }

    /// Logs each record through a swift-log `Logger`; the stream ends here.
    ///
    /// ```swift
    /// patterns.print(Printed(logger: logger, label: "patterns"))
    /// ```
    /// - Parameter printed: The logger, label and formatter.
    @inlinable
    public func print(_ printed: Printed<Key, Value>, named name: String? = nil) {
        _ = adding("KSTREAM-PRINTER-", named: name) { KStreamPrint(printed) }
    }

    /// Merges this stream with another of the same types: records of both, each in its own
    /// order.
    ///
    /// ```swift
    /// let all = webOrders.merge(storeOrders)
    /// ```
    /// - Parameters:
    ///   - other: The other stream, from the same builder.
    ///   - name: The node's name; generated when `nil`.
    @inlinable
    public func merge(_ other: KStream<Key, Value>, named name: String? = nil) -> KStream<Key, Value> {
        precondition(other.builder === builder, "merge streams of one StreamsBuilder")
        return adding("KSTREAM-MERGE-", named: name, parents: [node, other.node], changesKey: other.keyChanged) {
            KStreamPassThrough<Key, Value>()
        }
    }

    /// Processes the stream with a custom ``Processor``: the bridge to the Processor API.
    ///
    /// ```swift
    /// let masked = purchases.process(named: "mask") { MaskingProcessor() }
    /// ```
    /// - Parameters:
    ///   - name: The node's name; generated when `nil`.
    ///   - supplier: Makes one processor per task.
    /// - Returns: The stream of what the processor forwards.
    @inlinable
    public func process<P: Processor>(
        named name: String? = nil, _ supplier: @escaping @Sendable () -> P
    ) -> KStream<P.KeyOut, P.ValueOut> where P.KeyIn == Key, P.ValueIn == Value {
        adding("KSTREAM-PROCESSOR-", named: name, changesKey: true, supplier)
    }

    /// Processes the stream with a custom processor that uses state stores added with
    /// ``StreamsBuilder/addStateStore(_:)``.
    ///
    /// ```swift
    /// builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("seen"), key: .string, value: .int64))
    /// let firsts = clicks.process(named: "dedupe", stores: ["seen"]) { Deduplicator() }
    /// ```
    /// - Parameters:
    ///   - name: The node's name; generated when `nil`.
    ///   - stores: Names of the stores the processor reaches with
    ///     ``ProcessorContext/stateStore(named:as:)``.
    ///   - supplier: Makes one processor per task.
    public func process<P: Processor>(
        named name: String? = nil, stores: [String], _ supplier: @escaping @Sendable () -> P
    ) -> KStream<P.KeyOut, P.ValueOut> where P.KeyIn == Key, P.ValueIn == Value {
        let nodeName = builder.nodeName(name, prefix: "KSTREAM-PROCESSOR-")
        builder.topology.addProcessor(nodeName, parents: [node], stores: stores, supplier)
        return KStream<P.KeyOut, P.ValueOut>(builder: builder, node: nodeName, keyChanged: true)
    }

    /// Writes the stream to a topic.
    ///
    /// ```swift
    /// patterns.to("patterns", Produced(key: .string, value: .json(PurchasePattern.self)))
    /// ```
    /// - Parameters:
    ///   - topic: The topic; it must exist when the application starts.
    ///   - produced: The serdes, and optionally a partitioner and a name.
    @inlinable
    public func to(_ topic: TopicName, _ produced: Produced<Key, Value>) {
        let name = builder.nodeName(produced.name, prefix: "KSTREAM-SINK-")
        builder.topology.addSink(
            name, topic: topic, key: produced.key, value: produced.value,
            partitioner: produced.partitioner, parents: [node])
    }

    /// Writes each record to a topic chosen from its key, value and metadata.
    ///
    /// ```swift
    /// purchases.to(Produced(key: .string, value: .json(Purchase.self))) { record in
    ///     TopicName("purchases-\(record.value.department)")
    /// }
    /// ```
    /// - Parameters:
    ///   - produced: The serdes, and optionally a partitioner and a name.
    ///   - topicFor: Returns the topic of a record; it must exist.
    @inlinable
    public func to(
        _ produced: Produced<Key, Value>, topicFor: @escaping @Sendable (Record<Key, Value>) -> TopicName
    ) {
        let name = builder.nodeName(produced.name, prefix: "KSTREAM-SINK-")
        builder.topology.addSink(
            name, key: produced.key, value: produced.value, partitioner: produced.partitioner,
            parents: [node], topicFor: topicFor)
    }
}

@available(*, unavailable, message: "a KStream is a handle on its StreamsBuilder")
extension KStream: Sendable {}
