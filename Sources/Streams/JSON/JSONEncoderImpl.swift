import Foundation

/// An open container of the streaming encoder.
struct JSONEncodingFrame {
    var id: UInt32
    /// Number of members/elements started so far.
    var count: UInt32
    var isObject: Bool
    /// A `superEncoder` slot was started (key written) but its value not yet.
    var superPending: Bool
}

/// The place where one value is to be written: directly inside the frame at `base - 1`
/// (as its entry number `parentEntry`), or at the top level when `base == 0`.
struct JSONEncodingSlot {
    var base: Int
    var parentID: UInt32
    var parentEntry: UInt32
    /// The container opened for this value, if any.
    var frameID: UInt32 = 0
    /// A single value was written for this slot.
    var written = false
}

/// The mutable state of an encoding run, stored in the header of ``JSONEncoderImpl``.
struct JSONEncoderState {
    /// Output bytes written so far.
    var bytes: UnsafeMutablePointer<UInt8>
    var count = 0
    var capacity: Int
    var bytesOnHeap = false
    /// Stack of open containers.
    var frames: UnsafeMutablePointer<JSONEncodingFrame>
    var frameCount = 0
    var frameCapacity: Int
    var framesOnHeap = false
    var lastID: UInt32 = 0
    /// The coding path of the value being encoded by the encoder itself.
    var codingPath: [any CodingKey] = []
    /// The slot of the value being encoded by the encoder itself.
    var slot = JSONEncodingSlot(base: 0, parentID: 0, parentEntry: 0)
    /// An error detected in a non-throwing API (container creation), reported at the end.
    var deferredError: JSONCodingError?
    /// Coding-path suffixes of nested containers; containers refer to them by index + 1
    /// (0 means no suffix).
    var tails: [[any CodingKey]] = []
    /// Super encoders handed out; kept alive until the end of the run.
    var superEncoders: [JSONSuperEncoder] = []
    /// The encoder owning this state.
    var owner: Unmanaged<JSONEncoderImpl>?
}

/// The streaming `Encoder`: bytes are written straight into an output buffer as the
/// value's `encode(to:)` runs.
///
/// Containers write their opening bracket when created. Open containers are kept on a
/// stack (`frames`) and closed lazily: when a container of an outer level writes its next
/// entry, when a nested value's `encode(to:)` returns, and at the end.
///
/// It is a `ManagedBuffer` whose elements hold the initial frame stack and output buffer,
/// so a typical run needs a single allocation, and whose header (the state) is reached
/// through a pointer (no dynamic exclusivity checks). The output is appended to the
/// caller's `[UInt8]` with one copy at the end. Containers hold an ``EncoderEngine`` (a plain
/// pointer to the state, no reference counting): the encoder outlives them for the
/// duration of an `encode` call.
final class JSONEncoderImpl: ManagedBuffer<JSONEncoderState, UInt8>, Encoder {
    static let initialFrames = 16
    static let initialBytes = 640

    @inline(__always)
    var state: UnsafeMutablePointer<JSONEncoderState> { withUnsafeMutablePointerToHeader { $0 } }

    @inline(__always)
    var writer: EncoderEngine { EncoderEngine(state: state) }

    static func make() -> JSONEncoderImpl {
        let frameBytes = initialFrames * MemoryLayout<JSONEncodingFrame>.stride
        let total = frameBytes + MemoryLayout<JSONEncodingFrame>.alignment + initialBytes
        let placeholder = JSONEncoderState(bytes: UnsafeMutablePointer(bitPattern: 8)!, capacity: 0,
                                           frames: UnsafeMutablePointer(bitPattern: 8)!, frameCapacity: 0)
        let impl = unsafeDowncast(JSONEncoderImpl.create(minimumCapacity: total) { _ in placeholder },
                                  to: JSONEncoderImpl.self)
        impl.withUnsafeMutablePointers { header, storage in
            header.pointee.owner = Unmanaged.passUnretained(impl)
            let raw = UnsafeMutableRawPointer(storage).alignedUp(for: JSONEncodingFrame.self)
            header.pointee.frames = raw.bindMemory(to: JSONEncodingFrame.self, capacity: initialFrames)
            header.pointee.frameCapacity = initialFrames
            header.pointee.bytes = (raw + frameBytes).bindMemory(to: UInt8.self, capacity: initialBytes)
            header.pointee.capacity = initialBytes
        }
        return impl
    }

    deinit {
        let s = state
        if s.pointee.bytesOnHeap { s.pointee.bytes.deallocate() }
        if s.pointee.framesOnHeap { s.pointee.frames.deallocate() }
    }

    /// The bytes written so far.
    var output: UnsafeBufferPointer<UInt8> {
        let s = state
        return UnsafeBufferPointer(start: s.pointee.bytes, count: s.pointee.count)
    }

    // MARK: Encoder

    var codingPath: [any CodingKey] { state.pointee.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let w = writer
        let depth = w.state.pointee.codingPath.count
        let (d, id) = w.openContainer(&w.state.pointee.slot, object: true, pathDepth: depth, tail: 0)
        return KeyedEncodingContainer(JSONKeyedEncodingContainer<Key>(writer: w, depth: d, id: id, pathDepth: depth, tail: 0))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let w = writer
        let depth = w.state.pointee.codingPath.count
        let (d, id) = w.openContainer(&w.state.pointee.slot, object: false, pathDepth: depth, tail: 0)
        return JSONUnkeyedEncodingContainer(writer: w, depth: d, id: id, pathDepth: depth, tail: 0)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONSingleValueEncodingContainer(writer: writer, owner: nil, pathDepth: state.pointee.codingPath.count, tail: 0)
    }

}
