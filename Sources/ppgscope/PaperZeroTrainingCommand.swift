import ArgumentParser
import Foundation
import PPGPaper
import PPGReports

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
        let start = DispatchTime.now().uptimeNanoseconds
        let result = ZeroTraining.run(seed: seed, initialisations: initialisations, samplesPerClass: samplesPerClass, workers: workers)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let report = ZeroTrainingReport(result: result, seed: seed, samplesPerClass: samplesPerClass, seconds: seconds)
        report.textLines.forEach { print($0) }
        print(try report.write(to: output.directory("zero-training")))
    }
}
