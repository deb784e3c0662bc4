import Foundation
import PPGSignals

/// The Section V-C network: `Conv1D(C, K, causal, no bias, act) → Conv1D(C, K, causal, no bias, act)
/// → GlobalAveragePooling1D → Dense(H, relu) → Dense(Q)` logits, trained with softmax cross-entropy.
///
/// Tensor conventions follow Keras: inputs `[batch, T]` (one channel), conv kernels `[K, Cin, Cout]`
/// applied causally, `y[t, o] = Σ_k Σ_i x[t − (K−1) + k, i] · W[k, i, o]` with x = 0 before t = 0,
/// dense kernels `[in, out]`.
public struct SmallCNNShape: Sendable, Equatable, Codable {
    /// Samples per input (T).
    public var length: Int
    /// Filters in each conv layer (C).
    public var filters: Int
    /// Conv kernel size (K).
    public var kernel: Int
    /// Units of the hidden dense layer (H).
    public var hidden: Int
    /// Classes (Q).
    public var classes: Int

    public init(length: Int = 256, filters: Int = 32, kernel: Int = 3, hidden: Int = 32, classes: Int = 3) {
        self.length = length
        self.filters = filters
        self.kernel = kernel
        self.hidden = hidden
        self.classes = classes
    }

    /// The paper's network: T = 256, 32 filters of 3 taps, 32 hidden units, 3 classes.
    public static let paper = SmallCNNShape()

    /// Where each tensor sits in the flat parameter vector.
    public var layout: SmallCNNLayout { SmallCNNLayout(self) }
}

/// Offsets of the tensors in the flat parameter (and gradient, and Adam moment) vector.
public struct SmallCNNLayout: Sendable, Equatable {
    /// `[K, 1, C]`.
    public let conv1: Range<Int>
    /// `[K, C, C]`.
    public let conv2: Range<Int>
    /// `[C, H]`.
    public let dense1: Range<Int>
    /// `[H]`.
    public let bias1: Range<Int>
    /// `[H, Q]`.
    public let dense2: Range<Int>
    /// `[Q]`.
    public let bias2: Range<Int>
    public let count: Int

    public init(_ s: SmallCNNShape) {
        var at = 0
        func take(_ n: Int) -> Range<Int> { defer { at += n }; return at..<(at + n) }
        conv1 = take(s.kernel * s.filters)
        conv2 = take(s.kernel * s.filters * s.filters)
        dense1 = take(s.filters * s.hidden)
        bias1 = take(s.hidden)
        dense2 = take(s.hidden * s.classes)
        bias2 = take(s.classes)
        count = at
    }

    /// The trainable tensors by name, in order.
    public var tensors: [(name: String, range: Range<Int>)] {
        [("conv1/kernel", conv1), ("conv2/kernel", conv2), ("dense1/kernel", dense1), ("dense1/bias", bias1),
         ("dense2/kernel", dense2), ("dense2/bias", bias2)]
    }

    /// Keras' default initialisation: Glorot-uniform kernels, U(−ℓ, ℓ) with ℓ = √(6 / (fan_in + fan_out))
    /// (conv: fan_in = K·Cin, fan_out = K·Cout), zero biases.
    public func glorotUniform(_ s: SmallCNNShape, rng: inout Xoshiro256StarStar) -> [Float] {
        var p = [Float](repeating: 0, count: count)
        func fill(_ r: Range<Int>, fanIn: Int, fanOut: Int) {
            let limit = (6 / Double(fanIn + fanOut)).squareRoot()
            for i in r { p[i] = Float(rng.nextUniform(-limit, limit)) }
        }
        fill(conv1, fanIn: s.kernel, fanOut: s.kernel * s.filters)
        fill(conv2, fanIn: s.kernel * s.filters, fanOut: s.kernel * s.filters)
        fill(dense1, fanIn: s.filters, fanOut: s.hidden)
        fill(dense2, fanIn: s.hidden, fanOut: s.classes)
        return p
    }
}

/// Activation of the two conv layers.
public enum ConvActivation: String, Sendable, Codable {
    case relu, linear
}

/// Adam as Keras 2 (tf.keras ≥ 2.11) implements it, step t = 1, 2, …:
///
///     m ← m + (g − m)(1 − β1),  v ← v + (g² − v)(1 − β2),
///     α_t = lr · √(1 − β2ᵗ) / (1 − β1ᵗ),  w ← w − α_t · m / (√v + ε).
///
/// (ε is added to √v, not to √v̂: with bias correction folded into α_t this is Keras' update.)
public struct Adam: Sendable {
    public var learningRate: Float = 1e-3
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-7
    public private(set) var step = 0
    private var m: [Float]
    private var v: [Float]

    public init(count: Int, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        m = [Float](repeating: 0, count: count)
        v = [Float](repeating: 0, count: count)
    }

    public mutating func update(_ parameters: inout [Float], gradient: [Float]) {
        precondition(parameters.count == m.count && gradient.count == m.count)
        step += 1
        let t = Double(step)
        let alpha = Float(Double(learningRate) * (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t)))
        let b1 = beta1, b2 = beta2, eps = epsilon
        m.withUnsafeMutableBufferPointer { m in
            v.withUnsafeMutableBufferPointer { v in
                parameters.withUnsafeMutableBufferPointer { w in
                    gradient.withUnsafeBufferPointer { g in
                        for i in 0..<w.count {
                            let gi = g[i]
                            m[i] += (gi - m[i]) * (1 - b1)
                            v[i] += (gi * gi - v[i]) * (1 - b2)
                            w[i] -= alpha * m[i] / (v[i].squareRoot() + eps)
                        }
                    }
                }
            }
        }
    }
}
