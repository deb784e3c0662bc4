import Foundation
import PPGSignals

/// Which way a PPG's pulses point: `upright` has the systolic peak upwards (a fast rise, then a
/// slow decay), `inverted` downwards (raw photodiode counts: light falls as blood volume rises).
public enum PPGPolarity: String, Sendable, Codable, Equatable {
    case upright, inverted
    public var flipped: PPGPolarity { self == .upright ? .inverted : .upright }
}

/// Statistics of a PPG signal over 8 s windows every 2 s (the model's windows), in its own units.
public struct PPGStatistics: Sendable, Codable, Equatable {
    /// Median, 5th and 95th percentile of the per-window standard deviation.
    public var windowStdMedian: Double
    public var windowStdP05: Double
    public var windowStdP95: Double
    /// Median over windows of |window mean| / window std: 0 for a signal centred on zero.
    public var offsetRatio: Double
    /// Median over windows of the share of the centred window's power below 0.5 Hz (1 − power
    /// kept by a 0.5–8 Hz band-pass): the baseline's share.
    public var baselinePowerShare: Double
    /// Median over windows of the skewness of the band-passed signal's first difference: > 0 for
    /// upright pulses (the rise is steeper than the decay), < 0 for inverted ones.
    public var slopeSkewness: Double
    /// Share of windows whose slope skewness has the sign of the median.
    public var slopeSkewnessAgreement: Double
    public var windows: Int

    public var polarity: PPGPolarity { slopeSkewness >= 0 ? .upright : .inverted }

    /// Measures `x` sampled at `fs` Hz over its windows (at most `maximumWindows`, evenly spread);
    /// nil when it is shorter than one window or too slow for the 0.5–8 Hz band-pass.
    public static func measure(_ x: [Double], samplingRateHz fs: Double, windowS: Double = 8, shiftS: Double = 2,
                               maximumWindows: Int = 256) -> PPGStatistics? {
        let length = Int((windowS * fs).rounded()), shift = max(1, Int((shiftS * fs).rounded()))
        guard length > 8, x.count >= length, let band = try? ElgendiParameters().bandPass(samplingRateHz: fs) else { return nil }
        let mean = SignalStatistics.mean(x[...])
        var filtered = x.map { $0 - mean }
        band.filtfiltInPlace(&filtered)
        var stds: [Double] = [], offsets: [Double] = [], baseline: [Double] = [], slopes: [Double] = []
        // At most `maximumWindows` windows, evenly spread: the statistics of a long recording
        // without reading every overlapping window.
        let all = (x.count - length) / shift + 1
        let starts = all <= maximumWindows ? (0..<all).map { $0 * shift }
                                           : (0..<maximumWindows).map { ($0 * (all - 1) / (maximumWindows - 1)) * shift }
        var differences = [Double](repeating: 0, count: length - 1)
        x.withUnsafeBufferPointer { x in
            filtered.withUnsafeBufferPointer { filtered in
                differences.withUnsafeMutableBufferPointer { differences in
                    for start in starts {
                        let w = x.baseAddress! + start, f = filtered.baseAddress! + start
                        // Each sum runs in the order of `SignalStatistics.mean`, `.standardDeviation` and
                        // `.skewness` (so the numbers are theirs, bit for bit), two or three sums per pass.
                        var sum = 0.0, kept = 0.0, differenceSum = 0.0
                        for k in 0..<length {
                            sum += w[k]
                            kept += f[k] * f[k]
                        }
                        for k in 0..<(length - 1) {
                            differences[k] = f[k + 1] - f[k]
                            differenceSum += differences[k]
                        }
                        let m = sum / Double(length)
                        var total = 0.0
                        for k in 0..<length { total += (w[k] - m) * (w[k] - m) }
                        let s = (total / Double(length)).squareRoot()
                        stds.append(s)
                        offsets.append(s > 0 ? abs(m) / s : (m == 0 ? 0 : .infinity))
                        baseline.append(total > 0 ? max(0, 1 - kept / total) : 0)
                        // Skewness of the differences (length − 1 > 2 of them).
                        let n = Double(length - 1), md = differenceSum / n
                        var m2 = 0.0, m3 = 0.0
                        for k in 0..<(length - 1) {
                            let d = differences[k] - md
                            m2 += d * d
                            m3 += d * d * d
                        }
                        m2 /= n
                        m3 /= n
                        slopes.append(m2 > 0 ? m3 / pow(m2, 1.5) : 0)
                    }
                }
            }
        }
        let slope = SignalStatistics.median(slopes)!
        return PPGStatistics(windowStdMedian: SignalStatistics.median(stds)!, windowStdP05: SignalStatistics.quantile(stds, 0.05)!,
                             windowStdP95: SignalStatistics.quantile(stds, 0.95)!, offsetRatio: SignalStatistics.median(offsets)!,
                             baselinePowerShare: SignalStatistics.median(baseline)!, slopeSkewness: slope,
                             slopeSkewnessAgreement: Double(slopes.filter { ($0 >= 0) == (slope >= 0) }.count) / Double(slopes.count),
                             windows: stds.count)
    }
}

