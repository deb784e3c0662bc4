import Foundation

// Seeded, reproducible synthetic signals (pure: no I/O). Every generator takes its randomness from
// `Xoshiro256StarStar(seed:stream:)`, one stream per component, so switching motion on does not
// change the noise realisation and the same options always give the same samples.

/// A heart-rate trajectory in BPM over the time of a recording.
public enum HeartRateTrajectory: Sendable, Equatable {
    /// The same rate throughout.
    case constant(bpm: Double)
    /// Linear from `fromBPM` at t = 0 to `toBPM` at t = duration.
    case linearRamp(fromBPM: Double, toBPM: Double)
    /// Piecewise linear through (time s, BPM) points; held constant before the first and after the last.
    case points(timesS: [Double], bpm: [Double])

    /// Instantaneous HR in BPM at `t` s of a recording lasting `durationS` s.
    public func bpm(atTimeS t: Double, durationS: Double) -> Double {
        switch self {
        case .constant(let bpm):
            return bpm
        case .linearRamp(let a, let b):
            guard durationS > 0 else { return a }
            let w = min(max(t / durationS, 0), 1)
            return a + w * (b - a)
        case .points(let times, let values):
            return HeartRateSeries(timesS: times, bpm: values).value(at: min(max(t, times.first ?? t), times.last ?? t)) ?? values.first ?? .nan
        }
    }

    /// Checks the trajectory: positive finite rates, matching point arrays, increasing times.
    func validate() throws {
        let rates: [Double]
        switch self {
        case .constant(let bpm): rates = [bpm]
        case .linearRamp(let a, let b): rates = [a, b]
        case .points(let times, let values):
            guard !times.isEmpty, times.count == values.count else {
                throw PPGScopeError(object: "heart_rate", "points need as many times as rates (at least one), found \(times.count) and \(values.count)")
            }
            for i in times.indices {
                guard times[i].isFinite else { throw PPGScopeError(object: "heart_rate", "time \(i) is not finite") }
                if i > 0, times[i] <= times[i - 1] { throw PPGScopeError(object: "heart_rate", "times must increase (entry \(i))") }
            }
            rates = values
        }
        for r in rates where !(r.isFinite && r > 0) {
            throw PPGScopeError(object: "heart_rate", "heart rate must be a positive number of BPM, found \(r)")
        }
    }

    /// Highest rate reached, in BPM.
    var maximumBPM: Double {
        switch self {
        case .constant(let bpm): return bpm
        case .linearRamp(let a, let b): return max(a, b)
        case .points(_, let values): return values.max() ?? 0
        }
    }

    var summary: String {
        switch self {
        case .constant(let bpm): return "constant \(bpm) bpm"
        case .linearRamp(let a, let b): return "linear ramp \(a) -> \(b) bpm"
        case .points(let t, let v): return "points time_s=\(Synth.list(t)) bpm=\(Synth.list(v))"
        }
    }
}

/// Shape of one beat as a function of the beat phase u ∈ [0, 1):
/// p(u) = G(u; systolicCentre, systolicWidth) + diastolicAmplitude · G(u; diastolicCentre, diastolicWidth),
/// with G(u; μ, σ) = Σ_{m=-1,0,1} exp(−(u − μ + m)² / (2σ²)) a Gaussian wrapped to period 1.
/// A smaller delayed diastolic wave after the systolic peak leaves a dicrotic notch between them.
/// The synthesiser removes the period mean (Σ a·σ·√(2π)), so the pulse is zero-mean over a beat.
public struct PulseShape: Sendable, Equatable {
    /// Systolic peak position and width, as fractions of a beat.
    public var systolicCentre: Double
    public var systolicWidth: Double
    /// Diastolic wave position, width (fractions of a beat) and height relative to the systolic peak.
    public var diastolicCentre: Double
    public var diastolicWidth: Double
    public var diastolicAmplitude: Double

    public init(systolicCentre: Double = 0.25, systolicWidth: Double = 0.07,
                diastolicCentre: Double = 0.55, diastolicWidth: Double = 0.09, diastolicAmplitude: Double = 0.45) {
        self.systolicCentre = systolicCentre
        self.systolicWidth = systolicWidth
        self.diastolicCentre = diastolicCentre
        self.diastolicWidth = diastolicWidth
        self.diastolicAmplitude = diastolicAmplitude
    }

