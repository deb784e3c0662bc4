import ArgumentParser

/// `ppgscope paper <experiment>`: the experiments of "DC is all you need: describing ReLU from a signal
/// processing standpoint". Each prints its key numbers and writes `summary.json`, SVG figures and an
/// `index.html` into `--out` (replaced as a whole). The reports live in PPGReports/Paper.
struct PaperCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paper",
        abstract: "Reproduce the paper's experiments (ReLU series, toy networks, real CNN spectra, DC training, zero-training CNN).",
        subcommands: [PaperReLUSeriesCommand.self, PaperToyNetworksCommand.self, PaperRealCNNCommand.self,
                      PaperDCTrainingCommand.self, PaperZeroTrainingCommand.self, PaperActivationsCommand.self])
}

/// Options every paper experiment shares.
struct PaperOutputOptions: ParsableArguments {
    @Option(help: "Output directory for summary.json, the SVG figures and index.html, replaced as a whole (default out/paper/<experiment>).")
    var out: String?

    func directory(_ experiment: String) -> String { out ?? "out/paper/\(experiment)" }
}
