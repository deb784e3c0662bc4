import Foundation
import PPGAnalysis
import PPGFormats
import PPGSignals

/// `cohort.json`: a row per recording and metrics pooled over every window of the cohort.
public struct CohortSummary: Codable {
    public struct Row: Codable {
        public var key: String
        public var path: String
        public var labels: [String: String]
        /// "ok" or "failed".
        public var status: String
        public var windows: Int?
        /// Per estimator ("model", "spectral"); absent for an estimator without reference overlap.
        public var metrics: [String: HeartRateMetrics]?
        public var confidentShare: Double?
        /// Input conditioning: the motion filter applied, why one asked for was skipped, and what
        /// was done to bring the PPG to the model's convention (polarity, baseline, scale).
        public var filter: String?
        public var conditioningNote: String?
        public var conditioning: [String]?
        public var error: String?
        /// With --inspect: DC power fraction of every layer (same order as `layers`).
        public var dcPowerFraction: [Double]?
    }

    public struct LabelGroup: Codable {
        public var recordings: Int
        /// Per estimator, pooled over the group's windows with a reference.
        public var metrics: [String: HeartRateMetrics]
    }

    /// A layer's DC metrics over every window of every inspected recording.
    public struct Layer: Codable {
        public var name: String
        public var className: String
        public var samplingRateHz: Double
        public var windows: Int
        public var dcPowerFraction: Double
        public var dcToLargestNonDC: Double
        public var dcDominantShare: Double
        public var deadChannelsPerWindow: Double
        public var dcFromConvolution: Double?
        public var dcAddedByActivation: Double?
        public var bandwidth99Hz: Double
        public var harmonicShare: Double
        public var maxAbsDCHRCorrelation: Double
    }

    public var model: String?
    public var options: [String: String]
    public var recordings: Int
    public var processed: Int
    public var failed: Int
    /// Recordings in key order.
    public var rows: [Row]
    /// Per estimator, over every window with a reference of every recording (MAE, RMSE, bias, Bland–Altman limits).
    public var pooled: [String: HeartRateMetrics]
    /// Per label name, per value: the same pooled over that group's recordings.
    public var byLabel: [String: [String: LabelGroup]]
    /// With --inspect: per layer, from the cohort's summed running sums.
    public var layers: [Layer]?
    /// How pooled figures are summed (the order that makes them independent of sharding).
    public var summation: String
}

/// Builds a cohort's files from its recordings' stored outputs, always the same way — after one
/// `batch` run and after `merge` of its shards — so the two give the same bytes: every sum is
/// taken over the recordings sorted by key, each recording's own sums (float64, in window order)
/// read back from its files.
public enum CohortReport {
    public static let estimators = ["model", "spectral", "peaks", "best"]

    /// Writes `cohort.json`, `failures.csv`, with --inspect `spectra.h5`, and the `index.html`
    /// report for the run's own recordings, each read back from `dir`; each file atomically.
    /// Returns the summary.
    @discardableResult
    public static func assemble(_ dir: CohortDirectory, run: CohortRunDescription) throws -> CohortSummary {
        var cohort = CohortAccumulator(dir, run: run)
        for input in cohort.inputs { try cohort.add(input, try cohort.storedOutcome(input)) }
        return try cohort.write()
    }

