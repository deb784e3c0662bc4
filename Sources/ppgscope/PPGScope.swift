import ArgumentParser

/// `ppgscope`: look inside heart-rate CNNs the way a signal-processing engineer would.
struct PPGScope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ppgscope",
        // Shell completion: `ppgscope --generate-completion-script bash|zsh|fish` (see the README).
        abstract: "Inspect heart-rate CNNs (KID-PPG and relatives) on PPG recordings: layer taps, spectra, DC, HR.",
        discussion: """
        Exit codes: 0 success, 1 bad input or failure (the message names the file and the problem), \
        64 usage error.
        """,
        version: "ppgscope \(ppgscopeVersion)",
        subcommands: [InfoCommand.self, ConvertCommand.self, SynthCommand.self, HRCommand.self, BatchCommand.self, MergeCommand.self, InspectCommand.self, CompareCommand.self, PaperCommand.self, ActivationsCommand.self, BenchCommand.self])
}

/// The release this build is (`ppgscope --version`).
let ppgscopeVersion = "0.5.0"
