import Foundation
import PPGAnalysis
import PPGFormats

/// What an `inspect` report directory holds and how it is written: `summary.json` (every number),
/// `spectra.h5` (per-layer mean spectra, optionally per window), SVG figures and `index.html`.
public enum InspectionFiles {
    /// Where the inspection came from, for the report's header and summary.json.
    public struct Source: Sendable {
        public var model: String
        public var recording: String
        public var filter: String
        public init(model: String, recording: String, filter: String) {
            self.model = model
            self.recording = recording
            self.filter = filter
        }
        var modelName: String { URL(fileURLWithPath: model).lastPathComponent }
    }

    /// Writes the whole report into `directory` (replaced all-or-nothing). Returns the figure count.
    @discardableResult
    public static func write(_ result: InspectionResult, source: Source, normalisedByStd: Bool, to directory: String) throws -> Int {
        try AtomicOutput.directory(directory) { dir in try writeContents(result, source: source, normalisedByStd: normalisedByStd, into: dir) }
    }

    /// The report's files into an existing directory (a part of a larger report, as `compare`'s a/ and b/).
    @discardableResult
    public static func writeContents(_ result: InspectionResult, source: Source, normalisedByStd: Bool, into dir: String) throws -> Int {
        try AtomicOutput.text(try InspectionReport.summaryJSON(result, recording: source.recording, model: source.model, filter: source.filter),
                              to: dir + "/summary.json")
        try writeSpectra(result, normalisedByStd: normalisedByStd, to: dir + "/spectra.h5")
        let figures = InspectionReport.figures(result, modelName: source.modelName)
        let metrics = HeartRateMetrics(estimates: result.estimates.map(\.hrBPM), references: result.estimates.map(\.referenceBPM))
        var key: [(String, String)] = [("model", source.model), ("recording", source.recording), ("windows", String(result.estimates.count)),
                                       ("motion filter", source.filter)]
        if let metrics { key.append(("model MAE", String(format: "%.3f BPM over %d windows", metrics.mae, metrics.windows))) }
        try ReportWriter.writeReport(directory: dir, title: "ppgscope inspect: \(source.modelName)",
                                     intro: "Per-layer activation spectra and DC prominence of \(source.modelName) on \(source.recording). summary.json holds every number; spectra.h5 the per-layer mean spectra.",
                                     figures: figures, keyNumbers: key)
        return figures.count
    }

    /// `spectra.h5`: per layer `layers/<name>/` with `mean_amplitude` [channels, bins],
    /// `amplitude_per_window` [windows, channels, bins] when kept, `frequency_hz`, `frequency_bpm`
    /// [bins], `dc_hr_correlation` [channels] and the attributes `sampling_rate_hz`, `tap`,
    /// `windows`; at the root `layer_names` and `normalised_by_std`.
    public static func writeSpectra(_ result: InspectionResult, normalisedByStd: Bool, to path: String) throws {
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
        try file.setAttribute("/", "normalised_by_std", double: normalisedByStd ? 1 : 0)
    }

    /// The per-layer table `inspect` prints, and the ablation table when there is one.
    public static func text(_ r: InspectionResult) -> String {
        let rows = r.layers.map { l -> [String] in
            [l.layer.name, String(format: "%g", l.layer.samplingRateHz), String(format: "%.3f", l.dcPowerFraction),
             String(format: "%.2f", l.dcToLargestNonDC), String(format: "%.0f", 100 * l.dcDominantShare),
             String(format: "%.1f", l.deadChannelsPerWindow), String(format: "%.2f", l.bandwidth99Hz),
             String(format: "%.2f", l.harmonicShare), String(format: "%.2f", InspectionReport.maxAbs(l.dcHRCorrelation)),
             l.dcAddedByActivation.map { String(format: "%.3f", $0) + " (" + (l.layer.activation ?? "") + ")" } ?? "—"]
        }
        var lines = textTable(header: ["layer", "Hz", "DC power", "DC/peak", "DC-max %", "dead", "BW99 Hz", "harmonic", "max |r(DC,HR)|",
                                       "DC added by the activation"], rows: rows)
        if !r.ablation.isEmpty {
            lines.append("")
            lines += textTable(header: ["ablation", "MAE", "mean |ΔHR|"], rows: r.ablation.map {
                [$0.variant, $0.mae.map { String(format: "%.3f", $0) } ?? "—", String(format: "%.3f", $0.meanAbsoluteChangeBPM)]
            })
        }
        return lines.joined(separator: "\n")
    }
}
