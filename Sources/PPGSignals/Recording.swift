/// One sampled signal of a recording: PPG, one accelerometer axis, or any other channel.
public struct Channel: Sendable, Equatable {
    /// Name as stored in files (`ppg`, `acc_x`, `acc_y`, `acc_z`, `activity`, ...).
    public var name: String
    /// Sampling rate in Hz (> 0).
    public var samplingRateHz: Double
    /// Physical unit of the samples (free text: `a.u.`, `g`, `mV`, ...).
    public var unit: String
    /// Samples in `unit`, one every 1/`samplingRateHz` s, starting at t = 0.
    public var samples: [Float]

    public init(name: String, samplingRateHz: Double, unit: String = "a.u.", samples: [Float]) {
        self.name = name
        self.samplingRateHz = samplingRateHz
        self.unit = unit
        self.samples = samples
    }

    /// Duration in seconds: sample count / rate.
    public var durationS: Double { Double(samples.count) / samplingRateHz }
}

/// Reference heart rate as a time series (e.g. ECG-derived), in BPM at times in seconds.
public struct HeartRateSeries: Sendable, Equatable {
    /// Times in s, strictly increasing.
    public var timesS: [Double]
    /// Heart rate in beats per minute at each time.
    public var bpm: [Double]

    public init(timesS: [Double], bpm: [Double]) {
        self.timesS = timesS
        self.bpm = bpm
    }

    public var isEmpty: Bool { timesS.isEmpty }

    /// Reference HR at time `t` s: linear interpolation, nil outside [first, last] time.
    public func value(at t: Double) -> Double? {
        guard let first = timesS.first, let last = timesS.last, t >= first - 1e-9, t <= last + 1e-9 else { return nil }
        var lo = 0, hi = timesS.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if timesS[mid] <= t { lo = mid } else { hi = mid }
        }
        if lo == hi || timesS[hi] == timesS[lo] { return bpm[lo] }
        if t <= timesS[lo] { return bpm[lo] }
        if t >= timesS[hi] { return bpm[hi] }
        let w = (t - timesS[lo]) / (timesS[hi] - timesS[lo])
        return bpm[lo] + w * (bpm[hi] - bpm[lo])
    }
}

/// How a recording's samples were timed, when its file said (a CSV time column, an E4 or EDF
/// start time). Times in seconds.
public struct SampleTiming: Sendable, Equatable {
    /// Wall-clock time of t = 0 as UNIX seconds (UTC), when the file gives one.
    public var startUnixS: Double?
    /// Sample rate the time stamps imply (Hz), before any resampling onto a uniform grid.
    public var measuredRateHz: Double?
    /// Standard deviation of the time steps about 1 / `measuredRateHz` (s); 0 for uniform stamps.
    public var jitterS: Double?
    /// Largest |step − 1 / `measuredRateHz`| among the steps that are not gaps (s).
    public var maxDeviationS: Double?
    /// True when the samples were moved onto a uniform grid (linear interpolation at the grid times).
    public var resampledToGrid: Bool

    public init(startUnixS: Double? = nil, measuredRateHz: Double? = nil, jitterS: Double? = nil,
                maxDeviationS: Double? = nil, resampledToGrid: Bool = false) {
        self.startUnixS = startUnixS
        self.measuredRateHz = measuredRateHz
        self.jitterS = jitterS
        self.maxDeviationS = maxDeviationS
        self.resampledToGrid = resampledToGrid
    }
}

/// A recording: named channels, optional reference heart rate, free-form metadata.
public struct Recording: Sendable, Equatable {
    public var channels: [Channel]
    public var referenceHR: HeartRateSeries?
    /// Free-form key/value metadata (subject, activity, source file, ...).
    public var metadata: [String: String]
    /// Spans of continuous data in seconds, in order and disjoint, when the file had gaps (missing
    /// time stamps, invalid samples); empty means one segment covering the whole recording. The
    /// samples inside a gap are filled (linearly) only so that channels stay uniform: model windows
    /// are cut inside segments and never straddle a gap.
    public var segmentsS: [Range<Double>]
    /// How the samples were timed, when the file said.
    public var timing: SampleTiming?

    public init(channels: [Channel], referenceHR: HeartRateSeries? = nil, metadata: [String: String] = [:],
                segmentsS: [Range<Double>] = [], timing: SampleTiming? = nil) {
        self.channels = channels
        self.referenceHR = referenceHR
        self.metadata = metadata
        self.segmentsS = segmentsS
        self.timing = timing
    }

    /// The spans windows may be cut from: `segmentsS`, or the whole recording.
    public var continuousSpansS: [Range<Double>] { segmentsS.isEmpty ? [0..<durationS] : segmentsS }

