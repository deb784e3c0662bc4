import PPGCompute
import PPGSignals

/// BatchNormalization at inference on the last (channel) axis:
/// `y = γ·(x − μ)/√(σ² + ε) + β` with the moving mean μ and variance σ², i.e. `y = x·scale + shift`.
public struct BatchNormalizationLayer: Sendable {
    /// Per channel: γ/√(σ² + ε), computed in Float64 and rounded once.
    public var scale: [Float]
    /// Per channel: β − μ·scale.
    public var shift: [Float]
    public var epsilon: Double
    /// Weights as stored (γ, β, μ, σ²) for the parameter count: γ and β may be absent.
    public var parameterCount: Int
}

extension BatchNormalizationLayer {
    /// Reads a Keras `BatchNormalization` call normalising the last axis of `[time, channels]` or
    /// `[features]`: gamma (unless `scale` is false), beta (unless `center` is false),
    /// moving_mean and moving_variance, each `[channels]`. Output shape = input shape.
    static func fromKeras(_ call: KerasLayerCall) throws -> ParsedLayer {
        let cfg = call.config, name = call.name, inShape = call.inputShape
        let axes = cfg["axis"]?.array?.compactMap(\.int) ?? cfg["axis"]?.int.map { [$0] } ?? [-1]
        guard axes.count == 1, axes[0] == -1 || axes[0] == inShape.count else {
            throw PPGScopeError(object: name, "BatchNormalization axis \(axes) is not supported (the last axis only)")
        }
        try call.refuse("renorm", because: "batch renormalisation")
        if let v = cfg["virtual_batch_size"], !v.isNull {
            throw PPGScopeError(object: name, "BatchNormalization option virtual_batch_size is not supported")
        }
        if let a = cfg["adjustment"], !a.isNull {
            throw PPGScopeError(object: name, "BatchNormalization option adjustment is not supported")
        }
        let c = inShape.last ?? 0
        let epsilon = cfg["epsilon"]?.double ?? 1e-3
        let gamma = (cfg["scale"]?.bool ?? true) ? try call.weight("gamma", shape: [c]) : nil
        let beta = (cfg["center"]?.bool ?? true) ? try call.weight("beta", shape: [c]) : nil
        let mean = try call.weight("moving_mean", shape: [c])!
        let variance = try call.weight("moving_variance", shape: [c])!
        let layer = BatchNormalizationLayer(gamma: gamma, beta: beta, mean: mean, variance: variance, epsilon: epsilon)
        return ParsedLayer(operation: .batchNormalization(layer), outputShape: inShape)
    }

    /// The layer from its Keras weights (γ = 1 and β = 0 when absent).
    public init(gamma: [Float]?, beta: [Float]?, mean: [Float], variance: [Float], epsilon: Double) {
        let c = mean.count
        var scale = [Float](repeating: 0, count: c), shift = scale
        for i in 0..<c {
            let s = Double(gamma?[i] ?? 1) / (Double(variance[i]) + epsilon).squareRoot()
            scale[i] = Float(s)
            shift[i] = Float(Double(beta?[i] ?? 0) - Double(mean[i]) * s)
        }
        self.init(scale: scale, shift: shift, epsilon: epsilon,
                  parameterCount: (gamma?.count ?? 0) + (beta?.count ?? 0) + 2 * c)
    }

    /// `[rows, channels]` → `[rows, channels]`.
    func forward(_ input: [Float]) -> [Float] {
        var y = input
        if LayerKernels.scaleAndShift(&y, scale: scale, shift: shift) { return y }
        return forwardPlain(input)
    }

    /// `forward` as a plain loop (the kernel's reference, and its stand-in without AVX-512F).
    func forwardPlain(_ input: [Float]) -> [Float] {
        let c = scale.count
        var y = input
        y.withUnsafeMutableBufferPointer { p in scale.withUnsafeBufferPointer { s in shift.withUnsafeBufferPointer { b in
            for row in Swift.stride(from: 0, to: p.count, by: c) {
                for j in 0..<c { p[row + j] = p[row + j] * s[j] + b[j] }
            }
        } } }
        return y
    }

