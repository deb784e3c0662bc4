import Foundation

/// One second-order section, transposed direct form II:
/// y[n] = b0·x[n] + b1·x[n−1] + b2·x[n−2] − a1·y[n−1] − a2·y[n−2].
public struct Biquad: Sendable, Equatable {
    public var b0, b1, b2, a1, a2: Double
    public init(b0: Double, b1: Double, b2: Double, a1: Double, a2: Double) {
        (self.b0, self.b1, self.b2, self.a1, self.a2) = (b0, b1, b2, a1, a2)
    }
}

/// A digital Butterworth band-pass as second-order sections, designed as SciPy's
/// `butter(order, [lowHz, highHz], btype="bandpass", output="sos", fs=samplingRateHz)` does
/// (analog prototype, low-pass→band-pass transform at the pre-warped corners, bilinear transform),
/// applied forwards and backwards as `sosfiltfilt` does (odd extension of 3·(2·sections + 1)
/// samples at each end, section states started at their step-response steady state).
public struct ButterworthBandPass: Sendable, Equatable {
    public var sections: [Biquad]
    public var lowHz: Double
    public var highHz: Double
    public var samplingRateHz: Double

    /// Designs the filter; throws unless 0 < lowHz < highHz < samplingRateHz / 2 and order ≥ 1.
    public init(order: Int, lowHz: Double, highHz: Double, samplingRateHz fs: Double) throws {
        guard order >= 1, fs.isFinite, fs > 0, lowHz > 0, lowHz < highHz, highHz < fs / 2 else {
            throw PPGScopeError(object: "band-pass", "needs order ≥ 1 and 0 < \(lowHz) Hz < \(highHz) Hz < Nyquist (\(fs / 2) Hz)")
        }
        let w1 = 2 * fs * tan(Double.pi * lowHz / fs), w2 = 2 * fs * tan(Double.pi * highHz / fs)
        let bandwidth = w2 - w1, centre2 = w1 * w2
        // Prototype poles in the upper half plane (and the real one for odd orders): each gives
        // one conjugate pair (or a real pair) of band-pass poles, i.e. one section with zeros at z = ±1.
        var sections: [Biquad] = []
        for k in 0..<order {
            let angle = Double.pi * Double(2 * k + order + 1) / Double(2 * order)
            let p = Complex(cos(angle), sin(angle))
            guard p.im >= -1e-12 else { continue }
            let half = p * (bandwidth / 2)
            let root = (half * half - Complex(centre2, 0)).squareRoot()
            let analog = abs(p.im) < 1e-12 ? [half + root, half - root] : [half + root, (half + root).conjugate]
            let isReal = abs(p.im) < 1e-12
            // Bilinear transform of each analog pole.
            let z = analog.map { (Complex(2 * fs, 0) + $0) / (Complex(2 * fs, 0) - $0) }
            let a1: Double, a2: Double
            if isReal && abs(root.im) < 1e-12 {
                a1 = -(z[0].re + z[1].re); a2 = z[0].re * z[1].re
            } else if isReal {
                a1 = -2 * z[0].re; a2 = z[0].magnitudeSquared
            } else {
                a1 = -2 * z[0].re; a2 = z[0].magnitudeSquared
            }
            // The remaining pole of a complex prototype pole: its own conjugate pair.
            sections.append(Biquad(b0: 1, b1: 0, b2: -1, a1: a1, a2: a2))
            if !isReal {
                let other = (Complex(2 * fs, 0) + (half - root)) / (Complex(2 * fs, 0) - (half - root))
                sections.append(Biquad(b0: 1, b1: 0, b2: -1, a1: -2 * other.re, a2: other.magnitudeSquared))
            }
        }
        // Unit gain at the centre frequency (exact for a Butterworth band-pass).
        let omega = 2 * atan(centre2.squareRoot() / (2 * fs))
        let e1 = Complex(cos(-omega), sin(-omega)), e2 = e1 * e1
        var gain = Complex(1, 0)
        for s in sections {
            gain = gain * (Complex(s.b0, 0) + e1 * s.b1 + e2 * s.b2) / (Complex(1, 0) + e1 * s.a1 + e2 * s.a2)
        }
        let g = 1 / gain.magnitudeSquared.squareRoot()
        sections[0].b0 *= g; sections[0].b1 *= g; sections[0].b2 *= g
        self.sections = sections
        self.lowHz = lowHz
        self.highHz = highHz
        samplingRateHz = fs
    }

