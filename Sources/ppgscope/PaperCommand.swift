import ArgumentParser
import Foundation
import PPGCompute
import PPGPaper
import PPGReports
import PPGSignals

/// `ppgscope paper <experiment>`: the experiments of "DC is all you need: describing ReLU from a signal
/// processing standpoint". Each prints its key numbers and writes `summary.json`, SVG figures and an
/// `index.html` into `--out`.
struct PaperCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paper",
        abstract: "Reproduce the paper's experiments (ReLU series, toy networks, real CNN spectra, DC training, zero-training CNN).",
        subcommands: [PaperReLUSeriesCommand.self, PaperToyNetworksCommand.self, PaperRealCNNCommand.self,
                      PaperDCTrainingCommand.self, PaperZeroTrainingCommand.self])
}

/// Options every paper experiment shares.
struct PaperOutputOptions: ParsableArguments {
    @Option(help: "Output directory for summary.json, the SVG figures and index.html (default out/paper/<experiment>).")
    var out: String?

    func directory(_ experiment: String) -> String { out ?? "out/paper/\(experiment)" }
}

/// Writes the report directory: figures, index.html with the key numbers, and summary.json.
func writePaperReport<S: Encodable>(directory: String, title: String, intro: String, figures: [ReportFigure],
                                    keyNumbers: [(String, String)], summary: S) throws {
    try ReportWriter.writeReport(directory: directory, title: title, intro: intro, figures: figures, keyNumbers: keyNumbers)
    try ReportWriter.write(try ReportJSON.text(summary) + "\n", to: "\(directory)/summary.json")
    print("wrote \(directory)/summary.json, \(figures.map(\.fileName).joined(separator: ", ")), index.html")
}

func fmt(_ v: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)g", v) }

// MARK: relu-series

