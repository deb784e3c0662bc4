import Foundation
import PPGSignals

/// One inter-beat interval: from the beat at `startS` to the next at `endS`, both in s.
public struct InterBeatInterval: Sendable, Equatable {
    public var startS: Double
    public var endS: Double
    /// Kept by the outlier rejection.
    public var accepted: Bool
    public var seconds: Double { endS - startS }
}

/// Options of the inter-beat-interval outlier rejection.
public struct IBIRejection: Sendable, Equatable {
    /// Plausible heart rates (BPM): intervals outside 60/200 … 60/30 s are rejected.
    public var plausibleBPM: ClosedRange<Double> = 30...200
    /// An interval is rejected when it differs from the median of its neighbourhood (`neighbours`
    /// intervals on each side) by more than this fraction: a missed beat (+100 %) or a false one
    /// (−50 %) is rejected. HeartPy's band (mean ± max(30 %, 300 ms)) made local, so a changing
    /// heart rate is followed.
    public var maximumRelativeDeviation = 0.3
    public var neighbours = 5
    public init() {}
}

/// The beats of a recording and their intervals.
public struct BeatSeries: Sendable, Equatable {
    /// Systolic peak times in s.
    public var timesS: [Double]
    public var intervals: [InterBeatInterval]

    /// Intervals between consecutive `timesS`, each judged against plausibility and its neighbours.
    public init(timesS: [Double], rejection: IBIRejection = IBIRejection()) {
        self.timesS = timesS
        let seconds = zip(timesS.dropFirst(), timesS).map { $0 - $1 }
        let shortest = 60 / rejection.plausibleBPM.upperBound, longest = 60 / rejection.plausibleBPM.lowerBound
        intervals = seconds.indices.map { i in
            let lo = max(0, i - rejection.neighbours), hi = min(seconds.count, i + rejection.neighbours + 1)
            let local = SignalStatistics.median(Array(seconds[lo..<hi]).filter { $0 >= shortest && $0 <= longest }) ?? seconds[i]
            let ok = seconds[i] >= shortest && seconds[i] <= longest && abs(seconds[i] - local) <= rejection.maximumRelativeDeviation * local
            return InterBeatInterval(startS: timesS[i], endS: timesS[i + 1], accepted: ok)
        }
    }

    /// Heart rate over [startS, endS] in BPM: 60 / mean of the accepted intervals lying inside it;
    /// nil with fewer than `minimumIntervals` accepted, or when fewer than half of the intervals
    /// inside were accepted.
    public func heartRate(fromS startS: Double, toS endS: Double, minimumIntervals: Int = 2) -> Double? {
        // Intervals are in time order: binary-search the first that starts inside.
        var lo = 0, hi = intervals.count
        while lo < hi { let mid = (lo + hi) / 2; if intervals[mid].startS < startS { lo = mid + 1 } else { hi = mid } }
        var inside: [InterBeatInterval] = []
        for i in lo..<intervals.count {
            guard intervals[i].endS <= endS else { break }
            inside.append(intervals[i])
        }
        let kept = inside.filter(\.accepted)
        guard kept.count >= minimumIntervals, 2 * kept.count >= inside.count else { return nil }
        return 60 / (kept.reduce(0) { $0 + $1.seconds } / Double(kept.count))
    }
}

/// Signal-quality indices of one window of a band-passed PPG (systolic peaks upwards).
public struct WindowQuality: Sendable, Equatable {
    /// Skewness of the band-passed window (Elgendi 2016, the best of eight PPG SQIs).
    public var skewness: Double
    /// Mean Pearson r of each beat with the window's mean beat (Orphanidou et al. 2015); 0 when
    /// fewer than 3 beats, or when the beats fail Orphanidou's feasibility rules (HR 40–180 BPM,
    /// no gap > 3 s, longest / shortest interval < 2.2).
    public var templateCorrelation: Double
    /// The combined index in 0…1: max(r, 0) × clamp(0.5 + skewness, 0, 1). A clean pulse has
    /// r → 1 and skewness > 0.5 (→ 1); noise has r ≈ 0; an upside-down pulse has skewness < 0.
    public var sqi: Double

    public init(skewness: Double, templateCorrelation: Double) {
        self.skewness = skewness
        self.templateCorrelation = templateCorrelation
        sqi = max(templateCorrelation, 0) * min(max(0.5 + skewness, 0), 1)
    }

    /// Quality of `filtered[range]` (sampled at `fs`) given the beat indices `peaks` (of the whole signal).
    public static func measure(_ filtered: [Double], range: Range<Int>, peaks: [Int], samplingRateHz fs: Double) -> WindowQuality {
        let skew = SignalStatistics.skewness(filtered[range])
        let inside = peaks.filter { range.contains($0) }
        guard inside.count >= 3 else { return WindowQuality(skewness: skew, templateCorrelation: 0) }
        let intervals = zip(inside.dropFirst(), inside).map { Double($0 - $1) / fs }
        let shortest = intervals.min()!, longest = intervals.max()!
        let meanBPM = 60 / (intervals.reduce(0, +) / Double(intervals.count))
        let startGap = Double(inside.first! - range.lowerBound) / fs, endGap = Double(range.upperBound - inside.last!) / fs
        guard (40...180).contains(meanBPM), longest < 3, startGap < 3, endGap < 3, longest / shortest < 2.2 else {
            return WindowQuality(skewness: skew, templateCorrelation: 0)
        }
        let width = Int(SignalStatistics.median(intervals)! * fs)
        let half = width / 2
        let beats = inside.compactMap { p -> ArraySlice<Double>? in
            p - half >= range.lowerBound && p - half + width <= range.upperBound && width > 2 ? filtered[(p - half)..<(p - half + width)] : nil
        }
        guard beats.count >= 2 else { return WindowQuality(skewness: skew, templateCorrelation: 0) }
        var template = [Double](repeating: 0, count: width)
        for b in beats { for (k, v) in b.enumerated() { template[k] += v / Double(beats.count) } }
        let r = beats.map { pearson(Array($0), template) }.reduce(0, +) / Double(beats.count)
        return WindowQuality(skewness: skew, templateCorrelation: r)
    }

