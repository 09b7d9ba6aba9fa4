import VADOptions

/// Which network to build and its sizes: everything needed to rebuild it
/// from a weights file, where it is stored as JSON.
public struct ModelConfig: Codable, Equatable, Sendable {
    /// The report's five models.
    public enum Kind: String, Codable, CaseIterable, Sendable {
        /// Model_1: LSTM(20 -> 256), Linear(256 -> 1), sigmoid.
        case lstm
        /// Model_1B: bidirectional LSTM, 256 each way, Linear(512 -> 1).
        case blstm
        /// Model_2: two LSTM layers of 256.
        case lstm2
        /// Model_CDNN: Conv2d 1 -> 32 of (1 x 8) along frequency, MaxPool (1 x 3),
        /// ReLU, LSTM(352 -> 32), Linear(32 -> 2), softmax; on MFCC + deltas.
        case cdnn
        /// Model_CDNN_raw: Conv1d 1 -> 40 of 401 samples per raw frame, max over
        /// time, log(ReLU + 0.01), then the CDNN with 16 filters and 2 LSTM layers of 16.
        case cdnnRaw = "cdnn-raw"
    }

    /// Binary cross-entropy on one sigmoid output, or cross-entropy on a two-class softmax.
    public enum Loss: String, Codable, CaseIterable, Sendable {
        case bce
        case ce
        public var outputs: Int { self == .bce ? 1 : 2 }
    }

    public var kind: Kind
    /// Feature columns used (the first `inputs` of the dataset's), or, for
    /// `cdnn-raw`, samples per raw frame.
    public var inputs: Int
    /// LSTM cells per layer (per direction).
    public var hidden: Int
    /// LSTM layers.
    public var layers: Int
    /// Frequency-convolution filters (CDNN models), its kernel and pool widths.
    public var filters: Int
    public var kernel: Int
    public var pool: Int
    /// Raw-waveform filters and their length (cdnn-raw).
    public var rawFilters: Int
    public var rawFilterLength: Int
    public var loss: Loss

    /// The report's configuration of `kind`.
    public init(kind: Kind) {
        self.kind = kind
        kernel = 8
        pool = 3
        rawFilters = 40
        rawFilterLength = 401
        switch kind {
        case .lstm: (inputs, hidden, layers, filters, loss) = (20, 256, 1, 0, .bce)
        case .blstm: (inputs, hidden, layers, filters, loss) = (20, 256, 1, 0, .bce)
        case .lstm2: (inputs, hidden, layers, filters, loss) = (20, 256, 2, 0, .bce)
        case .cdnn: (inputs, hidden, layers, filters, loss) = (40, 32, 1, 32, .ce)
        case .cdnnRaw: (inputs, hidden, layers, filters, loss) = (561, 16, 2, 16, .ce)
        }
    }

    /// Whether the model reads raw-waveform frames rather than features.
    public var usesRawFrames: Bool { kind == .cdnnRaw }

    /// The largest sizes: far beyond the report's models, and small enough
    /// that every weight count and activation size derived from them fits in `Int`.
    public static let maxInputs = 100_000
    public static let maxHidden = 4096
    public static let maxLayers = 64
    public static let maxFilters = 1024

    /// What is wrong with the sizes, if anything, naming the `vadprep train`
    /// option that sets each (a stored model's sizes are checked the same way).
    public func problems() -> [String] {
        var check = OptionCheck()
        check.integer("--inputs", inputs, in: 1...Self.maxInputs)
        check.integer("--hidden", hidden, in: 1...Self.maxHidden)
        check.integer("--layers", layers, in: 1...Self.maxLayers)
        guard check.problems.isEmpty else { return check.problems }
        var problems: [String] = []
        if kind == .cdnn || kind == .cdnnRaw {
            let width = kind == .cdnn ? inputs : rawFilters
            check.integer("--filters", filters, in: 1...Self.maxFilters)
            check.integer("kernel", kernel, in: 1...Self.maxInputs)
            check.integer("pool", pool, in: 1...Self.maxInputs)
            if kind == .cdnnRaw {
                check.integer("raw filters", rawFilters, in: 1...Self.maxFilters)
                check.integer("raw filter length", rawFilterLength, in: 1...Self.maxInputs)
            }
            problems = check.problems
            if problems.isEmpty && (width - kernel + 1) / pool < 1 {
                problems.append("the frequency convolution (kernel \(kernel), pool \(pool)) does not fit \(width) inputs")
            }
        }
        if problems.isEmpty && kind == .cdnnRaw && rawFilterLength > inputs {
            problems.append("raw filters of \(rawFilterLength) samples do not fit raw frames of \(inputs)")
        }
        return problems
    }
}
