import Foundation
import PPGAnalysis

/// The `hr --report` pages: heart rate over time, the SQI strip, Bland–Altman plots, the conditioning.
public enum HeartRateFigures {
    /// The figures of one `hr` run (times are window ends, s).
    public static func figures(_ estimates: [WindowEstimate], sqiMinimum: Double? = nil) -> [ReportFigure] {
        let t = estimates.map(\.endS)
        func values(_ key: KeyPath<WindowEstimate, Double?>) -> [Double] { estimates.map { $0[keyPath: key] ?? .nan } }
        var series: [PlotSeries] = []
        if estimates.contains(where: { $0.hrBPM != nil }) {
            series.append(PlotSeries(name: "model mean ± std", x: t, y: values(\.hrBPM), color: Palette.color(0),
                                     band: estimates.map { $0.hrStdBPM ?? 0 }))
        }
        if estimates.contains(where: { $0.peaksBPM != nil }) {
            series.append(PlotSeries(name: "peaks", x: t, y: values(\.peaksBPM), color: Palette.color(2), pointsOnly: true))
        }
        if estimates.contains(where: { $0.spectralBPM != nil }) {
            series.append(PlotSeries(name: "spectral", x: t, y: values(\.spectralBPM), color: Palette.color(1), dashed: true))
        }
        if estimates.contains(where: { $0.bestBPM != nil }) {
            series.append(PlotSeries(name: "best", x: t, y: values(\.bestBPM), color: Palette.color(4)))
        }
        if estimates.contains(where: { $0.referenceBPM != nil }) {
            series.append(PlotSeries(name: "reference", x: t, y: values(\.referenceBPM), color: "#111111", dashed: true))
        }
        let finite = series.flatMap(\.y).filter(\.isFinite)
        let yRange = finite.isEmpty ? nil : (max(0, (finite.min() ?? 40) - 10)...min(240, (finite.max() ?? 180) + 10))
        var figures = [ReportFigure(fileName: "hr_over_time.svg",
                                    caption: "Heart rate at each window's end: the model's mean with its ± std band, the beat-based (peaks) and spectral estimates, best_bpm (the number to read) and the reference where there is one.",
                                    svg: LinePlot(title: "heart rate over time", xLabel: "time (s)", yLabel: "BPM", series: series, yRange: yRange)
                                        .svg(width: 1100, height: 420))]
        if estimates.contains(where: { $0.sqi != nil }) {
            // The SQI as a filled area from 0 (a band of half its height around half its value).
            let sqi = values(\.sqi).map { $0.isFinite ? $0 : 0 }
            var sqiSeries = [PlotSeries(name: "sqi", x: t, y: sqi.map { $0 / 2 }, color: Palette.color(2), band: sqi.map { $0 / 2 }),
                             PlotSeries(name: "", x: t, y: sqi, color: Palette.color(2))]
            if let sqiMinimum, let first = t.first, let last = t.last {
                sqiSeries.append(PlotSeries(name: "threshold", x: [first, last], y: [sqiMinimum, sqiMinimum], color: Palette.color(3), dashed: true))
            }
            figures.append(ReportFigure(fileName: "sqi.svg",
                                        caption: "Signal-quality index per window (0–1): mean beat-template correlation (Orphanidou 2015) × a skewness factor (Elgendi 2016). Classical estimates count for best_bpm above the dashed threshold.",
                                        svg: LinePlot(title: "signal quality", xLabel: "time (s)", yLabel: "SQI", series: sqiSeries, yRange: 0...1)
                                            .svg(width: 1100, height: 320)))
        }
        for (name, key) in [("model", \WindowEstimate.hrBPM), ("peaks", \.peaksBPM), ("spectral", \.spectralBPM), ("best", \.bestBPM)] {
            let pairs = estimates.compactMap { e -> (Double, Double)? in
                guard let a = e[keyPath: key], let r = e.referenceBPM else { return nil }
                return (a, r)
            }
            guard pairs.count >= 2, let m = HeartRateMetrics(estimates: pairs.map { $0.0 }, references: pairs.map { $0.1 }) else { continue }
            let x = pairs.map { ($0.0 + $0.1) / 2 }, y = pairs.map { $0.0 - $0.1 }
            let span = [x.min()!, x.max()!]
            let plot = LinePlot(title: "Bland–Altman: \(name) − reference", xLabel: "mean of estimate and reference (BPM)", yLabel: "difference (BPM)",
                                series: [PlotSeries(name: String(format: "95 %% limits [%.1f, %.1f]", m.limitsOfAgreement[0], m.limitsOfAgreement[1]),
                                                    x: span, y: Array(repeating: (m.limitsOfAgreement[0] + m.limitsOfAgreement[1]) / 2, count: 2),
                                                    color: Palette.color(7), band: Array(repeating: (m.limitsOfAgreement[1] - m.limitsOfAgreement[0]) / 2, count: 2)),
                                         PlotSeries(name: "windows", x: x, y: y, color: Palette.color(0), pointsOnly: true),
                                         PlotSeries(name: String(format: "bias %+.2f", m.bias), x: span, y: [m.bias, m.bias], color: Palette.color(3)),
                                         PlotSeries(name: "", x: span, y: [m.limitsOfAgreement[0], m.limitsOfAgreement[0]], color: Palette.color(7), dashed: true),
                                         PlotSeries(name: "", x: span, y: [m.limitsOfAgreement[1], m.limitsOfAgreement[1]], color: Palette.color(7), dashed: true)])
            figures.append(ReportFigure(fileName: "bland_altman_\(name).svg",
                                        caption: String(format: "Bland–Altman plot of %@ against the reference over %d windows: MAE %.3f BPM, bias %+.3f BPM, 95 %% limits of agreement [%.2f, %.2f] BPM.",
                                                        name, m.windows, m.mae, m.bias, m.limitsOfAgreement[0], m.limitsOfAgreement[1]),
                                        svg: plot.svg(width: 900, height: 640)))
        }
        return figures
    }

    /// Writes index.html and the SVGs into `directory` (the caller makes it atomic).
    public static func write(directory: String, estimates: [WindowEstimate], summary: HeartRateReport.Summary, sqiMinimum: Double? = nil) throws {
        var keys: [(String, String)] = [("recording", summary.recording), ("model", summary.model ?? "none"), ("windows", String(summary.windows)),
                                        ("motion filter", summary.filter), ("input conditioning", summary.conditioning.convention)]
        keys += summary.conditioning.steps.enumerated().map { ("  step \($0.offset + 1)", $0.element) }
        keys += summary.warnings.map { ("warning", $0) }
        for (name, m) in [("model", summary.model_metrics), ("peaks", summary.peaks_metrics), ("spectral", summary.spectral_metrics), ("best", summary.best_metrics)] {
            if let m { keys.append(("\(name) MAE", String(format: "%.3f BPM over %d windows (bias %+.3f)", m.mae, m.windows, m.bias))) }
        }
        keys.append(("best_bpm from", BestSource.allCases.map { "\($0.rawValue) \(summary.bestSources[$0.rawValue, default: 0])" }.joined(separator: ", ")))
        try ReportWriter.writeReport(directory: directory, title: "Heart rate: \(URL(fileURLWithPath: summary.recording).lastPathComponent)",
                                     intro: "Per-window heart rate from the model and the classical estimators, their signal quality, and their agreement with the reference. The input conditioning applied before the model is listed below.",
                                     figures: figures(estimates, sqiMinimum: sqiMinimum), keyNumbers: keys)
    }
}