    static func pearson(_ a: [Double], _ b: [Double]) -> Double {
        let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for i in a.indices { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) * (a[i] - ma); sbb += (b[i] - mb) * (b[i] - mb) }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
    }
}

/// The classical (model-free) analysis of a PPG: band-pass, Elgendi beats, intervals, and per
/// window the beat-based heart rate and the signal quality.
public struct ClassicalAnalysis: Sendable {
    /// Slower recordings are resampled to this rate (Hz) before the analysis.
    public static let minimumRateHz = 100.0
    public var parameters: ElgendiParameters
    public var beats: BeatSeries
    /// Per window: HR from the accepted intervals (BPM) and the quality.
    public var peaksBPM: [Double?]
    public var quality: [WindowQuality]
    /// Per window: the share of the raw signal that is flat (clipped or dropped out), see `SignalDefects`.
    public var flatShare: [Double] = []

    /// Analyses `ppg` (systolic peaks upwards, any rate the band-pass fits) over `layout`'s `count`
    /// windows. `ppg` is band-passed in place: pass it with `consume` and no second copy of the
    /// recording is made.
    public init(ppg: consuming [Double], samplingRateHz fs: Double, layout: WindowLayout, count: Int,
                parameters: ElgendiParameters = ElgendiParameters(), rejection: IBIRejection = IBIRejection()) throws {
        self.parameters = parameters
        var filtered = consume ppg
        try parameters.bandPass(samplingRateHz: fs).filtfiltInPlace(&filtered)
        let peaks = BeatDetector.elgendiPeaks(filtered, samplingRateHz: fs, parameters: parameters)
        // Peak times refined between samples by the parabola through the peak and its neighbours.
        beats = BeatSeries(timesS: peaks.map { p in
            guard p > 0, p < filtered.count - 1 else { return Double(p) / fs }
            let a = filtered[p - 1], b = filtered[p], c = filtered[p + 1], d = a - 2 * b + c
            return (Double(p) + (d < 0 ? max(-0.5, min(0.5, 0.5 * (a - c) / d)) : 0)) / fs
        }, rejection: rejection)
        var bpm: [Double?] = [], quality: [WindowQuality] = []
        var first = 0
        for n in 0..<count {
            let start = layout.startS(n), end = layout.endS(n)
            bpm.append(beats.heartRate(fromS: start, toS: end))
            let range = Int((start * fs).rounded())..<min(Int((end * fs).rounded()), filtered.count)
            // Windows move forwards: the peaks before this one's start are never needed again.
            while first < peaks.count && peaks[first] < range.lowerBound { first += 1 }
            var last = first
            while last < peaks.count && peaks[last] < range.upperBound { last += 1 }
            quality.append(range.isEmpty ? WindowQuality(skewness: 0, templateCorrelation: 0)
                                         : WindowQuality.measure(filtered, range: range, peaks: Array(peaks[first..<last]), samplingRateHz: fs))
        }
        peaksBPM = bpm
        self.quality = quality
    }
}

/// Saturation and drop-outs: stretches where a raw PPG does not move.
public enum SignalDefects {
    /// Per window of `layout`: the share of the window's samples lying in runs of identical values
    /// at least `minimumRunS` long (at least 3 samples) — an ADC at its limit, or a sensor that
    /// stopped (drop-outs to 0). `samples` is the raw channel at `fs` Hz.
    public static func flatShare(_ samples: [Float], samplingRateHz fs: Double, layout: WindowLayout, count: Int,
                                 minimumRunS: Double = 0.05) -> [Double] {
        let minimumRun = max(3, Int((minimumRunS * fs).rounded(.up)))
        let windows = (0..<count).map { n in
            (lo: min(Int((layout.startS(n) * fs).rounded()), samples.count), hi: min(Int((layout.endS(n) * fs).rounded()), samples.count))
        }
        // Flat samples before each window edge, counted run by run: no per-sample mask or prefix array.
        let edges = Array(Set(windows.flatMap { [$0.lo, $0.hi] })).sorted()
        var flatBefore = [Int](repeating: 0, count: edges.count)
        var next = 0, flatInEarlierRuns = 0, start = 0
        while next < edges.count && edges[next] == 0 { next += 1 }
        for i in 1..<(samples.count + 1) where i == samples.count || samples[i] != samples[start] {
            // The run start..<i; every edge in start + 1 ... i sees all of its earlier runs and its part of this one.
            let flat = i - start >= minimumRun
            while next < edges.count && edges[next] <= i {
                flatBefore[next] = flatInEarlierRuns + (flat ? edges[next] - start : 0)
                next += 1
            }
            if flat { flatInEarlierRuns += i - start }
            start = i
        }
        func flatSamples(before edge: Int) -> Int {
            var lo = 0, hi = edges.count
            while lo < hi { let mid = (lo + hi) / 2; if edges[mid] < edge { lo = mid + 1 } else { hi = mid } }
            return flatBefore[lo]
        }
        return windows.map { w in
            w.hi > w.lo ? Double(flatSamples(before: w.hi) - flatSamples(before: w.lo)) / Double(w.hi - w.lo) : 0
        }
    }
}
