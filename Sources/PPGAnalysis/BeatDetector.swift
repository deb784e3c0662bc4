import Foundation
import PPGSignals

/// Parameters of Elgendi et al. 2013's systolic-peak detector ("Systolic peak detection in
/// acceleration photoplethysmograms measured from emergency responders in tropical conditions",
/// PLoS ONE 8(10):e76585), as NeuroKit2's `ppg_findpeaks(method="elgendi")` uses them.
public struct ElgendiParameters: Sendable, Equatable {
    /// Band-pass of the raw PPG: Butterworth order 2, 0.5–8 Hz, zero-phase.
    public var order = 2
    public var bandHz: ClosedRange<Double> = 0.5...8
    /// Moving averages of the squared signal: peak (W1 = 111 ms) and beat (W2 = 667 ms) windows, s.
    public var peakWindowS = 0.111
    public var beatWindowS = 0.667
    /// Threshold offset β: threshold = beat MA + β · mean(squared signal).
    public var beatOffset = 0.02
    /// Peaks closer than this (s) to the previous one are dropped.
    public var minimumDelayS = 0.3
    public init() {}

    /// The band-pass at `samplingRateHz`; the upper corner is lowered to 0.45 × the rate when the
    /// rate cannot carry 8 Hz (below 17.8 Hz).
    public func bandPass(samplingRateHz fs: Double) throws -> ButterworthBandPass {
        try ButterworthBandPass(order: order, lowHz: bandHz.lowerBound, highHz: min(bandHz.upperBound, 0.45 * fs), samplingRateHz: fs)
    }
}

/// Systolic peaks of a PPG signal (pure computation).
public enum BeatDetector {
    /// Elgendi 2013's detector on an already band-passed PPG `filtered` (systolic peaks upwards):
    /// negatives clipped to 0 and squared; blocks where the 111 ms moving average exceeds the 667 ms
    /// one + β · mean; blocks shorter than 111 ms dropped; in each block the most prominent local
    /// maximum; peaks less than 0.3 s after the previous one dropped. Returns sample indices,
    /// increasing. Step for step NeuroKit2's `_ppg_findpeaks_elgendi` (including its first-peak rule:
    /// a peak within the first 0.3 s is dropped).
    public static func elgendiPeaks(_ filtered: [Double], samplingRateHz fs: Double,
                                    parameters p: ElgendiParameters = ElgendiParameters()) -> [Int] {
        guard filtered.count > 2 else { return [] }
        // The squared signal and its two moving averages are evaluated sample by sample, never
        // stored: the same values as the arrays, bit for bit, in constant memory.
        let n = filtered.count
        let squared = { (i: Int) -> Double in let v = filtered[i]; return v > 0 ? v * v : 0 }
        let peakSize = Int((p.peakWindowS * fs).rounded(.toNearestOrEven))
        let beatSize = Int((p.beatWindowS * fs).rounded(.toNearestOrEven))
        var sum = 0.0
        for i in 0..<n { sum += squared(i) }
        let offset = p.beatOffset * (sum / Double(n))
        var maPeak = peakSize > 1 ? MovingAverageCursor(size: peakSize, count: n, value: squared) : nil
        var maBeat = beatSize > 1 ? MovingAverageCursor(size: beatSize, count: n, value: squared) : nil
        // Sample i is inside a wave when the peak average exceeds the beat average + offset.
        func wave(_ i: Int) -> Bool {
            let peak = maPeak?.next(value: squared) ?? squared(i), beat = maBeat?.next(value: squared) ?? squared(i)
            return peak > beat + offset
        }
        var begins: [Int] = [], ends: [Int] = []
        var previous = wave(0)
        for i in 1..<n {
            let current = wave(i)
            if !previous && current { begins.append(i - 1) }
            if previous && !current { ends.append(i - 1) }
            previous = current
        }
        guard let firstBegin = begins.first else { return [] }
        ends = ends.filter { $0 > firstBegin }
        let minimumLength = Int((p.peakWindowS * fs).rounded(.toNearestOrEven))
        let minimumDelay = Int((p.minimumDelayS * fs).rounded(.toNearestOrEven))
        var peaks = [0]
        for i in 0..<min(begins.count, ends.count) {
            let begin = begins[i], end = ends[i]
            guard end - begin >= minimumLength else { continue }
            let block = filtered[begin..<end]
            guard let peak = mostProminentMaximum(block) else { continue }
            if peak - peaks[peaks.count - 1] > minimumDelay { peaks.append(peak) }
        }
        return Array(peaks.dropFirst())
    }

    /// The local maximum of `x` with the largest topographic prominence (SciPy's `find_peaks` and
    /// `peak_prominences` without a window: plateaus count once at their middle, the first of equal
    /// prominences wins); nil when `x` has no local maximum. Returns an index of `x`'s base array.
    static func mostProminentMaximum(_ x: ArraySlice<Double>) -> Int? {
        let lo = x.startIndex, hi = x.endIndex
        var best: Int?, bestProminence = -Double.infinity
        var i = lo + 1
        while i < hi - 1 {
            if x[i - 1] < x[i] {
                var ahead = i + 1
                while ahead < hi - 1 && x[ahead] == x[i] { ahead += 1 }
                if x[ahead] < x[i] {
                    let peak = (i + ahead - 1) / 2
                    let height = x[peak]
                    var leftMin = height, j = peak
                    while j >= lo && x[j] <= height { leftMin = min(leftMin, x[j]); j -= 1 }
                    var rightMin = height
                    j = peak
                    while j < hi && x[j] <= height { rightMin = min(rightMin, x[j]); j += 1 }
                    let prominence = height - max(leftMin, rightMin)
                    if prominence > bestProminence { bestProminence = prominence; best = peak }
                    i = ahead
                }
            }
            i += 1
        }
        return best
    }
}
