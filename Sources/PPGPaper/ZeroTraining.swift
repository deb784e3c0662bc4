import Foundation
import PPGCompute
import PPGSignals

/// Section V-D: a single causal Conv1D filter of two taps (no bias), ReLU, global average pooling —
/// randomly initialised and never trained — as a frequency classifier through the DC alone.
///
/// For a cosine of amplitude A at frequency f, the filter y[t] = w0·x[t−1] + w1·x[t] outputs a cosine of
/// amplitude A·|H(f)|, |H(f)|² = w0² + w1² + 2·w0·w1·cos(2πf/fs), and mean(relu(A·cos)) = A/π over whole
/// periods, so the pooled output is ≈ A·|H(f)|/π: monotone in f on [0, fs/2] whenever w0·w1 ≠ 0.
public enum ZeroTraining {
    /// |H(f)| of the two-tap causal filter (w0 on x[t−1], w1 on x[t]; Keras kernel order).
    public static func response(w0: Double, w1: Double, frequencyHz f: Double, samplingRateHz fs: Double) -> Double {
        (w0 * w0 + w1 * w1 + 2 * w0 * w1 * cos(2 * Double.pi * f / fs)).squareRoot()
    }

    /// Predicted pooled output for a cosine of amplitude A: A·|H(f)|/π.
    public static func predictedDC(w0: Double, w1: Double, frequencyHz f: Double, samplingRateHz fs: Double,
                                   amplitude: Double = 1) -> Double {
        amplitude * response(w0: w0, w1: w1, frequencyHz: f, samplingRateHz: fs) / Double.pi
    }

    /// mean_t relu(w0·x[t−1] + w1·x[t]) with x[−1] = 0 (causal padding), for one signal `x` `[T]`.
    public static func pooledOutput(_ x: [Float], w0: Float, w1: Float) -> Double {
        x.withUnsafeBufferPointer { pooledOutput($0, w0: w0, w1: w1) }
    }

    /// As `pooledOutput(_:w0:w1:)` on a slice of the dataset's buffer (the survey's inner loop).
    static func pooledOutput(_ x: UnsafeBufferPointer<Float>, w0: Float, w1: Float) -> Double {
        guard !x.isEmpty else { return 0 }
        var sum: Float = max(w1 * x[0], 0)
        for t in 1..<x.count { sum += max(w0 * x[t - 1] + w1 * x[t], 0) }
        return Double(sum) / Double(x.count)
    }

    /// Pooled output of every signal of `data`.
    public static func pooledOutputs(_ data: CosineDataset, w0: Float, w1: Float) -> [Double] {
        data.inputs.withUnsafeBufferPointer { p in
            (0..<data.count).map { i in
                pooledOutput(UnsafeBufferPointer(rebasing: p[(i * data.length)..<((i + 1) * data.length)]), w0: w0, w1: w1)
            }
        }
    }

    /// Whether the classes' value ranges are pairwise disjoint (so two thresholds classify every signal),
    /// and the margin: the smallest gap between neighbouring class ranges divided by the overall range
    /// (negative when ranges overlap).
    public static func separability(_ values: [Double], labels: [Int32], classes: Int) -> (separable: Bool, margin: Double) {
        var lo = [Double](repeating: .infinity, count: classes), hi = [Double](repeating: -.infinity, count: classes)
        for (v, y) in zip(values, labels) {
            lo[Int(y)] = min(lo[Int(y)], v)
            hi[Int(y)] = max(hi[Int(y)], v)
        }
        let order = (0..<classes).sorted { lo[$0] + hi[$0] < lo[$1] + hi[$1] }
        let span = (hi.max() ?? 0) - (lo.min() ?? 0)
        var gap = Double.infinity
        for i in 1..<order.count { gap = min(gap, lo[order[i]] - hi[order[i - 1]]) }
        return (gap > 0, span > 0 ? gap / span : -1)
    }

    /// Glorot-uniform limit of a Conv1D(1 filter, 2 taps, 1 channel) kernel: √(6/(2+2)).
    public static let glorotLimit = (6.0 / 4.0).squareRoot()

    /// Draws `count` kernels (w0, w1) ~ U(−ℓ, ℓ)².
    public static func randomKernels(count: Int, rng: inout Xoshiro256StarStar) -> [(Double, Double)] {
        (0..<count).map { _ in (rng.nextUniform(-glorotLimit, glorotLimit), rng.nextUniform(-glorotLimit, glorotLimit)) }
    }