struct PaperReLUSeriesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relu-series",
        abstract: "Sections III/V-A: Table I, the Taylor-series ReLU on the four-cosine signal, its error and spectra.")

    @OptionGroup var output: PaperOutputOptions
    @Option(help: "Series terms for the approximation.") var terms = 50
    @Option(help: "Largest number of terms in the error-versus-terms curve.") var maxTerms = 200
    @Option(help: "A as a multiple of max(x²); ≥ 0.5 keeps |m| ≤ 1 (0.5 is the authors' A = 8).") var scaleFactor = 0.5

    func validate() throws {
        guard terms > 0, maxTerms > 0 else { throw ValidationError("--terms and --max-terms must be positive") }
        guard scaleFactor >= 0.5 else { throw ValidationError("--scale-factor below 0.5 makes |m| > 1: the series diverges") }
    }

    func run() throws {
        var e = ReLUSeriesExperiment()
        e.terms = terms
        e.maxTerms = maxTerms
        e.scaleFactor = scaleFactor
        let r = e.run()
        let full = r.errorByTermsFullScale[terms - 1]
        print("Table I: a_n = (−1)^n (2n)! / ((1−2n)(n!)² 4^n)")
        for n in 0..<8 { print(String(format: "  a_%d = %+.6f", n, r.coefficients[n])) }
        print("signal: cos(2π·10t)+cos(2π·5t)+cos(2π·20t)+cos(2π·40t), fs \(fmt(e.samplingRateHz)) Hz, \(fmt(e.seconds)) s, \(r.input.count) samples")
        print("A = \(fmt(r.scale)) (= \(fmt(scaleFactor)) · max x² = \(fmt(scaleFactor)) · \(fmt(r.peakSquare))), m = x²/A − 1 ∈ [\(fmt(-1)), \(fmt(r.peakSquare / r.scale - 1))]")
        print("error with \(terms) terms vs relu(x):")
        print("  relative RMSE  RMS(approx − relu)/RMS(relu)  \(fmt(100 * r.error.relativeRMSE)) %")
        print("  RMSE / max relu                              \(fmt(100 * r.error.rmseOverPeak)) %")
        print("  max |error| / max relu                       \(fmt(100 * r.error.maxErrorOverPeak)) %")
        print("  with A = max x² instead: relative RMSE       \(fmt(100 * full.relativeRMSE)) %")
        print("authors' printed %RRMSE (100·√(mean((x − approx)²)/Σx²), vs the INPUT x, their linspace grid): \(fmt(r.authorsPrinted.authorsPrintedPercent)) %")
        for n in [1, 2, 5, 10, 20, 50, 100, 200] where n <= r.errorByTerms.count {
            print(String(format: "  %3d terms: relative RMSE %.4f %%", n, 100 * r.errorByTerms[n - 1].relativeRMSE))
        }
        print("spectral lines (one-sided amplitude) at multiples of 5 Hz, ≥ 0.001 in relu(x):")
        print("  f (Hz)   input    approx   relu")
        for c in r.components where c.relu >= 1e-3 || c.input >= 1e-3 {
            print(String(format: "  %6.0f  %7.4f  %7.4f  %7.4f%@", c.frequencyHz, c.input, c.approximation, c.relu, c.inInput ? "  (input)" : ""))
        }

        let figures = PaperFigures.reluSeries(r, terms: terms)
        let dc = r.components[0]
        let keyNumbers: [(String, String)] = [
            ("Table I a_0…a_7", r.coefficients.prefix(8).map { fmt($0, 3) }.joined(separator: ", ")),
            ("A", "\(fmt(r.scale)) = \(fmt(scaleFactor))·max x²"),
            ("relative RMSE, \(terms) terms", "\(fmt(100 * r.error.relativeRMSE)) %"),
            ("RMSE / max relu", "\(fmt(100 * r.error.rmseOverPeak)) %"),
            ("authors' printed %RRMSE (vs x, Σ normalisation)", "\(fmt(r.authorsPrinted.authorsPrintedPercent)) %"),
            ("DC of relu(x) / approximation", "\(fmt(dc.relu)) / \(fmt(dc.approximation))"),
        ]
        let summary = ReLUSeriesSummary(
            coefficients: Array(r.coefficients.prefix(8)), terms: terms, scale: r.scale, scaleFactor: scaleFactor,
            error: r.error, errorWithScaleMaxSquare: full, authorsPrinted: r.authorsPrinted,
            errorByTerms: r.errorByTerms.map(\.relativeRMSE), components: r.components)
        try writePaperReport(directory: output.directory("relu-series"), title: "ReLU as a Taylor series (Sections III, V-A)",
                             intro: "relu(x) ≈ (x + √A Σ a_n mⁿ)/2, m = x²/A − 1, on the paper's four-cosine signal.",
                             figures: figures, keyNumbers: keyNumbers, summary: summary)
    }
}

struct ReLUSeriesSummary: Encodable {
    var coefficients: [Double]
    var terms: Int
    var scale: Double
    var scaleFactor: Double
    var error: ApproximationError
    var errorWithScaleMaxSquare: ApproximationError
    var authorsPrinted: ApproximationError
    /// Relative RMSE for 1 …maxTerms terms.
    var errorByTerms: [Double]
    var components: [SpectralComponent]
}

// MARK: toy-networks

