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

    @OptionGroup var output: PaperOutputOptions
    @Option(help: "Recording.") var recording = "data/ppg_dalia_S6_stairs.h5"
    @OptionGroup(title: "Reading the recording") var recordingOptions: RecordingOptions
    @Option(help: "KID-PPG model.") var kidppg = "models/kid_ppg_weights.h5"
    @Option(help: "S5 model.") var s5 = "models/relu_dc_model_S5.h5"
    @Option(name: .customLong("figure-window"), help: "Window shown in the figures.") var figureWindow = 57

    func run() throws {
        let rec = try recordingOptions.load(recording).recording
        let models = try [("S5", s5), ("KID-PPG", kidppg)].map { (label: $0.0, network: try KerasModelFile.load($0.1)) }
        var options = HeartRateOptions()
        options.filter = .exact
        let windows = try ModelInput.prepare(recording: rec, for: models[0].network, options: options, source: recording)
        let (numbers, figures) = try RealCNNExperiment.run(models: models, windows: windows, reference: rec.referenceHR,
                                                           figureWindow: figureWindow)
        let out = output.directory("real-cnn")
        try RealCNNExperiment.write(numbers, figures: figures, recording: recording, figureWindow: figureWindow, to: out)
        print(RealCNNExperiment.text(numbers))
        print("wrote \(out)/summary.json and \(figures.count) figures")
    }
}
