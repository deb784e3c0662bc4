import Foundation
import PPGPaper
import PPGSignals
import Testing

/// Gradients of the Section V-C network: the Double reference against central finite differences for every
/// trainable tensor, then the fast Float trainer (direct and collapsed paths) against the reference, and a
/// Float finite-difference check of the fast trainer along each tensor's gradient direction.
@Suite struct GradientTests {
    static let small = SmallCNNShape(length: 12, filters: 4, kernel: 3, hidden: 5, classes: 3)

    /// Random batch: cosines of random frequency and phase plus an offset, and labels.
    static func batch(_ s: SmallCNNShape, count: Int, seed: UInt64) -> (inputs: [[Double]], labels: [Int]) {
        var rng = Xoshiro256StarStar(seed: seed, stream: 7)
        let inputs = (0..<count).map { _ -> [Double] in
            let f = rng.nextUniform(0.02, 0.4), phase = rng.nextUniform(0, 6.28), offset = rng.nextUniform(-0.5, 1)
            return (0..<s.length).map { offset + cos(2 * .pi * f * Double($0) + phase) }
        }
        return (inputs, (0..<count).map { _ in Int(rng.next() % UInt64(s.classes)) })
    }

    static func parameters(_ s: SmallCNNShape, seed: UInt64) -> [Float] {
        var rng = Xoshiro256StarStar(seed: seed, stream: 8)
        var p = s.layout.glorotUniform(s, rng: &rng)
        // Non-zero biases so that their gradients are exercised away from the initial point.
        for i in s.layout.bias1 { p[i] = Float(rng.nextUniform(-0.1, 0.3)) }
        for i in s.layout.bias2 { p[i] = Float(rng.nextUniform(-0.2, 0.2)) }
        return p
    }

    @Test(arguments: [ConvActivation.relu, .linear])
    func referenceGradientMatchesFiniteDifferences(_ activation: ConvActivation) {
        let s = Self.small
        let (x, y) = Self.batch(s, count: 4, seed: 1)
        let w = Self.parameters(s, seed: 2).map(Double.init)
        let (_, g) = SmallCNNReference.lossAndGradient(s, activation: activation, parameters: w, inputs: x, labels: y)
        let h = 1e-6
        for (name, range) in s.layout.tensors {
            var worst = 0.0
            for i in range {
                var plus = w, minus = w
                plus[i] += h
                minus[i] -= h
                let lp = SmallCNNReference.lossAndGradient(s, activation: activation, parameters: plus, inputs: x, labels: y).loss
                let lm = SmallCNNReference.lossAndGradient(s, activation: activation, parameters: minus, inputs: x, labels: y).loss
                let numeric = (lp - lm) / (2 * h)
                worst = max(worst, abs(numeric - g[i]) / max(abs(g[i]), 1e-3))
                #expect(abs(numeric - g[i]) <= 1e-7 + 1e-5 * abs(g[i]), "\(name)[\(i - range.lowerBound)]: analytic \(g[i]), numeric \(numeric)")
            }
            #expect(worst < 1e-4, "\(name): worst relative error \(worst)")
        }
    }

    /// Compares the fast trainer's loss and gradient with the reference, tensor by tensor, with the
    /// conv products on the direct kernel (where the CPU has it) and on OpenBLAS.
    func compareWithReference(_ s: SmallCNNShape, _ activation: ConvActivation, collapse: Bool, batch: Int, seed: UInt64) {
        for directKernel in [true, false] {
            compareWithReference(s, activation, collapse: collapse, batch: batch, seed: seed, directKernel: directKernel)
        }
    }

