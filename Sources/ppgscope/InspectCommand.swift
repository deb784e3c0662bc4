import ArgumentParser
import Foundation
import PPGAnalysis
import PPGFormats
import PPGNetwork
import PPGReports
import PPGSignals

/// `ppgscope inspect`: every layer's spectra and DC prominence over every window of a recording.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Layer spectra, DC prominence, bandwidth, harmonics and a DC ablation of a model on a recording, as a report.",
        discussion: """
        Writes DIR/summary.json (metrics per layer, HR metrics, ablation; documented in the README), \
        DIR/spectra.h5 (per-layer mean spectra), SVG figures and DIR/index.html. The model input is \
        prepared as by `ppgscope hr` (32 Hz, 8 s windows every 2 s, motion filter).
        """)

    @Option(help: "Keras model file.") var model: String
    @Option(help: "Recording (.h5, .wav, .flac, .csv, .edf/.bdf, WFDB .hea, an Empatica E4 folder or .zip).") var recording: String
    @OptionGroup(title: "Reading the recording") var recordingOptions: RecordingOptions
    @Option(help: "Output directory (replaced).") var out: String
    @Option(help: "Motion-artefact filter: exact, reference or none (default: exact, skipped for a recording without accelerometer).") var filter: String?
    @Option(help: "Windows to inspect, as FIRST:END (END exclusive); default all.") var windows: String?
    @Option(name: .customLong("figure-window"), help: "Window shown in the Fig. 3 view (default: the middle one).") var figureWindow: Int?
    @Option(name: .customLong("figure-layers"), help: "Comma-separated layers for the Fig. 3 view (default: the last conv of blocks 1 and 2).") var figureLayers: String?
    @Flag(name: .customLong("no-ablation"), help: "Skip the DC ablation.") var noAblation = false
    @Flag(name: .customLong("per-window"), help: "Also write every window's spectra to spectra.h5 (memory grows with the recording).") var perWindow = false
    @Flag(help: "Normalise each channel's spectra by its standard deviation (as the paper's Fig. 3).") var normalise = false
    @OptionGroup var conditioning: ConditioningArguments

    func run() throws {
        guard let mode = FilterMode(rawValue: filter ?? "exact") else { throw ValidationError("--filter must be exact, reference or none") }
        let network = try KerasModelFile.load(model)
        let rec = try recordingOptions.load(recording, command: "inspect").recording
        var hrOptions = HeartRateOptions()
        hrOptions.filter = mode
        hrOptions.conditioning = try conditioning.options()
        let prepared = try ModelInput.prepare(recording: rec, for: network, options: hrOptions, skipFilterWithoutACC: filter == nil,
                                              source: recording)
        if let note = prepared.filterReport.note { FileHandle.standardError.write(Data("ppgscope inspect: \(note)\n".utf8)) }
        if !prepared.conditioning.untouched {
            FileHandle.standardError.write(Data(prepared.conditioning.steps.map { "ppgscope inspect: \($0)\n" }.joined().utf8))
        }
        for finding in prepared.conditioning.outOfDistribution {
            FileHandle.standardError.write(Data("ppgscope inspect: warning: input outside the model's training data: \(finding)\n".utf8))
        }
        var options = InspectionOptions()
        options.ablation = !noAblation
        options.perWindowSpectra = perWindow
        options.normaliseByStd = normalise
        options.figureWindow = figureWindow
        options.figureLayers = figureLayers?.split(separator: ",").map(String.init)
        if let windows {
            let parts = windows.split(separator: ":").compactMap { Int($0) }
            guard parts.count == 2, parts[0] < parts[1] else { throw ValidationError("--windows must be FIRST:END with FIRST < END") }
            options.windows = parts[0]..<min(parts[1], prepared.count)
        }
        let progress = ProgressBar(label: "inspect")
        let result = try Inspection.run(prepared, network: network, reference: rec.referenceHR, options: options) {
            progress.update($0, of: $1)
        }
        progress.finish()
        let figures = try InspectionFiles.write(result, source: .init(model: model, recording: recording, filter: prepared.filterReport.mode.rawValue),
                                                normalisedByStd: normalise, to: out)
        print(InspectionFiles.text(result))
        print("wrote \(out)/index.html, summary.json, spectra.h5 and \(figures) figures")
    }
}