    /// `key,path,error`, one row per recording that could not be processed (header only when none).
    public static func failuresCSV(_ failures: [CohortFailure]) -> String {
        func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"").replacingOccurrences(of: "\n", with: " ") + "\"" }
        return "key,path,error\n" + failures.map { "\(quoted($0.key)),\(quoted($0.path)),\(quoted($0.error))\n" }.joined()
    }

    /// The cohort's `spectra.h5`: per layer `layers/<name>/` the summed running sums (float64:
    /// `amplitude_sum` [channels, bins], `power_sum`, `counts`, `correlation_sums`), the mean
    /// spectrum `mean_amplitude` [channels, bins] (float32, the sums over `windows`),
    /// `frequency_hz`, `dc_hr_correlation` and the attributes `windows`, `sampling_rate_hz`,
    /// `tap`, `dc_power_fraction`; at the root `layer_names` and `recordings` (the keys summed, in order).
    static func writeSpectra(layers: [InspectedLayer], sums: [LayerSums], summaries: [LayerSummary], recordings: [String], to path: String) throws {
        try AtomicOutput.file(path) { temporary in
            let file = try HDF5File.create(temporary)
            defer { file.close() }
            try LayerSumsFile.writeSums(file, layers: layers, sums: sums, group: { "layers/" + layers[$0].name })
            for (layer, l) in zip(layers, summaries) {
                let g = "layers/" + layer.name
                try file.write(g + "/mean_amplitude", shape: [layer.channels, l.frequenciesHz.count], floats: l.meanSpectra.flatMap { $0 })
                try file.write(g + "/frequency_hz", shape: [l.frequenciesHz.count], doubles: l.frequenciesHz)
                try file.write(g + "/dc_hr_correlation", shape: [layer.channels], doubles: l.dcHRCorrelation)
                try file.setAttribute(g, "sampling_rate_hz", double: layer.samplingRateHz)
                try file.setAttribute(g, "tap", string: layer.tapName)
                try file.setAttribute(g, "dc_power_fraction", double: l.dcPowerFraction)
            }
            try file.setAttribute("/", "layer_names", strings: layers.map(\.name))
            try file.setAttribute("/", "recordings", strings: recordings)
        }
    }

    /// `index.html` and its figures: per-recording MAE, pooled Bland–Altman, MAE by label and, with
    /// --inspect, DC prominence per layer across the cohort.
    static func writeReport(_ s: CohortSummary, blandAltman: [String: BlandAltmanPoints], into dir: String) throws {
        var figures: [ReportFigure] = []
        let ok = s.rows.filter { $0.status == "ok" }
        let present = estimators.filter { e in ok.contains { $0.metrics?[e] != nil } }
        if !present.isEmpty {
            figures.append(ReportFigure(
                fileName: "per_recording_mae.svg", caption: "MAE per recording against the reference (BPM); no bar where a recording has no reference.",
                svg: BarChart(title: "MAE per recording", yLabel: "MAE (BPM)", categories: ok.map(\.key),
                              groups: present.map { e in (e, ok.map { $0.metrics?[e]?.mae ?? .nan }) }).svg(width: max(760, 40 + 28 * Double(ok.count)))))
        }
        var series: [PlotSeries] = []
        for (i, e) in present.enumerated() {
            guard let points = blandAltman[e], let m = s.pooled[e] else { continue }
            series.append(PlotSeries(name: e, x: points.means, y: points.differences, color: Palette.color(i), pointsOnly: true))
            let xs = [points.means.min() ?? 0, points.means.max() ?? 1]
            // The bias, with the band between the limits of agreement shaded.
            let halfWidth = (m.limitsOfAgreement[1] - m.limitsOfAgreement[0]) / 2
            series.append(PlotSeries(name: "\(e) bias \(String(format: "%+.2f", m.bias))", x: xs, y: [m.bias, m.bias], color: Palette.color(i),
                                     band: [halfWidth, halfWidth]))
            for (side, limit) in zip(["lower", "upper"], m.limitsOfAgreement) {
                series.append(PlotSeries(name: "\(e) \(side) 95 % limit \(String(format: "%+.1f", limit))", x: xs, y: [limit, limit],
                                         color: Palette.color(i), dashed: true))
            }
        }
        if !series.isEmpty {
            figures.append(ReportFigure(
                fileName: "bland_altman.svg",
                caption: "Bland–Altman over the cohort's windows (a sample shown: up to 200 windows per recording, at most \(BlandAltmanPoints.capacity) per estimator; bias and limits pooled over every window).",
                svg: LinePlot(title: "Bland–Altman, pooled", xLabel: "mean of estimate and reference (BPM)", yLabel: "estimate − reference (BPM)",
                              series: series).svg(width: 760, height: 460)))
        }
        for (label, groups) in s.byLabel.sorted(by: { $0.key < $1.key }) {
            let values = groups.keys.sorted()
            figures.append(ReportFigure(
                fileName: "mae_by_\(label.filter { $0.isLetter || $0.isNumber || $0 == "_" }).svg",
                caption: "MAE pooled over the windows of each \(label) (BPM).",
                svg: BarChart(title: "MAE by \(label)", yLabel: "MAE (BPM)", categories: values,
                              groups: present.map { e in (e, values.map { groups[$0]?.metrics[e]?.mae ?? .nan }) }).svg()))
        }
        if let layers = s.layers, !layers.isEmpty {
            figures.append(ReportFigure(
                fileName: "dc_prominence.svg", caption: "DC power fraction per layer over every inspected window of the cohort (relu(A·cos) gives 4/π² ≈ 0.405).",
                svg: BarChart(title: "DC prominence across the cohort", yLabel: "DC power fraction", categories: layers.map(\.name),
                              groups: [("cohort", layers.map(\.dcPowerFraction))]).svg(width: 900, height: 460)))
            let inspected = ok.filter { $0.dcPowerFraction != nil }
            if !inspected.isEmpty {
                figures.append(ReportFigure(
                    fileName: "dc_prominence_by_recording.svg", caption: "DC power fraction per layer (columns, in network order) and recording (rows, in key order).",
                    svg: HeatMap(title: "DC power fraction per recording and layer", xLabel: "layer index", yLabel: "recording index",
                                 values: inspected.map { $0.dcPowerFraction! }, xRange: 0...Double(layers.count),
                                 yRange: 0...Double(inspected.count), colorLabel: "DC power fraction").svg()))
            }
        }
        var key: [(String, String)] = [("model", s.model ?? "none"), ("recordings", "\(s.recordings) (\(s.processed) processed, \(s.failed) failed)")]
        for e in present { if let m = s.pooled[e] { key.append(("pooled \(e)", String(format: "MAE %.3f, RMSE %.3f, bias %+.3f BPM over %d windows", m.mae, m.rmse, m.bias, m.windows))) } }
        for row in s.rows.prefix(200) {
            let text = row.status == "ok"
                ? present.compactMap { e in row.metrics?[e].map { String(format: "\(e) MAE %.3f", $0.mae) } }.joined(separator: ", ")
                    + (row.metrics == nil ? "\(row.windows ?? 0) windows, no reference" : " BPM over \(row.windows ?? 0) windows")
                : "failed: \(row.error ?? "")"
            key.append((row.key, text))
        }
        try ReportWriter.writeReport(directory: dir, title: "ppgscope batch: \(s.recordings) recordings",
                                     intro: "Heart rate over a cohort. cohort.json holds every number, recordings/<name>/ each recording's windows and summary.",
                                     figures: figures, keyNumbers: key)
    }
}
