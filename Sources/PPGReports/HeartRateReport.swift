import Foundation
import PPGAnalysis

/// CSV rows and the metrics summary of `ppgscope hr`.
public enum HeartRateReport {
    /// One row per window: `window, start_s, end_s, hr_bpm, hr_std_bpm, p_within, spectral_bpm, reference_bpm`,
    /// empty cells where a value does not apply.
    public static func csv(_ estimates: [WindowEstimate]) -> String { csvHeader + csvRows(estimates) }

    public static let csvHeader = "window,start_s,end_s,hr_bpm,hr_std_bpm,p_within,spectral_bpm,reference_bpm\n"

    /// The rows of `estimates`, each ending in a newline.
    public static func csvRows(_ estimates: [WindowEstimate]) -> String {
        func cell(_ v: Double?, _ digits: Int32 = 4) -> String { v.map { fixedPoint($0, digits: digits) } ?? "" }
        var text = ""
        for e in estimates {
            text += "\(e.window),\(cell(e.startS, 3)),\(cell(e.endS, 3)),\(cell(e.hrBPM)),\(cell(e.hrStdBPM)),\(cell(e.pWithin)),\(cell(e.spectralBPM)),\(cell(e.referenceBPM))\n"
        }
        return text
    }

    /// `value` with `digits` decimals, exactly as printf's `%.*f` writes it (C's formatter directly:
    /// Foundation's `String(format:)` cost 2 ms of a 50 ms `hr` run on one recording).
    static func fixedPoint(_ value: Double, digits: Int32) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            let written = withVaList([digits, value]) { vsnprintf(buffer.baseAddress!, 64, "%.*f", $0) }
            return written < 64 ? String(cString: buffer.baseAddress!) : String(format: "%.\(digits)f", value)
        }
    }

    /// Everything `hr` reports, also as JSON.
    public struct Summary: Codable {
        public var recording: String
        public var model: String?
        public var windows: Int
        public var filter: String
        /// Per fitted segment: windows and KID-PPG's loss before and after filtering.
        public var filterSegments: [FilterSegment]
        public var model_metrics: HeartRateMetrics?
        public var spectral_metrics: HeartRateMetrics?
        public var thresholdBPM: Double
        /// Standard deviation at which p(|error| < threshold) = 0.5.
        public var stdThresholdBPM: Double?
        public var retention: [RetentionRow]

        public struct FilterSegment: Codable {
            public var firstWindow: Int
            public var windows: Int
            public var lossBefore: Double
            public var lossAfter: Double
        }

        public init(estimates: [WindowEstimate], filter: FilterReport, threshold: Double, recording: String, model: String?) {
            self.recording = recording
            self.model = model
            windows = estimates.count
            self.filter = filter.mode.rawValue
            filterSegments = filter.segments.map { FilterSegment(firstWindow: $0.firstWindow, windows: $0.windows, lossBefore: $0.lossBefore, lossAfter: $0.lossAfter) }
            let refs = estimates.map(\.referenceBPM)
            model_metrics = HeartRateMetrics(estimates: estimates.map(\.hrBPM), references: refs)
            spectral_metrics = HeartRateMetrics(estimates: estimates.map(\.spectralBPM), references: refs)
            thresholdBPM = threshold
            let hasStd = estimates.contains { $0.hrStdBPM != nil }
            stdThresholdBPM = hasStd ? RetentionAnalysis.stdThreshold(forProbabilityHalfWithin: threshold) : nil
            var thresholds = [2.0, 3, 4, 5, 7.5, 10, 15, 20, 30]
            if let s = stdThresholdBPM { thresholds.append(s) }
            retention = hasStd ? RetentionAnalysis.table(estimates, thresholds: thresholds.sorted()) : []
        }

        public func json() throws -> String {
            try ReportJSON.text(self)
        }

        public func text() -> String {
            var lines = ["\(windows) windows of \(recording); filter \(filter)"]
            for s in filterSegments {
                lines.append(String(format: "  filter segment from window %d (%d windows): KID-PPG loss %.2f → %.2f", s.firstWindow, s.windows, s.lossBefore, s.lossAfter))
            }
            let rows = [("model", model_metrics), ("spectral peak", spectral_metrics)].compactMap { name, m -> [String]? in
                guard let m else { return nil }
                return [name, String(m.windows), String(format: "%.3f", m.mae), String(format: "%.3f", m.rmse), String(format: "%+.3f", m.bias),
                        m.pearsonR.map { String(format: "%.3f", $0) } ?? "—", String(format: "%.1f", m.within5Percent), String(format: "%.1f", m.within10Percent),
                        String(format: "[%.2f, %.2f]", m.limitsOfAgreement[0], m.limitsOfAgreement[1])]
            }
            if rows.isEmpty {
                lines.append("no reference HR overlaps the windows: no metrics")
            } else {
                lines += textTable(header: ["estimator", "windows", "MAE", "RMSE", "bias", "r", "≤5 BPM %", "≤10 BPM %", "Bland–Altman 95 %"], rows: rows)
            }
            if !retention.isEmpty {
                lines.append("")
                lines.append(String(format: "probabilistic output: p(|error| < %.0f BPM) > 0.5 ⇔ std < %.2f BPM", thresholdBPM, stdThresholdBPM ?? .nan))
                lines += textTable(header: ["std ≤ BPM", "retained %", "MAE"], rows: retention.map {
                    [String(format: "%.2f", $0.stdThresholdBPM), String(format: "%.1f", $0.retentionPercent), $0.mae.map { String(format: "%.3f", $0) } ?? "—"]
                })
            }
            return lines.joined(separator: "\n")
        }
    }
}
