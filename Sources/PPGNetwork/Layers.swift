/// The layer kinds ppgscope runs, with their hyper-parameters and weights.
/// Shapes in comments exclude the window axis: `[time, channels]`.

/// Padding of a Conv1D or pooling layer, as Keras names it.
public enum Padding: String, Sendable {
    case valid, same, causal
}

public enum Activation: String, Sendable {
    case linear, relu
}

/// Conv1D: cross-correlation (no kernel flip),
/// `y[t, o] = b[o] + Σ_j Σ_c W[j, c, o] · xpad[t·stride + j·dilation, c]`.
public struct Conv1DLayer: Sendable {
    /// Kernel [kernelSize, inChannels, outChannels], row-major (Keras order).
    public var kernel: [Float]
    /// Bias [outChannels], or nil without bias.
    public var bias: [Float]?
    public var kernelSize: Int
    public var inChannels: Int
    public var outChannels: Int
    public var stride: Int
    public var dilation: Int
    public var padding: Padding
    public var activation: Activation

    public init(kernel: [Float], bias: [Float]?, kernelSize: Int, inChannels: Int, outChannels: Int, stride: Int = 1,
                dilation: Int = 1, padding: Padding, activation: Activation) {
        precondition(kernel.count == kernelSize * inChannels * outChannels, "kernel must be [kernelSize, inChannels, outChannels]")
        self.kernel = kernel
        self.bias = bias
        self.kernelSize = kernelSize
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.stride = stride
        self.dilation = dilation
        self.padding = padding
        self.activation = activation
    }

    /// Zero padding (left, right) in samples for an input of `length` samples.
    public func pads(length: Int) -> (left: Int, right: Int) {
        let span = (kernelSize - 1) * dilation
        switch padding {
        case .valid: return (0, 0)
        case .causal: return (span, 0)
        case .same:
            let outLength = (length + stride - 1) / stride
            let total = max((outLength - 1) * stride + span + 1 - length, 0)
            return (total / 2, total - total / 2)
        }
    }

    /// Output length for an input of `length` samples.
    public func outputLength(_ length: Int) -> Int {
        let p = pads(length: length)
        let padded = length + p.left + p.right
        let span = (kernelSize - 1) * dilation
        return padded > span ? (padded - span - 1) / stride + 1 : 0
    }
}

/// AveragePooling1D over time; `same` padding averages only the samples inside the signal (as TF).
public struct AveragePoolingLayer: Sendable {
    public var poolSize: Int
    public var stride: Int
    public var padding: Padding

    public func outputLength(_ length: Int) -> Int {
        switch padding {
        case .same: return (length + stride - 1) / stride
        default: return length >= poolSize ? (length - poolSize) / stride + 1 : 0
        }
    }

    /// Left padding for `same` (TF puts the extra sample on the right).
    public func leftPad(_ length: Int) -> Int {
        guard padding == .same else { return 0 }
        let out = outputLength(length)
        return max((out - 1) * stride + poolSize - length, 0) / 2
    }
}

/// Keras 2 MultiHeadAttention (attention over the time axis, dropout inactive).
public struct MultiHeadAttentionLayer: Sendable {
    public var heads: Int
    public var keyDim: Int
    public var valueDim: Int
    /// Model widths of the query, key and value inputs and of the output.
    public var queryWidth: Int, keyWidth: Int, valueWidth: Int, outputWidth: Int
    /// Kernels [width, heads, dim] and biases [heads, dim] (nil without bias).
    public var queryKernel: [Float], queryBias: [Float]?
    public var keyKernel: [Float], keyBias: [Float]?
    public var valueKernel: [Float], valueBias: [Float]?
    /// Output kernel [heads, valueDim, outputWidth], bias [outputWidth].
    public var outputKernel: [Float], outputBias: [Float]?
}

/// LayerNormalization over the last axis, biased variance.
public struct LayerNormalizationLayer: Sendable {
    public var epsilon: Float
    /// gamma [channels] or nil when `scale` is false.
    public var gamma: [Float]?
    /// beta [channels] or nil when `center` is false.
    public var beta: [Float]?
}

/// Dense on the last axis: `y = x · W + b`, W [inFeatures, units].
public struct DenseLayer: Sendable {
    /// Kernel [inFeatures, units], row-major (Keras order).
    public var kernel: [Float]
    /// Bias [units], or nil without bias.
    public var bias: [Float]?
    public var inFeatures: Int
    public var units: Int
    public var activation: Activation

    public init(kernel: [Float], bias: [Float]?, inFeatures: Int, units: Int, activation: Activation) {
        precondition(kernel.count == inFeatures * units, "kernel must be [inFeatures, units]")
        self.kernel = kernel
        self.bias = bias
        self.inFeatures = inFeatures
        self.units = units
        self.activation = activation
    }
}

/// One operation of a flattened network.
public enum LayerOperation: Sendable {
    /// Channels `start..<end` of the last axis (`x[..., a:b]`).
    case channelSlice(start: Int, end: Int)
    case conv1D(Conv1DLayer)
    case averagePooling(AveragePoolingLayer)
    /// Dropout and other layers that are the identity at inference.
    case identity
    /// Inputs: query, value, key.
    case multiHeadAttention(MultiHeadAttentionLayer)
    case add
    case layerNormalization(LayerNormalizationLayer)
    case flatten
    case dense(DenseLayer)
    /// KID-PPG's DistributionLambda: [N, 2] → [N, 2] = (loc, 1 + softplus(raw scale)).
    case normalDistribution

    /// Keras class name, for reports.
    public var className: String {
        switch self {
        case .channelSlice: return "SlicingOpLambda"
        case .conv1D: return "Conv1D"
        case .averagePooling: return "AveragePooling1D"
        case .identity: return "Dropout"
        case .multiHeadAttention: return "MultiHeadAttention"
        case .add: return "Add"
        case .layerNormalization: return "LayerNormalization"
        case .flatten: return "Flatten"
        case .dense: return "Dense"
        case .normalDistribution: return "DistributionLambda"
        }
    }

    /// Number of trainable parameters.
    public var parameterCount: Int {
        switch self {
        case .conv1D(let c): return c.kernel.count + (c.bias?.count ?? 0)
        case .multiHeadAttention(let m):
            return [m.queryKernel, m.queryBias ?? [], m.keyKernel, m.keyBias ?? [], m.valueKernel, m.valueBias ?? [],
                    m.outputKernel, m.outputBias ?? []].reduce(0) { $0 + $1.count }
        case .layerNormalization(let l): return (l.gamma?.count ?? 0) + (l.beta?.count ?? 0)
        case .dense(let d): return d.kernel.count + (d.bias?.count ?? 0)
        default: return 0
        }
    }
}