struct PaperToyNetworksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "toy-networks",
        abstract: "Section III: ReLU→first-difference and ReLU→moving-average chains; spectra and 99 % bandwidth per stage.")

    @OptionGroup var output: PaperOutputOptions
    @Option(help: "Stages (ReLU + convolution) per chain.") var stages = 5
    @Option(help: "Taps of the moving average.") var taps = 9

    func validate() throws {
        guard stages > 0, taps > 0 else { throw ValidationError("--stages and --taps must be positive") }
    }

    func run() throws {
        let fs = 1024.0
        let x = PaperSignal.fourCosines(PaperSignal.time(samplingRateHz: fs, seconds: 8))
        let diff = ToyNetworks.run(x, samplingRateHz: fs, chain: .differentiating, stages: stages)
        let mean = ToyNetworks.run(x, samplingRateHz: fs, chain: .movingAverage(taps: taps), stages: stages)
        print("four-cosine signal, fs 1024 Hz, 8 s; stage s = conv(relu(stage s−1)), circular convolutions")
        print("(power >100 Hz and aliased power are shares of the non-DC power; aliased = off the input's 5 Hz line grid)")
        print("stage | differentiating: 99% BW (Hz)  >100 Hz   aliased   DC      | moving average (\(taps) taps): 99% BW (Hz)  >100 Hz    aliased    DC")
        for s in 0...stages {
            print(String(format: "%5d | %28.3f  %6.2f %%  %6.2f %%  %7.4f | %38.3f  %7.4f %%  %.1e  %7.4f", s,
                         diff[s].occupiedBandwidthHz, 100 * diff[s].powerFractionAbove100Hz, 100 * diff[s].aliasedPowerFraction, diff[s].dc,
                         mean[s].occupiedBandwidthHz, 100 * mean[s].powerFractionAbove100Hz, mean[s].aliasedPowerFraction, mean[s].dc))
        }
        let figures = PaperFigures.toyNetworks(differentiating: diff, movingAverage: mean, taps: taps)
        let keyNumbers: [(String, String)] = [
            ("99 % bandwidth, differentiating, per stage (Hz)", diff.map { fmt($0.occupiedBandwidthHz, 4) }.joined(separator: ", ")),
            ("99 % bandwidth, moving average, per stage (Hz)", mean.map { fmt($0.occupiedBandwidthHz, 4) }.joined(separator: ", ")),
            ("DC after the last stage (differentiating / moving average)", "\(fmt(diff.last!.dc)) / \(fmt(mean.last!.dc))"),
        ]
        let summary = ToyNetworksSummary(
            samplingRateHz: fs, stages: stages, taps: taps,
            differentiating: diff.map { ToyStageSummary($0) }, movingAverage: mean.map { ToyStageSummary($0) })
        try writePaperReport(directory: output.directory("toy-networks"), title: "Toy networks (Section III)",
                             intro: "ReLU then a first difference, or ReLU then a \(taps)-tap mean, repeated \(stages) times.",
                             figures: figures, keyNumbers: keyNumbers, summary: summary)
    }
}

struct ToyStageSummary: Encodable {
    var stage: Int
    var occupiedBandwidthHz: Double
    var powerFractionAbove100Hz: Double
    var aliasedPowerFraction: Double
    var dc: Double
    init(_ s: ToyStage) {
        stage = s.stage
        occupiedBandwidthHz = s.occupiedBandwidthHz
        powerFractionAbove100Hz = s.powerFractionAbove100Hz
        aliasedPowerFraction = s.aliasedPowerFraction
        dc = s.dc
    }
}

struct ToyNetworksSummary: Encodable {
    var samplingRateHz: Double
    var stages: Int
    var taps: Int
    var differentiating: [ToyStageSummary]
    var movingAverage: [ToyStageSummary]
}

// MARK: dc-training

