extension Network {
    /// Speech probabilities of one sequence (`x.batch` 1), the network run
    /// over it in overlapping windows of `window` frames, all windows one
    /// batch: a hop of half a window, the last window ending at the last
    /// frame, and each frame's probability the average over the windows that
    /// hold it, weighted by its distance from their edges (frames near a
    /// window's edge have seen the least context). With `window` nil or not
    /// shorter than the sequence, the sequence runs whole.
    public func speechProbabilities(of x: Sequences<S>, window: Int?) -> [S] {
        precondition(x.batch == 1, "one sequence at a time")
        let frames = x.steps
        guard let window, window < frames else { return speechProbabilities(forward(x, mask: nil)) }
        var starts = Array(stride(from: 0, to: frames - window, by: max(1, window / 2)))
        starts.append(frames - window)
        let batch = starts.count
        let windows = Sequences<S>(steps: window, batch: batch, width: x.width)
        for (b, start) in starts.enumerated() {
            for t in 0..<window { windows.row(t * batch + b).update(from: x.row(start + t), count: x.width) }
        }
        let p = speechProbabilities(forward(windows, mask: nil))
        var sum = [S](repeating: 0, count: frames), weight = [S](repeating: 0, count: frames)
        for (b, start) in starts.enumerated() {
            for t in 0..<window {
                let w = S(min(t + 1, window - t))
                sum[start + t] += w * p[t * batch + b]
                weight[start + t] += w
            }
        }
        return zip(sum, weight).map { $0 / $1 }
    }
}