/// The input convention a model family was trained with, measured on its training data.
public struct ModelConvention: Sendable, Equatable {
    public var name: String
    /// Where the statistics come from.
    public var source: String
    public var polarity: PPGPolarity
    public var training: PPGStatistics
    /// A signal is "centred" when its offset ratio and baseline share are at most these
    /// (the training data's values with a margin).
    public var maximumOffsetRatio: Double
    public var maximumBaselinePowerShare: Double
    /// Band-pass that removes a baseline the way the training device's filter did (zero-phase Butterworth).
    public var baselineBandHz: ClosedRange<Double>
    public var baselineFilterOrder: Int
    /// Amplitudes (median window std) inside this range need no scaling.
    public var amplitudeRange: ClosedRange<Double> { (training.windowStdP05 / 2)...(training.windowStdP95 * 2) }
}

/// What to do about polarity and scale (`--polarity`, `--scale`).
public struct ConditioningOptions: Sendable, Equatable {
    public enum Polarity: String, Sendable, CaseIterable { case auto, asIs = "as-is", inverted }
    public enum Scale: Sendable, Equatable { case auto, none, factor(Double) }
    /// nil: no conditioning at all (the library default: the data is taken as given).
    public var convention: ModelConvention?
    public var polarity: Polarity = .auto
    public var scale: Scale = .auto
    public init(convention: ModelConvention? = nil, polarity: Polarity = .auto, scale: Scale = .auto) {
        self.convention = convention
        self.polarity = polarity
        self.scale = scale
    }
}

/// What the conditioning found and did, for the terminal, JSON and CSV metadata.
public struct ConditioningReport: Sendable, Codable, Equatable {
    public var convention: String
    public var detectedPolarity: PPGPolarity?
    public var flipped: Bool
    public var baselineRemoved: Bool
    public var baselineBandHz: [Double]?
    /// Factor the (centred) signal was multiplied by; 1 when not scaled.
    public var scaleFactor: Double
    /// Statistics before and after, at the input's own rate.
    public var before: PPGStatistics?
    public var after: PPGStatistics?
    /// One line per step, in order ("polarity: inverted (slope skewness −0.8 on 94 % of windows) → flipped").
    public var steps: [String]
    /// Out-of-distribution findings against the training statistics (empty: in distribution).
    public var outOfDistribution: [String]
    public var untouched: Bool { !flipped && !baselineRemoved && scaleFactor == 1 }

    /// The report of a run without conditioning.
    public static let none = ConditioningReport(convention: "none", detectedPolarity: nil, flipped: false, baselineRemoved: false,
                                                baselineBandHz: nil, scaleFactor: 1, before: nil, after: nil, steps: ["no conditioning"],
                                                outOfDistribution: [])
}