struct PaperDCTrainingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dc-training",
        abstract: "Section V-C: train the relu, linear and linear_dc CNNs; loss and conv-kernel distance per epoch.",
        discussion: """
        Build in release mode for the full run (swift build -c release). Repetitions run in parallel, one per \
        worker, each training the three models from the same initial weights on the same data and batch order.
        """)

    @OptionGroup var output: PaperOutputOptions
    @Option(help: "Repetitions (independent datasets and initialisations).") var repetitions = 100
    @Option(help: "Epochs per model.") var epochs = 60
    @Option(help: "Seed; repetition r uses streams derived from (seed, r).") var seed: UInt64 = 0
    @Option(help: "Parallel workers (0 = one per core).") var workers = 0
    @Option(help: "Cosines per class.") var samplesPerClass = 1024
    @Flag(help: "Train the linear models through the direct conv path instead of their exact composed kernel.")
    var directLinear = false
    @Option(help: "Keras reference CSV (repetition, model, epoch, loss, conv1_distance, conv2_distance).")
    var kerasCSV = "tools/reference/keras_dc_training.csv"
    @Option(help: "Keras reference timings (JSON written by tools/reference/keras_dc_training.py).")
    var kerasJSON = "tools/reference/keras_dc_training.json"

    func validate() throws {
        guard repetitions > 0, epochs > 0, samplesPerClass > 0, workers >= 0 else {
            throw ValidationError("--repetitions, --epochs and --samples-per-class must be positive, --workers ≥ 0")
        }
    }

    func run() throws {
        var c = DCTrainingConfiguration()
        c.repetitions = repetitions
        c.epochs = epochs
        c.seed = seed
        c.workers = workers
        c.samplesPerClass = samplesPerClass
        c.collapseLinear = !directLinear
        let total = c.repetitions
        let loadBefore = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
        let core = BLASLibrary.coreName ?? "?"
        print("dc-training: \(repetitions) repetitions × \(epochs) epochs on \(ProcessInfo.processInfo.activeProcessorCount) cores; OpenBLAS core \(core); load average before: \(loadBefore)")
        let result = DCTraining.run(c) { r, seconds, done in
            print(String(format: "  repetition %d done in %.2f s (%d/%d)", r, seconds, done, total))
        }
        let keras = try KerasReference.load(csv: kerasCSV, json: kerasJSON)
        let perRepetition = result.repetitionSeconds.reduce(0, +) / Double(result.repetitionSeconds.count)
        print("dc-training: \(repetitions) repetitions × \(epochs) epochs, \(result.workers) workers, wall \(fmt(result.wallSeconds)) s, "
              + "\(fmt(result.wallSeconds / Double(repetitions))) s per repetition (throughput), "
              + "\(fmt(perRepetition)) s per repetition on one worker")
        var models: [DCModelSummary] = []
        for m in c.models {
            let runs = result.runs(of: m)
            let loss = result.loss(m), d1 = result.conv1Distance(m), d2 = result.conv2Distance(m)
            let summary = DCModelSummary(
                model: m.rawValue, loss: loss, conv1Distance: d1, conv2Distance: d2,
                finalAccuracyMean: runs.map(\.finalAccuracy).reduce(0, +) / Double(runs.count),
                finalAccuracyMin: runs.map(\.finalAccuracy).min() ?? .nan,
                secondsPerFitMean: runs.map(\.seconds).reduce(0, +) / Double(runs.count),
                keras: keras?.summary(m.rawValue, epochs: epochs))
            models.append(summary)
            print(String(format: "  %-9@ final loss %.3g ± %.2g, conv1 distance %.3f ± %.3f, conv2 distance %.3f ± %.3f, accuracy %.4f (min %.4f), %.2f s per fit",
                         m.rawValue as NSString, loss.mean.last!, loss.std.last!, d1.mean.last!, d1.std.last!, d2.mean.last!,
                         d2.std.last!, summary.finalAccuracyMean, summary.finalAccuracyMin, summary.secondsPerFitMean))
            if let k = summary.keras {
                print(String(format: "  %-9@ Keras (%d reps): loss %.3g ± %.2g, conv1 %.3f, conv2 %.3f at epoch %d; %.1f s per %d-epoch fit",
                             "" as NSString, k.repetitions, k.finalLossMean, k.finalLossStd, k.finalConv1Mean, k.finalConv2Mean,
                             k.epoch, k.secondsPerFit ?? .nan, keras?.epochs ?? 60))
            }
        }
        // Keras timed 60-epoch fits; scale to this run's epoch count for the comparison.
        let kerasPerRepetition = keras?.secondsPerRepetition.map { $0 * Double(epochs) / Double(keras!.epochs) }
        if let kr = kerasPerRepetition {
            print(String(format: "Keras (%d-epoch fits scaled to %d epochs): %.1f s per repetition (three fits, %d TF threads); ppgscope %.2f s on one worker (%.1f×), %.2f s throughput with %d workers (%.1f×)",
                         keras!.epochs, epochs, kr, keras!.threads, perRepetition, kr / perRepetition,
                         result.wallSeconds / Double(repetitions), result.workers, kr / (result.wallSeconds / Double(repetitions))))
        }
        let directory = output.directory("dc-training")
        try ReportWriter.write(runsCSV(result), to: "\(directory)/runs.csv")
        let figures = PaperFigures.dcTraining(result, keras: keras)
        var keyNumbers: [(String, String)] = [
            ("repetitions × epochs", "\(repetitions) × \(epochs)"),
            ("wall time", "\(fmt(result.wallSeconds)) s with \(result.workers) workers"),
            ("per repetition (one worker, three models)", "\(fmt(perRepetition)) s"),
        ]
        if let kr = kerasPerRepetition { keyNumbers.append(("Keras per repetition (three fits, scaled to \(epochs) epochs)", "\(fmt(kr)) s")) }
        for s in models {
            keyNumbers.append(("\(s.model): final loss / conv1 / conv2 distance",
                               "\(fmt(s.loss.mean.last!)) ± \(fmt(s.loss.std.last!, 2)) / \(fmt(s.conv1Distance.mean.last!)) / \(fmt(s.conv2Distance.mean.last!))"))
        }
        let summary = DCTrainingSummary(configuration: c, blasCore: core, loadAverageBefore: loadBefore,
                                        workers: result.workers, wallSeconds: result.wallSeconds,
                                        repetitionSeconds: result.repetitionSeconds, models: models,
                                        kerasSecondsPerRepetition: kerasPerRepetition)
        try writePaperReport(directory: directory, title: "DC components simplify feature extraction (Section V-C)",
                             intro: "Mean ± std over \(repetitions) repetitions; dashed: the Keras reference run.",
                             figures: figures, keyNumbers: keyNumbers, summary: summary)
    }

    func runsCSV(_ r: DCTrainingResult) -> String {
        var out = "repetition,model,epoch,loss,conv1_distance,conv2_distance\n"
        for rep in r.runs {
            for run in rep {
                for e in run.loss.indices {
                    out += "\(run.repetition),\(run.model.rawValue),\(e + 1),\(run.loss[e]),\(run.conv1Distance[e]),\(run.conv2Distance[e])\n"
                }
            }
        }
        return out
    }
}

