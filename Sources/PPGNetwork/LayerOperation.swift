/// The layer kinds ppgscope runs. Each family has one file in `Layers/` holding its value type
/// (hyper-parameters and weights), its Keras parsing (`fromKeras`) and its forward maths, which
/// works on one batch of windows: row-major `[windows, time, channels]` (or `[windows, features]`)
/// buffers, the multiplies done by the direct AVX-512F kernel (`ConvolutionBackend`) or BLAS.
/// Shapes in comments exclude the window axis: `[time, channels]`.

/// One operation of a flattened network.
public enum LayerOperation: Sendable {
    /// Channels `start..<end` of the last axis (`x[..., a:b]`).
    case channelSlice(start: Int, end: Int)
    case conv1D(Conv1DLayer)
    case depthwiseConv1D(DepthwiseConv1DLayer)
    case separableConv1D(SeparableConv1DLayer)
    case averagePooling(AveragePoolingLayer)
    case maxPooling(MaxPoolingLayer)
    case globalPooling(GlobalPoolingLayer)
    case batchNormalization(BatchNormalizationLayer)
    /// Dropout and other layers that are the identity at inference.
    case identity
    /// Inputs: query, value, key.
    case multiHeadAttention(MultiHeadAttentionLayer)
    /// The two-input residual add of a `TFOpLambda`.
    case add
    /// Add, Subtract, Multiply, Average, Maximum, Minimum of several inputs.
    case merge(MergeLayer)
    case concatenate(ConcatenateLayer)
    /// ZeroPadding1D, Cropping1D, UpSampling1D.
    case timeAxis(TimeAxisLayer)
    case layerNormalization(LayerNormalizationLayer)
    case flatten
    /// Keras `Reshape`: the row-major buffer is unchanged, only the shape.
    case reshape
    /// Keras `Permute((2, 1))`: `[time, channels]` → `[channels, time]`.
    case transpose
    case activation(ActivationLayer)
    case recurrent(RecurrentLayer)
    case dense(DenseLayer)
    /// KID-PPG's DistributionLambda: [N, 2] → [N, 2] = (loc, 1 + softplus(raw scale)).
    case normalDistribution

    /// Keras class name, for reports.
    public var className: String {
        switch self {
        case .channelSlice: return "SlicingOpLambda"
        case .conv1D: return "Conv1D"
        case .depthwiseConv1D: return "DepthwiseConv1D"
        case .separableConv1D: return "SeparableConv1D"
        case .averagePooling: return "AveragePooling1D"
        case .maxPooling: return "MaxPooling1D"
        case .globalPooling(let g): return g.kind == .average ? "GlobalAveragePooling1D" : "GlobalMaxPooling1D"
        case .batchNormalization: return "BatchNormalization"
        case .identity: return "Dropout"
        case .multiHeadAttention: return "MultiHeadAttention"
        case .add: return "Add"
        case .merge(let m): return m.kind.className
        case .concatenate: return "Concatenate"
        case .timeAxis(let t): return t.className
        case .layerNormalization: return "LayerNormalization"
        case .flatten: return "Flatten"
        case .reshape: return "Reshape"
        case .transpose: return "Permute"
        case .activation(let a): return a.className
        case .recurrent(let r): return r.kind == .lstm ? "LSTM" : "GRU"
        case .dense: return "Dense"
        case .normalDistribution: return "DistributionLambda"
        }
    }

    /// Whether the layer has an activation option, and so a `.preact` tap (its output before the
    /// activation): Conv1D, DepthwiseConv1D, SeparableConv1D and Dense.
    public var hasPreactivation: Bool {
        switch self {
        case .conv1D, .depthwiseConv1D, .separableConv1D, .dense: return true
        default: return false
        }
    }

    /// The activation applied at the end of a layer with an activation option (nil otherwise).
    public var activationFunction: Activation? {
        switch self {
        case .conv1D(let c): return c.activation
        case .depthwiseConv1D(let d): return d.activation
        case .separableConv1D(let s): return s.activation
        case .dense(let d): return d.activation
        default: return nil
        }
    }

