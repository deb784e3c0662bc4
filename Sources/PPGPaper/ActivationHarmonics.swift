import Foundation
import PPGNetwork
import PPGSpectral

/// What an element-wise activation does to cosines (beyond the paper, which studies ReLU alone):
/// the DC and the harmonics of f(A·cos ωt), and the DC and intermodulation products of
/// f(A₁·cos ω₁t + A₂·cos ω₂t), as functions of the amplitude.
///
/// Single tone. f(A cos θ) is even and 2π-periodic in θ = ωt, so
///
///     f(A cos θ) = Σ_{k≥0} c_k cos kθ,   c_0 = (1/π) ∫₀^π f(A cos θ) dθ,   c_k = (2/π) ∫₀^π f(A cos θ) cos kθ dθ:
///
/// c_0 is the DC and |c_k| the amplitude of the k-th harmonic. The integrals are computed by
/// adaptive Gauss–Kronrod quadrature split where A·cos θ crosses a kink of f (θ = arccos(b/A)).
///
/// Two tones with incommensurate frequencies. g(θ₁, θ₂) = f(A₁cos θ₁ + A₂cos θ₂) is even in each
/// angle, so g = Σ_{m,n≥0} b_{mn} cos mθ₁ cos nθ₂ with
///
///     b_{mn} = (ε_m ε_n / π²) ∫₀^π ∫₀^π g cos mθ₁ cos nθ₂ dθ₁ dθ₂,   ε_0 = 1, ε_k = 2,
///
/// and since cos mθ₁ cos nθ₂ = ½[cos(mθ₁ + nθ₂) + cos(mθ₁ − nθ₂)], the line at m·f₁ + n·f₂ and the
/// one at |m·f₁ − n·f₂| (m, n > 0) each have amplitude |b_{mn}|/2; b_{m0} is the m-th harmonic of
/// tone 1 and b_{00} the DC.
///
/// Closed forms (checked in the tests): the half-wave rectified cosine,
/// relu(A cos θ) = A/π + (A/2) cos θ + (2A/π) Σ_{n≥1} (−1)^{n+1}/(4n² − 1) cos 2nθ; leaky ReLU with
/// slope a is a·x + (1 − a)·relu(x), so its DC is (1 − a)A/π; an activation with f − f(0) odd adds
/// no DC beyond f(0) and no even harmonic; for two equal tones relu's DC is 4A/π².
public enum ActivationHarmonics {
    /// The Fourier coefficients c_0 … c_K of f(A cos θ) by quadrature (each to `tolerance` absolute),
    /// and the quadrature's error estimate.
    public static func singleTone(_ f: Activation, amplitude a: Double, harmonics: Int,
                                  tolerance: Double = 1e-12) -> (coefficients: [Double], errorEstimate: Double) {
        precondition(a > 0 && harmonics >= 0)
        let kinks = f.kinks.filter { abs($0) < a }.map { acos($0 / a) }
        let r = GaussKronrod.integrate(dimension: harmonics + 1, from: 0, to: .pi, breakpoints: kinks,
                                       tolerance: tolerance * .pi / 2) { theta, out in
            let y = f.apply(a * cos(theta))
            for k in 0...harmonics { out[k] = y * cos(Double(k) * theta) }
        }
        let c = r.value.enumerated().map { k, v in v * (k == 0 ? 1 : 2) / .pi }
        return (c, r.errorEstimate * 2 / .pi)
    }

    /// b_{mn} for 0 ≤ m, n ≤ `order` (row-major, `[order + 1][order + 1]`) by nested quadrature
    /// (each to about `tolerance` absolute), and the error estimate.
    public static func twoTone(_ f: Activation, amplitudes a1: Double, _ a2: Double, order: Int,
                               tolerance: Double = 1e-10) -> (coefficients: [[Double]], errorEstimate: Double) {
        precondition(a1 > 0 && a2 > 0 && order >= 0)
        let size = order + 1
        let kinks = f.kinks
        // The inner integral over θ₁ changes form where a kink b leaves [−A₁, A₁] + s, s = A₂ cos θ₂.
        let outerBreaks = kinks.flatMap { b in [b - a1, b + a1] }.filter { abs($0) < a2 }.map { acos($0 / a2) }
        var innerError = 0.0
        let r = GaussKronrod.integrate(dimension: size * size, from: 0, to: .pi, breakpoints: outerBreaks,
                                       tolerance: tolerance * .pi * .pi / 4) { theta2, out in
            let s = a2 * cos(theta2)
            let innerBreaks = kinks.map { ($0 - s) / a1 }.filter { abs($0) < 1 }.map { acos($0) }
            let inner = GaussKronrod.integrate(dimension: size, from: 0, to: .pi, breakpoints: innerBreaks,
                                               tolerance: tolerance * .pi / 40) { theta1, v in
                let y = f.apply(a1 * cos(theta1) + s)
                for m in 0..<size { v[m] = y * cos(Double(m) * theta1) }
            }
            innerError = max(innerError, inner.errorEstimate)
            for m in 0..<size { for n in 0..<size { out[m * size + n] = inner.value[m] * cos(Double(n) * theta2) } }
        }
        let coefficients = (0..<size).map { m in
            (0..<size).map { n in r.value[m * size + n] * (m == 0 ? 1 : 2) * (n == 0 ? 1 : 2) / (.pi * .pi) }
        }
        return (coefficients, (r.errorEstimate + .pi * innerError) * 4 / (.pi * .pi))
    }

