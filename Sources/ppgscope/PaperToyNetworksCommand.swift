import ArgumentParser
import PPGPaper
import PPGReports

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
        var experiment = ToyNetworksExperiment()
        experiment.stages = stages
        experiment.taps = taps
        let chains = experiment.run()
        let report = ToyNetworksReport(experiment: experiment, differentiating: chains.differentiating,
                                       movingAverage: chains.movingAverage)
        report.textLines.forEach { print($0) }
        print(try report.write(to: output.directory("toy-networks")))
    }
}
