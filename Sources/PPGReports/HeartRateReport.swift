import Foundation
import PPGAnalysis
import PPGFormats
import PPGNetwork

/// CSV rows and the metrics summary of `ppgscope hr`.
public enum HeartRateReport {
    /// One row per window: `window, start_s, end_s, hr_bpm, hr_std_bpm, p_within, spectral_bpm,
    /// reference_bpm, peaks_bpm, sqi, best_bpm, best_source`, empty cells where a value does not apply.
    public static func csv(_ estimates: [WindowEstimate]) -> String { csvHeader + csvRows(estimates) }

    public static let csvHeader = "window,start_s,end_s,hr_bpm,hr_std_bpm,p_within,spectral_bpm,reference_bpm,peaks_bpm,sqi,best_bpm,best_source\n"

    /// The conditioning as `#` comment lines written before the CSV header (pandas: `comment="#"`).
    public static func metadataLines(_ c: ConditioningReport) -> String {
        var lines = ["# ppgscope hr: input conditioning to \(c.convention)"]
        lines += c.steps.map { "# \($0)" }
        lines += c.outOfDistribution.map { "# out of distribution: \($0)" }
        return lines.map { $0.replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\n") + "\n"
    }

    /// The beats: `time_s, ibi_s, accepted` (the interval from the previous beat; empty for the first).
    public static func beatsCSV(_ beats: BeatSeries) -> String {
        var text = "time_s,ibi_s,accepted\n"
        for (i, t) in beats.timesS.enumerated() {
            if i == 0 { text += "\(fixedPoint(t, digits: 4)),,\n"; continue }
            let ibi = beats.intervals[i - 1]
            text += "\(fixedPoint(t, digits: 4)),\(fixedPoint(ibi.seconds, digits: 4)),\(ibi.accepted ? 1 : 0)\n"
        }
        return text
    }

    /// The rows of `estimates`, each ending in a newline.
    public static func csvRows(_ estimates: [WindowEstimate]) -> String {
        func cell(_ v: Double?, _ digits: Int32 = 4) -> String { v.map { fixedPoint($0, digits: digits) } ?? "" }
        var text = ""
        for e in estimates {
            text += "\(e.window),\(cell(e.startS, 3)),\(cell(e.endS, 3)),\(cell(e.hrBPM)),\(cell(e.hrStdBPM)),\(cell(e.pWithin)),\(cell(e.spectralBPM)),\(cell(e.referenceBPM)),\(cell(e.peaksBPM)),\(cell(e.sqi)),\(cell(e.bestBPM)),\(e.bestBPM == nil ? "none" : e.bestSource.rawValue)\n"
        }
        return text
    }

    /// Runs the pipeline over a prepared recording (`RecordingHeartRate.estimate`): the one
    /// per-recording step of `hr` and `batch`. With `csv`, rows are written block by block to a
    /// temporary file that replaces `csv` only when every window is done.
    public static func estimate(_ prepared: PreparedRecording, network: Network?, options: HeartRateOptions, csv: String?,
                                header: String = csvHeader, progress: ((Int) -> Void)? = nil) throws -> [WindowEstimate] {
        guard let csv else { return try RecordingHeartRate.estimate(prepared, network: network, options: options, progress: progress) }
        return try AtomicOutput.file(csv) { temporary in
            let writer = try CSVRowWriter(path: temporary, header: header)
            let estimates = try RecordingHeartRate.estimate(prepared, network: network, options: options, progress: progress) { block in
                try writer.write(csvRows(block))
            }
            try writer.close()
            return estimates
        }
    }

    /// `value` with `digits` decimals, exactly as printf's `%.*f` writes it (C's formatter directly:
    /// Foundation's `String(format:)` cost 2 ms of a 50 ms `hr` run on one recording).
    static func fixedPoint(_ value: Double, digits: Int32) -> String {
        if let text = integerFixedPoint(value, digits: Int(digits)) { return text }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            let written = withVaList([digits, value]) { vsnprintf(buffer.baseAddress!, 64, "%.*f", $0) }
            return written < 64 ? String(cString: buffer.baseAddress!) : String(format: "%.\(digits)f", value)
        }
    }

