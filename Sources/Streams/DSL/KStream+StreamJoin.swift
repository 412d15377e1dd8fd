extension KStream {
    /// Joins records of this stream and another whose keys are equal and whose timestamps are
    /// close: a windowed inner join, Kafka Streams' `KStream.join(KStream, ValueJoiner,
    /// JoinWindows, StreamJoined)`.
    ///
    /// ```swift
    /// let paid = orders.join(
    ///     payments, windows: .ofTimeDifference(.seconds(300), grace: .seconds(60)),
    ///     StreamJoined("order-payments", key: .string, value: .json(Order.self), otherValue: .json(Payment.self))
    /// ) { order, payment in PaidOrder(order: order, payment: payment) }
    /// ```
    /// Each stream's records are kept in a change-logged buffer store (so they survive a
    /// restart); a record joins every record of the other buffer with its key within the
    /// window (see ``JoinWindows``), in the other records' time order, and the result has the
    /// later of the two timestamps. Records with the same key and timestamp are all kept, so
    /// duplicates produce every pair.
    ///
    /// A record that arrives after its window and grace have passed (`t + after + grace` is
    /// before stream time; `before` for the other stream) is dropped and counted as late (the
    /// task's `dropped_records_total`).
    ///
    /// Both streams must be co-partitioned (same key, same partition count): the join runs in
    /// one task per partition. A stream whose keys changed upstream (`map`, `selectKey`, ...)
    /// fails the build naming the node; write it to a topic keyed by the join key first.
    /// - Parameters:
    ///   - other: The other stream, from the same builder.
    ///   - windows: How far apart joined records may be, and the grace period.
    ///   - joined: The serdes of the buffers and their name.
    ///   - name: The join's name (of the node whose output the result is); generated when `nil`.
    ///   - joiner: Combines two matching values.
    public func join<OtherValue, Joined>(
        _ other: KStream<Key, OtherValue>, windows: JoinWindows, _ joined: StreamJoined<Key, Value, OtherValue>,
        named name: String? = nil, _ joiner: @escaping @Sendable (Value, OtherValue) throws -> Joined
    ) -> KStream<Key, Joined> {
        addStreamJoin(
            other, windows: windows, joined, named: name,
            left: { value, other in try other.map { try joiner(value, $0) } },
            right: { value, other in try other.map { try joiner($0, value) } })
    }

    /// Joins records of this stream with the other stream's records of the same key within the
    /// window, or with `nil` when there is none: Kafka Streams' windowed `KStream.leftJoin(KStream)`.
    ///
    /// ```swift
    /// let orders = orders.leftJoin(
    ///     payments, windows: .ofTimeDifference(.seconds(300), grace: .seconds(60)),
    ///     StreamJoined(key: .string, value: .json(Order.self), otherValue: .json(Payment.self))
    /// ) { order, payment in OrderStatus(order: order, paid: payment != nil) }
    /// ```
    /// This is Kafka Streams' semantics **before 3.1**: a record of this stream that finds no
    /// match when it arrives produces `joiner(value, nil)` right away, and a match that arrives
    /// later produces the joined result too, so a record can give both a `nil` result and
    /// joined ones. Records of the other stream produce results only when they match.
    ///
    /// Buffering, windows, late records and co-partitioning are as in
    /// ``join(_:windows:_:named:_:)``.
    /// - Parameters:
    ///   - other: The other stream, from the same builder.
    ///   - windows: How far apart joined records may be, and the grace period.
    ///   - joined: The serdes of the buffers and their name.
    ///   - name: The join's name; generated when `nil`.
    ///   - joiner: Combines a value with a matching value, or with `nil`.
    public func leftJoin<OtherValue, Joined>(
        _ other: KStream<Key, OtherValue>, windows: JoinWindows, _ joined: StreamJoined<Key, Value, OtherValue>,
        named name: String? = nil, _ joiner: @escaping @Sendable (Value, OtherValue?) throws -> Joined
    ) -> KStream<Key, Joined> {
        addStreamJoin(
            other, windows: windows, joined, named: name,
            left: { value, other in try joiner(value, other) },
            right: { value, other in try other.map { try joiner($0, value) } })
    }

    /// Joins records of both streams with the other's records of the same key within the
    /// window, or with `nil` when there is none: Kafka Streams' windowed `KStream.outerJoin(KStream)`.
    ///
    /// ```swift
    /// let status = orders.outerJoin(
    ///     payments, windows: .ofTimeDifference(.seconds(300), grace: .seconds(60)),
    ///     StreamJoined(key: .string, value: .json(Order.self), otherValue: .json(Payment.self))
    /// ) { order, payment in Reconciliation(order: order, payment: payment) }
    /// ```
    /// This is Kafka Streams' semantics **before 3.1**: a record of either stream that finds
    /// no match when it arrives produces a result with `nil` for the other side right away,
    /// and matches that arrive later produce joined results too. The joiner never gets two
    /// `nil`s.
    ///
    /// Buffering, windows, late records and co-partitioning are as in
    /// ``join(_:windows:_:named:_:)``.
    /// - Parameters:
    ///   - other: The other stream, from the same builder.
    ///   - windows: How far apart joined records may be, and the grace period.
    ///   - joined: The serdes of the buffers and their name.
    ///   - name: The join's name; generated when `nil`.
    ///   - joiner: Combines the values of either side, `nil` for a side without a match.
    public func outerJoin<OtherValue, Joined>(
        _ other: KStream<Key, OtherValue>, windows: JoinWindows, _ joined: StreamJoined<Key, Value, OtherValue>,
        named name: String? = nil, _ joiner: @escaping @Sendable (Value?, OtherValue?) throws -> Joined
    ) -> KStream<Key, Joined> {
        addStreamJoin(
            other, windows: windows, joined, named: name,
            left: { value, other in try joiner(value, other) },
            right: { value, other in try joiner(other, value) })
    }

    /// Adds the two buffers, one join node per side (each reading both buffers) and the merge
    /// node the result comes from.
    /// - Parameters:
    ///   - left: Joins a record of this stream with a match or `nil`; `nil` forwards nothing.
    ///   - right: Joins a record of the other stream with a match or `nil`; `nil` forwards nothing.
    private func addStreamJoin<OtherValue, Joined>(
        _ other: KStream<Key, OtherValue>, windows: JoinWindows, _ joined: StreamJoined<Key, Value, OtherValue>,
        named name: String?,
        left: @escaping @Sendable (Value, OtherValue?) throws -> Joined?,
        right: @escaping @Sendable (OtherValue, Value?) throws -> Joined?
    ) -> KStream<Key, Joined> {
        precondition(other.builder === builder, "join streams of one StreamsBuilder")
        let nodeName = builder.nodeName(name, prefix: "KSTREAM-JOIN-")
        for (side, changed) in [("this", keyChanged), ("other", other.keyChanged)] where changed {
            builder.topology.deferredErrors.append(
                StreamsError(
                    .invalidTopology,
                    "node \(nodeName) joins a stream (\(side) side) whose keys changed upstream: write it to a topic keyed by the join key and read it back first, so both streams are co-partitioned",
                    node: nodeName))
        }
        let thisNode = "\(nodeName)-this-join"
        let otherNode = "\(nodeName)-other-join"
        let thisStore = "\(joined.name ?? nodeName)-this-join-store"
        let otherStore = "\(joined.name ?? nodeName)-other-join-store"
        for store in [thisStore, otherStore] {
            builder.topology.addStateStore(
                Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(store), key: Serde<[UInt8]>.bytes, value: Serde<[UInt8]>.bytes),
                processors: [thisNode, otherNode])
        }
        let (before, after, grace) = (windows.beforeMillis, windows.afterMillis, windows.graceMillis)
        let (keySerde, valueSerde, otherSerde) = (joined.key, joined.value, joined.otherValue)
        builder.topology.addProcessor(thisNode, parents: [node], stores: [thisStore, otherStore]) {
            KStreamKStreamJoin<Key, Value, OtherValue, Joined>(
                thisStore: thisStore, otherStore: otherStore, before: before, after: after, grace: grace,
                key: keySerde, thisValue: valueSerde, otherValue: otherSerde, left)
        }
        // The right side sees the window mirrored: a left record at t' joins it when
        // t - after <= t' <= t + before.
        builder.topology.addProcessor(otherNode, parents: [other.node], stores: [otherStore, thisStore]) {
            KStreamKStreamJoin<Key, OtherValue, Value, Joined>(
                thisStore: otherStore, otherStore: thisStore, before: after, after: before, grace: grace,
                key: keySerde, thisValue: otherSerde, otherValue: valueSerde, right)
        }
        builder.topology.addProcessor(nodeName, parents: [thisNode, otherNode]) { KStreamPassThrough<Key, Joined>() }
        return KStream<Key, Joined>(builder: builder, node: nodeName, keyChanged: keyChanged || other.keyChanged)
    }
}
