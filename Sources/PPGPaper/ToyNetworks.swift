import Foundation
import PPGSpectral

/// Section III's two prototypical networks, x → conv(relu(x)) repeated, with fixed kernels:
/// the *differentiating* chain (first difference y[t] = x[t] − x[t−1]) and the *moving-average*
/// chain (9-tap mean). Convolutions are circular, which is exact for the paper's signal: every
/// component completes whole periods in 8 s, so no edge transient enters the spectra.
public enum ToyNetworks {
    public enum Chain: Sendable, Equatable {
        /// ReLU then y[t] = x[t] − x[t−1] (frequency response 2|sin(πf/fs)|, zero at DC).
        case differentiating
        /// ReLU then the mean of the last `taps` samples (a low-pass with zeros at multiples of fs/taps).
        case movingAverage(taps: Int)

        public var name: String {
            switch self {
            case .differentiating: return "differentiating"
            case .movingAverage(let taps): return "moving average (\(taps) taps)"
            }
        }
    }

    /// One stage: z_s = conv(relu(z_{s−1})), z_0 = x.
    public static func stage(_ x: [Double], chain: Chain) -> [Double] {
        let r = x.map { max($0, 0) }
        let n = r.count
        switch chain {
        case .differentiating:
            return (0..<n).map { r[$0] - r[($0 - 1 + n) % n] }
        case .movingAverage(let taps):
            precondition(taps > 0 && taps <= n)
            var out = [Double](repeating: 0, count: n)
            var window = 0.0
            for k in 0..<taps { window += r[(n - k) % n] }  // r[0] + r[n−1] + …: the window ending at t = 0
            out[0] = window / Double(taps)
            for t in 1..<n {
                window += r[t] - r[(t - taps + n) % n]
                out[t] = window / Double(taps)
            }
            return out
        }
    }

    /// Frequency below which `fraction` of the non-DC power of `spectrum` lies (bins 1…N/2, power ∝ a²);
    /// see `SpectralMeasures.occupiedBandwidthHz`.
    public static func occupiedBandwidth(_ spectrum: Spectrum, fraction: Double = 0.99) -> Double {
        SpectralMeasures.occupiedBandwidthHz(spectrum, fraction: fraction, includeDC: false)
    }

    /// Share of the non-DC power that is *not* on multiples of `spacingHz`. For a signal whose continuous-time
    /// version repeats every 1/spacingHz (the paper's signal: 5 Hz), that is power aliased from above fs/2 by
    /// the sampled ReLU (a line at 5k Hz > fs/2 folds to |5k − m·fs|, off the 5 Hz grid unless 5 | m·fs).
    public static func offGridPowerFraction(_ spectrum: Spectrum, spacingHz: Double) -> Double {
        let step = spacingHz / spectrum.resolutionHz
        guard step >= 1, abs(step - step.rounded()) < 1e-9 else { return .nan }
        var on = 0.0, total = 0.0
        for k in 1..<spectrum.amplitudes.count {
            let p = Double(spectrum.amplitudes[k]) * Double(spectrum.amplitudes[k])
            total += p
            if k % Int(step.rounded()) == 0 { on += p }
        }
        return total > 0 ? 1 - on / total : 0
    }

    /// Runs `stages` stages of `chain` on `x` sampled at `samplingRateHz`; element 0 is the input.
    /// `lineSpacingHz` is the spacing of the input's continuous-time line spectrum (5 Hz for the paper's signal).
    public static func run(_ x: [Double], samplingRateHz: Double, chain: Chain, stages: Int,
                           lineSpacingHz: Double = 5) -> [ToyStage] {
        var out: [ToyStage] = []
        var z = x
        for s in 0...stages {
            if s > 0 { z = stage(z, chain: chain) }
            let spectrum = SpectralAnalysis.amplitudeSpectrum(z.map { Float($0) }, samplingRateHz: samplingRateHz)
            let nonDC = spectrum.amplitudes.dropFirst().map { Double($0) * Double($0) }.reduce(0, +)
            let above = spectrum.amplitudes.indices.dropFirst()
                .filter { spectrum.frequencyHz($0) > 100 }.map { Double(spectrum.amplitudes[$0]) * Double(spectrum.amplitudes[$0]) }
                .reduce(0, +)
            out.append(ToyStage(stage: s, signal: z, spectrum: spectrum,
                                occupiedBandwidthHz: occupiedBandwidth(spectrum),
                                dc: z.reduce(0, +) / Double(z.count),
                                powerFractionAbove100Hz: nonDC > 0 ? above / nonDC : 0,
                                aliasedPowerFraction: offGridPowerFraction(spectrum, spacingHz: lineSpacingHz)))
        }
        return out
    }
}

/// The signal and its spectrum after one stage of a toy network.
public struct ToyStage: Sendable {
    /// 0 = the input.
    public var stage: Int
    public var signal: [Double]
    public var spectrum: Spectrum
    /// Frequency below which 99 % of the non-DC power lies (Hz).
    public var occupiedBandwidthHz: Double
    /// Mean of the stage output.
    public var dc: Double
    /// Share of the non-DC power above 100 Hz.
    public var powerFractionAbove100Hz: Double
    /// Share of the non-DC power off the input's line grid: aliasing of ReLU harmonics above fs/2.
    public var aliasedPowerFraction: Double
}

/// `paper toy-networks`: both chains on the paper's four-cosine signal.
public struct ToyNetworksExperiment: Sendable {
    public var samplingRateHz = 1024.0
    public var seconds = 8.0
    /// ReLU + convolution stages per chain.
    public var stages = 5
    /// Taps of the moving average.
    public var taps = 9

    public init() {}

    /// Stages 0 …`stages` of each chain (element 0: the input).
    public func run() -> (differentiating: [ToyStage], movingAverage: [ToyStage]) {
        let x = PaperSignal.fourCosines(PaperSignal.time(samplingRateHz: samplingRateHz, seconds: seconds))
        return (ToyNetworks.run(x, samplingRateHz: samplingRateHz, chain: .differentiating, stages: stages),
                ToyNetworks.run(x, samplingRateHz: samplingRateHz, chain: .movingAverage(taps: taps), stages: stages))
    }
}
