/// A node of a topology that handles one record at a time: the low-level Processor API.
///
/// A processor is created per task by the supplier given to
/// ``TopologyBuilder/addProcessor(_:parents:_:)`` or ``KStream/process(named:_:)``, so each
/// instance is confined to one task and needs no locking. The runtime calls
/// ``initialize(context:)`` once before the first record, ``process(_:)`` for every record
/// in offset order, and ``close()`` at shutdown.
///
/// ```swift
/// final class Uppercase: Processor {
///     private var context: ProcessorContext<String, String>!
///     func initialize(context: ProcessorContext<String, String>) { self.context = context }
///     func process(_ record: Record<String, String>) throws {
///         try context.forward(record.withValue(record.value.uppercased()))
///     }
/// }
/// ```
public protocol Processor<KeyIn, ValueIn, KeyOut, ValueOut>: AnyObject, SendableMetatype {
    /// The type of the keys this processor receives.
    associatedtype KeyIn
    /// The type of the values this processor receives.
    associatedtype ValueIn
    /// The type of the keys this processor forwards.
    associatedtype KeyOut
    /// The type of the values this processor forwards.
    associatedtype ValueOut

    /// Called once before the first record, with the context the processor forwards through.
    /// Keep the context; schedule punctuations here.
    /// - Throws: Any error; the task fails to start.
    func initialize(context: ProcessorContext<KeyOut, ValueOut>) throws

    /// Handles one record. Forward results with ``ProcessorContext/forward(_:)``.
    /// - Throws: Any error; the runtime reports it with the record's topic, partition and
    ///   offset and this processor's name.
    func process(_ record: Record<KeyIn, ValueIn>) throws

    /// Called once at shutdown, after the last record and punctuation.
    func close()
}

extension Processor {
    /// Does nothing.
    public func initialize(context: ProcessorContext<KeyOut, ValueOut>) throws {}
    /// Does nothing.
    public func close() {}
}
