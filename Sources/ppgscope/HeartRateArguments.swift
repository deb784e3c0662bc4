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
