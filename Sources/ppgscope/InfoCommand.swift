import ArgumentParser
import PPGFormats
import PPGReports

/// `ppgscope info FILE...`: describe Keras weights files and recordings.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a Keras model file (graph, shapes, parameters, receptive fields) or a recording.")

    @Argument(help: "Keras HDF5 model files and/or recordings (.h5, .wav, .flac, .csv).")
    var files: [String]

    @Option(name: .customLong("model-rate"), help: "Model input sampling rate in Hz, for layer rates and receptive fields.")
    var modelRateHz: Double = 32

    func run() throws {
        for (i, path) in files.enumerated() {
            if i > 0 { print("") }
            if KerasModelFile.isModelFile(path) {
                let network = try KerasModelFile.load(path)
                print(ModelSummary.text(network, inputRateHz: modelRateHz, file: path))
            } else {
                print(RecordingSummary.text(try RecordingIO.read(path), file: path))
            }
        }
    }
}
