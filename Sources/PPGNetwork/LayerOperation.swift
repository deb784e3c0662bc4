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
