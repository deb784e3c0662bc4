/// Time-stamped samples made uniform: the rate the stamps imply, their jitter, the gaps, and the
/// samples moved onto a uniform grid by linear interpolation. Pure computation; times in seconds.
///
/// Why linear interpolation: the stamps are already at (about) the final rate, and their jitter is
/// a small fraction of a period, so reading each grid time between its two neighbouring samples
/// corrects the timing error without changing the band. Band-limited rate conversion
/// (libsamplerate) needs uniform input and happens afterwards, when a model's rate is different.
public enum UniformGrid {
    /// A step of at least this many sample periods is a gap (three or more samples missing): the
    /// recording is split there into segments that model windows never straddle. Shorter holes
    /// are bridged by the interpolation.
    public static let gapPeriods = 3.5
    /// The most samples a grid may have (2^27 per channel, 512 MB of float32): a longer span means
    /// the time unit was misread.
    public static let maximumGridSamples = 1 << 27

    /// What the time stamps say.
    public struct Analysis: Sendable, Equatable {
        /// Sample rate implied by the steps that are not gaps (Hz), snapped to a whole number of Hz
        /// when within 0.2 % of one (a 64 Hz stream stamped in whole ms has steps of 15 and 16 ms).
        public var rateHz: Double
        /// Standard deviation of the non-gap steps about 1 / rate (s).
        public var jitterS: Double
        /// Largest |step − 1 / rate| among the non-gap steps (s).
        public var maxDeviationS: Double
        /// True when every step equals the first within 1e-6 relative: the samples are used as they are.
        public var isUniform: Bool
        /// Indices i whose step to i + 1 is a gap.
        public var gapsAfter: [Int]
    }

    /// Analyses strictly increasing `times` (at least two). `rateHz`, when given, is the grid rate
    /// the caller wants (gaps are then measured in its periods).
    public static func analyse(_ times: [Double], rateHz explicitRate: Double? = nil) -> Analysis {
        precondition(times.count >= 2, "at least two time stamps")
        let steps = (1..<times.count).map { times[$0] - times[$0 - 1] }
        let first = steps[0]
        if steps.allSatisfy({ abs($0 - first) <= 1e-6 * first }) {
            var rate = Double(times.count - 1) / (times[times.count - 1] - times[0])
            if abs(rate - rate.rounded()) <= 1e-9 * rate { rate = rate.rounded() }
            return Analysis(rateHz: explicitRate ?? rate, jitterS: 0, maxDeviationS: 0, isUniform: true, gapsAfter: [])
        }
        let median = steps.sorted()[steps.count / 2]
        let period0 = explicitRate.map { 1 / $0 } ?? median
        let gaps = steps.indices.filter { steps[$0] >= gapPeriods * period0 }
        let gapSet = Set(gaps)
        let kept = steps.indices.filter { !gapSet.contains($0) }.map { steps[$0] }
        var rate = explicitRate ?? Double(kept.count) / kept.reduce(0, +)
        if explicitRate == nil, rate >= 1, abs(rate - rate.rounded()) <= 0.002 * rate { rate = rate.rounded() }
        let period = 1 / rate
        let deviations = kept.map { $0 - period }
        let jitter = (deviations.reduce(0) { $0 + $1 * $1 } / Double(max(deviations.count, 1))).squareRoot()
        return Analysis(rateHz: rate, jitterS: jitter, maxDeviationS: deviations.map(abs).max() ?? 0,
                        isUniform: false, gapsAfter: gaps)
    }

    /// Number of grid points t0 + k / rate from the first to (about) the last time stamp.
    public static func gridCount(_ times: [Double], rateHz: Double) -> Int {
        Int(((times[times.count - 1] - times[0]) * rateHz).rounded()) + 1
    }

    /// `values` (one per time stamp) read at the grid times t0 + k / rate, k < `count`, by linear
    /// interpolation between the neighbouring stamps (the last value beyond the last stamp).
    public static func interpolate(_ values: [Float], at times: [Double], rateHz: Double, count: Int) -> [Float] {
        precondition(values.count == times.count && !times.isEmpty)
        var out = [Float](repeating: 0, count: count)
        var j = 0
        let t0 = times[0]
        for k in 0..<count {
            let t = t0 + Double(k) / rateHz
            while j + 1 < times.count, times[j + 1] <= t { j += 1 }
            if j + 1 >= times.count { out[k] = values[values.count - 1]; continue }
            let w = (t - times[j]) / (times[j + 1] - times[j])
            out[k] = Float(Double(values[j]) + max(0, w) * (Double(values[j + 1]) - Double(values[j])))
        }
        return out
    }

    /// The continuous spans (s, relative to the first stamp) between the gaps: a span runs from
    /// its first stamp to one period after its last.
    public static func segments(_ times: [Double], gapsAfter: [Int], rateHz: Double) -> [Range<Double>] {
        guard !gapsAfter.isEmpty else { return [] }
        let t0 = times[0]
        var spans: [Range<Double>] = []
        var start = 0
        for g in gapsAfter + [times.count - 1] {
            spans.append((times[start] - t0)..<(times[g] - t0 + 1 / rateHz))
            start = g + 1
        }
        return spans
    }

    /// Missing samples (NaN) of a uniformly sampled signal filled by linear interpolation between
    /// the valid neighbours (the nearest valid value at either end), with the runs of at least
    /// `gapSamples` missing samples returned as gaps (sample ranges). nil when no sample is valid.
    public static func fillMissing(_ values: [Float], gapSamples: Int = 3) -> (filled: [Float], gaps: [Range<Int>])? {
        guard let firstValid = values.firstIndex(where: { !$0.isNaN }) else { return nil }
        var out = values
        var gaps: [Range<Int>] = []
        var i = 0
        var lastValid: Int? = nil
        while i < out.count {
            if !out[i].isNaN { lastValid = i; i += 1; continue }
            var j = i
            while j < out.count, out[j].isNaN { j += 1 }
            if j - i >= gapSamples { gaps.append(i..<j) }
            let left = lastValid.map { out[$0] } ?? out[firstValid]
            let right = j < out.count ? out[j] : left
            for k in i..<j {
                let w = Float(k - i + 1) / Float(j - i + 1)
                out[k] = lastValid == nil ? right : (j < out.count ? left + w * (right - left) : left)
            }
            i = j
        }
        return (out, gaps)
    }

    /// The spans (s) of a recording of `durationS` that avoid every gap in `gapsS` (merged first).
    public static func spans(durationS: Double, avoiding gapsS: [Range<Double>]) -> [Range<Double>] {
        guard !gapsS.isEmpty else { return [] }
        var merged: [Range<Double>] = []
        for gap in gapsS.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, gap.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, gap.upperBound)
            } else {
                merged.append(gap)
            }
        }
        var spans: [Range<Double>] = []
        var start = 0.0
        for gap in merged {
            if gap.lowerBound > start { spans.append(start..<gap.lowerBound) }
            start = max(start, gap.upperBound)
        }
        if durationS > start { spans.append(start..<durationS) }
        return spans
    }
}
