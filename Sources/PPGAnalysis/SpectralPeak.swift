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
    public init() {}
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
        let kLo = max(1, Int((lo / s.resolutionHz).rounded(.up))), kHi = min(s.amplitudes.count - 1, Int(hi / s.resolutionHz))
        guard kLo <= kHi else { return nil }
        var best = kLo
        for k in kLo...kHi where s.amplitudes[k] > s.amplitudes[best] { best = k }
        guard s.amplitudes[best] > 0 else { return nil }
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