    /// One step of section `s` (transposed direct form II) on `input`, updating its state.
    @inline(__always)
    static func step(_ s: Biquad, _ z1: inout Double, _ z2: inout Double, _ input: Double) -> Double {
        let out = s.b0 * input + z1
        z1 = s.b1 * input - s.a1 * out + z2
        z2 = s.b2 * input - s.a2 * out
        return out
    }

    /// Section states at the steady state of a unit step (SciPy's `sosfilt_zi`).
    var stepStates: [(Double, Double)] {
        var scale = 1.0
        return sections.map { s in
            let g = (s.b0 + s.b1 + s.b2) / (1 + s.a1 + s.a2)
            let y = g * scale
            let z2 = s.b2 * scale - s.a2 * y
            let z1 = s.b1 * scale - s.a1 * y + z2
            scale = y
            return (z1, z2)
        }
    }

    /// Zero-phase filtering (SciPy's `sosfiltfilt` with its default padding), same length as `x`.
    public func filtfilt(_ x: [Double]) -> [Double] {
        var y = x
        filtfiltInPlace(&y)
        return y
    }

    /// `filtfilt` overwriting `x`, bit for bit the same values. The padded signal is never built:
    /// the odd extensions at each end (a few dozen samples) sit in their own buffers, the sections
    /// run over left extension, `x`, right extension (forwards, then backwards), and no reversed copy
    /// is made — so the only full-length buffer is `x` itself.
    public func filtfiltInPlace(_ x: inout [Double]) {
        guard x.count > 1 else {
            for i in x.indices { x[i] = 0 }
            return
        }
        let n = x.count, last = n - 1
        let padding = min(3 * (2 * sections.count + 1), last)
        // The extension SciPy pads with: left[j] = extended[j], right[j] = extended[padding + n + j].
        var left = (0..<padding).map { j in 2 * x[0] - x[padding - j] }
        var right = (0..<padding).map { j in 2 * x[last] - x[last - 1 - j] }
        let zi = stepStates
        x.withUnsafeMutableBufferPointer { middle in
            left.withUnsafeMutableBufferPointer { left in
                right.withUnsafeMutableBufferPointer { right in
                    // Forwards over left ++ x ++ right, started at the step response to its first sample.
                    var start = left[0]
                    var states = zi.map { ($0.0 * start, $0.1 * start) }
                    cascade(&states, [left, middle, right], backwards: false)
                    // Backwards over the same, started at the step response to its last sample.
                    start = right[padding - 1]
                    states = zi.map { ($0.0 * start, $0.1 * start) }
                    cascade(&states, [right, middle, left], backwards: true)
                }
            }
        }
    }

    /// Every section over `parts` in turn, sample by sample: each sample goes through the whole
    /// cascade before the next, so the sections' recursions (each a chain of dependent multiply-adds)
    /// overlap in the CPU instead of running one after another — the same operations on the same
    /// values as section after section over the whole signal.
    func cascade(_ states: inout [(Double, Double)], _ parts: [UnsafeMutableBufferPointer<Double>], backwards: Bool) {
        if sections.count == 2 {
            let s0 = sections[0], s1 = sections[1]
            var (p1, p2) = states[0], (q1, q2) = states[1]
            for part in parts {
                if backwards {
                    for i in stride(from: part.count - 1, through: 0, by: -1) { part[i] = Self.step(s1, &q1, &q2, Self.step(s0, &p1, &p2, part[i])) }
                } else {
                    for i in 0..<part.count { part[i] = Self.step(s1, &q1, &q2, Self.step(s0, &p1, &p2, part[i])) }
                }
            }
            return
        }
        states.withUnsafeMutableBufferPointer { z in
            for part in parts {
                for j in 0..<part.count {
                    let i = backwards ? part.count - 1 - j : j
                    var v = part[i]
                    for k in sections.indices { v = Self.step(sections[k], &z[k].0, &z[k].1, v) }
                    part[i] = v
                }
            }
        }
    }
}

