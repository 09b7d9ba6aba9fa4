// Times one training step of the report's `lstm` model (forward, backward
// and Adam) on a batch of 51 segments of 300 frames of 20 features, and
// OpenBLAS sgemm alone on the step's shapes, so the step's GFLOP/s can be read
// against what the library reaches. Pipelines/bench-train.sh runs it next to
// PyTorch's CPU LSTM.
//
//   VADTrainBench [--threads N] [--steps S] [--batch B] [--frames T] [--hidden H]
import BLAS
import Foundation
import VADTrain

func argument(_ name: String, _ fallback: Int) -> Int {
    let args = CommandLine.arguments
    guard let at = args.firstIndex(of: name), at + 1 < args.count, let value = Int(args[at + 1]) else { return fallback }
    return value
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func benchmark() {
    let threads = argument("--threads", 1), steps = argument("--steps", 10)
    let (B, T, D, H) = (argument("--batch", 51), argument("--frames", 300), argument("--inputs", 20), argument("--hidden", 256))
    BLAS.setThreads(threads)


    // The training step.
    var config = ModelConfig(kind: .lstm)
    (config.inputs, config.hidden) = (D, H)
    let network = Network<Float>(config, seed: 1)
    let adam = Adam(network.parameters, learningRate: 1e-3)
    var random = Random(seed: 2)
    let x = Sequences<Float>(steps: T, batch: B, width: D)
    for i in 0..<x.data.count { x.data[i] = Float(random.normal()) }
    let targets = (0..<(T * B)).map { _ in UInt8(random.below(2)) }
    func step() {
        network.zeroGradients()
        let result = MaskedLoss.compute(.bce, logits: network.forward(x, mask: nil), targets: targets, weights: nil)
        network.backward(result.gradient)
        adam.update()
    }
    step()  // warm-up
    let stepTimes = (0..<steps).map { _ in seconds(step) }
    let stepSeconds = median(stepTimes)
    // Matrix products of one step: forward (x W_ih^T, h W_hh^T), backward (dW_ih, dX, dW_hh, dh).
    let G = 4 * H
    let stepFlops = 6.0 * Double(T * B) * Double(G) * Double(D + H)

    // sgemm alone on the same shapes, as often as the step calls it.
    let a = [Float](repeating: 0.5, count: T * B * max(D, H, G)), w = [Float](repeating: 0.25, count: G * max(D, H))
    var c = [Float](repeating: 0, count: T * B * max(G, H, D))
    func gemms() {
        a.withUnsafeBufferPointer { a in w.withUnsafeBufferPointer { w in c.withUnsafeMutableBufferPointer { c in
            let a = a.baseAddress!, w = w.baseAddress!, c = c.baseAddress!
            BLAS.gemm(transposeB: true, m: T * B, n: G, k: D, a: a, lda: D, b: w, ldb: D, c: c, ldc: G)                       // x W_ih^T
            for _ in 0..<T { BLAS.gemm(transposeB: true, m: B, n: G, k: H, a: a, lda: H, b: w, ldb: H, beta: 1, c: c, ldc: G) } // h W_hh^T
            for _ in 0..<T { BLAS.gemm(m: B, n: H, k: G, a: a, lda: G, b: w, ldb: H, c: c, ldc: H) }                        // dh = dG W_hh
            BLAS.gemm(transposeA: true, m: G, n: H, k: T * B, a: a, lda: G, b: a, ldb: H, beta: 1, c: c, ldc: H)          // dW_hh
            BLAS.gemm(transposeA: true, m: G, n: D, k: T * B, a: a, lda: G, b: a, ldb: D, beta: 1, c: c, ldc: D)          // dW_ih
            BLAS.gemm(m: T * B, n: D, k: G, a: a, lda: G, b: w, ldb: D, c: c, ldc: D)                                     // dX
        } } }
    }
    gemms()
    let gemmSeconds = median((0..<steps).map { _ in seconds(gemms) })

    print(String(format: "lstm step (batch %d, %d frames, %d inputs, %d cells), %d thread%@: %.1f ms median of %d; %.1f GFLOP/s in matrix products",
                 B, T, D, H, threads, threads == 1 ? "" : "s", stepSeconds * 1000, steps, stepFlops / stepSeconds / 1e9))
    print(String(format: "sgemm alone on the step's shapes: %.1f ms, %.1f GFLOP/s (the step spends %.0f %% of its time there at that rate)",
                 gemmSeconds * 1000, stepFlops / gemmSeconds / 1e9, 100 * gemmSeconds / stepSeconds))
    print(String(format: "{\"threads\": %d, \"step_ms\": %.3f, \"step_gflops\": %.2f, \"sgemm_ms\": %.3f, \"sgemm_gflops\": %.2f}",
                 threads, stepSeconds * 1000, stepFlops / stepSeconds / 1e9, gemmSeconds * 1000, stepFlops / gemmSeconds / 1e9))
}

benchmark()
