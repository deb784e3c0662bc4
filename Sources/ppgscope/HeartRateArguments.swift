import ArgumentParser
import PPGAnalysis

/// The options of the heart-rate pipeline, shared by `hr` (one recording) and `batch` (a cohort):
/// every option added here applies to both.
struct HeartRateArguments: ParsableArguments {
    @Option(help: "Keras model file (KID-PPG pair model or a single-input model).") var model: String?
    @Option(help: "Motion-artefact filter: exact, reference or none (default: exact, skipped for a recording without accelerometer).") var filter: String?
    @Option(help: "Estimators: model, spectral or both.") var estimator: String = "both"
    @Option(help: "p(|error| < threshold) is reported for this threshold in BPM.") var threshold: Double = 10
    @Option(name: .customLong("window-s"), help: "Window length in s.") var windowS: Double = 8
    @Option(name: .customLong("shift-s"), help: "Window shift in s.") var shiftS: Double = 2
    @Option(name: .customLong("track-bpm"), help: "Spectral baseline: search within ± this many BPM of the previous estimate.") var trackBPM: Double?
    @Flag(name: .customLong("segment-by-activity"), help: "Fit one motion filter per run of the 'activity' channel.") var segmentByActivity = false
    @Option(name: .customLong("reference-seed"), help: "Seed of the reference filter's initial weights.") var referenceSeed: UInt64 = 0
    @Option(help: "Threads a recording's windows are spread over (default: all cores).") var threads: Int?

    func validate() throws {
        guard filter.map({ FilterMode(rawValue: $0) != nil }) ?? true else { throw ValidationError("--filter must be exact, reference or none") }
        guard ["model", "spectral", "both"].contains(estimator) else { throw ValidationError("--estimator must be model, spectral or both") }
        if estimator != "spectral", model == nil { throw ValidationError("--model is needed unless --estimator spectral") }
        guard windowS > 0, shiftS > 0 else { throw ValidationError("--window-s and --shift-s must be positive") }
        guard threads.map({ $0 > 0 }) ?? true else { throw ValidationError("--threads must be positive") }
    }

    /// Whether a filter was asked for explicitly (then a recording without accelerometer is an error).
    var explicitFilter: Bool { filter != nil }

    /// The pipeline's options.
    var options: HeartRateOptions {
        var options = HeartRateOptions()
        options.filter = filter.flatMap(FilterMode.init(rawValue:)) ?? .exact
        options.runModel = estimator != "spectral"
        options.runSpectral = estimator != "model"
        options.thresholdBPM = threshold
        options.segmentByActivity = segmentByActivity
        options.referenceSeed = referenceSeed
        options.spectral.trackingBPM = trackBPM
        options.layout = WindowLayout(lengthS: windowS, shiftS: shiftS)
        options.workers = threads
        return options
    }

    /// Every option as given, in a fixed order: what makes two cohort runs comparable.
    var canonicalDescription: [String: String] {
        ["filter": filter ?? "default", "estimator": estimator, "threshold": "\(threshold)", "window-s": "\(windowS)", "shift-s": "\(shiftS)",
         "track-bpm": trackBPM.map { "\($0)" } ?? "none", "segment-by-activity": "\(segmentByActivity)", "reference-seed": "\(referenceSeed)"]
    }
}