    /// `fixedPoint` by integer arithmetic where that is provably printf's answer, else nil: with
    /// |value|·10^digits below 2³², the double product is within 5e-7 of the exact one, so when its
    /// fractional part is more than 1e-6 away from ½ both round the same way (printf rounds the exact
    /// binary value, ties to even; ties are left to it). A `-` for every negative value, −0 included,
    /// as printf writes it. Five times faster than the C call through `withVaList`.
    static func integerFixedPoint(_ value: Double, digits: Int) -> String? {
        guard value.isFinite, (0...9).contains(digits) else { return nil }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = value.magnitude * scale
        guard scaled < 4_294_967_296 else { return nil }
        let whole = scaled.rounded(.down), fraction = scaled - whole
        guard abs(fraction - 0.5) > 1e-6 else { return nil }
        // The digits from the last, with the point after `digits` of them and at least one before it.
        var n = UInt64(whole) + (fraction > 0.5 ? 1 : 0)
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
            var start = buffer.count, written = 0
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
                written += 1
                if written == digits { start -= 1; buffer[start] = UInt8(ascii: ".") }
            } while n > 0 || written <= digits
            if value.sign == .minus { start -= 1; buffer[start] = UInt8(ascii: "-") }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[start...]), as: UTF8.self)
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
        public var peaks_metrics: HeartRateMetrics?
        public var best_metrics: HeartRateMetrics?
        /// Windows per best_bpm source (model, peaks, spectral, none).
        public var bestSources: [String: Int]
        /// What was done to the PPG before the model saw it.
        public var conditioning: ConditioningReport
        /// Out-of-distribution input, a model unsure on most windows: also printed to stderr.
        public var warnings: [String]
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

        public init(estimates: [WindowEstimate], filter: FilterReport, threshold: Double, recording: String, model: String?,
                    conditioning: ConditioningReport = .none) {
            self.recording = recording
            self.model = model
            windows = estimates.count
            self.filter = filter.mode.rawValue
            filterSegments = filter.segments.map { FilterSegment(firstWindow: $0.firstWindow, windows: $0.windows, lossBefore: $0.lossBefore, lossAfter: $0.lossAfter) }
            let refs = estimates.map(\.referenceBPM)
            model_metrics = HeartRateMetrics(estimates: estimates.map(\.hrBPM), references: refs)
            spectral_metrics = HeartRateMetrics(estimates: estimates.map(\.spectralBPM), references: refs)
            peaks_metrics = HeartRateMetrics(estimates: estimates.map(\.peaksBPM), references: refs)
            best_metrics = HeartRateMetrics(estimates: estimates.map(\.bestBPM), references: refs)
            bestSources = Dictionary(uniqueKeysWithValues: BestSource.allCases.map { source in
                (source.rawValue, estimates.filter { ($0.bestBPM == nil ? .none : $0.bestSource) == source }.count)
            })
            self.conditioning = conditioning
            warnings = conditioning.outOfDistribution.map { "input outside the model's training data: \($0)" }
            let stds = estimates.compactMap(\.hrStdBPM)
            let unsureAbove = RetentionAnalysis.stdThreshold(forProbabilityHalfWithin: threshold)
            let unsure = stds.filter { $0 > unsureAbove }.count
            if !stds.isEmpty, 2 * unsure > stds.count {
                warnings.append(String(format: "the model is unsure on %d of %d windows (std > %.1f BPM, i.e. p(|error| < %g BPM) < 0.5): read best_bpm, not hr_bpm",
                                       unsure, stds.count, unsureAbove, threshold))
            }
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
            if conditioning.convention != "none" {
                lines.append("input conditioning to \(conditioning.convention):")
                lines += conditioning.steps.map { "  \($0)" }
            }
            for s in filterSegments {
                lines.append(String(format: "  filter segment from window %d (%d windows): KID-PPG loss %.2f → %.2f", s.firstWindow, s.windows, s.lossBefore, s.lossAfter))
            }
            let rows = [("model", model_metrics), ("spectral peak", spectral_metrics), ("peaks", peaks_metrics), ("best", best_metrics)].compactMap { name, m -> [String]? in
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
            if best_metrics != nil || bestSources["none", default: 0] < windows {
                lines.append("best_bpm from: " + BestSource.allCases.map { "\($0.rawValue) \(bestSources[$0.rawValue, default: 0])" }.joined(separator: ", "))
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