/// The few complex operations the filter design needs.
struct Complex: Equatable {
    var re: Double, im: Double
    init(_ re: Double, _ im: Double) { self.re = re; self.im = im }
    var conjugate: Complex { Complex(re, -im) }
    var magnitudeSquared: Double { re * re + im * im }
    static func + (a: Complex, b: Complex) -> Complex { Complex(a.re + b.re, a.im + b.im) }
    static func - (a: Complex, b: Complex) -> Complex { Complex(a.re - b.re, a.im - b.im) }
    static func * (a: Complex, b: Complex) -> Complex { Complex(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re) }
    static func * (a: Complex, k: Double) -> Complex { Complex(a.re * k, a.im * k) }
    static func / (a: Complex, b: Complex) -> Complex {
        let d = b.magnitudeSquared
        return Complex((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d)
    }
    /// Principal square root.
    func squareRoot() -> Complex {
        let r = magnitudeSquared.squareRoot()
        let a = ((r + re) / 2).squareRoot()
        let b = ((r - re) / 2).squareRoot()
        return Complex(a, im < 0 ? -b : b)
    }
}

/// Moments and moving averages used by the beat detector and the quality indices.
public enum SignalStatistics {
    public static func mean(_ x: ArraySlice<Double>) -> Double { x.isEmpty ? 0 : x.reduce(0, +) / Double(x.count) }

    /// Population standard deviation (ddof 0).
    public static func standardDeviation(_ x: ArraySlice<Double>) -> Double {
        guard !x.isEmpty else { return 0 }
        let m = mean(x)
        return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count)).squareRoot()
    }

    /// Sample skewness m3 / m2^1.5 (biased, as SciPy's `skew`); 0 for a constant input.
    public static func skewness(_ x: ArraySlice<Double>) -> Double {
        guard x.count > 2 else { return 0 }
        let m = mean(x)
        var m2 = 0.0, m3 = 0.0
        for v in x { let d = v - m; m2 += d * d; m3 += d * d * d }
        m2 /= Double(x.count); m3 /= Double(x.count)
        return m2 > 0 ? m3 / pow(m2, 1.5) : 0
    }

    /// Median (the mean of the middle two for an even count); nil when empty.
    public static func median(_ x: [Double]) -> Double? {
        guard !x.isEmpty else { return nil }
        let s = x.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// The `q`-quantile (0…1) with linear interpolation (NumPy's default); nil when empty.
    public static func quantile(_ x: [Double], _ q: Double) -> Double? {
        guard !x.isEmpty else { return nil }
        let s = x.sorted()
        let h = (Double(s.count) - 1) * min(max(q, 0), 1)
        let i = Int(h.rounded(.down)), j = min(i + 1, s.count - 1)
        return s[i] + (h - Double(i)) * (s[j] - s[i])
    }

    /// Centred moving average of `size` samples with the ends padded by the first and last value
    /// (NeuroKit2's `signal_smooth(kernel="boxcar")`: `np.convolve(mode="same")` on the padded signal).
    public static func movingAverage(_ x: [Double], size: Int) -> [Double] {
        guard size > 1, !x.isEmpty else { return x }
        var cursor = MovingAverageCursor(size: size, count: x.count) { x[$0] }
        return x.indices.map { _ in cursor.next { x[$0] } }
    }
}

/// `SignalStatistics.movingAverage` one output at a time, without the padded signal or its prefix
/// sums: output k is (P[k + size + offset + 1] − P[k + offset + 1]) / size, where P are the prefix
/// sums of the signal padded by `size` copies of each end and offset = (size − 1) / 2. Each of the
/// two prefix sums is carried by its own running sum, adding the same samples in the same order as
/// the prefix array would, so every output is bit for bit `movingAverage`'s.
public struct MovingAverageCursor {
    public let size: Int
    let count: Int
    /// Indices into the padded signal of the two prefix sums, and the sums themselves.
    var lower: Int, upper: Int
    var sumToLower = 0.0, sumToUpper = 0.0

    /// A cursor over a signal of `count` samples (`count` ≥ 1, `size` ≥ 2) whose sample i is `value(i)`.
    public init(size: Int, count: Int, value: (Int) -> Double) {
        precondition(size > 1 && count > 0, "a moving average of \(size) samples over \(count)")
        self.size = size
        self.count = count
        lower = (size - 1) / 2 + 1
        upper = lower + size
        for j in 0..<lower { sumToLower += padded(j, value) }
        for j in 0..<upper { sumToUpper += padded(j, value) }
    }

    /// Sample j of the padded signal.
    @inline(__always)
    func padded(_ j: Int, _ value: (Int) -> Double) -> Double { value(min(max(j - size, 0), count - 1)) }

    /// The next output (the first call gives output 0); `value` as given to `init`.
    public mutating func next(value: (Int) -> Double) -> Double {
        let out = (sumToUpper - sumToLower) / Double(size)
        sumToLower += padded(lower, value)
        sumToUpper += padded(upper, value)
        lower += 1
        upper += 1
        return out
    }
}
