import ArgumentParser
import Foundation
import PPGAnalysis
import PPGFormats
import PPGNetwork
import PPGReports
import PPGSignals

/// `ppgscope hr`: heart rate every 2 s with uncertainty, against the reference when there is one.
struct HRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hr",
        abstract: "Estimate heart rate for every window of a recording (model, spectral baseline) and score it against the reference.",
        discussion: """
        Pipeline: resample PPG and ACC to 32 Hz (libsamplerate), 8 s windows every 2 s, per-window \
        z-scores, KID-PPG's linear motion-artefact filter (exact least squares by default), then the \
        model on the filtered, de-normalised PPG: pairs [window n-1, window n] for KID-PPG-style \
        models (each window's conv blocks computed once), single windows otherwise. Window n's \
        reference HR is read at its end time.
        CSV columns: window, start_s, end_s, hr_bpm, hr_std_bpm, p_within, spectral_bpm, reference_bpm.
        """)

    @OptionGroup var analysis: HeartRateArguments
    @Option(help: "Recording (.h5, .wav, .flac, .csv).") var recording: String
    @Option(help: "Output CSV, one row per window.") var out: String?
    @Flag(help: "Print the metrics as JSON instead of a table.") var json = false

    func run() throws {
        let rec = try RecordingIO.read(recording)
        let options = analysis.options
        // Windows and the spectral baseline need no model: a second thread makes them while this
        // one loads the model (HDF5 stays on this thread). A model whose windows differ from the
        // layout's gets its own windows afterwards.
        let (recordingPath, explicitFilter) = (recording, analysis.explicitFilter)
        let prepare: @Sendable (Network?) throws -> PreparedRecording = { network in
            try RecordingHeartRate.prepare(rec, network: network, options: options, explicitFilter: explicitFilter, source: recordingPath)
        }
        let background = BackgroundTask { try prepare(nil) }
        let network = try analysis.model.map { try KerasModelFile.load($0) }
        let progress = ProgressBar(label: "hr")
        var prepared = try background.value()
        if !RecordingHeartRate.fits(prepared, network) { prepared = try prepare(network) }
        if let note = prepared.windows.filterReport.note { FileHandle.standardError.write(Data("ppgscope hr: \(note)\n".utf8)) }
        let estimates = try HeartRateReport.estimate(prepared, network: network, options: options, csv: out) {
            progress.update($0, of: prepared.windows.count)
        }
        progress.finish()
        let summary = HeartRateReport.Summary(estimates: estimates, filter: prepared.windows.filterReport, threshold: options.thresholdBPM,
                                              recording: recording, model: analysis.model)
        if json {
            print(try summary.json())
        } else {
            print(summary.text())
            if let out { print("wrote \(out) (\(estimates.count) windows)") }
        }
    }
}
