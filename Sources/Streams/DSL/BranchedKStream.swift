/// Splits a stream into named branches: each record goes to the first branch whose predicate
/// it satisfies, or to the default branch, or nowhere.
///
/// ```swift
/// let branches = purchases.split(named: "dept-")
///     .branch("electronics") { _, p in p.department == "electronics" }
///     .branch("grocery") { _, p in p.department == "grocery" }
///     .defaultBranch("other")
/// branches["dept-electronics"]!.to("electronics", produced)
/// ```
///
/// Finish with ``defaultBranch(_:)`` or ``noDefaultBranch()``; they add the nodes.
public struct BranchedKStream<Key, Value> {
    @usableFromInline let stream: KStream<Key, Value>
    @usableFromInline let prefix: String
    @usableFromInline let splitName: String?
    @usableFromInline var branches: [(name: String, predicate: @Sendable (Key, Value) throws -> Bool)] = []

    @usableFromInline
    init(stream: KStream<Key, Value>, prefix: String, splitName: String?) {
        self.stream = stream
        self.prefix = prefix
        self.splitName = splitName
    }

    /// Adds a branch.
    /// - Parameters:
    ///   - name: The branch's name; its stream is found under `prefix + name`.
    ///   - predicate: Returns `true` for records that go to this branch.
    @inlinable
    public func branch(
        _ name: String, where predicate: @escaping @Sendable (Key, Value) throws -> Bool
    ) -> BranchedKStream {
        var copy = self
        copy.branches.append((name, predicate))
        return copy
    }

    /// Finishes with a default branch for the records no predicate took.
    /// - Parameter name: The default branch's name.
    /// - Returns: Each branch's stream by `prefix + name`.
    @inlinable
    public func defaultBranch(_ name: String = "default") -> [String: KStream<Key, Value>] {
        finish(defaultName: name)
    }

    /// Finishes without a default branch: records no predicate took are dropped.
    /// - Returns: Each branch's stream by `prefix + name`.
    @inlinable
    public func noDefaultBranch() -> [String: KStream<Key, Value>] {
        finish(defaultName: nil)
    }

    @inlinable
    func finish(defaultName: String?) -> [String: KStream<Key, Value>] {
        let builder = stream.builder
        let splitNode = builder.nodeName(splitName, prefix: "KSTREAM-BRANCH-")
        let childNames = branches.map { prefix + $0.name }
        let defaultChild = defaultName.map { prefix + $0 }
        let predicates = branches.map(\.predicate)
        builder.topology.addProcessor(splitNode, parents: [stream.node]) {
            KStreamBranch<Key, Value>(predicates: predicates, children: childNames, defaultChild: defaultChild)
        }
        var result: [String: KStream<Key, Value>] = [:]
        for child in childNames + (defaultChild.map { [$0] } ?? []) {
            builder.topology.addProcessor(child, parents: [splitNode]) { KStreamPassThrough<Key, Value>() }
            builder.counter += 1
            result[child] = KStream(builder: builder, node: child, keyChanged: stream.keyChanged)
        }
        return result
    }
}

extension KStream {
    /// Splits the stream into named branches; see ``BranchedKStream``.
    /// - Parameters:
    ///   - prefix: Prefixes every branch name in the result (and its node name).
    ///   - name: The split node's name; generated when `nil`.
    @inlinable
    public func split(named prefix: String = "", splitName name: String? = nil) -> BranchedKStream<Key, Value> {
        BranchedKStream(stream: self, prefix: prefix, splitName: name)
    }
}

@available(*, unavailable, message: "a BranchedKStream is a handle on its StreamsBuilder")
extension BranchedKStream: Sendable {}