    /// For each kernel, whether the dataset's classes are separable by the pooled output and the margin.
    /// Kernels are processed in blocks so each signal is read from memory once per block; blocks run in parallel.
    public static func survey(_ data: CosineDataset, kernels: [(Double, Double)], classes: Int,
                              workers: Int = 0) -> [(separable: Bool, margin: Double)] {
        let block = 16
        let blocks = (kernels.count + block - 1) / block
        let box = SurveyBox(count: kernels.count)
        let T = data.length, N = data.count
        let threads = max(1, min(workers > 0 ? workers : ProcessInfo.processInfo.activeProcessorCount, blocks))
        let nextBlock = WorkCounter(limit: blocks)
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            var pooled = [Double](repeating: 0, count: block * N)
            var w0 = [Float](repeating: 0, count: block), w1 = [Float](repeating: 0, count: block)
            while let bi = nextBlock.next() {
                let first = bi * block, n = min(block, kernels.count - first)
                for j in 0..<n { w0[j] = Float(kernels[first + j].0); w1[j] = Float(kernels[first + j].1) }
                data.inputs.withUnsafeBufferPointer { p in
                    for i in 0..<N {
                        let x = UnsafeBufferPointer(rebasing: p[(i * T)..<((i + 1) * T)])
                        for j in 0..<n { pooled[j * N + i] = pooledOutput(x, w0: w0[j], w1: w1[j]) }
                    }
                }
                for j in 0..<n {
                    let s = separability(Array(pooled[(j * N)..<((j + 1) * N)]), labels: data.labels, classes: classes)
                    box.set(first + j, s)
                }
            }
        }
        return box.values
    }
}

/// One kernel of `paper zero-training` and what it does to the dataset.
public struct ZeroTrainingExample: Sendable {
    /// How the kernel was chosen.
    public var title: String
    /// w0 acts on x[t−1], w1 on x[t] (Keras kernel order).
    public var w0: Double
    public var w1: Double
    /// Pooled output of every signal.
    public var pooled: [Double]
    /// measured / (A·|H(f)|/π) − 1, per signal.
    public var relativeDeviationFromClosedForm: [Double]
    public var separable: Bool
    public var margin: Double
}

/// Result of `paper zero-training`.
public struct ZeroTrainingResult: Sendable {
    public var classFrequenciesHz: [Double]
    public var samplingRateHz: Double
    public var frequenciesHz: [Double]
    public var labels: [Int32]
    /// [0]: the first random kernel of the seed; [1]: the survey kernel with the median margin.
    public var examples: [ZeroTrainingExample]
    /// Random kernels of the survey and their outcome.
    public var kernels: [(Double, Double)]
    public var outcomes: [(separable: Bool, margin: Double)]

    public var separableFraction: Double {
        outcomes.isEmpty ? .nan : Double(outcomes.filter(\.separable).count) / Double(outcomes.count)
    }
}

extension ZeroTraining {
    /// The whole experiment: dataset as Section V-C (seeded), the seed's first random kernel, and a survey of
    /// `initialisations` further random kernels.
    public static func run(seed: UInt64, initialisations: Int, samplesPerClass: Int = 1024,
                           classFrequenciesHz: [Double] = [3, 5, 10], standardDeviationHz: Double = 0.1,
                           length: Int = 256, samplingRateHz: Double = 32, workers: Int = 0) -> ZeroTrainingResult {
        var dataRNG = Xoshiro256StarStar(seed: seed, stream: 0)
        let data = CosineDataset.cosines(classFrequenciesHz: classFrequenciesHz, standardDeviationHz: standardDeviationHz,
                                         samplesPerClass: samplesPerClass, length: length,
                                         samplingRateHz: samplingRateHz, rng: &dataRNG)
        var kernelRNG = Xoshiro256StarStar(seed: seed, stream: 1)
        let first = randomKernels(count: 1, rng: &kernelRNG)[0]
        var surveyRNG = Xoshiro256StarStar(seed: seed, stream: 2)
        let kernels = randomKernels(count: initialisations, rng: &surveyRNG)
        let outcomes = survey(data, kernels: kernels, classes: classFrequenciesHz.count, workers: workers)
        func example(_ title: String, _ w: (Double, Double)) -> ZeroTrainingExample {
            let pooled = pooledOutputs(data, w0: Float(w.0), w1: Float(w.1))
            let deviation = zip(pooled, data.frequenciesHz).map { v, f in
                let p = predictedDC(w0: w.0, w1: w.1, frequencyHz: f, samplingRateHz: samplingRateHz)
                return p > 0 ? v / p - 1 : .nan
            }
            let s = separability(pooled, labels: data.labels, classes: classFrequenciesHz.count)
            return ZeroTrainingExample(title: title, w0: w.0, w1: w.1, pooled: pooled,
                                       relativeDeviationFromClosedForm: deviation, separable: s.separable, margin: s.margin)
        }
        var examples = [example("first random kernel of seed \(seed)", first)]
        if !kernels.isEmpty {
            let order = outcomes.indices.sorted { outcomes[$0].margin < outcomes[$1].margin }
            examples.append(example("survey kernel with the median margin", kernels[order[order.count / 2]]))
        }
        return ZeroTrainingResult(classFrequenciesHz: classFrequenciesHz, samplingRateHz: samplingRateHz,
                                  frequenciesHz: data.frequenciesHz, labels: data.labels, examples: examples,
                                  kernels: kernels, outcomes: outcomes)
    }
}

private final class SurveyBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [(separable: Bool, margin: Double)]
    init(count: Int) { values = Array(repeating: (false, 0), count: count) }
    func set(_ i: Int, _ v: (separable: Bool, margin: Double)) { lock.lock(); values[i] = v; lock.unlock() }
}