struct DCModelSummary: Encodable {
    var model: String
    var loss: CurveSummary
    var conv1Distance: CurveSummary
    var conv2Distance: CurveSummary
    var finalAccuracyMean: Double
    var finalAccuracyMin: Double
    var secondsPerFitMean: Double
    var keras: KerasModelSummary?
}

struct DCTrainingSummary: Encodable {
    var configuration: DCTrainingConfiguration
    var blasCore: String
    /// 1, 5 and 15 minute load averages before the run (other jobs share the machine).
    var loadAverageBefore: String
    var workers: Int
    var wallSeconds: Double
    var repetitionSeconds: [Double]
    var models: [DCModelSummary]
    var kerasSecondsPerRepetition: Double?
}

struct KerasModelSummary: Encodable {
    var repetitions: Int
    var epoch: Int
    var finalLossMean: Double
    var finalLossStd: Double
    var finalConv1Mean: Double
    var finalConv2Mean: Double
    var secondsPerFit: Double?
    var loss: CurveSummary
    var conv1Distance: CurveSummary
    var conv2Distance: CurveSummary
}

/// The Keras run of tools/reference/keras_dc_training.py, when its CSV is present.
struct KerasReference {
    /// model → repetition → per-epoch (loss, conv1, conv2).
    var curves: [String: [Int: [(epoch: Int, loss: Double, d1: Double, d2: Double)]]]
    /// model → seconds per fit.
    var seconds: [String: [Double]]
    /// Epochs per timed fit and TensorFlow threads, from the JSON.
    var epochs = 60
    var threads = 0

    static func load(csv: String, json: String) throws -> KerasReference? {
        guard let text = try? String(contentsOfFile: csv, encoding: .utf8) else { return nil }
        var curves: [String: [Int: [(epoch: Int, loss: Double, d1: Double, d2: Double)]]] = [:]
        // Split on any line break: the CSV module writes \r\n, which Swift treats as one Character.
        for (i, line) in text.split(whereSeparator: \.isNewline).enumerated() where i > 0 {
            let f = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count == 6, let rep = Int(f[0]), let epoch = Int(f[2]), let loss = Double(f[3]),
                  let d1 = Double(f[4]), let d2 = Double(f[5]) else {
                throw PPGScopeError(file: csv, object: "line \(i + 1)", "expected repetition,model,epoch,loss,conv1_distance,conv2_distance")
            }
            curves[f[1], default: [:]][rep, default: []].append((epoch, loss, d1, d2))
        }
        var reference = KerasReference(curves: curves, seconds: [:])
        if let data = FileManager.default.contents(atPath: json),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let times = object["times"] as? [[String: Any]] {
            for t in times {
                if let model = t["model"] as? String, let s = t["seconds"] as? Double { reference.seconds[model, default: []].append(s) }
            }
            reference.epochs = object["epochs"] as? Int ?? 60
            reference.threads = object["threads"] as? Int ?? 0
        }
        return reference
    }

