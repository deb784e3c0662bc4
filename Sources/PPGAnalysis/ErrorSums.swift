import Foundation

/// Running sums of estimate–reference pairs (BPM) from which `HeartRateMetrics` follow, so that
/// metrics pooled over a cohort's windows need no window kept in memory. Means and co-moments
/// are updated one pair at a time (Welford) and combined across recordings with Chan et al.'s
/// pairwise formulas; a cohort combines its recordings in one canonical order (sorted by
/// recording key), so the pooled figures are the same to the last bit however the recordings
/// were split across processes.
public struct ErrorSums: Sendable, Codable, Equatable {
    public var n = 0
    /// Σ|e − r| and Σ(e − r)².
    public var sumAbsolute = 0.0, sumSquares = 0.0
    /// Pairs with |e − r| ≤ 5 and ≤ 10 BPM.
    public var within5 = 0, within10 = 0
    /// Means of the estimates, the references and the differences e − r.
    public var meanEstimate = 0.0, meanReference = 0.0, meanDifference = 0.0
    /// Σ of squared deviations from the mean (estimates, references, differences) and the co-moment Σ(e − ē)(r − r̄).
    public var m2Estimate = 0.0, m2Reference = 0.0, m2Difference = 0.0, coMoment = 0.0

    public init() {}

    /// Sums over the pairs where both values exist and are finite.
    public init(estimates: [Double?], references: [Double?]) {
        for (e, r) in zip(estimates, references) { if let e, let r, e.isFinite, r.isFinite { add(estimate: e, reference: r) } }
    }

    public mutating func add(estimate e: Double, reference r: Double) {
        let d = e - r
        n += 1
        sumAbsolute += abs(d)
        sumSquares += d * d
        if abs(d) <= 5 { within5 += 1 }
        if abs(d) <= 10 { within10 += 1 }
        let k = Double(n)
        let de = e - meanEstimate, dr = r - meanReference, dd = d - meanDifference
        meanEstimate += de / k
        meanReference += dr / k
        meanDifference += dd / k
        m2Estimate += de * (e - meanEstimate)
        m2Reference += dr * (r - meanReference)
        m2Difference += dd * (d - meanDifference)
        coMoment += de * (r - meanReference)
    }

    /// The sums of both sets of pairs (Chan, Golub and LeVeque's combination of means and co-moments).
    public func combined(with o: ErrorSums) -> ErrorSums {
        guard o.n > 0 else { return self }
        guard n > 0 else { return o }
        var c = ErrorSums()
        let na = Double(n), nb = Double(o.n), nab = na + nb
        c.n = n + o.n
        c.sumAbsolute = sumAbsolute + o.sumAbsolute
        c.sumSquares = sumSquares + o.sumSquares
        c.within5 = within5 + o.within5
        c.within10 = within10 + o.within10
        let de = o.meanEstimate - meanEstimate, dr = o.meanReference - meanReference, dd = o.meanDifference - meanDifference
        c.meanEstimate = meanEstimate + de * nb / nab
        c.meanReference = meanReference + dr * nb / nab
        c.meanDifference = meanDifference + dd * nb / nab
        c.m2Estimate = m2Estimate + o.m2Estimate + de * de * na * nb / nab
        c.m2Reference = m2Reference + o.m2Reference + dr * dr * na * nb / nab
        c.m2Difference = m2Difference + o.m2Difference + dd * dd * na * nb / nab
        c.coMoment = coMoment + o.coMoment + de * dr * na * nb / nab
        return c
    }

    /// The metrics of the pairs summed (nil when there are none).
    public var metrics: HeartRateMetrics? { HeartRateMetrics(sums: self) }
}

extension HeartRateMetrics {
    /// The metrics from running sums (`ErrorSums`); nil without pairs.
    public init?(sums s: ErrorSums) {
        guard s.n > 0 else { return nil }
        let n = Double(s.n)
        windows = s.n
        mae = s.sumAbsolute / n
        rmse = (s.sumSquares / n).squareRoot()
        bias = s.meanDifference
        let sd = s.n > 1 ? (s.m2Difference / (n - 1)).squareRoot() : 0
        limitsOfAgreement = [bias - 1.96 * sd, bias + 1.96 * sd]
        within5Percent = 100 * Double(s.within5) / n
        within10Percent = 100 * Double(s.within10) / n
        pearsonR = s.m2Estimate > 0 && s.m2Reference > 0 ? s.coMoment / (s.m2Estimate * s.m2Reference).squareRoot() : nil
    }
}
