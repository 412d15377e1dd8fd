/// Turns values of one type into bytes and back: a serializer and a deserializer together.
///
/// Kafka stores keys and values as bytes; a serde says how. Kafka's null (a missing key or
/// value) is not a byte string: a serde that can represent it says so with ``optional``.
///
/// Built-in serdes are static members: ``string``, ``int32``, ``int64``, ``double``,
/// ``bytes``, ``uuid`` and ``json(_:)`` for any `Codable` type.
///
/// ```swift
/// let consumed = Consumed(key: .string, value: .json(Purchase.self))
/// ```
///
/// Deserializers throw when the bytes are not a valid value; the runtime reports the error
/// with the topic, partition and offset of the record, never with its bytes.
public struct Serde<Value>: Sendable {
    /// Appends the bytes of a value to a buffer.
    public typealias Serializer = @Sendable (_ value: Value, _ buffer: inout [UInt8]) throws -> Void
    /// Reads a value from bytes.
    public typealias Deserializer = @Sendable (_ bytes: UnsafeRawBufferPointer) throws -> Value
    /// Writes the bytes of a value at the start of `space` and returns their count, or returns
    /// `nil` when they do not fit (what it wrote is then ignored, and it may be called again
    /// with more room). It never sees Kafka's null.
    public typealias InPlaceSerializer =
        @Sendable (_ value: Value, _ space: UnsafeMutableRawBufferPointer) throws -> Int?

    @usableFromInline let serializer: Serializer
    @usableFromInline let deserializer: Deserializer
    @usableFromInline let nullValue: (@Sendable () -> Value)?
    @usableFromInline let isNull: (@Sendable (Value) -> Bool)?
    /// Writes a value straight into memory it is given (a producer's log segment), so a sink
    /// copies its bytes once rather than three times; `nil` for serdes without one, which
    /// go through ``serialize(_:into:)``. See ``InPlaceSerializer``.
    @usableFromInline let inPlaceSerializer: InPlaceSerializer?
    /// A short name shown in topology descriptions and errors, e.g. `string` or `json<Purchase>`.
    public let name: String

    /// Creates a serde from a serializer and a deserializer.
    /// - Parameters:
    ///   - name: A short name for descriptions and errors.
    ///   - serialize: Appends the bytes of a value to a buffer; throws if it cannot.
    ///   - deserialize: Reads a value from bytes; throws ``StreamsError`` (or any error) if
    ///     the bytes are not a valid value. The error must not contain the bytes.
    public init(
        name: String,
        serialize: @escaping Serializer,
        deserialize: @escaping Deserializer
    ) {
        self.name = name
        self.serializer = serialize
        self.deserializer = deserialize
        self.nullValue = nil
        self.isNull = nil
        self.inPlaceSerializer = nil
    }

    /// Creates a serde that can also write values straight into a sink's output memory.
    ///
    /// Sinks use `serializeInPlace` and give it the free space of the log segment the record
    /// goes to, which saves copying the bytes through an intermediate buffer; it must produce
    /// the same bytes as `serialize`.
    ///
    /// ```swift
    /// let raw = Serde<[UInt8]>(
    ///     name: "raw",
    ///     serialize: { value, buffer in buffer.append(contentsOf: value) },
    ///     deserialize: { Array($0) },
    ///     serializeInPlace: { value, space in
    ///         guard value.count <= space.count else { return nil }
    ///         space.copyBytes(from: value)
    ///         return value.count
    ///     })
    /// ```
    /// - Parameters:
    ///   - name: A short name for descriptions and errors.
    ///   - serialize: Appends the bytes of a value to a buffer; throws if it cannot.
    ///   - deserialize: Reads a value from bytes, as in ``init(name:serialize:deserialize:)``.
    ///   - serializeInPlace: Writes the bytes of a value at the start of the space it is given
    ///     and returns their count, or `nil` if they do not fit.
    public init(
        name: String,
        serialize: @escaping Serializer,
        deserialize: @escaping Deserializer,
        serializeInPlace: @escaping InPlaceSerializer
    ) {
        self.init(
            name: name, serializer: serialize, deserializer: deserialize, nullValue: nil, isNull: nil,
            inPlaceSerializer: serializeInPlace)
    }

    @usableFromInline
    init(
        name: String, serializer: @escaping Serializer, deserializer: @escaping Deserializer,
        nullValue: (@Sendable () -> Value)?, isNull: (@Sendable (Value) -> Bool)?,
        inPlaceSerializer: InPlaceSerializer? = nil
    ) {
        self.name = name
        self.serializer = serializer
        self.deserializer = deserializer
        self.nullValue = nullValue
        self.isNull = isNull
        self.inPlaceSerializer = inPlaceSerializer
    }

    /// Serializes a value.
    /// - Parameters:
    ///   - value: The value.
    ///   - buffer: Receives the bytes, appended.
    /// - Returns: `false` if the value is Kafka's null (nothing was appended), else `true`.
    /// - Throws: The serializer's error.
    @inlinable
    public func serialize(_ value: Value, into buffer: inout [UInt8]) throws -> Bool {
        if let isNull, isNull(value) { return false }
        try serializer(value, &buffer)
        return true
    }

    /// Serializes a value into new bytes, or `nil` for Kafka's null.
    /// - Throws: The serializer's error.
    public func serialize(_ value: Value) throws -> [UInt8]? {
        var buffer: [UInt8] = []
        return try serialize(value, into: &buffer) ? buffer : nil
    }

    /// Deserializes bytes, where `nil` is Kafka's null.
    /// - Throws: ``StreamsError`` with code ``StreamsError/Code/deserialization`` for a null
    ///   this serde cannot represent, or the deserializer's error.
    @inlinable
    public func deserialize(_ bytes: UnsafeRawBufferPointer?) throws -> Value {
        guard let bytes else {
            guard let nullValue else {
                throw StreamsError(.deserialization, "null where serde \(name) needs bytes")
            }
            return nullValue()
        }
        return try deserializer(bytes)
    }

    /// Deserializes bytes, where `nil` is Kafka's null.
    /// - Throws: As ``deserialize(_:)-(UnsafeRawBufferPointer?)``.
    public func deserialize(_ bytes: [UInt8]?) throws -> Value {
        guard let bytes else { return try deserialize(nil as UnsafeRawBufferPointer?) }
        return try bytes.withUnsafeBytes { try deserialize($0) }
    }

    /// A serde for optional values in which `nil` is Kafka's null (no bytes).
    // Inlinable, so that its closures are specialized where it is used: generic, each call
    // looked up the metadata of `Value?` (about 330 instructions a record on a sink).
    @inlinable
    public var optional: Serde<Value?> {
        let serializer = self.serializer
        let deserializer = self.deserializer
        var optionalInPlace: Serde<Value?>.InPlaceSerializer? = nil
        if let inPlace = self.inPlaceSerializer {
            optionalInPlace = { value, space in
                guard let value else { return 0 }
                return try inPlace(value, space)
            }
        }
        return Serde<Value?>(
            name: name + "?",
            serializer: { value, buffer in
                if let value { try serializer(value, &buffer) }
            },
            deserializer: { bytes in try deserializer(bytes) },
            nullValue: { nil },
            isNull: { $0 == nil },
            inPlaceSerializer: optionalInPlace
        )
    }
}
