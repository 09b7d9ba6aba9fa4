extension Network {
    /// Speech probabilities of one sequence (`x.batch` 1), the network run
    /// over it in overlapping windows of `window` frames, many windows to a
    /// batch: a hop of half a window, the last window ending at the last
    /// frame, and each frame's probability the average over the windows that
    /// hold it, weighted by its distance from their edges (frames near a
    /// window's edge have seen the least context). With `window` nil or not
    /// shorter than the sequence, the sequence runs whole. About `rowsPerPass`
    /// window frames go through the network at a time, which bounds the
    /// memory a long recording needs.
    public func speechProbabilities(of x: Sequences<S>, window: Int?, rowsPerPass: Int = 16384) -> [S] {
        precondition(x.batch == 1, "one sequence at a time")
        let frames = x.steps
        guard let window, window < frames else { return speechProbabilities(forward(x, mask: nil)) }
        var starts = Array(stride(from: 0, to: frames - window, by: max(1, window / 2)))
        starts.append(frames - window)
        var sum = [S](repeating: 0, count: frames), weight = [S](repeating: 0, count: frames)
        let perPass = max(1, rowsPerPass / window)
        for first in stride(from: 0, to: starts.count, by: perPass) {
            let group = starts[first..<min(first + perPass, starts.count)]
            let batch = group.count
            let windows = Sequences<S>(steps: window, batch: batch, width: x.width)
            for (b, start) in group.enumerated() {
                for t in 0..<window { windows.row(t * batch + b).update(from: x.row(start + t), count: x.width) }
            }
            let p = speechProbabilities(forward(windows, mask: nil))
            for (b, start) in group.enumerated() {
                for t in 0..<window {
                    let w = S(min(t + 1, window - t))
                    sum[start + t] += w * p[t * batch + b]
                    weight[start + t] += w
                }
            }
        }
        return zip(sum, weight).map { $0 / $1 }
    }
}
