import ArgumentParser
import PPGAnalysis

/// `--polarity` and `--scale`: how the PPG is brought to the model's input convention. Every
/// command that runs a model on a recording takes them (`@OptionGroup var conditioning: ConditioningArguments`).
struct ConditioningArguments: ParsableArguments {
    @Option(help: "PPG polarity: auto (detected from the pulse shape and flipped to the model's convention), as-is, or inverted (flip).")
    var polarity: String = "auto"
    @Option(help: "PPG amplitude: auto (scaled to the training data's when outside its range), none, or a factor.")
    var scale: String = "auto"

    func validate() throws {
        guard ConditioningOptions.Polarity(rawValue: polarity) != nil else { throw ValidationError("--polarity must be auto, as-is or inverted") }
        _ = try scaleChoice()
    }

    func scaleChoice() throws -> ConditioningOptions.Scale {
        switch scale {
        case "auto": return .auto
        case "none": return .none
        default:
            guard let k = Double(scale), k.isFinite, k > 0 else { throw ValidationError("--scale must be auto, none or a positive factor, found '\(scale)'") }
            return .factor(k)
        }
    }

    /// The conditioning to `convention` (KID-PPG's by default) these options ask for.
    func options(convention: ModelConvention = .kidPPG) throws -> ConditioningOptions {
        ConditioningOptions(convention: convention, polarity: ConditioningOptions.Polarity(rawValue: polarity) ?? .auto, scale: try scaleChoice())
    }
}

/// The heart-rate estimators, `best_bpm` and the input conditioning, shared by every command that
/// estimates heart rate (`@OptionGroup var heartRate: HeartRateArguments`).
struct HeartRateArguments: ParsableArguments {
    @Option(help: "Estimators: model, spectral, peaks or all (both = model and spectral). best_bpm uses whichever ran.")
    var estimator: String = "all"
    @OptionGroup var conditioning: ConditioningArguments
    @Option(name: .customLong("sqi-min"), help: "Classical estimates count for best_bpm (and start spectral tracking) where the SQI reaches this (0–1).")
    var sqiMin: Double = 0.5

    var runsModel: Bool { ["model", "both", "all"].contains(estimator) }
    var runsSpectral: Bool { ["spectral", "both", "all"].contains(estimator) }
    var runsPeaks: Bool { ["peaks", "all"].contains(estimator) }

    func validate() throws {
        guard ["model", "spectral", "peaks", "all", "both"].contains(estimator) else {
            throw ValidationError("--estimator must be model, spectral, peaks or all")
        }
        guard (0...1).contains(sqiMin) else { throw ValidationError("--sqi-min must be in 0…1") }
    }

    /// Sets the estimators, the conditioning and the SQI threshold; the spectral peak becomes the
    /// guarded, tracking one (`SpectralPeakOptions.guarded`, keeping any `trackingBPM`).
    /// `hasModel`: a model was given (without one, `all` runs the classical estimators only).
    func apply(to options: inout HeartRateOptions, hasModel: Bool, convention: ModelConvention = .kidPPG) throws {
        options.runModel = runsModel && hasModel
        options.runSpectral = runsSpectral
        options.runPeaks = runsPeaks
        options.conditioning = try conditioning.options(convention: convention)
        options.best.minimumSQI = sqiMin
        let tracking = options.spectral.trackingBPM
        options.spectral = .guarded
        options.spectral.trackingBPM = tracking
    }
}

/// Everything `hr` takes besides its input and outputs: the model, the windows, the motion filter
/// and `HeartRateArguments`. `batch` takes the same group, so an option added here (or to the
/// groups inside) applies to one recording and to a cohort alike.
struct HeartRateRunArguments: ParsableArguments {
    @Option(help: "Keras model file (KID-PPG pair model or a single-input model).") var model: String?
    @Option(help: "Motion-artefact filter: exact, reference or none (default: exact, skipped for a recording without accelerometer).") var filter: String?
    @OptionGroup var heartRate: HeartRateArguments
    @Option(help: "p(|error| < threshold) is reported for this threshold in BPM.") var threshold: Double = 10
    @Option(name: .customLong("window-s"), help: "Window length in s.") var windowS: Double = 8
    @Option(name: .customLong("shift-s"), help: "Window shift in s.") var shiftS: Double = 2
    @Option(name: .customLong("track-bpm"), help: "Spectral baseline: search within ± this many BPM of the previous estimate.") var trackBPM: Double?
    @Flag(name: .customLong("segment-by-activity"), help: "Fit one motion filter per run of the 'activity' channel.") var segmentByActivity = false
    @Option(name: .customLong("reference-seed"), help: "Seed of the reference filter's initial weights.") var referenceSeed: UInt64 = 0
    @Option(help: "Threads a recording's windows are spread over (default: all cores).") var threads: Int?

    func validate() throws {
        guard filter.map({ FilterMode(rawValue: $0) != nil }) ?? true else { throw ValidationError("--filter must be exact, reference or none") }
        if heartRate.estimator == "model" || heartRate.estimator == "both", model == nil {
            throw ValidationError("--model is needed for --estimator \(heartRate.estimator)")
        }
        guard windowS > 0, shiftS > 0 else { throw ValidationError("--window-s and --shift-s must be positive") }
        guard threads.map({ $0 > 0 }) ?? true else { throw ValidationError("--threads must be positive") }
    }

    /// Whether a filter was asked for explicitly (then a recording without accelerometer is an error).
    var explicitFilter: Bool { filter != nil }

    /// The pipeline's options.
    func options() throws -> HeartRateOptions {
        var options = HeartRateOptions()
        options.filter = filter.flatMap(FilterMode.init(rawValue:)) ?? .exact
        options.thresholdBPM = threshold
        options.segmentByActivity = segmentByActivity
        options.referenceSeed = referenceSeed
        options.spectral.trackingBPM = trackBPM
        options.layout = WindowLayout(lengthS: windowS, shiftS: shiftS)
        options.workers = threads
        try heartRate.apply(to: &options, hasModel: model != nil)
        return options
    }

    /// Every option that decides the results, as given: what makes two cohort runs (or shards)
    /// comparable. (`--threads` is left out: it changes the speed, not a digit.)
    var canonicalDescription: [String: String] {
        ["filter": filter ?? "default", "estimator": heartRate.estimator, "polarity": heartRate.conditioning.polarity,
         "scale": heartRate.conditioning.scale, "sqi-min": "\(heartRate.sqiMin)", "threshold": "\(threshold)", "window-s": "\(windowS)",
         "shift-s": "\(shiftS)", "track-bpm": trackBPM.map { "\($0)" } ?? "none", "segment-by-activity": "\(segmentByActivity)",
         "reference-seed": "\(referenceSeed)"]
    }
}
