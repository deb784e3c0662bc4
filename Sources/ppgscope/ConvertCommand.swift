import ArgumentParser
import PPGFormats

/// `ppgscope convert IN OUT`: between HDF5, WAV, FLAC, CSV and the PPG-DaLiA windowed layout.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a recording between formats: reads every format ppgscope knows, writes .h5, .wav, .flac, .csv, .edf or .bdf (by extension).",
        discussion: "An .h5 input in the PPG-DaLiA windowed layout (datasets X [N, 4, 256], y [N]) is rebuilt into continuous signals. data/README.md documents every layout.")

    @Argument(help: "Input recording.") var input: String
    @Argument(help: "Output recording.") var output: String
    @OptionGroup(title: "Reading the input") var recordingOptions: RecordingOptions

    func run() throws {
        // The channels keep their names unless --ppg or --acc maps them to ppg, acc_x, acc_y, acc_z.
        let recording = recordingOptions.namesChannels || recordingOptions.referenceHR != nil
            ? try recordingOptions.load(input).recording
            : try RecordingIO.read(input, options: recordingOptions.request(input).read)
        try RecordingIO.write(recording, to: output)
        print("wrote \(output): \(recording.channels.map(\.name).joined(separator: ", ")), \(String(format: "%.1f", recording.durationS)) s")
    }
}
