import ArgumentParser
import PPGFormats

/// `ppgscope convert IN OUT`: between HDF5, WAV, FLAC, CSV and the PPG-DaLiA windowed layout.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a recording between formats, chosen by file extension (.h5, .wav, .flac, .csv).",
        discussion: "An .h5 input in the PPG-DaLiA windowed layout (datasets X [N, 4, 256], y [N]) is rebuilt into continuous signals. data/README.md documents every layout.")

    @Argument(help: "Input recording.") var input: String
    @Argument(help: "Output recording.") var output: String
    @Option(name: .customLong("rate"), help: "Sampling rate in Hz for CSV inputs without one.") var samplingRateHz: Double?

    func run() throws {
        let recording = try RecordingIO.read(input, samplingRateHz: samplingRateHz)
        try RecordingIO.write(recording, to: output)
        print("wrote \(output): \(recording.channels.map(\.name).joined(separator: ", ")), \(String(format: "%.1f", recording.durationS)) s")
    }
}
