import Foundation

/// A one-sided amplitude spectrum.
///
/// Scaled so that a cosine of amplitude A at an exact bin reads A at that bin and a constant c
/// reads c at DC: `a[0] = |X[0]|/N`, `a[k] = 2|X[k]|/N` for 0 < k < N/2, `a[N/2] = |X[N/2]|/N`
/// (N even), where N is the transform length (the window's coherent gain is divided out when a
/// taper is used).
public struct Spectrum: Sendable, Equatable {
    /// Sampling rate of the analysed signal in Hz.
    public var samplingRateHz: Double
    /// Transform length (≥ signal length when zero-padded).
    public var length: Int
    /// Amplitudes, `[length/2 + 1]`, in the signal's unit.
    public var amplitudes: [Float]

    /// Frequency of bin k in Hz: k · fs / N.
    public func frequencyHz(_ k: Int) -> Double { Double(k) * samplingRateHz / Double(length) }
    /// Frequency of bin k in beats per minute.
    public func frequencyBPM(_ k: Int) -> Double { frequencyHz(k) * 60 }
    /// Bin spacing in Hz.
    public var resolutionHz: Double { samplingRateHz / Double(length) }
    /// All bin frequencies in Hz.
    public var frequenciesHz: [Double] { amplitudes.indices.map(frequencyHz) }
    /// The nearest bin to `hz`.
    public func bin(nearestHz hz: Double) -> Int {
        min(max(Int((hz / resolutionHz).rounded()), 0), amplitudes.count - 1)
    }
    /// DC amplitude (the mean of the signal).
    public var dc: Float { amplitudes.first ?? 0 }
}

/// Taper applied before the transform.
public enum Taper: Sendable {
    case rectangular
    /// Periodic-free (symmetric) Hann, `0.5 − 0.5 cos(2πt/(T−1))`.
    case hann

    /// The weights for `count` samples (nil for rectangular); Hann weights are made once per length.
    func weights(_ count: Int) -> [Float]? {
        switch self {
        case .rectangular: return nil
        case .hann: return HannCache.weights(count)
        }
    }
}

/// Hann weights per length, shared (the spectral baseline tapers every window of a recording).
enum HannCache {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [Int: [Float]] = [:]

    static func weights(_ count: Int) -> [Float] {
        lock.lock()
        defer { lock.unlock() }
        if let cached = cache[count] { return cached }
        let made: [Float] = count > 1 ? (0..<count).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(count - 1))) } : [1]
        cache[count] = made
        return made
    }
}


/// Amplitude spectra through cached FFTW plans.
public enum SpectralAnalysis {
    /// One-sided amplitude spectrum of `x` sampled at `samplingRateHz`.
    /// - Parameters:
    ///   - length: transform length ≥ x.count (zero-padding); default x.count.
    ///   - taper: window applied first; amplitudes are divided by its mean (coherent gain).
    public static func amplitudeSpectrum(_ x: [Float], samplingRateHz: Double, length: Int? = nil,
                                         taper: Taper = .rectangular) -> Spectrum {
        let n = max(length ?? x.count, x.count)
        let workspace = RealFFT.Workspace(length: n)
        var bins = [Float](repeating: 0, count: 2 * (n / 2 + 1))
        var input = x
        var gain: Float = 1
        if let w = taper.weights(x.count) {
            for i in input.indices { input[i] *= w[i] }
            gain = w.reduce(0, +) / Float(x.count)
        }
        let fft = RealFFT.of(length: n)
        fft.forward(input, into: &bins, workspace: workspace)
        return Spectrum(samplingRateHz: samplingRateHz, length: n,
                        amplitudes: amplitudes(bins, length: n, signalLength: x.count, gain: gain))
    }

    /// Amplitude spectra of every channel of a `[time, channels]` row-major block: `[channels][bins]`.
    public static func channelSpectra(_ block: [Float], time: Int, channels: Int,
                                      samplingRateHz: Double, removeMean: Bool = false) -> [Spectrum] {
        let fft = RealFFT.of(length: time)
        var column = [Float](repeating: 0, count: time)
        let workspace = RealFFT.Workspace(length: time)
        var bins = [Float](repeating: 0, count: 2 * (time / 2 + 1))
        var result: [Spectrum] = []
        result.reserveCapacity(channels)
        for c in 0..<channels {
            for t in 0..<time { column[t] = block[t * channels + c] }
            if removeMean {
                let mean = column.reduce(0, +) / Float(time)
                for t in 0..<time { column[t] -= mean }
            }
            fft.forward(column, into: &bins, workspace: workspace)
            result.append(Spectrum(samplingRateHz: samplingRateHz, length: time,
                                   amplitudes: amplitudes(bins, length: time, signalLength: time, gain: 1)))
        }
        return result
    }

    /// Complex bins → one-sided amplitudes (see `Spectrum`). The scale uses the signal length, so
    /// zero-padding does not change a sinusoid's amplitude.
    static func amplitudes(_ bins: [Float], length n: Int, signalLength: Int, gain: Float) -> [Float] {
        let count = n / 2 + 1
        let norm = 1 / (Float(signalLength) * gain)
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            bins.withUnsafeBufferPointer { b in
                for k in 0..<count {
                    let magnitude = (b[2 * k] * b[2 * k] + b[2 * k + 1] * b[2 * k + 1]).squareRoot()
                    let oneSided: Float = (k == 0 || (n % 2 == 0 && k == n / 2)) ? 1 : 2
                    out[k] = magnitude * norm * oneSided
                }
            }
            initialized = count
        }
    }
}