    /// The convolution classes (whose outputs `inspect` shows in its per-channel figures).
    public static let convolutionClasses: Set<String> = ["Conv1D", "DepthwiseConv1D", "SeparableConv1D"]

    /// Whether this is a convolution over time.
    public var isConvolution: Bool { LayerOperation.convolutionClasses.contains(className) }

    /// The bias of a convolution or dense layer (nil without bias or for other layers).
    public var bias: [Float]? {
        switch self {
        case .conv1D(let c): return c.bias
        case .depthwiseConv1D(let d): return d.bias
        case .separableConv1D(let s): return s.pointwise.bias
        case .dense(let d): return d.bias
        default: return nil
        }
    }

    /// Whether the layer's last step is a plain ReLU, max(x, 0): a layer with a `relu` activation,
    /// an `Activation("relu")` layer, or a `ReLU` layer without options (the DC ablation edits their outputs).
    public var endsWithReLU: Bool {
        switch self {
        case .activation(.function(let f)): return f == .relu
        case .activation(.relu(let m, let s, let t)): return m == nil && s == 0 && t == 0
        default: return activationFunction == .relu
        }
    }

    /// Number of trainable parameters (BatchNormalization's moving statistics included, as Keras counts them).
    public var parameterCount: Int {
        switch self {
        case .conv1D(let c): return c.kernel.count + (c.bias?.count ?? 0)
        case .depthwiseConv1D(let d): return d.kernel.count + (d.bias?.count ?? 0)
        case .separableConv1D(let s): return s.depthwise.kernel.count + s.pointwise.kernel.count + (s.pointwise.bias?.count ?? 0)
        case .batchNormalization(let b): return b.parameterCount
        case .multiHeadAttention(let m):
            return [m.queryKernel, m.queryBias ?? [], m.keyKernel, m.keyBias ?? [], m.valueKernel, m.valueBias ?? [],
                    m.outputKernel, m.outputBias ?? []].reduce(0) { $0 + $1.count }
        case .layerNormalization(let l): return (l.gamma?.count ?? 0) + (l.beta?.count ?? 0)
        case .activation(let a): return a.parameterCount
        case .recurrent(let r): return r.kernel.count + r.recurrentKernel.count + (r.bias?.count ?? 0)
        case .dense(let d): return d.kernel.count + (d.bias?.count ?? 0)
        default: return 0
        }
    }

    /// The layer's options in a few words, for `info` (e.g. `k5 d2 s1 causal relu`); empty when it has none.
    public var details: String {
        func conv(_ k: Int, _ d: Int, _ s: Int, _ p: Padding) -> String {
            "k\(k) d\(d)" + (s > 1 ? " s\(s)" : "") + " \(p.rawValue)"
        }
        switch self {
        case .conv1D(let c):
            return conv(c.kernelSize, c.dilation, c.stride, c.padding) + (c.groups > 1 ? " groups \(c.groups)" : "") + " \(c.activation.label)"
        case .depthwiseConv1D(let d):
            return conv(d.kernelSize, d.dilation, d.stride, d.padding) + (d.depthMultiplier > 1 ? " ×\(d.depthMultiplier)" : "") + " \(d.activation.label)"
        case .separableConv1D(let s):
            let d = s.depthwise
            return conv(d.kernelSize, d.dilation, d.stride, d.padding) + (d.depthMultiplier > 1 ? " ×\(d.depthMultiplier)" : "") + " \(s.activation.label)"
        case .averagePooling(let p): return "\(p.poolSize)/\(p.stride) \(p.padding.rawValue)"
        case .maxPooling(let p): return "\(p.poolSize)/\(p.stride) \(p.padding.rawValue)"
        case .globalPooling(let g): return g.keepDims ? "keepdims" : ""
        case .batchNormalization(let b): return "ε \(b.epsilon)"
        case .multiHeadAttention(let m): return "\(m.heads)×\(m.keyDim)"
        case .merge(let m): return "\(m.inputs) inputs"
        case .concatenate(let c): return c.axis == .time ? "time axis" : "channel axis"
        case .timeAxis(let t): return t.details
        case .activation(let a): return a.details
        case .recurrent(let r): return r.details
        case .dense(let d): return d.activation.label
        default: return ""
        }
    }
}
