import Foundation
import PPGCompute
import PPGSignals

/// An element-wise activation, with the parameters Keras gives it.
///
/// Definitions follow Keras (3.x and tf-keras 2.x agree except where noted):
/// - `linear`: x.
/// - `relu`: max(x, 0).
/// - `leakyReLU(negativeSlope: a)`: x for x ≥ 0, a·x below (Keras 3's `leaky_relu` default a = 0.2;
///   tf-keras's `leaky_relu` is `tf.nn.leaky_relu`, also 0.2).
/// - `elu(alpha: α)`: x for x > 0, α·(eˣ − 1) otherwise (default α = 1).
/// - `selu`: λ·x for x > 0, λ·α·(eˣ − 1) otherwise, with TensorFlow's constants
///   λ = 1.0507009873554804934, α = 1.6732632423543772848 (λ·α = 1.7580993408473768599).
/// - `gelu(approximate: false)`: x·Φ(x) = x/2·(1 + erf(x/√2)), the `"gelu"` string's form in both
///   Keras versions, computed as x/2·erfc(−x/√2); `approximate: true`:
///   x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³))), computed as x·sigmoid(2·√(2/π)·(x + 0.044715·x³)).
///   Both rewrites are the same functions without the cancellation in 1 + erf and 1 + tanh for
///   x ≲ −3 (where Keras's float32 results are off by up to ~6e-7 absolute, e.g. 0 for −5.8e-7).
/// - `tanh`, `sigmoid` 1/(1 + e⁻ˣ), `swish` (Keras 3 calls it `silu`) x·sigmoid(x),
///   `softplus` log(1 + eˣ), `softsign` x/(1 + |x|).
/// - `hardSigmoid(.keras3)`: relu6(x + 3)/6 (Keras 3: 0 at x ≤ −3, 1 at x ≥ 3, slope 1/6);
///   `hardSigmoid(.tfKeras)`: clip(0.2·x + 0.5, 0, 1) (tf-keras 2.x and Keras 2: 0 at x ≤ −2.5, 1 at x ≥ 2.5).
///   Both write `"hard_sigmoid"` in a config: the file's Keras version decides (`KerasDialect`).
///
/// Parameters are held in Double (as the config writes them); the Float forms round them to
/// float32 as Keras does. Every form propagates NaN (a NaN input gives a NaN output), and ±∞ give
/// the function's limits (Keras gives NaN for GELU and swish at −∞ and softsign at ±∞).
public enum Activation: Sendable, Hashable {
    case linear
    case relu
    case leakyReLU(negativeSlope: Double)
    case elu(alpha: Double)
    case selu
    case gelu(approximate: Bool)
    case tanh
    case sigmoid
    case hardSigmoid(HardSigmoidForm)
    case swish
    case softplus
    case softsign
}

/// The two functions Keras has called `hard_sigmoid`.
public enum HardSigmoidForm: String, Sendable, Hashable, CaseIterable {
    /// Keras 3: relu6(x + 3)/6.
    case keras3
    /// tf-keras 2.x / Keras 2: clip(0.2·x + 0.5, 0, 1).
    case tfKeras
}

/// Which Keras wrote a model file: the same config text can mean different maths (`hard_sigmoid`).
public enum KerasDialect: String, Sendable, Hashable {
    /// Keras 3 (TensorFlow ≥ 2.16's `keras`).
    case keras3
    /// Keras 2 or tf-keras 2.x (`keras_version` 2.x).
    case keras2

    /// The dialect of a file whose `keras_version` is `version` (Keras 2 when unknown).
    public init(kerasVersion version: String?) {
        let major = version?.split(separator: ".").first.flatMap { Int($0) }
        self = (major ?? 2) >= 3 ? .keras3 : .keras2
    }
}

extension Activation {
    /// SELU's scale λ and α as TensorFlow's kernel (`tf.nn.selu`, used by both Keras versions) holds them.
    public static let seluScale = 1.0507009873554804934193349852946
    public static let seluAlpha = 1.6732632423543772848170429916717