    /// c_0 … c_K where a closed form exists (relu, leaky ReLU, linear), else nil.
    public static func closedForm(_ f: Activation, amplitude a: Double, harmonics: Int) -> [Double]? {
        func rectified(_ k: Int) -> Double {
            switch k {
            case 0: return a / .pi
            case 1: return a / 2
            case let k where k % 2 == 1: return 0
            default:
                let n = Double(k / 2)
                return 2 * a / .pi * ((k / 2) % 2 == 1 ? 1 : -1) / (4 * n * n - 1)
            }
        }
        switch f {
        case .relu: return (0...harmonics).map(rectified)
        case .leakyReLU(let s):
            // a·x + (1 − a)·relu(x)
            return (0...harmonics).map { k in (1 - s) * rectified(k) + (k == 1 ? s * a : 0) }
        case .linear: return (0...harmonics).map { $0 == 1 ? a : 0 }
        default: return nil
        }
    }

    /// c_0 … c_K from the FFT (FFTW, single precision) of `samples` samples of one period of
    /// f(A cos θ): an independent check of the quadrature, exact up to aliasing of harmonics above
    /// samples/2 and float32 rounding (~1e-7 of the largest value).
    public static func sampledPeriod(_ f: Activation, amplitude a: Double, harmonics: Int, samples: Int = 4096) -> [Double] {
        precondition(samples > 2 * harmonics)
        let x = (0..<samples).map { Float(f.apply(a * cos(2 * Double.pi * Double($0) / Double(samples)))) }
        let fft = RealFFT.of(length: samples)
        var out = [Float](repeating: 0, count: 2 * (samples / 2 + 1))
        fft.forward(x, into: &out, workspace: RealFFT.Workspace(length: samples))
        // The samples are even in θ, so the bins are real: c_k = 2·Re X_k / N (k > 0), X_0 / N.
        return (0...harmonics).map { k in Double(out[2 * k]) * (k == 0 ? 1 : 2) / Double(samples) }
    }
}

extension Activation {
    /// Inputs where the activation or one of its derivatives jumps (quadrature panel edges).
    var kinks: [Double] {
        switch self {
        case .relu, .leakyReLU, .elu, .selu: [0]
        case .hardSigmoid(.keras3): [-3, 3]
        case .hardSigmoid(.tfKeras): [-2.5, 2.5]
        default: []
        }
    }

    /// True when f − f(0) is odd: the activation adds no DC beyond f(0) to a zero-mean cosine and no
    /// even harmonic (tanh, softsign, linear; sigmoid and both hard sigmoids about 1/2).
    public var isOddAboutZero: Bool {
        switch self {
        case .sigmoid, .hardSigmoid: true
        default: isOdd
        }
    }
}

/// `paper activations`: per activation, the DC and harmonics of one cosine and the DC and
/// intermodulation products of two equal cosines, over a grid of amplitudes.
public struct ActivationHarmonicsExperiment: Sendable {
    public var activations: [Activation] = Activation.kerasDefaults
    /// Amplitudes A, log-spaced from `smallestAmplitude` to `largestAmplitude`, `pointsPerDecade` a decade.
    public var smallestAmplitude = 0.01
    public var largestAmplitude = 10.0
    public var pointsPerDecade = 10
    /// Harmonics of the single tone (c_1 … c_K).
    public var harmonics = 5
    /// Largest m and n of the two-tone products m·f₁ ± n·f₂.
    public var twoToneOrder = 3
    /// Samples of the FFT check.
    public var fftSamples = 4096

    public init() {}

    public var amplitudes: [Double] {
        let decades = log10(largestAmplitude / smallestAmplitude)
        let count = max(Int((decades * Double(pointsPerDecade)).rounded()), 1)
        return (0...count).map { smallestAmplitude * pow(10, decades * Double($0) / Double(count)) }
    }

    public func run() -> ActivationHarmonicsResult {
        let grid = amplitudes
        var single: [SingleToneRow] = [], double: [TwoToneRow] = []
        for f in activations {
            let f0 = f.apply(0.0)
            for a in grid {
                let (c, error) = ActivationHarmonics.singleTone(f, amplitude: a, harmonics: harmonics)
                let fft = ActivationHarmonics.sampledPeriod(f, amplitude: a, harmonics: harmonics, samples: fftSamples)
                let closed = ActivationHarmonics.closedForm(f, amplitude: a, harmonics: harmonics)
                single.append(SingleToneRow(
                    activation: f.label, amplitude: a, dc: c[0], dcAboveF0: c[0] - f0, harmonics: Array(c.dropFirst()),
                    quadratureErrorEstimate: error,
                    fftDeviation: zip(c, fft).map { abs($0 - $1) }.max() ?? 0,
                    closedFormDeviation: closed.map { zip(c, $0).map { abs($0 - $1) }.max() ?? 0 }))
                let (b, twoError) = ActivationHarmonics.twoTone(f, amplitudes: a, a, order: twoToneOrder)
                double.append(TwoToneRow(activation: f.label, amplitude: a, coefficients: b, quadratureErrorEstimate: twoError))
            }
        }
        let summaries = activations.map { f in
            ActivationDCSummary(activation: f, rows: single.filter { $0.activation == f.label }, twoTone: double.filter { $0.activation == f.label })
        }
        return ActivationHarmonicsResult(amplitudes: grid, singleTone: single, twoTone: double, activations: summaries)
    }
}

