import PPGSignals

/// How a recording is cut into model windows.
public struct WindowLayout: Sendable, Equatable {
    /// Window length in samples (KID-PPG: 256 = 8 s at 32 Hz).
    public var length: Int
    /// Shift between consecutive windows in samples (KID-PPG: 64 = 2 s).
    public var shift: Int
    /// Sampling rate in Hz.
    public var samplingRateHz: Double

    public init(length: Int = 256, shift: Int = 64, samplingRateHz: Double = 32) {
        self.length = length
        self.shift = shift
        self.samplingRateHz = samplingRateHz
    }

    /// Number of whole windows in `sampleCount` samples.
    public func count(in sampleCount: Int) -> Int {
        sampleCount >= length ? (sampleCount - length) / shift + 1 : 0
    }

    /// Start of window n in seconds.
    public func startS(_ n: Int) -> Double { Double(n * shift) / samplingRateHz }
    /// End of window n in seconds (the time its reference HR is read at).
    public func endS(_ n: Int) -> Double { Double(n * shift + length) / samplingRateHz }
}

/// Per-window z-score statistics (population standard deviation, ddof 0).
public struct ZScore: Sendable, Equatable {
    public var mean: Float
    /// 0 for a constant window, which is then only centred, as KID-PPG does.
    public var std: Float

    /// Statistics of `x`, computed in Float64.
    public init(of x: ArraySlice<Float>) {
        let n = Double(x.count)
        let m = x.reduce(0.0) { $0 + Double($1) } / n
        let v = x.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) } / n
        mean = Float(m)
        std = Float(v.squareRoot())
    }

    public func normalise(_ v: Float) -> Float { std != 0 ? (v - mean) / std : v - mean }
    public func denormalise(_ v: Float) -> Float { (std != 0 ? v * std : v) + mean }
}