    /// Mean over repetitions of each epoch's values, for epochs 1 …`epochs` (or as many as recorded).
    func curve(_ model: String, _ value: ((epoch: Int, loss: Double, d1: Double, d2: Double)) -> Double, epochs: Int) -> CurveSummary? {
        guard let reps = curves[model], !reps.isEmpty else { return nil }
        let rows = reps.keys.sorted().map { r in reps[r]!.sorted { $0.epoch < $1.epoch }.prefix(epochs).map(value) }
        return CurveSummary(rows)
    }

    func summary(_ model: String, epochs: Int) -> KerasModelSummary? {
        guard let loss = curve(model, { $0.loss }, epochs: epochs), let d1 = curve(model, { $0.d1 }, epochs: epochs),
              let d2 = curve(model, { $0.d2 }, epochs: epochs), !loss.mean.isEmpty else { return nil }
        let s = seconds[model]
        return KerasModelSummary(repetitions: curves[model]?.count ?? 0, epoch: loss.mean.count,
                                 finalLossMean: loss.mean.last!, finalLossStd: loss.std.last!,
                                 finalConv1Mean: d1.mean.last!, finalConv2Mean: d2.mean.last!,
                                 secondsPerFit: s.map { $0.reduce(0, +) / Double($0.count) },
                                 loss: loss, conv1Distance: d1, conv2Distance: d2)
    }

    /// Mean seconds of the three fits of a repetition (for `epochs` epochs each).
    var secondsPerRepetition: Double? {
        let means = ["relu", "linear", "linear_dc"].compactMap { m in seconds[m].map { $0.reduce(0, +) / Double($0.count) } }
        return means.count == 3 ? means.reduce(0, +) : nil
    }
}

// MARK: zero-training

