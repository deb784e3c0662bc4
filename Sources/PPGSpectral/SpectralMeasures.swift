import Foundation

/// Scalar measures of a one-sided power spectrum P_k = |X_k|² (or any quantity proportional to it,
/// such as the squared amplitudes of a `Spectrum`, or power summed over channels and windows),
/// indexed by bin k = 0…N/2 with bin 0 the DC bin.
public enum SpectralMeasures {
    /// Occupied bandwidth as a bin index: the smallest k such that
    /// Σ_{j₀ ≤ j ≤ k} P_j ≥ fraction · Σ_{j ≥ j₀} P_j, where j₀ = 1 (DC excluded, the default) or
    /// j₀ = 0 (`includeDC`). The bin's frequency is k · fs / N.
    ///
    /// Both sums run in bin order, so for fraction ≤ 1 the last bin always reaches the threshold.
    /// - Returns: nil when the total power is not > 0 (silent input, or NaN); the last bin when the
    ///   threshold is never reached (fraction > 1).
    public static func occupiedBandwidthBin<C: Collection>(power: C, fraction: Double = 0.99,
                                                           includeDC: Bool = false) -> Int?
    where C.Element == Double, C.Index == Int {
        let first = power.startIndex + (includeDC ? 0 : 1)
        guard first < power.endIndex else { return nil }
        let counted = power[first...]
        let total = counted.reduce(0, +)
        guard total > 0 else { return nil }
        var cumulative = 0.0
        for k in counted.indices {
            cumulative += power[k]
            if cumulative >= fraction * total { return k }
        }
        return power.endIndex - 1
    }

    /// Occupied bandwidth of an amplitude spectrum in Hz (P_k = a_k², see
    /// `occupiedBandwidthBin(power:fraction:includeDC:)`): the smallest f_k such that
    /// Σ_{j₀ ≤ j ≤ k} a_j² ≥ fraction · Σ_{j ≥ j₀} a_j², DC excluded unless `includeDC`.
    /// - Returns: 0 Hz when the spectrum has no (non-DC) power.
    public static func occupiedBandwidthHz(_ spectrum: Spectrum, fraction: Double = 0.99,
                                           includeDC: Bool = false) -> Double {
        let power = spectrum.amplitudes.map { Double($0) * Double($0) }
        return occupiedBandwidthBin(power: power, fraction: fraction, includeDC: includeDC)
            .map(spectrum.frequencyHz) ?? 0
    }

    /// Harmonic share: the fraction of the non-DC power within ±1 bin of the first `harmonics`
    /// multiples of the fundamental f₀ = `fundamentalBPM` / 60 Hz,
    /// Σ_{k ∈ B} P_k / Σ_{k ≥ 1} P_k with B = ⋃_{m = 1…M} {k_m − 1, k_m, k_m + 1} ∩ [1, N/2],
    /// k_m = min(round(m f₀ / Δf), N/2), Δf = fs / N (`resolutionHz`). DC is excluded from both sums;
    /// the numerator is summed in increasing k, so the result is the same in every process.
    /// Harmonics are taken in order and stop at the first with m f₀ ≥ fs/2 + Δf.
    /// - Parameter power: P_0…P_{N/2}.
    /// - Returns: nil when the non-DC power is not > 0.
    public static func harmonicShare(power: [Double], fundamentalBPM: Double, harmonics: Int,
                                     samplingRateHz: Double, resolutionHz: Double) -> Double? {
        let bins = power.count
        let nonDC = power.dropFirst().reduce(0, +)
        guard nonDC > 0 else { return nil }
        var inBand = Set<Int>()
        for m in 1...harmonics {
            let hz = Double(m) * fundamentalBPM / 60
            guard hz < samplingRateHz / 2 + resolutionHz else { break }
            let k = min(Int((hz / resolutionHz).rounded()), bins - 1)
            for j in max(1, k - 1)...min(bins - 1, k + 1) { inBand.insert(j) }
        }
        // Summed in bin order: a Set's iteration order changes from process to process, and so
        // would the last digit of the sum.
        return inBand.sorted().reduce(0.0) { $0 + power[$1] } / nonDC
    }
}
