extension ModelConvention {
    /// KID-PPG and its family (the paper's S5 model): trained on PPG-DaLiA's Empatica E4 wrist BVP,
    /// resampled to 32 Hz. The statistics are those of the PPG channel of PPG-DaLiA subject 6,
    /// "stairs" (the recording `scripts/fetch-kid-ppg` fetches), measured by `PPGStatistics.measure`
    /// at 32 Hz (Tests/PPGAnalysisTests/ModelConventionTests.swift re-measures them): upright
    /// pulses (slope skewness +0.38, 94 % of the 215 windows agree), centred (|window mean| 0.02 ×
    /// its std), 7.9 % of the power below 0.5 Hz, window std 18.6–44.2 (5th–95th percentile).
    /// A baseline is removed with the Elgendi band-pass (Butterworth order 2, 0.5–8 Hz, zero-phase),
    /// which leaves such a share below 0.5 Hz, as E4's own BVP filter does.
    public static let kidPPG = ModelConvention(
        name: "KID-PPG (PPG-DaLiA E4 BVP)",
        source: "PPG-DaLiA S6 stairs, PPG channel at 32 Hz (kid-ppg 0.0.4 demo data)",
        polarity: .upright,
        training: PPGStatistics(windowStdMedian: 27.397657282533846, windowStdP05: 18.60215121560201, windowStdP95: 44.223210311272204,
                                offsetRatio: 0.020852050450853175, baselinePowerShare: 0.07853419349885271,
                                slopeSkewness: 0.3816214141355796, slopeSkewnessAgreement: 0.9395348837209302, windows: 215),
        // Margins around the measured 0.021 and 7.9 %: a window mean up to a quarter of its std,
        // a quarter of the power below 0.5 Hz.
        maximumOffsetRatio: 0.25, maximumBaselinePowerShare: 0.25,
        baselineBandHz: 0.5...8, baselineFilterOrder: 2)
}
