import ArgumentParser
import Foundation
import PPGCompute
import PPGPaper
import PPGReports

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
    @Option(help: ArgumentHelp("Keras reference CSV (repetition, model, epoch, loss, conv1_distance, conv2_distance).",
                               discussion: "Default \(KerasDCTrainingReference.defaultCSVPath); when the default is missing the report has no Keras comparison."))
    var kerasCSV: String?
    @Option(help: ArgumentHelp("Keras reference timings (JSON written by tools/reference/keras_dc_training.py).",
                               discussion: "Default \(KerasDCTrainingReference.defaultJSONPath); when the default is missing the report has no Keras timings."))
    var kerasJSON: String?

    func validate() throws {
        guard repetitions > 0, epochs > 0, samplesPerClass > 0, workers >= 0 else {
            throw ValidationError("--repetitions, --epochs and --samples-per-class must be positive, --workers ≥ 0")
        }
    }

    func run() throws {
        // Read the reference first: a malformed file stops the run before the training.
        let keras = try KerasDCTrainingReference.load(csv: kerasCSV, json: kerasJSON) { note in
            FileHandle.standardError.write(Data("note: \(note)\n".utf8))
        }
        var c = DCTrainingConfiguration()
        c.repetitions = repetitions
        c.epochs = epochs
        c.seed = seed
        c.workers = workers
        c.samplesPerClass = samplesPerClass
        c.collapseLinear = !directLinear
        let blasCore = BLASLibrary.coreName ?? "?", loadAverage = DCTrainingReport.currentLoadAverage()
        print(DCTrainingReport.startLine(c, cores: ProcessInfo.processInfo.activeProcessorCount, blasCore: blasCore,
                                         loadAverage: loadAverage))
        let total = c.repetitions
        let result = DCTraining.run(c) { r, seconds, finished in
            print(DCTrainingReport.progressLine(repetition: r, seconds: seconds, finished: finished, total: total))
        }
        let report = DCTrainingReport(result: result, keras: keras, blasCore: blasCore, loadAverageBefore: loadAverage)
        report.textLines.forEach { print($0) }
        print(try report.write(to: output.directory("dc-training")))
    }
}
