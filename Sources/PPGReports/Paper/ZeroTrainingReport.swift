import Foundation
import PPGPaper

/// One class of the dataset under one kernel of `paper zero-training`.
public struct ZeroTrainingClass: Encodable {
    public var frequencyHz: Double
    /// |H(f)| of the kernel at the class frequency.
    public var response: Double
    /// |H(f)|/π: the pooled output predicted for a unit cosine.
    public var predictedDC: Double
    public var pooledMean: Double
    public var pooledMin: Double
    public var pooledMax: Double
    /// measured / predicted − 1 over the class's signals: mean and largest magnitude.
    public var deviationMean: Double
    public var deviationMaxAbs: Double
}

/// One shown kernel of `paper zero-training`.
public struct ZeroTrainingExampleSummary: Encodable {
    public var title: String
    /// w0 acts on x[t−1], w1 on x[t].
    public var w0: Double
    public var w1: Double
    public var classes: [ZeroTrainingClass]
    public var separable: Bool
    public var margin: Double
}

/// `summary.json` of `paper zero-training`.
public struct ZeroTrainingSummary: Encodable {
    public var seed: UInt64
    public var samplesPerClass: Int
    public var examples: [ZeroTrainingExampleSummary]
    public var initialisations: Int
    public var separableFraction: Double
    public var failures: Int
    /// Largest |w0·w1|/(w0² + w1²) among the kernels that do not separate the classes.
    public var largestCouplingAmongFailures: Double
    /// Run time of the experiment.
    public var seconds: Double
}

/// Report of `paper zero-training` (Section V-D): a random 2-tap conv filter + ReLU + global average
/// pooling as a classifier through the DC alone.
public struct ZeroTrainingReport: PaperReport {
    public let result: ZeroTrainingResult
    public let summary: ZeroTrainingSummary
    public let textLines: [String]

    /// `seed` and `samplesPerClass` are those `result` was run with; `seconds` its run time.
    public init(result r: ZeroTrainingResult, seed: UInt64, samplesPerClass: Int, seconds: Double) {
        result = r
        let fs = r.samplingRateHz
        var lines: [String] = []
        var examples: [ZeroTrainingExampleSummary] = []
        for e in r.examples {
            lines.append(String(format: "%@: w0 = %+.4f (on x[t−1]), w1 = %+.4f (on x[t]) (Glorot-uniform limit %.4f)",
                                e.title as NSString, e.w0, e.w1, ZeroTraining.glorotLimit))
            var classes: [ZeroTrainingClass] = []
            for (label, f0) in r.classFrequenciesHz.enumerated() {
                let idx = r.labels.indices.filter { r.labels[$0] == Int32(label) }
                let pooled = idx.map { e.pooled[$0] }
                let dev = idx.map { e.relativeDeviationFromClosedForm[$0] }
                let h = ZeroTraining.response(w0: e.w0, w1: e.w1, frequencyHz: f0, samplingRateHz: fs)
                let cls = ZeroTrainingClass(
                    frequencyHz: f0, response: h, predictedDC: h / Double.pi,
                    pooledMean: pooled.reduce(0, +) / Double(pooled.count), pooledMin: pooled.min()!, pooledMax: pooled.max()!,
                    deviationMean: dev.reduce(0, +) / Double(dev.count), deviationMaxAbs: dev.map(abs).max()!)
                classes.append(cls)
                lines.append(String(format: "  class %d (%.0f Hz): |H| = %.4f (%.2f dB), |H|/π = %.4f; pooled output mean %.4f, range [%.4f, %.4f]; measured/predicted − 1: mean %+.2f %%, max |·| %.2f %%",
                                    label, f0, h, 20 * log10(h), h / Double.pi, cls.pooledMean, cls.pooledMin, cls.pooledMax,
                                    100 * cls.deviationMean, 100 * cls.deviationMaxAbs))
            }
            lines.append(String(format: "  classes %@ by the pooled output alone (margin %.3f of the range)",
                                (e.separable ? "separable" : "NOT separable") as NSString, e.margin))
            examples.append(ZeroTrainingExampleSummary(title: e.title, w0: e.w0, w1: e.w1, classes: classes,
                                                       separable: e.separable, margin: e.margin))
        }
        let failures = zip(r.kernels, r.outcomes).filter { !$0.1.separable }.map { $0.0 }
        let coupling = failures.map { abs($0.0 * $0.1) / ($0.0 * $0.0 + $0.1 * $0.1) }
        lines.append(String(format: "survey: %d random kernels, %.2f %% separable (%d failures; largest |w0·w1|/(w0²+w1²) among failures %.4f), %.1f s",
                            r.kernels.count, 100 * r.separableFraction, failures.count, coupling.max() ?? 0, seconds))
        textLines = lines
        summary = ZeroTrainingSummary(
            seed: seed, samplesPerClass: samplesPerClass, examples: examples, initialisations: r.kernels.count,
            separableFraction: r.separableFraction, failures: failures.count,
            largestCouplingAmongFailures: coupling.max() ?? 0, seconds: seconds)
    }

    public var title: String { "A minimum (almost) zero-training CNN (Section V-D)" }
    public var intro: String { "Conv1D(1 filter, 2 taps, causal, no bias, random Glorot-uniform) → ReLU → global average pooling." }

