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
        abstract: "Estimate heart rate for every window of a recording (model, beats, spectral peak, the best of them) and score it against the reference.",
        discussion: """
        Pipeline: resample PPG and ACC to 32 Hz (libsamplerate), 8 s windows every 2 s, per-window \
        z-scores, KID-PPG's linear motion-artefact filter (exact least squares by default), then the \
        model on the filtered, de-normalised PPG: pairs [window n-1, window n] for KID-PPG-style \
        models (each window's conv blocks computed once), single windows otherwise. Window n's \
        reference HR is read at its end time.
        Before that, the PPG is brought to the model's input convention (KID-PPG: PPG-DaLiA's E4 BVP): \
        polarity detected from the pulse shape and flipped, a baseline removed by a 0.5–8 Hz band-pass, \
        the amplitude scaled into the training range (--polarity, --scale); what was done is printed, \
        and inputs outside the training statistics, or a model unsure on most windows, are warned about.
        Classical estimates, at the recording's own rate: Elgendi 2013 systolic peaks → inter-beat \
        intervals with outlier rejection → peaks_bpm; the spectral peak with a harmonic guard, tracking \
        the last trusted estimate (0.5–1.4 ×); sqi from beat-template correlation (Orphanidou 2015) and \
        skewness (Elgendi 2016). best_bpm: the model where confident (std < the p(|error| < threshold) = 0.5 \
        std), in distribution and not clipped or dropped out, else peaks or spectral where sqi ≥ --sqi-min \
        and reachable from the last best_bpm, else empty.
        CSV: '#' lines with the conditioning, then columns window, start_s, end_s, hr_bpm, hr_std_bpm, \
        p_within, spectral_bpm, reference_bpm, peaks_bpm, sqi, best_bpm, best_source.
        """)

    @OptionGroup var analysis: HeartRateRunArguments
    @Option(help: "Recording (.h5, .wav, .flac, .csv, .edf/.bdf, WFDB .hea, an Empatica E4 folder or .zip).") var recording: String
    @OptionGroup(title: "Reading the recording") var recordingOptions: RecordingOptions
    @Option(help: "Output CSV, one row per window.") var out: String?
    @Option(help: "Write the beats (time_s, ibi_s, accepted) to this CSV.") var beats: String?
    @Option(help: "Write an HTML report (index.html and SVGs) into this directory.") var report: String?
    @Flag(help: "Print the metrics as JSON instead of a table.") var json = false

    func run() throws {
        let rec = try recordingOptions.load(recording, command: "hr").recording
        let options = try analysis.options()
        let model = options.runModel ? analysis.model : nil
        // Windows and the spectral baseline need no model: a second thread makes them while this
        // one loads the model (HDF5 stays on this thread). A model whose windows differ from the
        // layout's gets its own windows afterwards.
        let (recordingPath, explicitFilter) = (recording, analysis.explicitFilter)
        let prepare: @Sendable (Network?) throws -> PreparedRecording = { network in
            try RecordingHeartRate.prepare(rec, network: network, options: options, explicitFilter: explicitFilter, source: recordingPath)
        }
        let background = BackgroundTask { try prepare(nil) }
        let network: Network?
        do { network = try model.map { try KerasModelFile.load($0) } } catch { background.finish(); throw error }
        if let network, let model, options.runModel {
            do { try HeartRateOutput(network).requireHeartRate(network) } catch let error as PPGScopeError {
                background.finish()
                throw error.inFile(model)
            }
        }
        let progress = ProgressBar(label: "hr")
        var input = try background.value()
        if !RecordingHeartRate.fits(input, network) { input = try prepare(network) }
        let prepared = input.windows
        if let note = prepared.filterReport.note { FileHandle.standardError.write(Data("ppgscope hr: \(note)\n".utf8)) }
        let estimates = try HeartRateReport.estimate(input, network: network, options: options, csv: out,
                                                     header: HeartRateReport.metadataLines(prepared.conditioning) + HeartRateReport.csvHeader) {
            progress.update($0, of: prepared.count)
        }
        progress.finish()
        let summary = HeartRateReport.Summary(estimates: estimates, filter: prepared.filterReport, threshold: options.thresholdBPM,
                                              recording: recording, model: model, conditioning: prepared.conditioning)
        for warning in summary.warnings { FileHandle.standardError.write(Data("ppgscope hr: warning: \(warning)\n".utf8)) }
        if let beats, let classical = prepared.classical {
            try AtomicOutput.text(HeartRateReport.beatsCSV(classical.beats), to: beats)
        }
        if let report {
            try AtomicOutput.directory(report) { directory in
                try HeartRateFigures.write(directory: directory, estimates: estimates, summary: summary, sqiMinimum: options.best.minimumSQI)
            }
        }
        if json {
            print(try summary.json())
        } else {
            print(summary.text())
            if let out { print("wrote \(out) (\(estimates.count) windows)") }
            if let beats, let classical = prepared.classical { print("wrote \(beats) (\(classical.beats.timesS.count) beats)") }
            if let report { print("wrote \(report)/index.html") }
        }
    }
}