    /// p(u) − mean, u the beat phase (any real; only its fractional part matters).
    public func value(phase u: Double) -> Double {
        let f = u - u.rounded(.down)
        func wrapped(_ mu: Double, _ sigma: Double) -> Double {
            var s = 0.0
            for m in -1...1 {
                let d = f - mu + Double(m)
                s += exp(-d * d / (2 * sigma * sigma))
            }
            return s
        }
        let mean = (systolicWidth + diastolicAmplitude * diastolicWidth) * (2 * Double.pi).squareRoot()
        return wrapped(systolicCentre, systolicWidth) + diastolicAmplitude * wrapped(diastolicCentre, diastolicWidth) - mean
    }

    func validate() throws {
        for (name, w) in [("systolicWidth", systolicWidth), ("diastolicWidth", diastolicWidth)] where !(w.isFinite && w > 0 && w <= 0.25) {
            throw PPGScopeError(object: "pulse_shape", "\(name) must be in (0, 0.25] of a beat, found \(w)")
        }
        for (name, v) in [("systolicCentre", systolicCentre), ("diastolicCentre", diastolicCentre), ("diastolicAmplitude", diastolicAmplitude)] where !v.isFinite {
            throw PPGScopeError(object: "pulse_shape", "\(name) must be finite")
        }
    }
}

/// Synthetic wrist motion: a 3-axis accelerometer and a PPG artefact that is a linear filter of it.
public struct MotionSynthesis: Sendable, Equatable {
    public enum Pattern: Sendable, Equatable {
        /// Periodic arm swing: per axis a sinusoid at the cadence plus its second harmonic, with
        /// seeded random relative amplitudes and phases.
        case armSwing(cadenceHz: Double)
        /// Band-limited random motion: white Gaussian noise through two one-pole low-pass
        /// filters with corner `bandwidthHz`, independently per axis.
        case random(bandwidthHz: Double)
    }

    /// Largest tap offset: taps cover lags −10 … +10 samples (21 taps), as the KID-PPG adaptive filter.
    public static let maximumTapRadius = LinearMotionFilter.half

    public var pattern: Pattern
    /// Standard deviation of the motion on each axis, in g (before `accelerometerNoiseStdG`).
    public var accelerationStdG: Double
    /// White sensor noise added to each axis, std in g.
    public var accelerometerNoiseStdG: Double
    /// Artefact filter, one array per axis (x, y, z), odd length ≤ 21, centre tap = lag 0:
    /// artefact[t] = Σ_axis Σ_j taps[axis][j] · acc_axis[t + j − r], r = (length − 1)/2, zero outside
    /// the recording (non-causal). nil: seeded random taps (normal × Hann window, 21 per axis),
    /// scaled so the artefact's standard deviation is `artefactStd`.
    public var artefactTaps: [[Double]]?
    /// Standard deviation of the artefact in PPG units when `artefactTaps` is nil.
    public var artefactStd: Double

    public init(pattern: Pattern = .armSwing(cadenceHz: 1.6), accelerationStdG: Double = 0.3,
                accelerometerNoiseStdG: Double = 0.01, artefactTaps: [[Double]]? = nil, artefactStd: Double = 0.5) {
        self.pattern = pattern
        self.accelerationStdG = accelerationStdG
        self.accelerometerNoiseStdG = accelerometerNoiseStdG
        self.artefactTaps = artefactTaps
        self.artefactStd = artefactStd
    }

    var summary: String {
        switch pattern {
        case .armSwing(let f): return "arm swing cadence \(f) Hz, acc std \(accelerationStdG) g, acc noise \(accelerometerNoiseStdG) g"
        case .random(let b): return "random motion bandwidth \(b) Hz, acc std \(accelerationStdG) g, acc noise \(accelerometerNoiseStdG) g"
        }
    }
}

