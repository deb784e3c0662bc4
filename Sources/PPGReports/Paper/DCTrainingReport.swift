import Foundation
import PPGPaper

/// One model of `paper dc-training` in `summary.json`.
public struct DCModelSummary: Encodable {
    /// `DCModel` raw value: relu, linear or linear_dc.
    public var model: String
    /// Per-epoch mean and std over repetitions.
    public var loss: CurveSummary
    public var conv1Distance: CurveSummary
    public var conv2Distance: CurveSummary
    public var finalAccuracyMean: Double
    public var finalAccuracyMin: Double
    public var secondsPerFitMean: Double
    public var keras: KerasModelSummary?
}

/// `summary.json` of `paper dc-training`.
public struct DCTrainingSummary: Encodable {
    public var configuration: DCTrainingConfiguration
    public var blasCore: String
    /// 1, 5 and 15 minute load averages before the run (other jobs share the machine).
    public var loadAverageBefore: String
    public var workers: Int
    public var wallSeconds: Double
    public var repetitionSeconds: [Double]
    public var models: [DCModelSummary]
    public var kerasSecondsPerRepetition: Double?
}

/// Report of `paper dc-training` (Section V-C): loss and conv-kernel distance per epoch of the relu,
/// linear and linear_dc CNNs, beside the Keras reference when there is one.
public struct DCTrainingReport: PaperReport {
    public let result: DCTrainingResult
    public let keras: KerasDCTrainingReference?
    public let blasCore: String
    public let loadAverageBefore: String
    /// One per model of the configuration, in its order.
    public let models: [DCModelSummary]

    /// `blasCore` and `loadAverageBefore` are recorded as given (see `startLine`).
    public init(result: DCTrainingResult, keras: KerasDCTrainingReference?, blasCore: String, loadAverageBefore: String) {
        self.result = result
        self.keras = keras
        self.blasCore = blasCore
        self.loadAverageBefore = loadAverageBefore
        let epochs = result.configuration.epochs
        models = result.configuration.models.map { m in
            let runs = result.runs(of: m)
            return DCModelSummary(
                model: m.rawValue, loss: result.loss(m), conv1Distance: result.conv1Distance(m), conv2Distance: result.conv2Distance(m),
                finalAccuracyMean: runs.map(\.finalAccuracy).reduce(0, +) / Double(runs.count),
                finalAccuracyMin: runs.map(\.finalAccuracy).min() ?? .nan,
                secondsPerFitMean: runs.map(\.seconds).reduce(0, +) / Double(runs.count),
                keras: keras?.summary(m.rawValue, epochs: epochs))
        }
    }

