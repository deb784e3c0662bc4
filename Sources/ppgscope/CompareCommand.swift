import ArgumentParser
import Foundation
import PPGAnalysis
import PPGFormats
import PPGNetwork
import PPGReports
import PPGSignals

/// `ppgscope compare`: two recordings through one model, or one recording through two models.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare layer spectra and DC prominence: two recordings through one model, or one recording through two models.",
        discussion: """
        Examples:
          ppgscope synth --hr-from-recording data/ppg_dalia_S6_stairs.h5 --motion none --out out/synthetic_s6.h5
          ppgscope compare --model models/kid_ppg_weights.h5 --recording data/ppg_dalia_S6_stairs.h5 \\
                           --recording out/synthetic_s6.h5 --out out/compare
          ppgscope compare --model models/kid_ppg_weights.h5 --model models/relu_dc_model_S5.h5 \\
                           --recording data/ppg_dalia_S6_stairs.h5 --out out/models
        Writes DIR/summary.json (both inspections' layer metrics and the per-layer differences), \
        DIR/a/ and DIR/b/ (each a full `inspect` report) and side-by-side figures in DIR/index.html.
        """)

    @Option(help: "Keras model file (give two to compare models).") var model: [String]
    @Option(help: "Recording (give two to compare recordings).") var recording: [String]
    @OptionGroup(title: "Reading the recordings (applies to each)") var recordingOptions: RecordingOptions
    @Option(help: "Output directory (replaced).") var out: String
    @Option(help: "Motion-artefact filter for recordings with ACC: exact, reference or none.") var filter: String = "exact"
    @OptionGroup var conditioning: ConditioningArguments

    func validate() throws {
        guard (model.count == 1 && recording.count == 2) || (model.count == 2 && recording.count == 1) else {
            throw ValidationError("give one --model and two --recording, or two --model and one --recording")
        }
        guard FilterMode(rawValue: filter) != nil else { throw ValidationError("--filter must be exact, reference or none") }
    }

    func run() throws {
        let runs: [(model: String, recording: String)] = model.count == 2
            ? model.map { ($0, recording[0]) } : recording.map { (model[0], $0) }
        let labels = model.count == 2
            ? (URL(fileURLWithPath: model[0]).lastPathComponent, URL(fileURLWithPath: model[1]).lastPathComponent)
            : (URL(fileURLWithPath: recording[0]).lastPathComponent, URL(fileURLWithPath: recording[1]).lastPathComponent)
        var results: [InspectionResult] = []
        for run in runs {
            let network = try KerasModelFile.load(run.model)
            let rec = try recordingOptions.load(run.recording).recording
            var hr = HeartRateOptions()
            hr.filter = FilterMode(rawValue: filter)!
            hr.conditioning = try conditioning.options()
            let prepared = try ModelInput.prepare(recording: rec, for: network, options: hr, source: run.recording)
            var options = InspectionOptions()
            options.ablation = false
            results.append(try Inspection.run(prepared, network: network, reference: rec.referenceHR, options: options))
        }
        let pairs = ComparisonReport.layerPairs(results[0], results[1])
        try ComparisonReport.write(results[0], results[1], sources: runs.map { .init(model: $0.model, recording: $0.recording, filter: filter) },
                                   labels: labels, to: out)
        let rows = pairs.map { p in
            [p.a == p.b ? p.a : "\(p.a) | \(p.b)", String(format: "%.3f", p.dcPowerFraction[0]), String(format: "%.3f", p.dcPowerFraction[1]),
             String(format: "%+.3f", p.dcPowerFractionDifference), String(format: "%.2f", p.bandwidth99Hz[0]), String(format: "%.2f", p.bandwidth99Hz[1])]
        }
        print(textTable(header: ["layer", "DC power a", "DC power b", "b − a", "BW99 a Hz", "BW99 b Hz"], rows: rows).joined(separator: "\n"))
        print("a = \(labels.0), b = \(labels.1); wrote \(out)/index.html")
    }
}