/// Brings a PPG channel to a model's input convention: polarity, baseline, scale (pure computation).
public enum InputConditioning {
    /// The conditioned channel and what was done. A channel already in the convention comes back
    /// bit for bit unchanged.
    public static func apply(_ channel: Channel, options: ConditioningOptions) throws -> (Channel, ConditioningReport) {
        guard let convention = options.convention else { return (channel, .none) }
        let fs = channel.samplingRateHz
        var x = channel.samples.map(Double.init)
        let before = PPGStatistics.measure(x, samplingRateHz: fs)
        var report = ConditioningReport(convention: convention.name, detectedPolarity: before?.polarity, flipped: false, baselineRemoved: false,
                                        baselineBandHz: nil, scaleFactor: 1, before: before, after: nil, steps: [], outOfDistribution: [])
        // 1. Polarity.
        switch options.polarity {
        case .auto:
            if let before {
                let found = String(format: "%@ (slope skewness %+.2f, %.0f %% of %d windows agree)", before.polarity.rawValue,
                                   before.slopeSkewness, 100 * before.slopeSkewnessAgreement, before.windows)
                report.flipped = before.polarity != convention.polarity
                report.steps.append("polarity: \(found)" + (report.flipped ? " → flipped to \(convention.polarity.rawValue)" : ", as the model's"))
            } else {
                report.steps.append("polarity: not detected (shorter than one 8 s window), kept as is")
            }
        case .asIs: report.steps.append("polarity: kept as is (--polarity as-is)")
        case .inverted:
            report.flipped = true
            report.steps.append("polarity: flipped (--polarity inverted)")
        }
        if report.flipped { for i in x.indices { x[i] = -x[i] } }
        // 2. Baseline: removed when the signal is not centred like the training data.
        // Flipping changes only the sign of the slope skewness.
        var stats = before
        if report.flipped { stats?.slopeSkewness.negate() }
        if let stats, stats.offsetRatio > convention.maximumOffsetRatio || stats.baselinePowerShare > convention.maximumBaselinePowerShare {
            let band = try ButterworthBandPass(order: convention.baselineFilterOrder, lowHz: convention.baselineBandHz.lowerBound,
                                               highHz: min(convention.baselineBandHz.upperBound, 0.45 * fs), samplingRateHz: fs)
            let mean = SignalStatistics.mean(x[...])
            for i in x.indices { x[i] -= mean }
            band.filtfiltInPlace(&x)
            report.baselineRemoved = true
            report.baselineBandHz = [band.lowHz, band.highHz]
            report.steps.append(String(format: "baseline: offset %.2f × std, %.0f %% of power below 0.5 Hz → removed by a zero-phase Butterworth band-pass %g–%g Hz (order %d)",
                                       stats.offsetRatio, 100 * stats.baselinePowerShare, band.lowHz, band.highHz, convention.baselineFilterOrder))
        } else if let stats {
            report.steps.append(String(format: "baseline: centred (offset %.2f × std, %.0f %% of power below 0.5 Hz), kept", stats.offsetRatio, 100 * stats.baselinePowerShare))
        }
        // 3. Scale.
        switch options.scale {
        case .none: report.steps.append("scale: kept (--scale none)")
        case .factor(let k):
            report.scaleFactor = k
            report.steps.append("scale: × \(k) (--scale)")
        case .auto:
            if let amplitude = (report.baselineRemoved ? PPGStatistics.measure(x, samplingRateHz: fs) : stats)?.windowStdMedian, amplitude > 0 {
                if convention.amplitudeRange.contains(amplitude) {
                    report.steps.append(String(format: "scale: median window std %.4g within the training range %.4g–%.4g, kept",
                                               amplitude, convention.amplitudeRange.lowerBound, convention.amplitudeRange.upperBound))
                } else {
                    report.scaleFactor = convention.training.windowStdMedian / amplitude
                    report.steps.append(String(format: "scale: median window std %.4g outside the training range %.4g–%.4g → × %.4g (to the training median %.4g)",
                                               amplitude, convention.amplitudeRange.lowerBound, convention.amplitudeRange.upperBound,
                                               report.scaleFactor, convention.training.windowStdMedian))
                }
            }
        }
        if report.scaleFactor != 1 { let k = report.scaleFactor; for i in x.indices { x[i] *= k } }
        guard !report.untouched else {
            report.after = before
            report.outOfDistribution = outOfDistribution(before, convention: convention)
            return (channel, report)
        }
        // Only a removed baseline changes more than the sign and the scale of the statistics.
        var after = report.baselineRemoved ? PPGStatistics.measure(x, samplingRateHz: fs) : stats
        if !report.baselineRemoved, let k = Optional(report.scaleFactor), k != 1 {
            after?.windowStdMedian *= k; after?.windowStdP05 *= k; after?.windowStdP95 *= k
        }
        report.after = after
        report.outOfDistribution = outOfDistribution(after, convention: convention)
        var out = channel
        out.samples = x.map { Float($0) }
        return (out, report)
    }

    /// The ways `stats` falls outside what the model was trained on (empty: in distribution).
    public static func outOfDistribution(_ stats: PPGStatistics?, convention c: ModelConvention) -> [String] {
        guard let s = stats else { return ["shorter than one 8 s window: statistics not measured"] }
        var found: [String] = []
        if !c.amplitudeRange.contains(s.windowStdMedian) {
            found.append(String(format: "amplitude: median window std %.4g is outside the training range %.4g–%.4g",
                                s.windowStdMedian, c.amplitudeRange.lowerBound, c.amplitudeRange.upperBound))
        }
        if s.polarity != c.polarity {
            found.append("polarity: the pulses are \(s.polarity.rawValue), the model was trained on \(c.polarity.rawValue) pulses")
        }
        if s.offsetRatio > c.maximumOffsetRatio {
            found.append(String(format: "offset: |window mean| is %.2f × the window std (training ≤ %.2f)", s.offsetRatio, c.maximumOffsetRatio))
        }
        if s.baselinePowerShare > c.maximumBaselinePowerShare {
            found.append(String(format: "baseline: %.0f %% of the power is below 0.5 Hz (training ≤ %.0f %%)", 100 * s.baselinePowerShare, 100 * c.maximumBaselinePowerShare))
        }
        return found
    }
}
