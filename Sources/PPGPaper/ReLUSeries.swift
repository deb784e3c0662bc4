import Foundation
import PPGSpectral

/// The paper's test signal (Sections III and V-A): `x(t) = cos(2π·10t) + cos(2π·5t) + cos(2π·20t) + cos(2π·40t)`.
public enum PaperSignal {
    /// Frequencies of the four unit-amplitude cosines, in the paper's order (Hz).
    public static let frequenciesHz: [Double] = [10, 5, 20, 40]

    /// How the time axis is laid out.
    public enum TimeGrid: String, Sendable, Codable {
        /// `t = n / fs`, n = 0 ..< fs·seconds: every component completes whole periods (our default).
        case samples
        /// `t = linspace(0, seconds, fs·seconds)` (end point included, spacing seconds/(N−1)), as the
        /// authors' script builds it.
        case linspaceInclusive
    }

    /// Time axis in seconds, `[Int(fs·seconds)]`.
    public static func time(samplingRateHz fs: Double = 1024, seconds: Double = 8, grid: TimeGrid = .samples) -> [Double] {
        let n = Int((fs * seconds).rounded())
        switch grid {
        case .samples: return (0..<n).map { Double($0) / fs }
        case .linspaceInclusive: return (0..<n).map { seconds * Double($0) / Double(n - 1) }
        }
    }

    /// The four-cosine signal on `time` (Double, unit amplitudes; the peak is 4 at t = 0).
    public static func fourCosines(_ time: [Double]) -> [Double] {
        time.map { t in frequenciesHz.reduce(0) { $0 + cos(2 * Double.pi * $1 * t) } }
    }
}

/// ReLU through the Taylor series of √(1+m) (paper, Section III, eqs. 2, 6, 7):
///
///     relu(x) = (x + |x|)/2,   |x| = √(x²) = √A · √(1 + m),   m = x²/A − 1,
///     √(1 + m) = Σ_{n≥0} a_n mⁿ,   a_n = (−1)ⁿ (2n)! / ((1 − 2n) (n!)² 4ⁿ)   (= C(½, n)).
///
/// The series converges for |m| ≤ 1 (at m = ±1 only like n^{−3/2}), so A must satisfy A ≥ max(x²)/2;
/// the closer m gets to −1 (x near 0, where |x| has its kink) the more terms are needed.
public enum ReLUSeries {
    /// a_0 …a_{count−1} by the recurrence a_{n+1} = a_n · (1 − 2n) / (2n + 2), a_0 = 1.
    ///
    /// Derivation: a_{n+1}/a_n = −(2n+2)(2n+1)/(4(n+1)²) · (1−2n)/(1−2n−2) = (1−2n)/(2(n+1)).
    public static func coefficients(_ count: Int) -> [Double] {
        guard count > 0 else { return [] }
        var a = [Double](repeating: 0, count: count)
        a[0] = 1
        for n in 0..<(count - 1) { a[n + 1] = a[n] * Double(1 - 2 * n) / Double(2 * n + 2) }
        return a
    }

    /// a_n from the closed form, through log-gamma so that (2n)! does not overflow:
    /// |a_n| = exp(lnΓ(2n+1) − 2 lnΓ(n+1) − n ln 4) / |1 − 2n|, sign (−1)ⁿ · sign(1 − 2n).
    public static func coefficientClosedForm(_ n: Int) -> Double {
        precondition(n >= 0)
        let logFactorial2n: Double = lgamma(Double(2 * n + 1))
        let logFactorialN: Double = lgamma(Double(n + 1))
        let logPower: Double = Double(n) * log(4.0)
        let magnitude: Double = exp(logFactorial2n - 2 * logFactorialN - logPower) / Double(abs(1 - 2 * n))
        let sign: Double = (n % 2 == 0 ? 1 : -1) * (n == 0 ? 1 : -1)
        return sign * magnitude
    }