/// Everything that defines a synthetic PPG recording. Defaults: 60 s at 32 Hz, 75 BPM, no motion.
public struct PPGSynthesisOptions: Sendable, Equatable {
    /// Sampling rate in Hz (> 0; the HR must stay below the Nyquist frequency).
    public var samplingRateHz: Double
    /// Length in s; the recording has round(durationS · samplingRateHz) samples.
    public var durationS: Double
    public var heartRate: HeartRateTrajectory
    public var seed: UInt64
    /// Scale of the pulse wave (the systolic peak is about `pulseAmplitude` above the beat mean).
    public var pulseAmplitude: Double
    public var pulseShape: PulseShape
    /// Baseline wander: `baselineAmplitude` · sin(2π · `baselineFrequencyHz` · t + seeded phase).
    public var baselineAmplitude: Double
    public var baselineFrequencyHz: Double
    /// White Gaussian noise on the PPG, standard deviation in PPG units.
    public var noiseStd: Double
    /// Motion (accelerometer channels plus artefact), or nil for a PPG-only recording.
    public var motion: MotionSynthesis?
    /// Spacing of the reference HR samples, in s (> 0).
    public var referenceIntervalS: Double
    /// The device's polarity, gain, offset, clipping and drop-outs, applied last (identity by default).
    public var device = DeviceTransform()

    public init(samplingRateHz: Double = 32, durationS: Double = 60, heartRate: HeartRateTrajectory = .constant(bpm: 75),
                seed: UInt64 = 0, pulseAmplitude: Double = 1, pulseShape: PulseShape = PulseShape(),
                baselineAmplitude: Double = 0.2, baselineFrequencyHz: Double = 0.2, noiseStd: Double = 0.02,
                motion: MotionSynthesis? = nil, referenceIntervalS: Double = 2) {
        self.samplingRateHz = samplingRateHz
        self.durationS = durationS
        self.heartRate = heartRate
        self.seed = seed
        self.pulseAmplitude = pulseAmplitude
        self.pulseShape = pulseShape
        self.baselineAmplitude = baselineAmplitude
        self.baselineFrequencyHz = baselineFrequencyHz
        self.noiseStd = noiseStd
        self.motion = motion
        self.referenceIntervalS = referenceIntervalS
    }
}

/// A synthetic recording with its ground truth: the PPG channel is exactly
/// Float(pulse + baseline + artefact + noise) sample by sample, all components in PPG units, [T]
/// (then through `options.device` when that is not the identity).
public struct SynthesizedPPG: Sendable, Equatable {
    public var recording: Recording
    public var pulse: [Double]
    public var baseline: [Double]
    /// Motion artefact (all zeros without motion).
    public var artefact: [Double]
    public var noise: [Double]
    /// The artefact filter actually used, [3][2r+1] (x, y, z), or nil without motion.
    public var artefactTaps: [[Double]]?
}

/// Generators of synthetic signals.
public enum Synth {
    /// Number of samples for a duration: round(durationS · samplingRateHz).
    public static func sampleCount(samplingRateHz: Double, durationS: Double) -> Int {
        let n = (durationS * samplingRateHz).rounded()
        return n.isFinite && n > 0 && n < Double(Int32.max) ? Int(n) : 0
    }

    /// Sum of cosines: x[n] = Σ_k amplitudes[k] · cos(2π · frequenciesHz[k] · n / fs + phasesRad[k]),
    /// n = 0 ..< round(durationS · fs). Phases default to 0. Returns one channel at fs Hz.
    public static func cosines(frequenciesHz: [Double], amplitudes: [Double], phasesRad: [Double]? = nil,
                               samplingRateHz fs: Double, durationS: Double,
                               name: String = "ppg", unit: String = "a.u.") throws -> Channel {
        try checkRate(fs, durationS)
        let phases = phasesRad ?? [Double](repeating: 0, count: frequenciesHz.count)
        guard amplitudes.count == frequenciesHz.count, phases.count == frequenciesHz.count else {
            throw PPGScopeError(object: "cosines", "need one amplitude and one phase per frequency: \(frequenciesHz.count) frequencies, \(amplitudes.count) amplitudes, \(phases.count) phases")
        }
        for v in frequenciesHz + amplitudes + phases where !v.isFinite {
            throw PPGScopeError(object: "cosines", "frequencies, amplitudes and phases must be finite")
        }
        let count = sampleCount(samplingRateHz: fs, durationS: durationS)
        var samples = [Float](repeating: 0, count: count)
        for n in 0..<count {
            let t = Double(n) / fs
            var s = 0.0
            for k in frequenciesHz.indices { s += amplitudes[k] * cos(2 * Double.pi * frequenciesHz[k] * t + phases[k]) }
            samples[n] = Float(s)
        }
        return Channel(name: name, samplingRateHz: fs, unit: unit, samples: samples)
    }

