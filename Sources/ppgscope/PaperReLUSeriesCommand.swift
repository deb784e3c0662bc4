import ArgumentParser
import PPGPaper
import PPGReports

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
        var experiment = ReLUSeriesExperiment()
        experiment.terms = terms
        experiment.maxTerms = maxTerms
        experiment.scaleFactor = scaleFactor
        let report = ReLUSeriesReport(experiment: experiment, result: experiment.run())
        report.textLines.forEach { print($0) }
        print(try report.write(to: output.directory("relu-series")))
    }
}