    /// The part of the recording in `span` (s): each channel from its first sample at or after the
    /// start to its last before the end, the reference HR shifted to the new t = 0 (the PPG's or
    /// the first channel's first sample time), no segments. `startS` is that new t = 0 in the old clock.
    public func slice(_ span: Range<Double>) -> (recording: Recording, startS: Double) {
        let lead = channel("ppg") ?? channels[0]
        let startS = (span.lowerBound * lead.samplingRateHz - 1e-9).rounded(.up) / lead.samplingRateHz
        var out = self
        out.segmentsS = []
        out.channels = channels.map { c in
            var c = c
            let first = min(max(Int((startS * c.samplingRateHz - 1e-6).rounded(.up)), 0), c.samples.count)
            let end = min(max(Int((span.upperBound * c.samplingRateHz + 1e-6).rounded(.down)), first), c.samples.count)
            c.samples = Array(c.samples[first..<end])
            return c
        }
        if let hr = referenceHR {
            out.referenceHR = HeartRateSeries(timesS: hr.timesS.map { $0 - startS }, bpm: hr.bpm)
        }
        if var timing = out.timing, let t0 = timing.startUnixS { timing.startUnixS = t0 + startS; out.timing = timing }
        return (out, startS)
    }

    /// The channel called `name`, if present.
    public func channel(_ name: String) -> Channel? { channels.first { $0.name == name } }

    /// Longest channel duration in seconds.
    public var durationS: Double { channels.map(\.durationS).max() ?? 0 }

    /// Sampling rates a channel may have, in Hz: from one sample every 1000 s to 1 MHz. Rates
    /// outside (a damaged header's 8e-320 Hz) would make durations and resampling lengths overflow.
    public static let samplingRatesHz: ClosedRange<Double> = 0.001...1_000_000

    /// The largest reference heart rate accepted, in BPM (a mouse's heart beats ~600 times a minute).
    public static let maxReferenceBPM = 1000.0
    /// The largest |time| of a reference value accepted, in seconds (about 31 years).
    public static let maxTimeS = 1e9

    /// Checks what every reader and writer relies on: at least one channel, unique non-empty names,
    /// sampling rates within `samplingRatesHz`, finite samples, and a reference HR with matching lengths,
    /// increasing times and values within `maxTimeS` and `maxReferenceBPM`. Throws a `PPGScopeError` naming the offending channel.
    public func validate() throws {
        guard !channels.isEmpty else { throw PPGScopeError("recording has no channels") }
        var seen = Set<String>()
        for channel in channels {
            guard !channel.name.isEmpty else { throw PPGScopeError("a channel has an empty name") }
            guard seen.insert(channel.name).inserted else {
                throw PPGScopeError(object: channel.name, "duplicate channel name")
            }
            guard channel.samplingRateHz.isFinite, channel.samplingRateHz > 0 else {
                throw PPGScopeError(object: channel.name, "sampling rate must be a positive number of Hz, found \(channel.samplingRateHz)")
            }
            guard Recording.samplingRatesHz.contains(channel.samplingRateHz) else {
                throw PPGScopeError(object: channel.name, "sampling rate \(channel.samplingRateHz) Hz is outside \(Recording.samplingRatesHz.lowerBound)…\(Int(Recording.samplingRatesHz.upperBound)) Hz (damaged header?)")
            }
            guard !channel.samples.isEmpty else { throw PPGScopeError(object: channel.name, "channel has no samples") }
            if let bad = channel.samples.firstIndex(where: { !$0.isFinite }) {
                throw PPGScopeError(object: channel.name, "sample \(bad) is \(channel.samples[bad]) (NaN and Inf are not accepted)")
            }
        }
        for (i, span) in segmentsS.enumerated() {
            guard span.lowerBound.isFinite, span.upperBound.isFinite, span.lowerBound >= 0, !span.isEmpty,
                  i == 0 || span.lowerBound >= segmentsS[i - 1].upperBound else {
                throw PPGScopeError(object: "segments", "segment \(i) (\(span.lowerBound)–\(span.upperBound) s) must be non-empty, start at or after 0 s and after the previous one")
            }
        }
        if let hr = referenceHR {
            guard hr.timesS.count == hr.bpm.count else {
                throw PPGScopeError(object: "reference_hr", "\(hr.timesS.count) times but \(hr.bpm.count) values")
            }
            for i in hr.timesS.indices {
                guard hr.timesS[i].isFinite, hr.bpm[i].isFinite else {
                    throw PPGScopeError(object: "reference_hr", "entry \(i) is not finite")
                }
                guard hr.bpm[i] > 0, hr.bpm[i] <= Recording.maxReferenceBPM, abs(hr.timesS[i]) <= Recording.maxTimeS else {
                    throw PPGScopeError(object: "reference_hr", "entry \(i) (\(hr.timesS[i]) s, \(hr.bpm[i]) BPM) is outside 0–\(Int(Recording.maxTimeS)) s, 0–\(Int(Recording.maxReferenceBPM)) BPM (damaged file?)")
                }
                if i > 0, hr.timesS[i] <= hr.timesS[i - 1] {
                    throw PPGScopeError(object: "reference_hr", "times must increase (entry \(i))")
                }
            }
        }
    }
}