    /// Every activation with Keras's default parameters, both `gelu` forms and both `hard_sigmoid`s, in
    /// the order tables list them.
    public static let kerasDefaults: [Activation] = [
        .relu, .leakyReLU(negativeSlope: 0.2), .elu(alpha: 1), .selu, .gelu(approximate: false), .gelu(approximate: true),
        .swish, .softplus, .sigmoid, .hardSigmoid(.keras3), .hardSigmoid(.tfKeras), .tanh, .softsign, .linear,
    ]

    /// The name Keras writes in a config (`"leaky_relu"`, `"gelu"`, `"silu"` for swish as Keras 3 does).
    public var kerasName: String {
        switch self {
        case .linear: "linear"
        case .relu: "relu"
        case .leakyReLU: "leaky_relu"
        case .elu: "elu"
        case .selu: "selu"
        case .gelu: "gelu"
        case .tanh: "tanh"
        case .sigmoid: "sigmoid"
        case .hardSigmoid: "hard_sigmoid"
        case .swish: "silu"
        case .softplus: "softplus"
        case .softsign: "softsign"
        }
    }

    /// A short unambiguous label: the Keras name, with the parameters when they are not the
    /// default (`elu(alpha=0.5)`, `gelu(approximate)`, `hard_sigmoid(tf-keras)`).
    public var label: String {
        switch self {
        case .leakyReLU(let a) where a != 0.2: "leaky_relu(negative_slope=\(a))"
        case .elu(let a) where a != 1: "elu(alpha=\(a))"
        case .gelu(true): "gelu(approximate)"
        case .hardSigmoid(.tfKeras): "hard_sigmoid(tf-keras)"
        default: kerasName
        }
    }

    /// True when f(−x) = −f(x): such an activation adds no DC to a zero-mean input symmetric about zero.
    public var isOdd: Bool {
        switch self {
        case .linear, .tanh, .softsign: true
        case .leakyReLU(let a): a == 1
        default: false
        }
    }

    /// The Keras names accepted in a config, for error messages.
    public static let supportedNames = "relu, leaky_relu, elu, selu, gelu, tanh, sigmoid, hard_sigmoid, swish/silu, softplus, softsign, linear"

    /// The activation a Keras config calls `name` (`"gelu"`, `"swish"`, ...), with Keras's default
    /// parameters; nil for a name ppgscope does not support.
    public init?(kerasName name: String, dialect: KerasDialect = .keras2) {
        switch name {
        case "linear": self = .linear
        case "relu": self = .relu
        case "leaky_relu": self = .leakyReLU(negativeSlope: 0.2)
        case "elu": self = .elu(alpha: 1)
        case "selu": self = .selu
        case "gelu": self = .gelu(approximate: false)
        case "tanh": self = .tanh
        case "sigmoid": self = .sigmoid
        case "hard_sigmoid": self = .hardSigmoid(dialect == .keras3 ? .keras3 : .tfKeras)
        case "swish", "silu": self = .swish
        case "softplus": self = .softplus
        case "softsign": self = .softsign
        default: return nil
        }
    }