struct PaperZeroTrainingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zero-training",
        abstract: "Section V-D: one random 2-tap conv filter + ReLU + global average pooling as a DC frequency classifier.")

    @OptionGroup var output: PaperOutputOptions
    @Option(help: "Random initialisations in the separability survey.") var initialisations = 10_000
    @Option(help: "Seed of the dataset, the shown kernel and the survey.") var seed: UInt64 = 0
    @Option(help: "Cosines per class.") var samplesPerClass = 1024
    @Option(help: "Parallel workers (0 = one per core).") var workers = 0

    func validate() throws {
        guard initialisations > 0, samplesPerClass > 0, workers >= 0 else {
            throw ValidationError("--initialisations and --samples-per-class must be positive, --workers ≥ 0")
        }
    }

    func run() throws {
        let fs = 32.0
        let start = DispatchTime.now().uptimeNanoseconds
        let r = ZeroTraining.run(seed: seed, initialisations: initialisations, samplesPerClass: samplesPerClass, workers: workers)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var examples: [ZeroTrainingExampleSummary] = []
        for e in r.examples {
            print(String(format: "%@: w0 = %+.4f (on x[t−1]), w1 = %+.4f (on x[t]) (Glorot-uniform limit %.4f)",
                         e.title as NSString, e.w0, e.w1, ZeroTraining.glorotLimit))
            var classes: [ZeroTrainingClass] = []
            for (label, f0) in r.classFrequenciesHz.enumerated() {
                let idx = r.labels.indices.filter { r.labels[$0] == Int32(label) }
                let pooled = idx.map { e.pooled[$0] }
                let dev = idx.map { e.relativeDeviationFromClosedForm[$0] }
                let h = ZeroTraining.response(w0: e.w0, w1: e.w1, frequencyHz: f0, samplingRateHz: fs)
                let cls = ZeroTrainingClass(
                    frequencyHz: f0, response: h, predictedDC: h / Double.pi,
                    pooledMean: pooled.reduce(0, +) / Double(pooled.count), pooledMin: pooled.min()!, pooledMax: pooled.max()!,
                    deviationMean: dev.reduce(0, +) / Double(dev.count), deviationMaxAbs: dev.map(abs).max()!)
                classes.append(cls)
                print(String(format: "  class %d (%.0f Hz): |H| = %.4f (%.2f dB), |H|/π = %.4f; pooled output mean %.4f, range [%.4f, %.4f]; measured/predicted − 1: mean %+.2f %%, max |·| %.2f %%",
                             label, f0, h, 20 * log10(h), h / Double.pi, cls.pooledMean, cls.pooledMin, cls.pooledMax,
                             100 * cls.deviationMean, 100 * cls.deviationMaxAbs))
            }
            print(String(format: "  classes %@ by the pooled output alone (margin %.3f of the range)",
                         (e.separable ? "separable" : "NOT separable") as NSString, e.margin))
            examples.append(ZeroTrainingExampleSummary(title: e.title, w0: e.w0, w1: e.w1, classes: classes,
                                                       separable: e.separable, margin: e.margin))
        }
        let failures = zip(r.kernels, r.outcomes).filter { !$0.1.separable }.map { $0.0 }
        let coupling = failures.map { abs($0.0 * $0.1) / ($0.0 * $0.0 + $0.1 * $0.1) }
        print(String(format: "survey: %d random kernels, %.2f %% separable (%d failures; largest |w0·w1|/(w0²+w1²) among failures %.4f), %.1f s",
                     initialisations, 100 * r.separableFraction, failures.count, coupling.max() ?? 0, seconds))
        let figures = PaperFigures.zeroTraining(r, samplingRateHz: fs)
        var keyNumbers: [(String, String)] = []
        for e in examples {
            keyNumbers.append(("\(e.title): (w0, w1)", "(\(fmt(e.w0)), \(fmt(e.w1)))"))
            keyNumbers.append(("  |H|/π at 3 / 5 / 10 Hz", e.classes.map { fmt($0.predictedDC) }.joined(separator: " / ")))
            keyNumbers.append(("  mean pooled output per class", e.classes.map { fmt($0.pooledMean) }.joined(separator: " / ")))
            keyNumbers.append(("  separable", e.separable ? "yes (margin \(fmt(e.margin, 3)))" : "no (margin \(fmt(e.margin, 3)))"))
        }
        keyNumbers.append(("random kernels separable", "\(fmt(100 * r.separableFraction)) % of \(initialisations)"))
        let summary = ZeroTrainingSummary(
            seed: seed, samplesPerClass: samplesPerClass, examples: examples, initialisations: initialisations,
            separableFraction: r.separableFraction, failures: failures.count,
            largestCouplingAmongFailures: coupling.max() ?? 0, seconds: seconds)
        try writePaperReport(directory: output.directory("zero-training"), title: "A minimum (almost) zero-training CNN (Section V-D)",
                             intro: "Conv1D(1 filter, 2 taps, causal, no bias, random Glorot-uniform) → ReLU → global average pooling.",
                             figures: figures, keyNumbers: keyNumbers, summary: summary)
    }
}

struct ZeroTrainingClass: Encodable {
    var frequencyHz: Double
    var response: Double
    var predictedDC: Double
    var pooledMean: Double
    var pooledMin: Double
    var pooledMax: Double
    var deviationMean: Double
    var deviationMaxAbs: Double
}

struct ZeroTrainingExampleSummary: Encodable {
    var title: String
    var w0: Double
    var w1: Double
    var classes: [ZeroTrainingClass]
    var separable: Bool
    var margin: Double
}

struct ZeroTrainingSummary: Encodable {
    var seed: UInt64
    var samplesPerClass: Int
    var examples: [ZeroTrainingExampleSummary]
    var initialisations: Int
    var separableFraction: Double
    var failures: Int
    var largestCouplingAmongFailures: Double
    var seconds: Double
}