    func compareWithReference(_ s: SmallCNNShape, _ activation: ConvActivation, collapse: Bool, batch: Int, seed: UInt64,
                              directKernel: Bool) {
        let (x, y) = Self.batch(s, count: batch, seed: seed)
        let w = Self.parameters(s, seed: seed + 1)
        let (refLoss, refGrad) = SmallCNNReference.lossAndGradient(s, activation: activation, parameters: w.map(Double.init),
                                                                   inputs: x, labels: y)
        let trainer = SmallCNNTrainer(shape: s, activation: activation, maxBatch: batch + 3, collapseLinear: collapse,
                                      directKernel: directKernel)
        #expect(trainer.collapsed == (collapse && activation == .linear))
        let flat = x.flatMap { $0.map(Float.init) }
        let labels = y.map(Int32.init)
        var g = [Float](repeating: .nan, count: s.layout.count)
        let loss = trainer.lossAndGradient(parameters: w, inputs: flat, labels: labels, batch: batch, gradient: &g)
        #expect(abs(loss - refLoss) <= 1e-5 * max(1, abs(refLoss)), "loss \(loss) vs \(refLoss)")
        for (name, range) in s.layout.tensors {
            let scale = range.map { abs(refGrad[$0]) }.max()!
            for i in range {
                #expect(abs(Double(g[i]) - refGrad[i]) <= 1e-4 * scale + 1e-9,
                        "\(activation) collapse=\(collapse) direct=\(directKernel) \(name)[\(i - range.lowerBound)]: \(g[i]) vs \(refGrad[i])")
            }
        }
    }

    @Test func fastTrainerMatchesReferenceOnTheSmallNetwork() {
        for activation in [ConvActivation.relu, .linear] {
            for collapse in [false, true] { compareWithReference(Self.small, activation, collapse: collapse, batch: 5, seed: 11) }
        }
    }

    @Test func fastTrainerMatchesReferenceOnThePaperNetwork() {
        compareWithReference(.paper, .relu, collapse: false, batch: 2, seed: 21)
        compareWithReference(.paper, .linear, collapse: false, batch: 2, seed: 22)
        compareWithReference(.paper, .linear, collapse: true, batch: 2, seed: 23)
    }

    /// Float finite differences along each tensor's normalised gradient u: (L(w+εu) − L(w−εu))/2ε ≈ ‖g‖.
    @Test func fastTrainerDirectionalDerivativesMatch() {
        let s = SmallCNNShape(length: 64, filters: 8, kernel: 3, hidden: 8, classes: 3)
        let (x, y) = Self.batch(s, count: 16, seed: 31)
        let flat = x.flatMap { $0.map(Float.init) }, labels = y.map(Int32.init)
        for (activation, collapse) in [(ConvActivation.relu, false), (.linear, false), (.linear, true)] {
            let trainer = SmallCNNTrainer(shape: s, activation: activation, maxBatch: 16, collapseLinear: collapse)
            let w = Self.parameters(s, seed: 32)
            var g = [Float](repeating: 0, count: s.layout.count)
            _ = trainer.lossAndGradient(parameters: w, inputs: flat, labels: labels, batch: 16, gradient: &g)
            var scratch = g
            for (name, range) in s.layout.tensors {
                let norm = range.reduce(0.0) { $0 + Double(g[$1]) * Double(g[$1]) }.squareRoot()
                // Float needs ε large enough for the loss difference to rise above rounding (~1e-7 · L), and
                // small enough not to cross a ReLU kink of the head (one lies 1e-3 away along conv1's
                // direction for the linear network here): the best of four steps must agree to 1 %.
                var best = Double.infinity
                for eps in [1e-2, 3e-3, 1e-3, 3e-4] {
                    var plus = w, minus = w
                    for i in range {
                        plus[i] += Float(eps * Double(g[i]) / norm)
                        minus[i] -= Float(eps * Double(g[i]) / norm)
                    }
                    let lp = trainer.lossAndGradient(parameters: plus, inputs: flat, labels: labels, batch: 16, gradient: &scratch)
                    let lm = trainer.lossAndGradient(parameters: minus, inputs: flat, labels: labels, batch: 16, gradient: &scratch)
                    best = min(best, abs((lp - lm) / (2 * eps) - norm) / norm)
                }
                #expect(best <= 0.01, "\(activation) collapse=\(collapse) \(name): ‖g‖ \(norm), best relative error \(best)")
            }
        }
    }

    @Test func adamFollowsKerasUpdate() {
        var adam = Adam(count: 2)
        var w: [Float] = [0.5, -1]
        let gradients: [[Float]] = [[0.2, -3], [0.1, 1], [-0.4, 0.5]]
        var m = [0.0, 0.0], v = [0.0, 0.0], ref = [0.5, -1.0]
        for (t, g) in gradients.enumerated() {
            adam.update(&w, gradient: g)
            let step = Double(t + 1)
            let alpha = 1e-3 * (1 - pow(0.999, step)).squareRoot() / (1 - pow(0.9, step))
            for i in 0..<2 {
                m[i] = 0.9 * m[i] + 0.1 * Double(g[i])
                v[i] = 0.999 * v[i] + 0.001 * Double(g[i]) * Double(g[i])
                ref[i] -= alpha * m[i] / (v[i].squareRoot() + 1e-7)
                #expect(abs(Double(w[i]) - ref[i]) < 1e-6, "step \(t + 1), weight \(i)")
            }
        }
        // First step moves each weight by ≈ lr against the sign of its gradient.
        #expect(adam.step == 3)
    }

    @Test func glorotUniformLimits() {
        var rng = Xoshiro256StarStar(seed: 5)
        let s = SmallCNNShape.paper, l = s.layout
        let p = l.glorotUniform(s, rng: &rng)
        func check(_ r: Range<Int>, _ limit: Double) {
            let values = r.map { Double(p[$0]) }
            #expect(values.allSatisfy { abs($0) <= limit })
            #expect(values.map(abs).max()! > 0.9 * limit)
        }
        check(l.conv1, (6.0 / 99).squareRoot())
        check(l.conv2, (6.0 / 192).squareRoot())
        check(l.dense1, (6.0 / 64).squareRoot())
        check(l.dense2, (6.0 / 35).squareRoot())
        #expect(l.bias1.allSatisfy { p[$0] == 0 } && l.bias2.allSatisfy { p[$0] == 0 })
        #expect(l.count == 96 + 3072 + 1024 + 32 + 96 + 3)
    }
}