    /// A realistic synthetic PPG (and, with motion, a 3-axis accelerometer): see `synthesize`.
    public static func ppg(_ options: PPGSynthesisOptions) throws -> Recording {
        try synthesize(options).recording
    }

    /// Synthesises a PPG recording with ground truth.
    ///
    /// - Beat phase φ(t) = ∫₀ᵗ HR(τ)/60 dτ (cycles, trapezoidal rule at the sample times), so the
    ///   pulse follows the instantaneous HR of `options.heartRate`; pulse[n] = pulseAmplitude · p(φ(tₙ))
    ///   with p the `PulseShape`.
    /// - Baseline: slow sinusoid; noise: white Gaussian (stream 1 of the seed).
    /// - Motion: accelerometer axes in g (stream 2), artefact = non-causal FIR of the accelerometer
    ///   (taps from stream 3 unless given), so least squares on the accelerometer recovers it.
    ///
    /// Channels: `ppg` (unit a.u.) and, with motion, `acc_x`, `acc_y`, `acc_z` (unit g), all at
    /// `samplingRateHz`, [T] with T = round(durationS · samplingRateHz). Reference HR: the
    /// trajectory's instantaneous HR at t = 0, referenceIntervalS, 2·referenceIntervalS, … ≤ duration.
    /// Metadata records every parameter (`generator`, `seed`, `heart_rate`, …).
    public static func synthesize(_ options: PPGSynthesisOptions) throws -> SynthesizedPPG {
        let fs = options.samplingRateHz
        try checkRate(fs, options.durationS)
        try options.heartRate.validate()
        try options.pulseShape.validate()
        guard options.heartRate.maximumBPM / 60 < fs / 2 else {
            throw PPGScopeError(object: "heart_rate", "\(options.heartRate.maximumBPM) BPM is above the Nyquist frequency of \(fs) Hz sampling")
        }
        for (name, v) in [("pulseAmplitude", options.pulseAmplitude), ("baselineAmplitude", options.baselineAmplitude),
                          ("baselineFrequencyHz", options.baselineFrequencyHz)] where !v.isFinite {
            throw PPGScopeError(object: name, "must be finite, found \(v)")
        }
        guard options.noiseStd.isFinite, options.noiseStd >= 0 else {
            throw PPGScopeError(object: "noiseStd", "must be ≥ 0, found \(options.noiseStd)")
        }
        guard options.referenceIntervalS.isFinite, options.referenceIntervalS > 0 else {
            throw PPGScopeError(object: "referenceIntervalS", "must be > 0 s, found \(options.referenceIntervalS)")
        }
        let count = sampleCount(samplingRateHz: fs, durationS: options.durationS)
        let duration = options.durationS

        // Pulse: integrate the instantaneous beat frequency.
        var pulse = [Double](repeating: 0, count: count)
        var phase = 0.0
        var previousRate = options.heartRate.bpm(atTimeS: 0, durationS: duration) / 60
        for n in 0..<count {
            let rate = options.heartRate.bpm(atTimeS: Double(n) / fs, durationS: duration) / 60
            if n > 0 { phase += 0.5 * (previousRate + rate) / fs }
            previousRate = rate
            pulse[n] = options.pulseAmplitude * options.pulseShape.value(phase: phase)
        }

        // Baseline wander with a seeded phase (stream 4).
        var baselineRNG = Xoshiro256StarStar(seed: options.seed, stream: 4)
        let baselinePhase = baselineRNG.nextUniform(0, 2 * Double.pi)
        let baseline = (0..<count).map { n in
            options.baselineAmplitude * sin(2 * Double.pi * options.baselineFrequencyHz * Double(n) / fs + baselinePhase)
        }

        // White noise (stream 1).
        var noiseRNG = Xoshiro256StarStar(seed: options.seed, stream: 1)
        let noise = (0..<count).map { _ in options.noiseStd * noiseRNG.nextNormal() }

        var artefact = [Double](repeating: 0, count: count)
        var acc: [[Double]] = []
        var taps: [[Double]]?
        if let motion = options.motion {
            acc = try accelerometer(motion, count: count, samplingRateHz: fs, seed: options.seed)
            let used: [[Double]]
            if let given = motion.artefactTaps {
                guard given.count == 3 else {
                    throw PPGScopeError(object: "artefactTaps", "need one tap array per axis (3), found \(given.count)")
                }
                for (axis, h) in given.enumerated() {
                    guard h.count % 2 == 1, h.count <= 2 * MotionSynthesis.maximumTapRadius + 1 else {
                        throw PPGScopeError(object: "artefactTaps", "axis \(axis): need an odd number of taps ≤ \(2 * MotionSynthesis.maximumTapRadius + 1), found \(h.count)")
                    }
                    guard h.allSatisfy(\.isFinite) else { throw PPGScopeError(object: "artefactTaps", "axis \(axis): taps must be finite") }
                }
                used = given
            } else {
                guard motion.artefactStd.isFinite, motion.artefactStd >= 0 else {
                    throw PPGScopeError(object: "artefactStd", "must be ≥ 0, found \(motion.artefactStd)")
                }
                var tapRNG = Xoshiro256StarStar(seed: options.seed, stream: 3)
                let r = MotionSynthesis.maximumTapRadius
                var random = (0..<3).map { _ in
                    (-r...r).map { k in tapRNG.nextNormal() * 0.5 * (1 + cos(Double.pi * Double(k) / Double(r + 1))) }
                }
                let unit = LinearMotionFilter.apply(random, to: acc)
                let std = standardDeviation(unit)
                let gain = std > 0 ? motion.artefactStd / std : 0
                random = random.map { $0.map { $0 * gain } }
                used = random
            }
            taps = used
            artefact = LinearMotionFilter.apply(used, to: acc)
        }

        var ppg = [Float](repeating: 0, count: count)
        for n in 0..<count { ppg[n] = Float(pulse[n] + baseline[n] + artefact[n] + noise[n]) }
        if !options.device.isIdentity {
            try options.device.validate()
            ppg = options.device.apply((0..<count).map { pulse[$0] + baseline[$0] + artefact[$0] + noise[$0] },
                                       samplingRateHz: fs, seed: options.seed).map { Float($0) }
        }
        var channels = [Channel(name: "ppg", samplingRateHz: fs, unit: "a.u.", samples: ppg)]
        for (axis, name) in ["acc_x", "acc_y", "acc_z"].enumerated() where axis < acc.count {
            channels.append(Channel(name: name, samplingRateHz: fs, unit: "g", samples: acc[axis].map { Float($0) }))
        }

        // Reference HR: the instantaneous trajectory every referenceIntervalS.
        var times: [Double] = []
        var k = 0
        while true {
            let t = Double(k) * options.referenceIntervalS
            if t > duration + 1e-9 { break }
            times.append(t)
            k += 1
        }
        let reference = HeartRateSeries(timesS: times, bpm: times.map { options.heartRate.bpm(atTimeS: $0, durationS: duration) })

        var metadata: [String: String] = [
            "generator": "ppgscope Synth.ppg",
            "seed": String(options.seed),
            "sampling_rate_hz": "\(fs)",
            "duration_s": "\(duration)",
            "heart_rate": options.heartRate.summary,
            "pulse_amplitude": "\(options.pulseAmplitude)",
            "pulse_shape": "systolic \(options.pulseShape.systolicCentre)/\(options.pulseShape.systolicWidth), diastolic \(options.pulseShape.diastolicCentre)/\(options.pulseShape.diastolicWidth) x \(options.pulseShape.diastolicAmplitude)",
            "baseline": "\(options.baselineAmplitude) at \(options.baselineFrequencyHz) Hz",
            "noise_std": "\(options.noiseStd)",
            "reference_interval_s": "\(options.referenceIntervalS)",
            "motion": options.motion?.summary ?? "none",
        ]
        if !options.device.isIdentity { metadata["device"] = options.device.summary }
        if let taps {
            for (axis, name) in ["x", "y", "z"].enumerated() { metadata["artefact_taps_\(name)"] = list(taps[axis]) }
        }
        let recording = Recording(channels: channels, referenceHR: reference, metadata: metadata)
        try recording.validate()
        return SynthesizedPPG(recording: recording, pulse: pulse, baseline: baseline, artefact: artefact, noise: noise, artefactTaps: taps)
    }

