import ArgumentParser
import PPGAnalysis
import PPGCompute
import PPGFormats
import PPGReports
import PPGSignals
import PPGSpectral

/// `ppgscope info FILE...`: describe Keras weights files and recordings.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a Keras model file (graph, shapes, parameters, receptive fields) or a recording.")

    @Argument(help: "Keras models (.keras, .h5; chosen by content) and/or recordings (.h5, .wav, .flac, .csv, .edf/.bdf, WFDB .hea, E4 folders or .zip).")
    var files: [String] = []
    @OptionGroup(title: "Reading recordings") var recordingOptions: RecordingOptions

    @Option(help: "Model config JSON (a .keras archive's config.json, or model.to_json()) for a weights-only file (.weights.h5).")
    var config: String?

    @Flag(help: "Print the versions of the libraries ppgscope uses (HDF5, libsndfile, FFTW, libsamplerate, BLAS) and the kernels chosen.")
    var libraries = false

    func validate() throws {
        guard libraries || !files.isEmpty else { throw ValidationError("give at least one file, or --libraries") }
    }

    @Option(name: .customLong("model-rate"), help: "Model input sampling rate in Hz, for layer rates and receptive fields.")
    var modelRateHz: Double = 32

    func run() throws {
        if libraries {
            let rows = [("ppgscope", ppgscopeVersion)] + FormatLibraries.versions + [("FFTW", RealFFT.libraryVersion),
                        ("libsamplerate", Resampling.libraryVersion)] + ComputeRuntime.libraryDescription
            print(textTable(header: ["library", "version or choice"], rows: rows.map { [$0.0, $0.1] }).joined(separator: "\n"))
            if !files.isEmpty { print("") }
        }
        for (i, path) in files.enumerated() {
            if i > 0 { print("") }
            if config != nil || KerasModelFile.isModelFile(path) {
                let (network, description) = try KerasModelFile.loadDescribed(path, configPath: config)
                print(ModelSummary.text(network, inputRateHz: modelRateHz, file: path, fileFormat: description.text))
            } else {
                print(try recordingSummary(path))
            }
        }
    }

    /// A recording's description with the channels the analysis would use (or why it cannot choose).
    func recordingSummary(_ path: String) throws -> String {
        let request = recordingOptions.request(path)
        let original = try RecordingIO.read(path, options: request.read)
        do {
            let loaded = try RecordingLoader.assemble(original, request)
            var shown = original
            shown.referenceHR = loaded.recording.referenceHR
            return RecordingSummary.text(shown, file: path, roles: loaded.roles, referenceSource: loaded.recording.referenceHR == nil ? nil : loaded.referenceSource)
        } catch let error as PPGScopeError where error.object == "PPG" || error.object == "accelerometer" || error.object == "--ppg" || error.object == "--acc" {
            return RecordingSummary.text(original, file: path, rolesProblem: error.message)
        }
    }
}