    /// Reads a config's `activation` entry: a name, null (linear), or a serialised object — Keras 3
    /// and tf-keras 2.x write an activation *layer* passed as `activation=` as
    /// `{"module": "keras.layers", "class_name": "LeakyReLU", "config": {...}}`, and a function as
    /// `{"class_name": "function", "config": "relu", ...}`. `object` names the layer in errors.
    static func fromKeras(_ value: JSONValue?, dialect: KerasDialect, object: String) throws -> Activation {
        func unsupported(_ what: String) -> PPGScopeError {
            PPGScopeError(object: object, "activation \(what) is not supported (supported: \(supportedNames); as objects: ReLU, LeakyReLU, ELU, Activation)")
        }
        guard let value, !value.isNull else { return .linear }
        if let name = value.string {
            guard let a = Activation(kerasName: name, dialect: dialect) else { throw unsupported("'\(name)'") }
            return a
        }
        guard let cls = value["class_name"]?.string else { throw unsupported("\(value)") }
        let cfg = value["config"]
        /// A numeric option, with its default when absent; a present non-number (null is how a NaN
        /// reads) is an error.
        func number(_ key: String, default d: Double) throws -> Double {
            guard let v = cfg?[key] else { return d }
            guard let x = v.double, x.isFinite else {
                throw PPGScopeError(object: object, "activation \(cls): option '\(key)' must be a finite number, found \(v)")
            }
            return x
        }
        switch cls {
        case "function":
            guard let name = cfg?.string else { throw unsupported("\(value)") }
            return try fromKeras(.string(name), dialect: dialect, object: object)
        case "Activation":
            return try fromKeras(cfg?["activation"], dialect: dialect, object: object)
        case "LeakyReLU":
            // Keras 3 writes negative_slope, tf-keras alpha; Keras 3's layer default is 0.3 as tf-keras's.
            let slope = try cfg?["negative_slope"] != nil ? number("negative_slope", default: 0.3) : number("alpha", default: 0.3)
            return .leakyReLU(negativeSlope: slope)
        case "ELU":
            return .elu(alpha: try number("alpha", default: 1))
        case "ReLU":
            if let m = cfg?["max_value"], !m.isNull {
                throw PPGScopeError(object: object, "activation ReLU: option max_value=\(m.double.map { "\($0)" } ?? "\(m)") is not supported as an activation")
            }
            let threshold = try number("threshold", default: 0)
            guard threshold == 0 else {
                throw PPGScopeError(object: object, "activation ReLU: option threshold=\(threshold) is not supported as an activation")
            }
            let slope = try number("negative_slope", default: 0)
            return slope == 0 ? .relu : .leakyReLU(negativeSlope: slope)
        default:
            throw unsupported("object of class '\(cls)'")
        }
    }
}

// MARK: - Forward maths

