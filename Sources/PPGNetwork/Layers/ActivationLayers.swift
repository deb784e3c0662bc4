import Foundation
import PPGCompute
import PPGSignals

/// The activation layers: `Activation(name)`, and the parametrised ReLU, LeakyReLU, ELU and PReLU.
/// Element-wise; a NaN input gives a NaN output.
public enum ActivationLayer: Sendable {
    /// `Activation(name)`: the named activation function.
    case function(Activation)
    /// Keras `ReLU`: `x` above `threshold` (0 at or below it), clipped to `[0, maxValue]`, minus
    /// `negativeSlope · max(threshold − x, 0)`.
    case relu(maxValue: Float?, negativeSlope: Float, threshold: Float)
    /// `x` for x ≥ 0, `slope·x` below.
    case leakyReLU(slope: Float)
    /// `x` for x > 0, `alpha·(eˣ − 1)` at or below.
    case elu(alpha: Float)
    /// `max(x, 0) − alpha · max(−x, 0)` with a learned alpha per element of `alphaShape`
    /// (`[time, channels]`, or 1 on the `shared_axes`).
    case prelu(alpha: [Float], alphaShape: [Int])

    var className: String {
        switch self {
        case .function: return "Activation"
        case .relu: return "ReLU"
        case .leakyReLU: return "LeakyReLU"
        case .elu: return "ELU"
        case .prelu: return "PReLU"
        }
    }

    var parameterCount: Int { if case .prelu(let a, _) = self { return a.count }; return 0 }

    var details: String {
        switch self {
        case .function(let a): return a.label
        case .relu(let m, let s, let t):
            return [m.map { "max \($0)" }, s != 0 ? "slope \(s)" : nil, t != 0 ? "threshold \(t)" : nil].compactMap { $0 }.joined(separator: " ")
        case .leakyReLU(let s): return "slope \(s)"
        case .elu(let a): return "alpha \(a)"
        case .prelu(_, let shape): return "alpha \(shape)"
        }
    }
}

extension ActivationLayer {
    /// Reads a Keras `Activation`, `ReLU` (max_value, negative_slope, threshold), `LeakyReLU`
    /// (`alpha` in Keras 2, `negative_slope` in Keras 3), `ELU` (alpha) or `PReLU` (alpha weight,
    /// shared_axes) call. Output shape = input shape.
    static func fromKeras(_ call: KerasLayerCall) throws -> ParsedLayer {
        let cfg = call.config, name = call.name, inShape = call.inputShape
        func float(_ key: String) -> Float? { cfg[key]?.double.map { Float($0) } }
        let layer: ActivationLayer
        switch call.className {
        case "Activation":
            layer = .function(try call.activation("activation", default: "linear"))
        case "ReLU":
            let maxValue = float("max_value")
            if let m = maxValue, m < 0 { throw PPGScopeError(object: name, "ReLU max_value \(m) must not be negative") }
            layer = .relu(maxValue: maxValue, negativeSlope: float("negative_slope") ?? 0, threshold: float("threshold") ?? 0)
        case "LeakyReLU":
            layer = .leakyReLU(slope: float("negative_slope") ?? float("alpha") ?? 0.3)
        case "ELU":
            layer = .elu(alpha: float("alpha") ?? 1)
        default:
            let shared = cfg["shared_axes"]?.array?.compactMap(\.int) ?? cfg["shared_axes"]?.int.map { [$0] } ?? []
            var shape = inShape
            for axis in shared {
                guard (1...inShape.count).contains(axis) else {
                    throw PPGScopeError(object: name, "PReLU shared_axes \(shared) do not fit an input of shape \(inShape)")
                }
                shape[axis - 1] = 1
            }
            layer = .prelu(alpha: try call.weight("alpha", shape: shape)!, alphaShape: shape)
        }
        return ParsedLayer(operation: .activation(layer), outputShape: inShape)
    }

    /// Applies the layer to `[windows] + shape` values in place.
    func apply(to x: inout [Float], shape: [Int]) {
        switch self {
        case .function(let f):
            f.applyInPlace(&x)
            return
        case .relu(let maxValue, let slope, let threshold):
            if LayerKernels.relu(&x, maxValue: maxValue, negativeSlope: slope, threshold: threshold) { return }
        case .leakyReLU(let slope):
            // The activation functions' in-place forms, vectorised where the CPU allows.
            Activation.leakyReLU(negativeSlope: Double(slope)).applyInPlace(&x)
            return
        case .elu(let alpha):
            Activation.elu(alpha: Double(alpha)).applyInPlace(&x)
            return
        case .prelu(let alpha, let alphaShape):
            // [time, channels] or [features] (one row), alpha 1 on the shared axes.
            let (rows, channels) = shape.count == 2 ? (shape[0], shape[1]) : (1, shape.last ?? 1)
            let (alphaRows, alphaChannels) = alphaShape.count == 2 ? (alphaShape[0], alphaShape[1]) : (1, alphaShape.last ?? 1)
            if shape.count <= 2, LayerKernels.prelu(&x, rows: rows, channels: channels, alpha: alpha,
                                                    alphaRows: alphaRows, alphaChannels: alphaChannels) { return }
        }
        applyPlain(to: &x, shape: shape)
    }

    /// `apply` element by element: the kernels' reference, and their stand-in without AVX-512F
    /// (ELU's exponential in Float64 here, libmvec's expm1f in `Activation.applyInPlace`).
    func applyPlain(to x: inout [Float], shape: [Int]) {
        switch self {
        case .function(let f):
            for i in x.indices { x[i] = f.apply(x[i]) }
        case .relu(let maxValue, let slope, let threshold):
            for i in x.indices {
                let v = x[i]
                guard !v.isNaN else { continue }
                var y = threshold != 0 ? (v > threshold ? v : 0) : Swift.max(v, 0)
                if let m = maxValue { y = Swift.min(Swift.max(y, 0), m) }
                if slope != 0 { y -= slope * Swift.max(threshold - v, 0) }
                x[i] = y
            }
        case .leakyReLU(let slope):
            for i in x.indices where x[i] < 0 { x[i] *= slope }
        case .elu(let alpha):
            for i in x.indices where x[i] <= 0 { x[i] = alpha * Float(expm1(Double(x[i]))) }
        case .prelu(let alpha, let alphaShape):
            let index = MergeLayer(kind: .multiply, inputs: 2, inputShapes: [shape, alphaShape], outputShape: shape)
                .broadcastIndex(from: alphaShape)
            let per = shape.reduce(1, *)
            for i in x.indices where x[i] < 0 { x[i] *= alpha[index(i % per)] }
        }
    }
}