    /// Partial sum Σ_{n<terms} a_n mⁿ ≈ √(1 + m).
    public static func sqrtOnePlus(_ m: Double, terms: Int) -> Double {
        var sum = 0.0, power = 1.0, a = 1.0
        for n in 0..<terms {
            sum += a * power
            power *= m
            a *= Double(1 - 2 * n) / Double(2 * n + 2)
        }
        return sum
    }

    /// relu(x) ≈ (x + √A · Σ_{n<terms} a_n mⁿ)/2 with m = x²/A − 1, sample by sample.
    public static func approximateReLU(_ x: [Double], terms: Int, scale a: Double) -> [Double] {
        precondition(a > 0, "the scale A must be positive")
        let root = a.squareRoot()
        return x.map { v in (v + root * sqrtOnePlus(v * v / a - 1, terms: terms)) / 2 }
    }

    /// Errors of the approximation with 1 …`maxTerms` terms, in one pass per term.
    public static func errorByTerms(_ x: [Double], scale a: Double, maxTerms: Int) -> [ApproximationError] {
        let relu = x.map { max($0, 0) }
        let root = a.squareRoot()
        var sum = [Double](repeating: 0, count: x.count)
        var power = [Double](repeating: 1, count: x.count)
        let m = x.map { $0 * $0 / a - 1 }
        var coefficient = 1.0
        var out: [ApproximationError] = []
        for n in 0..<maxTerms {
            for i in x.indices {
                sum[i] += coefficient * power[i]
                power[i] *= m[i]
            }
            coefficient *= Double(1 - 2 * n) / Double(2 * n + 2)
            let approx = x.indices.map { (x[$0] + root * sum[$0]) / 2 }
            out.append(ApproximationError(terms: n + 1, x: x, relu: relu, approximation: approx))
        }
        return out
    }
}

/// How far an approximation of relu(x) is from the true relu(x), under several normalisations.
public struct ApproximationError: Sendable, Codable, Equatable {
    /// Number of series terms used.
    public var terms: Int
    /// RMS(approx − relu) / RMS(relu): the relative RMSE this project reports.
    public var relativeRMSE: Double
    /// RMS(approx − relu) / max|relu|.
    public var rmseOverPeak: Double
    /// max |approx − relu| / max|relu|.
    public var maxErrorOverPeak: Double
    /// The number the authors' script prints as "%RRMSE": 100 · √(mean((x − approx)²) / Σ x²). It compares
    /// the approximation with the *input* x (not with relu(x)) and divides by the sum, not the mean, of x²,
    /// so it is √N times smaller than a relative RMSE would be; it mostly measures how far relu(x) is from x.
    public var authorsPrintedPercent: Double

    public init(terms: Int, x: [Double], relu: [Double], approximation: [Double]) {
        self.terms = terms
        let n = Double(x.count)
        var e2 = 0.0, r2 = 0.0, peak = 0.0, maxErr = 0.0, xe2 = 0.0, x2 = 0.0
        for i in x.indices {
            let e = approximation[i] - relu[i]
            e2 += e * e
            r2 += relu[i] * relu[i]
            peak = max(peak, abs(relu[i]))
            maxErr = max(maxErr, abs(e))
            let d = x[i] - approximation[i]
            xe2 += d * d
            x2 += x[i] * x[i]
        }
        relativeRMSE = r2 > 0 ? (e2 / r2).squareRoot() : .nan
        rmseOverPeak = peak > 0 ? (e2 / n).squareRoot() / peak : .nan
        maxErrorOverPeak = peak > 0 ? maxErr / peak : .nan
        authorsPrintedPercent = x2 > 0 ? 100 * ((xe2 / n) / x2).squareRoot() : .nan
    }
}

/// Section V-A: the ReLU approximation on the four-cosine signal, its error and its spectra.
public struct ReLUSeriesExperiment: Sendable {
    public var samplingRateHz = 1024.0
    public var seconds = 8.0
    public var terms = 50
    /// Largest number of terms in the error-versus-terms curve.
    public var maxTerms = 200
    /// A as a multiple of max(x²): 0.5 is the authors' choice (A = ½(Σ amplitudes)² = 8, so m ∈ [−1, 1]).
    public var scaleFactor = 0.5

