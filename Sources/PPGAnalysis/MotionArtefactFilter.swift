import PPGCompute
import Foundation
import PPGSignals

/// The windows of one segment, z-scored: the fitting data of the filter.
public struct FilterDesign: Sendable {
    /// Normal equations of the least-squares problem in the 64 unknowns (63 taps, then the bias):
    /// `gram` = Σ x xᵀ, `cross` = Σ x y, `targetEnergy` = Σ y², over every sample of every window.
    public var gram: [Double]
    public var cross: [Double]
    public var targetEnergy: Double
    public var windows: Int

    static let unknowns = 3 * LinearMotionFilter.taps + 1

    public init() {
        gram = [Double](repeating: 0, count: Self.unknowns * Self.unknowns)
        cross = [Double](repeating: 0, count: Self.unknowns)
        targetEnergy = 0
        windows = 0
    }

    /// Adds one window: z-scored PPG `[T]` and z-scored ACC rows `[3][T]`.
    public mutating func add(ppg: [Float], acc: [[Float]]) {
        add(windows: [(ppg, acc)])
    }

    /// Adds windows at once: builds their design rows (every sample's 63 shifted ACC values and
    /// the bias input) and accumulates XᵀX (BLAS dsyrk), Xᵀy and yᵀy in Float64.
    public mutating func add(windows batch: [(ppg: [Float], acc: [[Float]])]) {
        guard let first = batch.first else { return }
        let t = first.ppg.count, u = Self.unknowns, rows = batch.count * t
        var x = [Double](repeating: 0, count: rows * u)
        var y = [Double](repeating: 0, count: rows)
        for (w, window) in batch.enumerated() {
            for s in 0..<t {
                let row = (w * t + s) * u
                for r in 0..<3 {
                    let accRow = window.acc[r]
                    for j in 0..<LinearMotionFilter.taps {
                        let k = s + j - LinearMotionFilter.half
                        if k >= 0 && k < t { x[row + r * LinearMotionFilter.taps + j] = Double(accRow[k]) }
                    }
                }
                x[row + u - 1] = 1
                y[w * t + s] = Double(window.ppg[s])
            }
        }
        BLAS.addGram(rows, u, x, into: &gram)
        BLAS.addCross(rows, u, x, y, into: &cross)
        targetEnergy += y.reduce(0) { $0 + $1 * $1 }
        windows += batch.count
    }

    /// The full symmetric Gram matrix.
    var symmetricGram: [Double] {
        let u = Self.unknowns
        var g = gram
        for a in 0..<u { for b in 0..<a { g[a * u + b] = g[b * u + a] } }
        return g
    }

    /// KID-PPG's loss for a filter (64 values: taps then bias): mean over windows of
    /// Σ_k |FFT(ppg_z − pred)|² = T · mean over windows of Σ_t e² (Parseval), T = window length.
    public func loss(_ theta: [Double], windowLength: Int) -> Double {
        let g = symmetricGram, u = Self.unknowns
        var quad = 0.0, lin = 0.0
        for a in 0..<u {
            lin += theta[a] * cross[a]
            var row = 0.0
            for b in 0..<u { row += g[a * u + b] * theta[b] }
            quad += theta[a] * row
        }
        return Double(windowLength) * (targetEnergy - 2 * lin + quad) / Double(max(windows, 1))
    }

    /// The exact least-squares filter (Cholesky solve of the normal equations, Float64).
    public func leastSquares() throws -> LinearMotionFilter {
        guard windows > 0 else { throw PPGScopeError(object: "filter", "no windows to fit the motion filter on") }
        let theta = try Cholesky.solve(symmetricGram, cross, size: Self.unknowns, ridge: 1e-9)
        return Self.filter(from: theta)
    }

    static func filter(from theta: [Double]) -> LinearMotionFilter {
        let n = LinearMotionFilter.taps
        return LinearMotionFilter(weights: (0..<3).map { r in Array(theta[(r * n)..<((r + 1) * n)]) }, bias: theta[3 * n])
    }

