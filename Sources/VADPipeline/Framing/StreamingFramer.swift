/// Cuts a signal that arrives in blocks into frames, holding only what later
/// frames still need, so memory does not grow with the length of the signal.
///
/// Each frame is handed out as soon as its samples have arrived; frames that
/// reach past the end are handed out by `finish`, once the length is known.
/// Samples outside the signal are reflected as Kaldi does (`-1 -> 0`,
/// `-2 -> 1`, `n -> n - 1`, repeatedly for signals shorter than a frame).
/// The frames are exactly those of cutting the whole signal at once,
/// whatever the block sizes.
public struct StreamingFramer {
    public let grid: FrameGrid
    private var buffer: [Float] = []
    /// Signal index of `buffer[0]`.
    private var bufferStart = 0
    private var received = 0
    private var nextFrame = 0
    private var window: [Float]

    public init(grid: FrameGrid) {
        self.grid = grid
        window = Array(repeating: 0, count: grid.length)
    }

    /// Samples received so far.
    public var sampleCount: Int { received }

    /// Adds samples; `emit(frame, samples)` is called for every frame that is now complete.
    public mutating func accept(_ samples: UnsafeBufferPointer<Float>,
                                emit: (Int, UnsafeBufferPointer<Float>) throws -> Void) rethrows {
        buffer.append(contentsOf: samples)
        received += samples.count
        while grid.firstSample(nextFrame) + grid.length <= received {
            try emitFrame(nextFrame, total: nil, emit: emit)
            nextFrame += 1
        }
        dropConsumed()
    }

    /// Ends the signal; emits the remaining frames and returns the frame count.
    @discardableResult
    public mutating func finish(emit: (Int, UnsafeBufferPointer<Float>) throws -> Void) rethrows -> Int {
        let count = grid.frameCount(samples: received)
        while nextFrame < count {
            try emitFrame(nextFrame, total: received, emit: emit)
            nextFrame += 1
        }
        return count
    }

    private mutating func emitFrame(_ frame: Int, total: Int?,
                                    emit: (Int, UnsafeBufferPointer<Float>) throws -> Void) rethrows {
        let first = grid.firstSample(frame)
        if first >= bufferStart, first + grid.length <= received {
            let offset = first - bufferStart
            try buffer.withUnsafeBufferPointer {
                try emit(frame, UnsafeBufferPointer(rebasing: $0[offset..<(offset + grid.length)]))
            }
            return
        }
        let n = total ?? received
        for j in 0..<grid.length {
            var s = first + j
            while s < 0 || s >= n { s = s < 0 ? -s - 1 : 2 * n - 1 - s }
            precondition(s >= bufferStart, "StreamingFramer dropped sample \(s) still needed by frame \(frame)")
            window[j] = buffer[s - bufferStart]
        }
        try window.withUnsafeBufferPointer { try emit(frame, $0) }
    }

    /// Forgets samples no later frame reads. While the signal may still be
    /// shorter than a frame, everything is kept (reflections may reach it).
    private mutating func dropConsumed() {
        guard received >= 2 * grid.length else { return }
        let keepFrom = max(0, grid.firstSample(nextFrame))
        let drop = keepFrom - bufferStart
        if drop >= 1 << 16 || (drop > 0 && drop * 2 >= buffer.count) {
            buffer.removeFirst(drop)
            bufferStart = keepFrom
        }
    }
}
