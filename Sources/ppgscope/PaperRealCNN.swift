import ArgumentParser
import Foundation
import PPGAnalysis
import PPGFormats
import PPGNetwork
import PPGReports
import PPGSignals

/// `ppgscope paper real-cnn` (Section V-B): the paper's Fig. 3 view — activation spectra of the last
/// conv of blocks 1 and 2, 16 channels — on the S5 model and the real KID-PPG model, through the
/// `inspect` machinery, with the layer metrics that quantify what the figure shows.
struct PaperRealCNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "real-cnn",
        abstract: "Section V-B: Fig. 3 view (block 1 conv 3, block 2 conv 3, 16 channels) of the S5 and KID-PPG models on S6.")

    @Option(help: "Output directory (replaced).") var out: String
    @Option(help: "Recording.") var recording = "data/ppg_dalia_S6_stairs.h5"
    @Option(help: "KID-PPG model.") var kidppg = "models/kid_ppg_weights.h5"
    @Option(help: "S5 model.") var s5 = "models/relu_dc_model_S5.h5"
    @Option(name: .customLong("figure-window"), help: "Window shown in the figures.") var figureWindow = 57

    struct LayerNumbers: Encodable {
        var model: String, layer: String, samplingRateHz: Double
        var dcPowerFraction: Double, dcDominantShare: Double, dcToLargestNonDC: Double
        var bandwidth99Hz: Double, harmonicShare: Double, maxAbsDCHRCorrelation: Double
    }

    func run() throws {
        let rec = try RecordingIO.read(recording)
        var hr = HeartRateOptions()
        hr.filter = .exact
        let prepared: PreparedWindows
        do { prepared = try HeartRatePipeline.prepare(rec, options: hr) } catch let e as PPGScopeError { throw e.inFile(recording) }
        var numbers: [LayerNumbers] = []
        var figures: [ReportFigure] = []
        for (label, path) in [("S5", s5), ("KID-PPG", kidppg)] {
            let network = try KerasModelFile.load(path)
            var options = InspectionOptions()
            options.ablation = false
            options.figureWindow = figureWindow
            let result = try Inspection.run(prepared, network: network, reference: rec.referenceHR, options: options)
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
        try OutputDirectory.write(out) { dir in
            try ReportWriter.write(try ReportJSON.text(numbers), to: dir + "/summary.json")
            try ReportWriter.writeReport(directory: dir, title: "Section V-B: ReLU spectra in real CNNs",
                                         intro: "The paper's Fig. 3 view on \(recording), window \(figureWindow), for the S5 model and KID-PPG.",
                                         figures: figures)
        }
        print(textTable(header: ["model", "layer", "Hz", "DC power", "DC-max %", "DC/peak", "BW99 Hz", "harmonic", "max |r(DC,HR)|"],
                        rows: numbers.map {
                            [$0.model, $0.layer, String(format: "%g", $0.samplingRateHz), String(format: "%.3f", $0.dcPowerFraction),
                             String(format: "%.0f", 100 * $0.dcDominantShare), String(format: "%.2f", $0.dcToLargestNonDC),
                             String(format: "%.2f", $0.bandwidth99Hz), String(format: "%.2f", $0.harmonicShare),
                             String(format: "%.2f", $0.maxAbsDCHRCorrelation)]
                        }).joined(separator: "\n"))
        print("wrote \(out)/summary.json and \(figures.count) figures")
    }
}