    static func theta(of filter: LinearMotionFilter) -> [Double] { filter.weights.flatMap { $0 } + [filter.bias] }

    /// KID-PPG's published fitting procedure: its two-layer model (Conv2D 1×(3,21) 'same', then
    /// Conv2D 1×(3,1) 'valid', Glorot-uniform initial weights, zero biases), full-batch SGD on the
    /// FFT-domain loss with Keras' momentum update (v ← μv − η∇, w ← w + v). The loss depends on
    /// the two layers only through the collapsed filter, so each step's gradient is exact from the
    /// normal equations (64 × 64) by the chain rule.
    public func referenceSGD(learningRate: Double = 1e-7, momentum: Double = 1e-2, epochs: Int = 1000,
                             seed: UInt64 = 0, windowLength: Int) -> (filter: LinearMotionFilter, loss: Double) {
        let n = LinearMotionFilter.taps, u = Self.unknowns
        var rng = Xoshiro256StarStar(seed: seed, stream: 0x4B49_4450)  // "KIDP"
        let limit1 = (6.0 / Double(3 * n + 3 * n)).squareRoot()   // fan_in = fan_out = 3·21
        let limit2 = (6.0 / Double(3 + 3)).squareRoot()           // fan_in = fan_out = 3
        var w1 = (0..<(3 * n)).map { _ in -limit1 + 2 * limit1 * rng.nextUniform() }   // [dr][j]
        var w2 = (0..<3).map { _ in -limit2 + 2 * limit2 * rng.nextUniform() }          // [r']
        var b1 = 0.0, b2 = 0.0
        var v1 = [Double](repeating: 0, count: 3 * n), v2 = [Double](repeating: 0, count: 3)
        var vb1 = 0.0, vb2 = 0.0
        let g = symmetricGram
        let scale = Double(windowLength) / Double(max(windows, 1))

        func collapse() -> [Double] {
            var theta = [Double](repeating: 0, count: u)
            for r in 0..<3 {
                for rp in 0..<3 {
                    let dr = r - rp + 1
                    guard dr >= 0, dr < 3 else { continue }
                    for j in 0..<n { theta[r * n + j] += w2[rp] * w1[dr * n + j] }
                }
            }
            theta[u - 1] = b2 + b1 * w2.reduce(0, +)
            return theta
        }
        for _ in 0..<epochs {
            let theta = collapse()
            // ∂L/∂θ = scale · 2 (G θ − c)
            var grad = [Double](repeating: 0, count: u)
            for a in 0..<u {
                var row = 0.0
                for b in 0..<u { row += g[a * u + b] * theta[b] }
                grad[a] = 2 * scale * (row - cross[a])
            }
            var g1 = [Double](repeating: 0, count: 3 * n), g2 = [Double](repeating: 0, count: 3)
            for r in 0..<3 {
                for rp in 0..<3 {
                    let dr = r - rp + 1
                    guard dr >= 0, dr < 3 else { continue }
                    for j in 0..<n {
                        g1[dr * n + j] += grad[r * n + j] * w2[rp]
                        g2[rp] += grad[r * n + j] * w1[dr * n + j]
                    }
                }
            }
            let gBias = grad[u - 1]
            for rp in 0..<3 { g2[rp] += gBias * b1 }
            let gb1 = gBias * w2.reduce(0, +), gb2 = gBias
            for i in 0..<(3 * n) { v1[i] = momentum * v1[i] - learningRate * g1[i]; w1[i] += v1[i] }
            for i in 0..<3 { v2[i] = momentum * v2[i] - learningRate * g2[i]; w2[i] += v2[i] }
            vb1 = momentum * vb1 - learningRate * gb1; b1 += vb1
            vb2 = momentum * vb2 - learningRate * gb2; b2 += vb2
        }
        let theta = collapse()
        return (Self.filter(from: theta), loss(theta, windowLength: windowLength))
    }
}