    public var keyNumbers: [(String, String)] {
        func fmt(_ v: Double, _ digits: Int = 4) -> String { NumberFormat.significant(v, digits: digits) }
        var rows: [(String, String)] = []
        for e in summary.examples {
            rows.append(("\(e.title): (w0, w1)", "(\(fmt(e.w0)), \(fmt(e.w1)))"))
            rows.append(("  |H|/π at 3 / 5 / 10 Hz", e.classes.map { fmt($0.predictedDC) }.joined(separator: " / ")))
            rows.append(("  mean pooled output per class", e.classes.map { fmt($0.pooledMean) }.joined(separator: " / ")))
            rows.append(("  separable", e.separable ? "yes (margin \(fmt(e.margin, 3)))" : "no (margin \(fmt(e.margin, 3)))"))
        }
        rows.append(("random kernels separable", "\(fmt(100 * result.separableFraction)) % of \(summary.initialisations)"))
        return rows
    }

    public func figures() -> [ReportFigure] {
        let r = result, fs = r.samplingRateHz
        func fmt(_ v: Double) -> String { NumberFormat.significant(v) }
        let f = stride(from: 0.0, through: fs / 2, by: 0.05).map { $0 }
        let markers = r.classFrequenciesHz.enumerated().map { i, hz in PlotMarker(x: hz, label: "\(fmt(hz)) Hz", color: Palette.color(i)) }
        let response = LinePlot(
            title: "Frequency responses of the two kernels", xLabel: "frequency (Hz)", yLabel: "|H(f)| (dB)",
            series: r.examples.enumerated().map { i, e in
                PlotSeries(name: String(format: "%@ (%+.3f, %+.3f)", (i == 0 ? "first kernel" : "median kernel") as NSString, e.w0, e.w1), x: f,
                           y: f.map { 20 * log10(max(ZeroTraining.response(w0: e.w0, w1: e.w1, frequencyHz: $0, samplingRateHz: fs), 1e-6)) },
                           color: i == 0 ? "#000" : "#777", dashed: i > 0)
            },
            markers: markers)
        var panels: [LinePlot] = []
        for e in r.examples {
            var series: [PlotSeries] = []
            for (label, hz) in r.classFrequenciesHz.enumerated() {
                let idx = r.labels.indices.filter { r.labels[$0] == Int32(label) }.sorted { r.frequenciesHz[$0] < r.frequenciesHz[$1] }
                series.append(PlotSeries(name: "class \(label) (\(fmt(hz)) Hz)", x: idx.map { r.frequenciesHz[$0] }, y: idx.map { e.pooled[$0] },
                                         color: Palette.color(label)))
            }
            let fr = stride(from: 2.5, through: 10.5, by: 0.02).map { $0 }
            series.append(PlotSeries(name: "|H(f)|/π", x: fr,
                                     y: fr.map { ZeroTraining.predictedDC(w0: e.w0, w1: e.w1, frequencyHz: $0, samplingRateHz: fs) },
                                     color: "#555", dashed: true))
            panels.append(LinePlot(title: String(format: "%@ (w0 %+.3f, w1 %+.3f): %@", e.title as NSString, e.w0, e.w1,
                                                 (e.separable ? "separable" : "not separable") as NSString),
                                   xLabel: "signal frequency (Hz)", yLabel: "pooled output", series: series))
        }
        let dc = PlotGrid(title: "Pooled output (DC after ReLU) of every signal against its frequency", panels: panels, columns: 1)
        let order = r.kernels.indices.sorted { atan2(r.kernels[$0].1, r.kernels[$0].0) < atan2(r.kernels[$1].1, r.kernels[$1].0) }
        let angle = order.map { atan2(r.kernels[$0].1, r.kernels[$0].0) * 180 / Double.pi }
        let survey = LinePlot(
            title: String(format: "%d random kernels: %.2f %% separate the classes by the DC alone", r.kernels.count, 100 * r.separableFraction),
            xLabel: "kernel direction atan2(w1, w0) (degrees)", yLabel: "margin (gap / range; < 0: overlap)",
            series: [PlotSeries(name: "", x: angle, y: order.map { max(r.outcomes[$0].margin, -0.5) }, color: Palette.color(0))],
            markers: [-180.0, -90, 0, 90, 180].map { PlotMarker(x: $0, label: $0 == -90 ? "w0·w1 = 0" : "", color: "#999") },
            xRange: -180...180)
        return [
            ReportFigure(fileName: "zero-training-response.svg", caption: "Frequency responses of the two shown kernels, class frequencies marked (the paper's Fig. 5).", svg: response.svg(width: 760)),
            ReportFigure(fileName: "zero-training-dc.svg", caption: "Pooled output of each signal against its frequency, with the closed form |H(f)|/π, for the two shown kernels.",
                         svg: dc.svg(panelWidth: 760, panelHeight: 300)),
            ReportFigure(fileName: "zero-training-survey.svg", caption: "Separability margin of the three classes by the pooled output alone, for random Glorot-uniform kernels, against the kernel's direction.", svg: survey.svg(width: 760)),
        ]
    }
}