    /// The Conv1D followed by this layer as one conv: kernel columns times `scale`, bias
    /// `bias·scale + shift`. Exact up to float rounding when nothing else reads the conv's output.
    func folded(into conv: Conv1DLayer) -> Conv1DLayer {
        var c = conv
        (c.kernel, c.bias) = folded(kernel: conv.kernel, bias: conv.bias)
        return c
    }

    /// A kernel whose last axis is the output channel (Conv1D `[k, cin, cout]`, DepthwiseConv1D
    /// `[k, cout]`, Dense `[in, units]`) and its bias, followed by this layer: columns times `scale`,
    /// bias `bias·scale + shift`.
    func folded(kernel: [Float], bias: [Float]?) -> (kernel: [Float], bias: [Float]) {
        let columns = scale.count
        return (kernel.indices.map { kernel[$0] * scale[$0 % columns] }, (0..<columns).map { o in (bias?[o] ?? 0) * scale[o] + shift[o] })
    }

    /// The DepthwiseConv1D followed by this layer as one: kernel `[k, cout]` columns times `scale`,
    /// bias `bias·scale + shift`.
    func folded(into depthwise: DepthwiseConv1DLayer) -> DepthwiseConv1DLayer {
        var d = depthwise
        (d.kernel, d.bias) = folded(kernel: depthwise.kernel, bias: depthwise.bias)
        return d
    }

    /// The SeparableConv1D followed by this layer as one: the normalisation folded into its pointwise conv.
    func folded(into separable: SeparableConv1DLayer) -> SeparableConv1DLayer {
        var s = separable
        s.pointwise = folded(into: separable.pointwise)
        return s
    }

    /// The Dense layer followed by this layer as one Dense.
    func folded(into dense: DenseLayer) -> DenseLayer {
        var d = dense
        (d.kernel, d.bias) = folded(kernel: dense.kernel, bias: dense.bias)
        return d
    }
}

/// A BatchNormalization folded into the linear Conv1D, DepthwiseConv1D, SeparableConv1D or Dense
/// whose output only it reads.
public struct BatchNormFold: Sendable {
    /// Index of the BatchNormalization node.
    public var batchNormNode: Int
    /// The layer with the normalisation folded in.
    public var folded: LayerOperation
}

extension Network {
    /// Finds every BatchNormalization whose input is a linear Conv1D, DepthwiseConv1D,
    /// SeparableConv1D or Dense read by nothing else
    /// (and not the model output), and records the folded layer (`batchNormFolds`).
    mutating func foldBatchNormalization() {
        var readers: [Int: Int] = [:]
        for node in nodes { for s in node.inputs { readers[s, default: 0] += 1 } }
        let producer = Dictionary(nodes.enumerated().map { ($1.output, $0) }, uniquingKeysWith: { a, _ in a })
        for (index, node) in nodes.enumerated() {
            guard case .batchNormalization(let bn) = node.operation, node.inputs.count == 1,
                  let p = producer[node.inputs[0]], readers[node.inputs[0]] == 1, node.inputs[0] != outputSlot else { continue }
            switch nodes[p].operation {
            case .conv1D(let conv) where conv.activation == .linear:
                batchNormFolds[p] = BatchNormFold(batchNormNode: index, folded: .conv1D(bn.folded(into: conv)))
            case .dense(let dense) where dense.activation == .linear:
                batchNormFolds[p] = BatchNormFold(batchNormNode: index, folded: .dense(bn.folded(into: dense)))
            case .depthwiseConv1D(let depthwise) where depthwise.activation == .linear:
                batchNormFolds[p] = BatchNormFold(batchNormNode: index, folded: .depthwiseConv1D(bn.folded(into: depthwise)))
            case .separableConv1D(let separable) where separable.activation == .linear:
                batchNormFolds[p] = BatchNormFold(batchNormNode: index, folded: .separableConv1D(bn.folded(into: separable)))
            default:
                continue
            }
        }
    }
}

