import Foundation
import PPGSpectral

/// Options of the spectral-peak baseline.
public struct SpectralPeakOptions: Sendable {
    /// Search band in Hz (30–210 BPM).
    public var bandHz: ClosedRange<Double> = 0.5...3.5
    /// Transform length after zero-padding (2048 at 32 Hz: 0.94 BPM bins).
    public var fftLength = 2048
    /// When set, search within ± this many BPM of the previous window's estimate.
    public var trackingBPM: Double? = nil
    /// When set, search within this multiple of the previous trusted estimate (pyPPG: 0.5…1.4).
    public var trackingRatio: ClosedRange<Double>? = nil
    /// Prefer the fundamental: when the spectrum has a peak near half the chosen frequency (± 6 %,
    /// still in the band) with at least `harmonicGuardShare` of its amplitude, take that instead.
    /// Not applied while tracking: the tracking band (≤ 1.4 × the previous estimate) already
    /// excludes the second harmonic.
    public var harmonicGuard = false
    public var harmonicGuardShare = 0.5
    /// While tracking with `trackingRatio`: the estimate stays within ± this share of the previous
    /// one unless a peak elsewhere in the band is more than `jumpFactor` times stronger.
    public var nearShare = 0.15
    public var jumpFactor = 4.0
    public init() {}

    /// The guarded, tracking estimator: 30–200 BPM, harmonic guard, 0.5–1.4 × the previous trusted estimate.
    public static var guarded: SpectralPeakOptions {
        var o = SpectralPeakOptions()
        o.bandHz = 0.5...(200.0 / 60)
        o.trackingRatio = 0.5...1.4
        o.harmonicGuard = true
        return o
    }
}

/// The classic baseline: the largest peak of the Hann-windowed, zero-padded spectrum in a band.
public enum SpectralPeak {
    /// HR in BPM, or nil for an empty or constant window.
    public static func estimate(_ x: [Float], samplingRateHz: Double, options: SpectralPeakOptions, previousBPM: Double? = nil) -> Double? {
        guard x.count > 1 else { return nil }
        let mean = x.reduce(0, +) / Float(x.count)
        let centred = x.map { $0 - mean }
        let s = SpectralAnalysis.amplitudeSpectrum(centred, samplingRateHz: samplingRateHz,
                                                   length: max(options.fftLength, x.count), taper: .hann)
        var lo = options.bandHz.lowerBound, hi = options.bandHz.upperBound
        if let track = options.trackingBPM, let previous = previousBPM {
            lo = max(lo, (previous - track) / 60)
            hi = min(hi, (previous + track) / 60)
        }
        if let ratio = options.trackingRatio, let previous = previousBPM {
            lo = max(lo, previous * ratio.lowerBound / 60)
            hi = min(hi, previous * ratio.upperBound / 60)
        }
        let kLo = max(1, Int((lo / s.resolutionHz).rounded(.up))), kHi = min(s.amplitudes.count - 1, Int(hi / s.resolutionHz))
        guard kLo <= kHi else { return nil }
        var best = kLo
        for k in kLo...kHi where s.amplitudes[k] > s.amplitudes[best] { best = k }
        if options.trackingRatio != nil, let previous = previousBPM {
            // Tracking: stay within ± `nearShare` of the previous estimate unless a peak elsewhere in
            // the 0.5–1.4 × band is more than `jumpFactor` times stronger.
            let nLo = max(kLo, Int((previous * (1 - options.nearShare) / 60 / s.resolutionHz).rounded(.up)))
            let nHi = min(kHi, Int(previous * (1 + options.nearShare) / 60 / s.resolutionHz))
            if nLo <= nHi {
                var near = nLo
                for k in nLo...nHi where s.amplitudes[k] > s.amplitudes[near] { near = k }
                if Double(s.amplitudes[best]) <= options.jumpFactor * Double(s.amplitudes[near]) { best = near }
            }
        }
        guard s.amplitudes[best] > 0 else { return nil }
        if options.harmonicGuard, previousBPM == nil || (options.trackingRatio == nil && options.trackingBPM == nil) {
            let bandLo = max(1, Int((options.bandHz.lowerBound / s.resolutionHz).rounded(.up)))
            let halfLo = max(bandLo, Int((Double(best) * 0.47).rounded(.down))), halfHi = Int((Double(best) * 0.53).rounded(.up))
            if halfLo <= halfHi {
                var k = halfLo
                for j in halfLo...halfHi where s.amplitudes[j] > s.amplitudes[k] { k = j }
                let isPeak = k > 0 && k < s.amplitudes.count - 1 && s.amplitudes[k] >= s.amplitudes[k - 1] && s.amplitudes[k] >= s.amplitudes[k + 1]
                if isPeak, Double(s.amplitudes[k]) >= options.harmonicGuardShare * Double(s.amplitudes[best]) { best = k }
            }
        }
        // Parabolic interpolation of the log-amplitude peak.
        var offset = 0.0
        if best > 0, best < s.amplitudes.count - 1 {
            let a = log(Double(s.amplitudes[best - 1]) + 1e-30), b = log(Double(s.amplitudes[best]) + 1e-30), c = log(Double(s.amplitudes[best + 1]) + 1e-30)
            let denominator = a - 2 * b + c
            if denominator < 0 { offset = max(-0.5, min(0.5, 0.5 * (a - c) / denominator)) }
        }
        return (Double(best) + offset) * s.resolutionHz * 60
    }
}
