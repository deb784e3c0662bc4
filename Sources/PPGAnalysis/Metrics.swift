import Foundation

/// Agreement of estimates with the reference heart rate (all in BPM).
public struct HeartRateMetrics: Sendable, Codable, Equatable {
    public var windows: Int
    public var mae: Double
    public var rmse: Double
    /// Mean error (estimate − reference).
    public var bias: Double
    /// Pearson r between estimates and reference; nil when either is constant (r is undefined).
    public var pearsonR: Double?
    /// Percent of windows within 5 and 10 BPM.
    public var within5Percent: Double
    public var within10Percent: Double
    /// Bland–Altman limits of agreement: bias ± 1.96 · SD of the differences.
    public var limitsOfAgreement: [Double]

    /// Metrics over the pairs where both values exist; nil when there are none.
    public init?(estimates: [Double?], references: [Double?]) {
        var e: [Double] = [], r: [Double] = []
        for (a, b) in zip(estimates, references) { if let a, let b, a.isFinite, b.isFinite { e.append(a); r.append(b) } }
        guard !e.isEmpty else { return nil }
        let n = Double(e.count)
        let d = zip(e, r).map { $0 - $1 }
        windows = e.count
        mae = d.reduce(0) { $0 + abs($1) } / n
        rmse = (d.reduce(0) { $0 + $1 * $1 } / n).squareRoot()
        let meanError = d.reduce(0, +) / n
        bias = meanError
        let sd = e.count > 1 ? (d.reduce(0) { $0 + ($1 - meanError) * ($1 - meanError) } / (n - 1)).squareRoot() : 0
        limitsOfAgreement = [meanError - 1.96 * sd, meanError + 1.96 * sd]
        within5Percent = 100 * Double(d.filter { abs($0) <= 5 }.count) / n
        within10Percent = 100 * Double(d.filter { abs($0) <= 10 }.count) / n
        let me = e.reduce(0, +) / n, mr = r.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(e, r) { sxy += (a - me) * (b - mr); sxx += (a - me) * (a - me); syy += (b - mr) * (b - mr) }
        pearsonR = sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : nil
    }
}

/// For probabilistic estimates: accuracy of the windows the model is confident about.
public struct RetentionRow: Sendable, Codable, Equatable {
    /// Windows kept have predicted standard deviation ≤ this (BPM).
    public var stdThresholdBPM: Double
    /// Percent of windows kept.
    public var retentionPercent: Double
    /// MAE over the kept windows (nil when none is kept).
    public var mae: Double?
}

public enum RetentionAnalysis {
    /// The standard deviation at which p(|error| < T) = 0.5 for a Normal: T / (√2 · erf⁻¹(0.5)).
    public static func stdThreshold(forProbabilityHalfWithin t: Double) -> Double { t / (2.0.squareRoot() * 0.4769362762044699) }

    /// MAE and retention at each standard-deviation threshold.
    public static func table(_ estimates: [WindowEstimate], thresholds: [Double]) -> [RetentionRow] {
        let usable = estimates.filter { $0.hrBPM != nil && $0.hrStdBPM != nil && $0.referenceBPM != nil }
        return thresholds.map { th in
            let kept = usable.filter { $0.hrStdBPM! <= th }
            let mae = kept.isEmpty ? nil : kept.reduce(0.0) { $0 + abs($1.hrBPM! - $1.referenceBPM!) } / Double(kept.count)
            return RetentionRow(stdThresholdBPM: th, retentionPercent: usable.isEmpty ? 0 : 100 * Double(kept.count) / Double(usable.count), mae: mae)
        }
    }
}