    public init() {}

    public func run() -> ReLUSeriesResult {
        let time = PaperSignal.time(samplingRateHz: samplingRateHz, seconds: seconds)
        let x = PaperSignal.fourCosines(time)
        let peakSquare = x.map { $0 * $0 }.max() ?? 0
        let a = scaleFactor * peakSquare
        let relu = x.map { max($0, 0) }
        let approx = ReLUSeries.approximateReLU(x, terms: terms, scale: a)
        let curve = ReLUSeries.errorByTerms(x, scale: a, maxTerms: max(maxTerms, terms))
        let curveFullScale = ReLUSeries.errorByTerms(x, scale: peakSquare, maxTerms: max(maxTerms, terms))

        // The authors' printed figure, on their own time grid (linspace with the end point).
        let authorsTime = PaperSignal.time(samplingRateHz: samplingRateHz, seconds: seconds, grid: .linspaceInclusive)
        let xa = PaperSignal.fourCosines(authorsTime)
        let aa = scaleFactor * (xa.map { $0 * $0 }.max() ?? 0)
        let authors = ApproximationError(terms: terms, x: xa, relu: xa.map { max($0, 0) },
                                         approximation: ReLUSeries.approximateReLU(xa, terms: terms, scale: aa))

        func spectrum(_ s: [Double]) -> Spectrum {
            SpectralAnalysis.amplitudeSpectrum(s.map { Float($0) }, samplingRateHz: samplingRateHz)
        }
        let sx = spectrum(x), sa = spectrum(approx), sr = spectrum(relu)
        // All input frequencies are multiples of 5 Hz, so relu(x) is periodic in 0.2 s and its spectrum lives
        // on multiples of 5 Hz.
        var components: [SpectralComponent] = []
        var f = 0.0
        while f <= 160 {
            let k = sx.bin(nearestHz: f)
            components.append(SpectralComponent(frequencyHz: f, input: Double(sx.amplitudes[k]),
                                                approximation: Double(sa.amplitudes[k]), relu: Double(sr.amplitudes[k]),
                                                inInput: PaperSignal.frequenciesHz.contains(f)))
            f += 5
        }
        return ReLUSeriesResult(coefficients: ReLUSeries.coefficients(max(terms, 8)), scale: a, peakSquare: peakSquare,
                                time: time, input: x, approximation: approx, relu: relu,
                                error: curve[terms - 1], errorByTerms: curve, errorByTermsFullScale: curveFullScale,
                                authorsPrinted: authors, inputSpectrum: sx, approximationSpectrum: sa,
                                reluSpectrum: sr, components: components)
    }
}

/// One spectral line of the input, the approximation and relu(x).
public struct SpectralComponent: Sendable, Codable, Equatable {
    public var frequencyHz: Double
    public var input: Double
    public var approximation: Double
    public var relu: Double
    /// Whether this frequency is one of the input's four.
    public var inInput: Bool
}

public struct ReLUSeriesResult: Sendable {
    /// a_0 …a_{terms−1}.
    public var coefficients: [Double]
    /// The A used: m = x²/A − 1.
    public var scale: Double
    /// max(x²).
    public var peakSquare: Double
    public var time: [Double]
    public var input: [Double]
    public var approximation: [Double]
    public var relu: [Double]
    /// Error with `terms` terms.
    public var error: ApproximationError
    /// Error for 1 …maxTerms terms with the chosen A.
    public var errorByTerms: [ApproximationError]
    /// The same with A = max(x²) (m ∈ [−1, 0]).
    public var errorByTermsFullScale: [ApproximationError]
    /// The authors' metric on the authors' time grid.
    public var authorsPrinted: ApproximationError
    public var inputSpectrum: Spectrum
    public var approximationSpectrum: Spectrum
    public var reluSpectrum: Spectrum
    /// Lines at multiples of 5 Hz up to 160 Hz.
    public var components: [SpectralComponent]
}