/// The real types an activation is computed in: the libm functions it needs, by type.
protocol ActivationScalar: BinaryFloatingPoint {
    static func exp(_ x: Self) -> Self
    static func expm1(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    static func erfc(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
}

extension Float: ActivationScalar {
    static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    static func expm1(_ x: Float) -> Float { Foundation.expm1(x) }
    static func log1p(_ x: Float) -> Float { Foundation.log1p(x) }
    static func erfc(_ x: Float) -> Float { Foundation.erfc(x) }
    static func tanh(_ x: Float) -> Float { Foundation.tanh(x) }
}

extension Double: ActivationScalar {
    static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    static func expm1(_ x: Double) -> Double { Foundation.expm1(x) }
    static func log1p(_ x: Double) -> Double { Foundation.log1p(x) }
    static func erfc(_ x: Double) -> Double { Foundation.erfc(x) }
    static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
}

extension Activation {
    /// f(x) in Float (libm's single-precision functions, each within an ulp or so; softplus in Double).
    public func apply(_ x: Float) -> Float {
        if case .softplus = self { return Self.softplus(x) }
        return value(x)
    }

    /// f(x) in Double (for analysis: quadrature, closed-form checks).
    public func apply(_ x: Double) -> Double {
        if case .softplus = self { return Self.softplus(x) }
        return value(x)
    }

    /// One formula for both precisions. Comparisons are written so that NaN takes the branch that
    /// returns an expression of x (never `max(0, x)`, which would return 0).
    @inline(__always)
    func value<T: ActivationScalar>(_ x: T) -> T {
        switch self {
        case .linear: return x
        case .relu: return x < 0 ? 0 : x
        case .leakyReLU(let a): return x < 0 ? T(a) * x : x
        case .elu(let alpha): return x > 0 ? x : T(alpha) * T.expm1(x)
        case .selu: return x > 0 ? T(Self.seluScale) * x : T(Self.seluScale * Self.seluAlpha) * T.expm1(x)
        case .gelu(false):
            if x.isInfinite { return x < 0 ? 0 : x }
            // 1 + erf(x/√2) = erfc(−x/√2): no cancellation for x ≲ −3.
            return T(0.5) * x * T.erfc(x * T(-0.70710678118654752440))
        case .gelu(true):
            if x.isInfinite { return x < 0 ? 0 : x }
            // x/2·(1 + tanh u) = x·sigmoid(2u): no cancellation where tanh u → −1 (x ≲ −3).
            return x / (1 + T.exp(T(-1.5957691216057307118) * (x + T(0.044715) * x * x * x)))
        case .tanh: return T.tanh(x)
        case .sigmoid: return 1 / (1 + T.exp(-x))
        case .hardSigmoid(.keras3):
            let y = x + 3
            return (y < 0 ? 0 : (y > 6 ? 6 : y)) / 6
        case .hardSigmoid(.tfKeras):
            let y = x * T(0.2) + T(0.5)
            return y < 0 ? 0 : (y > 1 ? 1 : y)
        case .swish: return x.isInfinite ? (x < 0 ? 0 : x) : x / (1 + T.exp(-x))
        case .softplus: return (x < 0 ? 0 : x) + T.log1p(T.exp(-abs(x)))
        case .softsign: return x.isInfinite ? (x < 0 ? -1 : 1) : x / (1 + abs(x))
        }
    }

    /// Applies the activation to every element of `x`, in place. ReLU runs 16 lanes at a time,
    /// leaky ReLU on AVX-512F (`LayerKernels`, the same values); the activations built on exp,
    /// expm1, erfc, tanh and log1p run through glibc's vector math library on AVX-512F CPUs
    /// (`VectorActivation`, within a few ulp of `apply(_:)`), else element by element like the
    /// other piecewise-linear ones.
    public func applyInPlace(_ x: inout [Float]) {
        switch self {
        case .linear: return
        case .relu: Self.reluInPlace(&x); return
        case .leakyReLU(let slope): if LayerKernels.leakyReLU(&x, slope: Float(slope)) { return }
        default: break
        }
        if let (kind, a, b) = vectorForm, VectorActivation.apply(kind, &x, a: a, b: b) { return }
        x.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = apply(p[i]) }
        }
    }

    /// The `VectorActivation` computing this activation, with its parameters (nil for the
    /// piecewise-linear ones).
    var vectorForm: (VectorActivation.Kind, Float, Float)? {
        switch self {
        case .elu(let alpha): (.elu, Float(alpha), 0)
        case .selu: (.selu, Float(Self.seluScale * Self.seluAlpha), Float(Self.seluScale))
        case .gelu(false): (.geluErf, 0, 0)
        case .gelu(true): (.geluTanh, 0, 0)
        case .tanh: (.tanh, 0, 0)
        case .sigmoid: (.sigmoid, 0, 0)
        case .swish: (.swish, 0, 0)
        case .softplus: (.softplus, 0, 0)
        case .linear, .relu, .leakyReLU, .hardSigmoid, .softsign: nil
        }
    }

    /// In-place ReLU, 16 lanes at a time (a branch per element is several times slower). NaN stays NaN.
    static func reluInPlace(_ x: inout [Float]) {
        x.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return }
            let n = p.count, vectorEnd = n - n % 16
            let raw = UnsafeMutableRawPointer(base)
            var i = 0
            while i < vectorEnd {
                var v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                v.replace(with: 0, where: v .< 0)
                raw.storeBytes(of: v, toByteOffset: i * 4, as: SIMD16<Float>.self)
                i += 16
            }
            while i < n { if base[i] < 0 { base[i] = 0 }; i += 1 }
        }
    }

    /// Numerically stable softplus, softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(exp(−|x|)).
    public static func softplus(_ x: Double) -> Double {
        max(x, 0) + log1p(exp(-abs(x)))
    }

    /// Softplus of a Float, computed in Double (`softplus(Double(x))`) and rounded once.
    public static func softplus(_ x: Float) -> Float {
        Float(softplus(Double(x)))
    }
}
