import ArgumentParser
import PPGPaper
import PPGReports

struct PaperActivationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activations",
        abstract: "Beyond the paper: the DC, harmonics and two-tone intermodulation that every Keras activation adds to cosines, against the amplitude.")

    @OptionGroup var output: PaperOutputOptions
    @Option(help: "Smallest amplitude A.") var minAmplitude = 0.01
    @Option(help: "Largest amplitude A.") var maxAmplitude = 10.0
    @Option(help: "Amplitudes per decade (log-spaced).") var pointsPerDecade = 10
    @Option(help: "Harmonics of the single tone to report.") var harmonics = 5
    @Option(help: "Largest m + n of the two-tone products m·f1 ± n·f2.") var twoToneOrder = 3

    func validate() throws {
        guard minAmplitude > 0, maxAmplitude > minAmplitude else { throw ValidationError("need 0 < --min-amplitude < --max-amplitude") }
        guard pointsPerDecade > 0, harmonics > 1, twoToneOrder > 1 else {
            throw ValidationError("--points-per-decade must be positive, --harmonics and --two-tone-order at least 2")
        }
    }

    func run() throws {
        var experiment = ActivationHarmonicsExperiment()
        experiment.smallestAmplitude = minAmplitude
        experiment.largestAmplitude = maxAmplitude
        experiment.pointsPerDecade = pointsPerDecade
        experiment.harmonics = harmonics
        experiment.twoToneOrder = twoToneOrder
        let report = ActivationHarmonicsReport(experiment: experiment, result: experiment.run())
        report.textLines.forEach { print($0) }
        print(try report.write(to: output.directory("activations")))
    }
}
