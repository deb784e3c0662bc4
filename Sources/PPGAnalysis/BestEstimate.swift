/// Where a window's `best_bpm` comes from.
public enum BestSource: String, Sendable, Codable, CaseIterable {
    case model, peaks, spectral, none
}

/// How `best_bpm` is chosen: the model's estimate where it is confident and its input is in
/// distribution, else the classical estimate where the signal quality is good (beats first, the
/// spectral peak when there are too few clean beats), else nothing. Where the model is confident
/// and clean beats (SQI ≥ `refineSQI`) agree with it within `agreementBPM`, the beats' rate is the
/// finer measurement and is taken. Windows with clipping or drop-outs leave the model out.
public struct BestEstimateOptions: Sendable, Equatable {
    /// The model is confident when its std is at most this (BPM); nil: the std at which
    /// p(|error| < threshold) = 0.5 (14.8 BPM for the default 10 BPM threshold).
    public var maximumModelStdBPM: Double? = nil
    /// Classical estimates are used where the window's SQI reaches this.
    public var minimumSQI = 0.5
    /// A classical estimate must lie within `maximumChangeBPM` + `maximumChangeBPMPerS` × Δt of the
    /// previous best_bpm (Δt s earlier): a heart rate does not halve in 2 s, a periodic motion
    /// artefact (steps, arm swing) that looks like clean beats can.
    public var maximumChangeBPM = 10.0
    public var maximumChangeBPMPerS = 3.0
    public var refineSQI = 0.8
    /// A window whose raw PPG is flat (clipped, dropped out) on more than this share is not
    /// trusted to the model: it never saw a saturated or missing pulse.
    public var maximumFlatShare = 0.05
    public var agreementBPM = 5.0
    public init() {}

    /// `best_bpm` and its source for one window; `previous` is the last window's best (time s, BPM).
    public func choose(_ e: WindowEstimate, modelInDistribution: Bool, thresholdBPM: Double,
                       previous: (timeS: Double, bpm: Double)? = nil) -> (Double?, BestSource) {
        let maximumStd = maximumModelStdBPM ?? RetentionAnalysis.stdThreshold(forProbabilityHalfWithin: thresholdBPM)
        if let hr = e.hrBPM, modelInDistribution, (e.hrStdBPM.map { $0 <= maximumStd } ?? true), (e.flatShare ?? 0) <= maximumFlatShare {
            if let p = e.peaksBPM, let sqi = e.sqi, sqi >= refineSQI, abs(p - hr) <= agreementBPM { return (p, .peaks) }
            return (hr, .model)
        }
        func plausible(_ bpm: Double) -> Bool {
            guard let previous else { return true }
            return abs(bpm - previous.bpm) <= maximumChangeBPM + maximumChangeBPMPerS * (e.endS - previous.timeS)
        }
        if let sqi = e.sqi, sqi >= minimumSQI {
            if let p = e.peaksBPM, plausible(p) { return (p, .peaks) }
            if let s = e.spectralBPM, plausible(s) { return (s, .spectral) }
        }
        return (nil, .none)
    }
}