    // MARK: - Internals

    private static func accelerometer(_ motion: MotionSynthesis, count: Int, samplingRateHz fs: Double, seed: UInt64) throws -> [[Double]] {
        guard motion.accelerationStdG.isFinite, motion.accelerationStdG >= 0,
              motion.accelerometerNoiseStdG.isFinite, motion.accelerometerNoiseStdG >= 0 else {
            throw PPGScopeError(object: "motion", "acceleration and noise standard deviations must be ≥ 0 g")
        }
        var rng = Xoshiro256StarStar(seed: seed, stream: 2)
        var axes: [[Double]] = []
        switch motion.pattern {
        case .armSwing(let cadence):
            guard cadence.isFinite, cadence > 0, 2 * cadence < fs / 2 else {
                throw PPGScopeError(object: "motion", "cadence must be > 0 Hz with its 2nd harmonic below the Nyquist frequency, found \(cadence) Hz")
            }
            for _ in 0..<3 {
                let a1 = rng.nextUniform(0.5, 1), a2 = rng.nextUniform(0.1, 0.5)
                let p1 = rng.nextUniform(0, 2 * Double.pi), p2 = rng.nextUniform(0, 2 * Double.pi)
                // Std of a1·sin + a2·sin is sqrt((a1² + a2²)/2).
                let g = motion.accelerationStdG / ((a1 * a1 + a2 * a2) / 2).squareRoot()
                axes.append((0..<count).map { n in
                    let t = Double(n) / fs
                    return g * (a1 * sin(2 * Double.pi * cadence * t + p1) + a2 * sin(4 * Double.pi * cadence * t + p2))
                })
            }
        case .random(let bandwidth):
            guard bandwidth.isFinite, bandwidth > 0, bandwidth < fs / 2 else {
                throw PPGScopeError(object: "motion", "bandwidth must be in (0, Nyquist) Hz, found \(bandwidth) Hz")
            }
            let alpha = exp(-2 * Double.pi * bandwidth / fs)
            for _ in 0..<3 {
                var s1 = 0.0, s2 = 0.0
                var x = [Double](repeating: 0, count: count)
                // Run the filters in for a while so the start is already stationary.
                let warmUp = Int(10 * fs / bandwidth) + 1
                for n in -warmUp..<count {
                    s1 = alpha * s1 + (1 - alpha) * rng.nextNormal()
                    s2 = alpha * s2 + (1 - alpha) * s1
                    if n >= 0 { x[n] = s2 }
                }
                let std = standardDeviation(x)
                let g = std > 0 ? motion.accelerationStdG / std : 0
                axes.append(x.map { $0 * g })
            }
        }
        if motion.accelerometerNoiseStdG > 0 {
            for axis in 0..<3 {
                for n in 0..<count { axes[axis][n] += motion.accelerometerNoiseStdG * rng.nextNormal() }
            }
        }
        return axes
    }

    private static func checkRate(_ fs: Double, _ durationS: Double) throws {
        guard fs.isFinite, fs > 0 else {
            throw PPGScopeError(object: "sampling_rate_hz", "sampling rate must be a positive number of Hz, found \(fs)")
        }
        guard durationS.isFinite, durationS > 0, sampleCount(samplingRateHz: fs, durationS: durationS) > 0 else {
            throw PPGScopeError(object: "duration_s", "duration must give at least one sample, found \(durationS) s at \(fs) Hz")
        }
    }

    static func standardDeviation(_ x: [Double]) -> Double {
        guard !x.isEmpty else { return 0 }
        let mean = x.reduce(0, +) / Double(x.count)
        return (x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count)).squareRoot()
    }

    /// Comma-separated shortest round-trip descriptions.
    static func list(_ values: [Double]) -> String { values.map { "\($0)" }.joined(separator: ",") }
}
