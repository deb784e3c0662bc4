import Foundation
import PPGAnalysis
import PPGFormats

/// `ppgscope compare`: two inspections side by side (two recordings through one model, or one
/// recording through two models). Layers are paired by name, or by position when the names differ.
public enum ComparisonReport {
    public struct LayerPair: Encodable {
        public var a: String
        public var b: String
        public var samplingRateHz: Double
        public var dcPowerFraction: [Double]
        public var dcDominantShare: [Double]
        public var bandwidth99Hz: [Double]
        public var harmonicShare: [Double]
        /// b − a.
        public var dcPowerFractionDifference: Double
        public var bandwidth99HzDifference: Double
    }

    public static func pairs(_ a: InspectionResult, _ b: InspectionResult) -> [(LayerSummary, LayerSummary)] {
        let byName = Dictionary(b.layers.map { ($0.layer.name, $0) }, uniquingKeysWith: { x, _ in x })
        if a.layers.allSatisfy({ byName[$0.layer.name] != nil }) { return a.layers.map { ($0, byName[$0.layer.name]!) } }
        return zip(a.layers, b.layers).filter { $0.layer.className == $1.layer.className }.map { ($0, $1) }
    }

    public static func layerPairs(_ a: InspectionResult, _ b: InspectionResult) -> [LayerPair] {
        pairs(a, b).map { x, y in
            LayerPair(a: x.layer.name, b: y.layer.name, samplingRateHz: x.layer.samplingRateHz,
                      dcPowerFraction: [x.dcPowerFraction, y.dcPowerFraction], dcDominantShare: [x.dcDominantShare, y.dcDominantShare],
                      bandwidth99Hz: [x.bandwidth99Hz, y.bandwidth99Hz], harmonicShare: [x.harmonicShare, y.harmonicShare],
                      dcPowerFractionDifference: y.dcPowerFraction - x.dcPowerFraction,
                      bandwidth99HzDifference: y.bandwidth99Hz - x.bandwidth99Hz)
        }
    }

    public static func figures(_ a: InspectionResult, _ b: InspectionResult, labels: (String, String)) -> [ReportFigure] {
        let matched = pairs(a, b)
        var figures: [ReportFigure] = []
        // Side-by-side spectra per layer: channel-mean spectrum, each scaled to its own peak.
        let panels = matched.map { x, y -> LinePlot in
            func mean(_ l: LayerSummary) -> [Double] {
                let bins = l.frequenciesHz.count
                let m = (0..<bins).map { k in l.meanSpectra.reduce(0.0) { $0 + Double($1[k]) } / Double(max(l.meanSpectra.count, 1)) }
                let peak = m.max() ?? 1
                return m.map { peak > 0 ? $0 / peak : 0 }
            }
            return LinePlot(title: x.layer.name == y.layer.name ? x.layer.name : "\(x.layer.name) | \(y.layer.name)",
                            xLabel: "BPM", yLabel: "mean amplitude / peak",
                            series: [PlotSeries(name: labels.0, x: x.frequenciesHz.map { $0 * 60 }, y: mean(x), color: Palette.color(0)),
                                     PlotSeries(name: labels.1, x: y.frequenciesHz.map { $0 * 60 }, y: mean(y), color: Palette.color(1), dashed: true)])
        }
        figures.append(ReportFigure(fileName: "compare_spectra.svg",
                                    caption: "Per layer: the channel-averaged mean amplitude spectrum of \(labels.0) (solid) and \(labels.1) (dashed), each scaled to its peak. The 0 BPM point is the DC.",
                                    svg: PlotGrid(title: "\(labels.0) vs \(labels.1): layer spectra", panels: panels, columns: 3).svg(panelWidth: 360, panelHeight: 220)))
        let names = matched.map { $0.0.layer.name }
        figures.append(ReportFigure(fileName: "compare_dc.svg",
                                    caption: "DC power fraction per layer for both inputs (relu(A·cos) gives 4/π² ≈ 0.405).",
                                    svg: BarChart(title: "DC power fraction: \(labels.0) vs \(labels.1)", yLabel: "DC² / mean square", categories: names,
                                                  groups: [(labels.0, matched.map { $0.0.dcPowerFraction }), (labels.1, matched.map { $0.1.dcPowerFraction })],
                                                  yRange: 0...1).svg(width: 980, height: 460)))
        figures.append(ReportFigure(fileName: "compare_bandwidth.svg",
                                    caption: "Frequency below which 99 % of the non-DC power lies, per layer, for both inputs.",
                                    svg: BarChart(title: "99 % bandwidth: \(labels.0) vs \(labels.1)", yLabel: "Hz", categories: names,
                                                  groups: [(labels.0, matched.map { $0.0.bandwidth99Hz }), (labels.1, matched.map { $0.1.bandwidth99Hz })]).svg(width: 980, height: 460)))
        return figures
    }

    /// Writes a comparison directory (replaced all-or-nothing): `a/` and `b/`, each a full inspect
    /// report, `summary.json` with the per-layer differences, and side-by-side figures in `index.html`.
    public static func write(_ a: InspectionResult, _ b: InspectionResult, sources: [InspectionFiles.Source],
                             labels: (String, String), to directory: String) throws {
        try AtomicOutput.directory(directory) { dir in
            for (i, sub) in ["a", "b"].enumerated() {
                let subdir = dir + "/" + sub
                try FileManager.default.createDirectory(atPath: subdir, withIntermediateDirectories: true)
                try InspectionFiles.writeContents(i == 0 ? a : b, source: sources[i], normalisedByStd: false, into: subdir)
            }
            struct Summary: Encodable { var a: String; var b: String; var layers: [LayerPair] }
            try AtomicOutput.text(try ReportJSON.text(Summary(a: "\(sources[0].model) on \(sources[0].recording)",
                                                              b: "\(sources[1].model) on \(sources[1].recording)", layers: layerPairs(a, b))),
                                  to: dir + "/summary.json")
            try ReportWriter.writeReport(directory: dir, title: "ppgscope compare: \(labels.0) vs \(labels.1)",
                                         intro: "Layer spectra and DC prominence side by side. Full reports: a/index.html and b/index.html.",
                                         figures: figures(a, b, labels: labels))
        }
    }
}