    /// 1, 5 and 15 minute load averages from /proc/loadavg ("?" where there is none).
    public static func currentLoadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
    }

    /// The line printed before training.
    public static func startLine(_ c: DCTrainingConfiguration, cores: Int, blasCore: String, loadAverage: String) -> String {
        "dc-training: \(c.repetitions) repetitions × \(c.epochs) epochs on \(cores) cores; OpenBLAS core \(blasCore); load average before: \(loadAverage)"
    }

    /// The line printed when repetition `repetition` (of `total`) finishes, the `finished`-th to do so.
    public static func progressLine(repetition: Int, seconds: Double, finished: Int, total: Int) -> String {
        String(format: "  repetition %d done in %.2f s (%d/%d)", repetition, seconds, finished, total)
    }

    private var configuration: DCTrainingConfiguration { result.configuration }
    /// Mean seconds of one repetition (three fits) on one worker.
    private var secondsPerRepetition: Double { result.repetitionSeconds.reduce(0, +) / Double(result.repetitionSeconds.count) }
    /// Keras timed `keras.epochs`-epoch fits: scaled to this run's epoch count for the comparison.
    private var kerasSecondsPerRepetition: Double? {
        guard let keras, let s = keras.secondsPerRepetition else { return nil }
        return s * Double(configuration.epochs) / Double(keras.epochs)
    }

    public var title: String { "DC components simplify feature extraction (Section V-C)" }
    public var intro: String { "Mean ± std over \(configuration.repetitions) repetitions; dashed: the Keras reference run." }

    public var summary: DCTrainingSummary {
        DCTrainingSummary(configuration: configuration, blasCore: blasCore, loadAverageBefore: loadAverageBefore,
                          workers: result.workers, wallSeconds: result.wallSeconds, repetitionSeconds: result.repetitionSeconds,
                          models: models, kerasSecondsPerRepetition: kerasSecondsPerRepetition)
    }

    public var textLines: [String] {
        let repetitions = configuration.repetitions, epochs = configuration.epochs
        func fmt(_ v: Double) -> String { NumberFormat.significant(v) }
        let perRepetition = secondsPerRepetition
        var lines = ["dc-training: \(repetitions) repetitions × \(epochs) epochs, \(result.workers) workers, wall \(fmt(result.wallSeconds)) s, "
            + "\(fmt(result.wallSeconds / Double(repetitions))) s per repetition (throughput), "
            + "\(fmt(perRepetition)) s per repetition on one worker"]
        for s in models {
            lines.append(String(format: "  %-9@ final loss %.3g ± %.2g, conv1 distance %.3f ± %.3f, conv2 distance %.3f ± %.3f, accuracy %.4f (min %.4f), %.2f s per fit",
                                s.model as NSString, s.loss.mean.last!, s.loss.std.last!, s.conv1Distance.mean.last!, s.conv1Distance.std.last!,
                                s.conv2Distance.mean.last!, s.conv2Distance.std.last!, s.finalAccuracyMean, s.finalAccuracyMin, s.secondsPerFitMean))
            if let k = s.keras {
                lines.append(String(format: "  %-9@ Keras (%d reps): loss %.3g ± %.2g, conv1 %.3f, conv2 %.3f at epoch %d; %.1f s per %d-epoch fit",
                                    "" as NSString, k.repetitions, k.finalLossMean, k.finalLossStd, k.finalConv1Mean, k.finalConv2Mean,
                                    k.epoch, k.secondsPerFit ?? .nan, keras?.epochs ?? 60))
            }
        }
        if let kr = kerasSecondsPerRepetition, let keras {
            let throughput = result.wallSeconds / Double(repetitions)
            lines.append(String(format: "Keras (%d-epoch fits scaled to %d epochs): %.1f s per repetition (three fits, %d TF threads); ppgscope %.2f s on one worker (%.1f×), %.2f s throughput with %d workers (%.1f×)",
                                keras.epochs, epochs, kr, keras.threads, perRepetition, kr / perRepetition,
                                throughput, result.workers, kr / throughput))
        }
        return lines
    }

    public var keyNumbers: [(String, String)] {
        func fmt(_ v: Double, _ digits: Int = 4) -> String { NumberFormat.significant(v, digits: digits) }
        var rows: [(String, String)] = [
            ("repetitions × epochs", "\(configuration.repetitions) × \(configuration.epochs)"),
            ("wall time", "\(fmt(result.wallSeconds)) s with \(result.workers) workers"),
            ("per repetition (one worker, three models)", "\(fmt(secondsPerRepetition)) s"),
        ]
        if let kr = kerasSecondsPerRepetition {
            rows.append(("Keras per repetition (three fits, scaled to \(configuration.epochs) epochs)", "\(fmt(kr)) s"))
        }
        for s in models {
            rows.append(("\(s.model): final loss / conv1 / conv2 distance",
                         "\(fmt(s.loss.mean.last!)) ± \(fmt(s.loss.std.last!, 2)) / \(fmt(s.conv1Distance.mean.last!)) / \(fmt(s.conv2Distance.mean.last!))"))
        }
        return rows
    }

    /// runs.csv: one row per repetition, model and epoch.
    public func extraFiles() -> [(name: String, text: String)] {
        var csv = "repetition,model,epoch,loss,conv1_distance,conv2_distance\n"
        for repetition in result.runs {
            for run in repetition {
                for e in run.loss.indices {
                    csv += "\(run.repetition),\(run.model.rawValue),\(e + 1),\(run.loss[e]),\(run.conv1Distance[e]),\(run.conv2Distance[e])\n"
                }
            }
        }
        return [("runs.csv", csv)]
    }

    static let modelColors: [DCModel: String] = [.relu: Palette.color(0), .linear: Palette.color(1), .linearDC: Palette.color(2)]
    static let modelNames: [DCModel: String] = [.relu: "ReLU", .linear: "Linear", .linearDC: "Linear w/ DC"]

    public func figures() -> [ReportFigure] {
        let r = result, models = configuration.models
        let modelNames = Self.modelNames, modelColors = Self.modelColors
        func plot(_ title: String, _ yLabel: String, _ value: (DCModel) -> CurveSummary,
                  _ kerasValue: (KerasModelSummary) -> CurveSummary, log: Bool = false) -> LinePlot {
            var series: [PlotSeries] = []
            for m in models {
                let s = value(m)
                let x = s.mean.indices.map { Double($0 + 1) }
                if log {
                    series.append(PlotSeries(name: modelNames[m]!, x: x, y: s.mean.map { log10($0) }, color: modelColors[m]!))
                } else {
                    series.append(PlotSeries(name: modelNames[m]!, x: x, y: s.mean, color: modelColors[m]!, band: s.std))
                }
            }
            for m in models {
                guard let k = keras?.summary(m.rawValue, epochs: r.configuration.epochs) else { continue }
                let s = kerasValue(k)
                series.append(PlotSeries(name: "\(modelNames[m]!), Keras", x: s.mean.indices.map { Double($0 + 1) },
                                         y: log ? s.mean.map { log10($0) } : s.mean, color: modelColors[m]!, dashed: true))
            }
            return LinePlot(title: title, xLabel: "epoch", yLabel: yLabel, series: series)
        }
        let loss = plot("Training loss", "loss", { r.loss($0) }, { $0.loss })
        let d1 = plot("Conv layer 1: ‖W − W₀‖", "distance", { r.conv1Distance($0) }, { $0.conv1Distance })
        let d2 = plot("Conv layer 2: ‖W − W₀‖", "distance", { r.conv2Distance($0) }, { $0.conv2Distance })
        let logLoss = plot("Training loss (log scale, means)", "log10 loss", { r.loss($0) }, { $0.loss }, log: true)
        var compact = [loss, d1, d2]
        for i in compact.indices { compact[i].series = compact[i].series.filter { !$0.dashed } }
        let grid = PlotGrid(title: "Fig. 4: mean ± std over \(r.runs.count) repetitions", panels: compact, columns: 3)
        return [
            ReportFigure(fileName: "dc-training-fig4.svg", caption: "Loss and distance of each conv kernel from its initial value, mean ± std over \(r.runs.count) repetitions (the paper's Fig. 4).",
                         svg: grid.svg(panelWidth: 380, panelHeight: 300)),
            ReportFigure(fileName: "dc-training-loss.svg", caption: "Training loss, mean ± std; dashed: Keras reference mean.", svg: loss.svg()),
            ReportFigure(fileName: "dc-training-loss-log.svg", caption: "log10 of the mean training loss; dashed: Keras reference.", svg: logLoss.svg()),
            ReportFigure(fileName: "dc-training-conv1.svg", caption: "Distance of conv layer 1's kernel from its initial value; dashed: Keras reference.", svg: d1.svg()),
            ReportFigure(fileName: "dc-training-conv2.svg", caption: "Distance of conv layer 2's kernel from its initial value; dashed: Keras reference.", svg: d2.svg()),
        ]
    }
}
