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
    @Option(help: "Recording (.h5, .wav, .flac, .csv).") var recording: String
    @Option(help: "Output directory (replaced).") var out: String
    @Option(help: "Motion-artefact filter: exact, reference or none.") var filter: String = "exact"
    @Option(help: "Windows to inspect, as FIRST:END (END exclusive); default all.") var windows: String?
    @Option(name: .customLong("figure-window"), help: "Window shown in the Fig. 3 view (default: the middle one).") var figureWindow: Int?
    @Option(name: .customLong("figure-layers"), help: "Comma-separated layers for the Fig. 3 view (default: the last conv of blocks 1 and 2).") var figureLayers: String?
    @Flag(name: .customLong("no-ablation"), help: "Skip the DC ablation.") var noAblation = false
    @Flag(name: .customLong("per-window"), help: "Also write every window's spectra to spectra.h5 (memory grows with the recording).") var perWindow = false
    @Flag(help: "Normalise each channel's spectra by its standard deviation (as the paper's Fig. 3).") var normalise = false

    func run() throws {
        let network = try KerasModelFile.load(model)
        let rec = try RecordingIO.read(recording)
        var hrOptions = HeartRateOptions()
        guard let mode = FilterMode(rawValue: filter) else { throw ValidationError("--filter must be exact, reference or none") }
        hrOptions.filter = mode
        hrOptions.layout = WindowLayout(length: network.inputShape[0], shift: 64, samplingRateHz: 32)
        let prepared: PreparedWindows
        do { prepared = try HeartRatePipeline.prepare(rec, options: hrOptions) } catch let e as PPGScopeError { throw e.inFile(recording) }
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
        let modelName = URL(fileURLWithPath: model).lastPathComponent
        try OutputDirectory.write(out) { dir in
            try Data(try InspectionReport.summaryJSON(result, recording: recording, model: model, filter: filter).utf8)
                .write(to: URL(fileURLWithPath: dir + "/summary.json"))
            try writeSpectra(result, to: dir + "/spectra.h5")
            let figures = InspectionReport.figures(result, modelName: modelName)
            let metrics = HeartRateMetrics(estimates: result.estimates.map(\.hrBPM), references: result.estimates.map(\.referenceBPM))
            var key: [(String, String)] = [("model", model), ("recording", recording), ("windows", String(result.estimates.count)),
                                           ("motion filter", filter)]
            if let metrics { key.append(("model MAE", String(format: "%.3f BPM over %d windows", metrics.mae, metrics.windows))) }
            try ReportWriter.writeReport(directory: dir, title: "ppgscope inspect: \(modelName)",
                                         intro: "Per-layer activation spectra and DC prominence of \(modelName) on \(recording). summary.json holds every number; spectra.h5 the per-layer mean spectra.",
                                         figures: figures, keyNumbers: key)
        }
        print(InspectionText.render(result))
        print("wrote \(out)/index.html, summary.json, spectra.h5 and \(InspectionReport.figures(result, modelName: modelName).count) figures")
    }

    func writeSpectra(_ result: InspectionResult, to path: String) throws {
        let file = try HDF5File.create(path)
        defer { file.close() }
        for (i, l) in result.layers.enumerated() {
            let group = "layers/" + l.layer.name
            let bins = l.frequenciesHz.count
            try file.write(group + "/mean_amplitude", shape: [l.layer.channels, bins], floats: l.meanSpectra.flatMap { $0 })
            if i < result.perWindowSpectra.count {
                try file.write(group + "/amplitude_per_window", shape: [l.windows, l.layer.channels, bins], floats: result.perWindowSpectra[i])
            }
            try file.write(group + "/frequency_hz", shape: [bins], doubles: l.frequenciesHz)
            try file.write(group + "/frequency_bpm", shape: [bins], doubles: l.frequenciesHz.map { $0 * 60 })
            try file.write(group + "/dc_hr_correlation", shape: [l.layer.channels], doubles: l.dcHRCorrelation)
            try file.setAttribute(group, "sampling_rate_hz", double: l.layer.samplingRateHz)
            try file.setAttribute(group, "tap", string: l.layer.tapName)
            try file.setAttribute(group, "windows", double: Double(l.windows))
        }
        try file.setAttribute("/", "layer_names", strings: result.layers.map(\.layer.name))
        try file.setAttribute("/", "normalised_by_std", double: normalise ? 1 : 0)
    }
}

/// The per-layer table `inspect` prints.
enum InspectionText {
    static func render(_ r: InspectionResult) -> String {
        let rows = r.layers.map { l -> [String] in
            [l.layer.name, String(format: "%g", l.layer.samplingRateHz), String(format: "%.3f", l.dcPowerFraction),
             String(format: "%.2f", l.dcToLargestNonDC), String(format: "%.0f", 100 * l.dcDominantShare),
             String(format: "%.1f", l.deadChannelsPerWindow), String(format: "%.2f", l.bandwidth99Hz),
             String(format: "%.2f", l.harmonicShare), String(format: "%.2f", InspectionReport.maxAbs(l.dcHRCorrelation))]
        }
        var lines = textTable(header: ["layer", "Hz", "DC power", "DC/peak", "DC-max %", "dead", "BW99 Hz", "harmonic", "max |r(DC,HR)|"], rows: rows)
        if !r.ablation.isEmpty {
            lines.append("")
            lines += textTable(header: ["ablation", "MAE", "mean |ΔHR|"], rows: r.ablation.map {
                [$0.variant, $0.mae.map { String(format: "%.3f", $0) } ?? "—", String(format: "%.3f", $0.meanAbsoluteChangeBPM)]
            })
        }
        return lines.joined(separator: "\n")
    }
}
