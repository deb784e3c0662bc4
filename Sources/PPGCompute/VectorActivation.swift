import CKernels

/// Element-wise activations built on exp, expm1, erfc, tanh and log1p, 16 floats at a time with
/// glibc's vector math library (libmvec's AVX-512 functions, each within 2.6 ulp), for CPUs with
/// AVX-512F (C: CKernels/activations.c), instead of one libm call per element.
public enum VectorActivation {
    public enum Kind: Sendable {
        /// x > 0 ? x : a·expm1(x)
        case elu
        /// x > 0 ? b·x : a·expm1(x)
        case selu
        /// x/2 · erfc(−x/√2)
        case geluErf
        /// x / (1 + exp(−2√(2/π)·(x + 0.044715·x³)))
        case geluTanh
        case tanh
        /// 1 / (1 + exp(−x))
        case sigmoid
        /// x / (1 + exp(−x))
        case swish
        /// max(x, 0) + log1p(exp(−|x|))
        case softplus

        var c: ppgscope_activation {
            switch self {
            case .elu: PPGSCOPE_ACT_ELU
            case .selu: PPGSCOPE_ACT_SELU
            case .geluErf: PPGSCOPE_ACT_GELU_ERF
            case .geluTanh: PPGSCOPE_ACT_GELU_TANH
            case .tanh: PPGSCOPE_ACT_TANH
            case .sigmoid: PPGSCOPE_ACT_SIGMOID
            case .swish: PPGSCOPE_ACT_SWISH
            case .softplus: PPGSCOPE_ACT_SOFTPLUS
            }
        }
    }

    /// True when the CPU has AVX-512F, so `apply` runs.
    public static let isAvailable = ppgscope_activation_vector_available() == 1

    /// Applies `kind` (parameters `a`, `b` as in `Kind`) to every element of `x` in place; NaN stays
    /// NaN, GELU and swish give 0 at −∞. Returns false, leaving `x` untouched, without AVX-512F.
    @discardableResult
    public static func apply(_ kind: Kind, _ x: inout [Float], a: Float = 0, b: Float = 0) -> Bool {
        guard isAvailable else { return false }
        return x.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return true }
            return ppgscope_activation_apply(kind.c, base, p.count, a, b) == 1
        }
    }
}
