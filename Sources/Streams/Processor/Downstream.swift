/// The entry point of a node: receives records of one key/value type.
///
/// The closure is built where the node's concrete types are known (often specialized in the
/// module that declared the topology), so calling it from the generic runtime costs one
/// indirect call.
@usableFromInline
final class Downstream<Key, Value> {
    @usableFromInline let name: String
    @usableFromInline let receive: (Record<Key, Value>) throws -> Void

    @usableFromInline
    init(name: String, receive: @escaping (Record<Key, Value>) throws -> Void) {
        self.name = name
        self.receive = receive
    }
}
