/// The `Decoder` returned by `superDecoder()`: decodes the value at `index` with the
/// coding path `codingPath.prefix(depth) + tails[tail]` of its parent decoder.
final class JSONSuperDecoder: Decoder {
    let impl: JSONDecoderImpl
    let index: Int
    let depth: Int
    let tail: Int

    init(impl: JSONDecoderImpl, index: Int, depth: Int, tail: Int) {
        self.impl = impl
        self.index = index
        self.depth = depth
        self.tail = tail
    }

    var codingPath: [any CodingKey] { impl.path(depth: depth, tail: tail) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        try impl.keyedContainer(at: index, depth: depth, tail: tail, key: nil)
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try impl.unkeyedContainer(at: index, depth: depth, tail: tail, key: nil)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        JSONSingleValueDecodingContainer(impl: impl, index: index, depth: depth, tail: tail)
    }
}
