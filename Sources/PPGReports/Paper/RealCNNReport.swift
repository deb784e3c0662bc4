import Foundation
import PPGAnalysis
import PPGFormats
import PPGNetwork
import PPGSignals

/// Section V-B (`paper real-cnn`): the paper's Fig. 3 view — activation spectra of the last conv of
/// blocks 1 and 2, 16 channels — of trained HR CNNs on one recording, through the `inspect`
/// machinery, with the layer metrics that quantify what the figure shows.
public enum RealCNNExperiment {
    /// The metrics of one figure layer.
    public struct LayerNumbers: Encodable, Sendable {
        public var model: String, layer: String, samplingRateHz: Double
        public var dcPowerFraction: Double, dcDominantShare: Double, dcToLargestNonDC: Double
        public var bandwidth99Hz: Double, harmonicShare: Double, maxAbsDCHRCorrelation: Double
    }

    /// Inspects each (label, network) on `windows` (prepared once, exact motion filter) and keeps
    /// the Fig. 3 figures of `figureWindow` and their layers' numbers.
    public static func run(models: [(label: String, network: Network)], windows: PreparedWindows, reference: HeartRateSeries?,
                           figureWindow: Int) throws -> (numbers: [LayerNumbers], figures: [ReportFigure]) {
        var numbers: [LayerNumbers] = []
        var figures: [ReportFigure] = []
        for (label, network) in models {
            var options = InspectionOptions()
            options.ablation = false
            options.figureWindow = figureWindow
            let result = try Inspection.run(windows, network: network, reference: reference, options: options)
            for fig in InspectionReport.figures(result, modelName: label) where fig.fileName.hasPrefix("fig3_") {
                figures.append(ReportFigure(fileName: "\(label.lowercased().replacingOccurrences(of: "-", with: ""))_\(fig.fileName)",
                                            caption: fig.caption, svg: fig.svg))
            }
            for (name, _, _) in result.figureLayers {
                guard let l = result.layers.first(where: { $0.layer.name == name }) else { continue }
                numbers.append(LayerNumbers(model: label, layer: name, samplingRateHz: l.layer.samplingRateHz,
                                            dcPowerFraction: l.dcPowerFraction, dcDominantShare: l.dcDominantShare,
                                            dcToLargestNonDC: l.dcToLargestNonDC, bandwidth99Hz: l.bandwidth99Hz,
                                            harmonicShare: l.harmonicShare,
                                            maxAbsDCHRCorrelation: l.dcHRCorrelation.filter(\.isFinite).map(abs).max() ?? .nan))
            }
        }
        return (numbers, figures)
    }

    /// Writes `summary.json`, the figures and `index.html` into `directory` (replaced all-or-nothing).
    public static func write(_ numbers: [LayerNumbers], figures: [ReportFigure], recording: String, figureWindow: Int,
                             to directory: String) throws {
        try AtomicOutput.directory(directory) { dir in
            try AtomicOutput.text(try ReportJSON.text(numbers), to: dir + "/summary.json")
            try ReportWriter.writeReport(directory: dir, title: "Section V-B: ReLU spectra in real CNNs",
                                         intro: "The paper's Fig. 3 view on \(recording), window \(figureWindow), for the S5 model and KID-PPG.",
                                         figures: figures)
        }
    }

    /// The table the command prints.
    public static func text(_ numbers: [LayerNumbers]) -> String {
        textTable(header: ["model", "layer", "Hz", "DC power", "DC-max %", "DC/peak", "BW99 Hz", "harmonic", "max |r(DC,HR)|"],
                  rows: numbers.map {
                      [$0.model, $0.layer, String(format: "%g", $0.samplingRateHz), String(format: "%.3f", $0.dcPowerFraction),
                       String(format: "%.0f", 100 * $0.dcDominantShare), String(format: "%.2f", $0.dcToLargestNonDC),
                       String(format: "%.2f", $0.bandwidth99Hz), String(format: "%.2f", $0.harmonicShare),
                       String(format: "%.2f", $0.maxAbsDCHRCorrelation)]
                  }).joined(separator: "\n")
    }
}
