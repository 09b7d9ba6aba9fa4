/// A fixed number of scalars in one allocation, zeroed, with reference
/// semantics: layers hand these to BLAS by pointer, without copy-on-write or
/// exclusivity checks in the inner loops.
public final class Buffer<S: TrainScalar>: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<S>

    public init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    /// A buffer whose contents are undefined until written: for scratch space
    /// that is overwritten whole (scalars are trivial types, so this is safe).
    init(uninitialized count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
    }

    public convenience init(_ values: [S]) {
        self.init(count: values.count)
        for i in values.indices { pointer[i] = values[i] }
    }

    deinit { pointer.deallocate() }

    public subscript(i: Int) -> S {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }

    public var array: [S] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    public func zero() { pointer.update(repeating: 0, count: count) }

    public func copy() -> Buffer<S> {
        let other = Buffer(count: count)
        other.pointer.update(from: pointer, count: count)
        return other
    }
}

/// `slot` when it holds exactly `count` scalars, else a new uninitialised
/// buffer stored in `slot`: scratch space that a layer reuses from batch to
/// batch instead of allocating (and the kernel zeroing) it afresh each time.
@inline(__always)
func reuse<S: TrainScalar>(_ slot: inout Buffer<S>?, count: Int) -> Buffer<S> {
    if let buffer = slot, buffer.count == count { return buffer }
    let buffer = Buffer<S>(uninitialized: count)
    slot = buffer
    return buffer
}

/// A learnable tensor: its value and the gradient that `backward` accumulates.
public final class Parameter<S: TrainScalar>: @unchecked Sendable {
    /// Name in the weights file, e.g. "lstm0.weight_ih".
    public let name: String
    /// Shape, outermost first (PyTorch's convention for the same weight).
    public let shape: [Int]
    public let value: Buffer<S>
    public let gradient: Buffer<S>

    public init(_ name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
        let count = shape.reduce(1, *)
        value = Buffer(count: count)
        gradient = Buffer(count: count)
    }

    public var count: Int { value.count }

    /// Fills the value from U(-bound, bound), PyTorch's default for LSTM,
    /// linear and convolution weights (bound = 1/sqrt(fan-in or hidden size)).
    func initializeUniform(bound: Double, _ random: inout Random) {
        for i in 0..<count { value[i] = S(random.uniform(-bound, bound)) }
    }
}

/// Rows of a sequence batch, time-major: row `t * batch + b` is frame `t` of
/// sequence `b`, `width` values wide. Time-major rows let a layer project all
/// frames with one matrix product and step through time on contiguous blocks.
public struct Sequences<S: TrainScalar> {
    public var steps: Int
    public var batch: Int
    public var width: Int
    public var data: Buffer<S>

    public init(steps: Int, batch: Int, width: Int, data: Buffer<S>? = nil) {
        self.steps = steps
        self.batch = batch
        self.width = width
        self.data = data ?? Buffer(count: steps * batch * width)
        precondition(self.data.count == steps * batch * width)
    }

    public var rows: Int { steps * batch }

    /// Pointer to row `row`.
    @inline(__always)
    public func row(_ row: Int) -> UnsafeMutablePointer<S> { data.pointer + row * width }
}