/// One activation at one amplitude, single tone.
public struct SingleToneRow: Codable, Sendable {
    public var activation: String
    public var amplitude: Double
    /// c_0: the DC of f(A cos ωt), which is what the activation adds to a zero-mean cosine.
    public var dc: Double
    /// c_0 − f(0): the part of the DC that depends on A.
    public var dcAboveF0: Double
    /// c_1 … c_K (signed; the amplitude of harmonic k is |c_k|).
    public var harmonics: [Double]
    public var quadratureErrorEstimate: Double
    /// Largest |c_k(quadrature) − c_k(FFT of a sampled period)|, k = 0 … K.
    public var fftDeviation: Double
    /// Largest |c_k(quadrature) − c_k(closed form)| where a closed form exists.
    public var closedFormDeviation: Double?
}

/// One activation at one amplitude, two equal tones A·cos θ₁ + A·cos θ₂.
public struct TwoToneRow: Codable, Sendable {
    public var activation: String
    public var amplitude: Double
    /// b_{mn}, `[order + 1][order + 1]`.
    public var coefficients: [[Double]]
    public var quadratureErrorEstimate: Double

    public var dc: Double { coefficients[0][0] }

    /// The amplitude of the line at m·f₁ + sign·n·f₂ (sign ±1; for n = 0 or m = 0 the harmonic).
    public func line(_ m: Int, _ n: Int) -> Double {
        m == 0 || n == 0 ? abs(coefficients[m][n]) : abs(coefficients[m][n]) / 2
    }
}

/// One activation's DC behaviour over the amplitude grid.
public struct ActivationDCSummary: Codable, Sendable {
    public var activation: String
    public var valueAtZero: Double
    public var oddAboutZero: Bool
    /// Log-log slope of |c_0 − f(0)| against A between the two smallest and the two largest
    /// amplitudes (nil when that DC is zero: odd about f(0)). SELU's DC is negative at small A.
    public var smallAmplitudeSlope: Double?
    public var largeAmplitudeSlope: Double?
    /// c_0 − f(0) at A = 0.1, 1 and 10 (nearest grid amplitudes).
    public var dcAboveF0: [Double]
    public var dcAboveF0Amplitudes: [Double]
    /// Two equal tones: the DC (b_00 − f(0)) and the difference-frequency line at |f₁ − f₂| at the same amplitudes.
    public var twoToneDCAboveF0: [Double]
    public var differenceLine: [Double]
    /// Worst quadrature-vs-FFT and quadrature-vs-closed-form deviations over the grid.
    public var worstFFTDeviation: Double
    public var worstClosedFormDeviation: Double?

    init(activation f: Activation, rows: [SingleToneRow], twoTone: [TwoToneRow]) {
        let f0 = f.apply(0.0)
        activation = f.label
        valueAtZero = f0
        oddAboutZero = f.isOddAboutZero
        func slope(_ i: Int, _ j: Int) -> Double? {
            let y1 = abs(rows[i].dcAboveF0), y2 = abs(rows[j].dcAboveF0)
            guard !f.isOddAboutZero, y1 > 0, y2 > 0 else { return nil }
            return log(y2 / y1) / log(rows[j].amplitude / rows[i].amplitude)
        }
        smallAmplitudeSlope = rows.count > 1 ? slope(0, 1) : nil
        largeAmplitudeSlope = rows.count > 1 ? slope(rows.count - 2, rows.count - 1) : nil
        let picks = [0.1, 1, 10].compactMap { target in rows.indices.min { abs(log(rows[$0].amplitude / target)) < abs(log(rows[$1].amplitude / target)) } }
        dcAboveF0 = picks.map { rows[$0].dcAboveF0 }
        dcAboveF0Amplitudes = picks.map { rows[$0].amplitude }
        twoToneDCAboveF0 = picks.map { twoTone[$0].dc - f0 }
        differenceLine = picks.map { twoTone[$0].coefficients.count > 1 ? twoTone[$0].line(1, 1) : 0 }
        worstFFTDeviation = rows.map(\.fftDeviation).max() ?? 0
        worstClosedFormDeviation = rows.compactMap(\.closedFormDeviation).max()
    }
}

public struct ActivationHarmonicsResult: Codable, Sendable {
    public var amplitudes: [Double]
    public var singleTone: [SingleToneRow]
    public var twoTone: [TwoToneRow]
    public var activations: [ActivationDCSummary]
}
