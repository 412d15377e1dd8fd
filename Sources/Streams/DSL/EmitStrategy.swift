/// When a windowed aggregation forwards its results: Kafka Streams' `EmitStrategy`.
///
/// ```swift
/// purchases.groupByKey()
///     .windowedBy(.ofSize(.seconds(3600), grace: .seconds(60)))
///     .emitStrategy(.onWindowClose)
///     .count(Materialized("hourly", key: .string, value: .int64))
/// ```
public struct EmitStrategy: Sendable, Hashable, CustomStringConvertible {
    @usableFromInline enum Kind: Sendable, Hashable { case onWindowUpdate, onWindowClose }
    @usableFromInline let kind: Kind

    @inlinable init(_ kind: Kind) { self.kind = kind }

    /// Every update of a window is forwarded as it happens (the default): downstream sees each
    /// window's running aggregate.
    public static let onWindowUpdate = EmitStrategy(.onWindowUpdate)

    /// Each window is forwarded once, with its final aggregate, when it closes (stream time
    /// reaches its end plus the grace period), and then leaves the store. The result of
    /// ``KTable/suppress(untilWindowCloses:named:)`` without its buffer: no forward, no second
    /// store and no second changelog write per update.
    public static let onWindowClose = EmitStrategy(.onWindowClose)

    public var description: String { kind == .onWindowClose ? "onWindowClose" : "onWindowUpdate" }
}
