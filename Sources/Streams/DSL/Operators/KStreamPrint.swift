import Logging

@usableFromInline
final class KStreamPrint<Key, Value>: Processor {
    @usableFromInline typealias KeyOut = Key
    @usableFromInline typealias ValueOut = Value
    @usableFromInline let printed: Printed<Key, Value>

    @inlinable init(_ printed: Printed<Key, Value>) { self.printed = printed }

    @inlinable func process(_ record: Record<Key, Value>) throws {
        let line = printed.format(record.key, record.value)
        printed.logger.info("\(printed.label.map { "[\($0)]: " } ?? "")\(line)")
    }
}
