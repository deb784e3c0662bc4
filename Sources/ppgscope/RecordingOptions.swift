import ArgumentParser
import Foundation
import PPGFormats

/// How to read a recording, for every command that reads one: what the file does not say (rate,
/// time column), which channels to use, and where the reference HR is. A command adopts them all
/// with `@OptionGroup var recordingOptions: RecordingOptions`.
struct RecordingOptions: ParsableArguments {
    @Option(name: .customLong("rate"), help: ArgumentHelp("Sampling rate of a recording that does not give one (a CSV without time column).", valueName: "HZ"))
    var rateHz: Double?

    @Option(name: .customLong("time-column"), help: ArgumentHelp("CSV: the time column, by name or number from 1 (default: recognised by its name: time, timer, timestamp, t, datetime, …).", valueName: "NAME"))
    var timeColumn: String?

    @Option(name: .customLong("time-unit"), help: ArgumentHelp("CSV: the time column's unit: \(CSVTimeUnit.allCases.map(\.rawValue).joined(separator: ", ")) (default: from its name, else inferred).", valueName: "UNIT"))
    var timeUnit: String?

    @Option(help: ArgumentHelp("The PPG channel (default: recognised by its label: ppg, bvp, pleth, pulse, green, …).", valueName: "NAME"))
    var ppg: String?

    @Option(help: ArgumentHelp("The accelerometer channels (default: recognised by their labels: acc_x, ACC X, accX, ax, …).", valueName: "X,Y,Z"))
    var acc: String?

    @Option(name: .customLong("reference-hr"), help: ArgumentHelp("Reference heart rate: a CSV of time_s,bpm, or any recording with a heart-rate channel (WFDB numerics, EDF, …).", valueName: "FILE"))
    var referenceHR: String?

    func validate() throws {
        if let rateHz, !(rateHz.isFinite && rateHz > 0) { throw ValidationError("--rate must be a positive number of Hz") }
        if let timeUnit, CSVTimeUnit(rawValue: timeUnit) == nil {
            throw ValidationError("--time-unit must be one of \(CSVTimeUnit.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let acc, acc.split(separator: ",").count != 3 { throw ValidationError("--acc takes three channel names X,Y,Z") }
    }

    /// What to read from `path`.
    func request(_ path: String) -> RecordingRequest {
        RecordingRequest(path: path,
                         read: RecordingReadOptions(samplingRateHz: rateHz, timeColumn: timeColumn, timeUnit: timeUnit.flatMap(CSVTimeUnit.init(rawValue:))),
                         channels: ChannelChoice(ppg: ppg, acc: acc.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }),
                         referenceHRPath: referenceHR)
    }

    /// The recording at `path`, channels mapped and reference attached. When the channels were
    /// chosen by their labels from a file that does not use ppgscope's names, stderr says which
    /// (prefixed with `command`).
    func load(_ path: String, command: String? = nil) throws -> LoadedRecording {
        let loaded = try RecordingLoader.load(request(path))
        if let command, loaded.roles.ppg != "ppg" || (!loaded.roles.acc.isEmpty && loaded.roles.acc != ["acc_x", "acc_y", "acc_z"]) || loaded.referenceSource.hasPrefix("channel") {
            let acc = loaded.roles.acc.isEmpty ? "none" : loaded.roles.acc.joined(separator: ", ")
            FileHandle.standardError.write(Data("ppgscope \(command): PPG \(loaded.roles.ppg) (\(loaded.roles.ppgReason)), ACC \(acc), reference \(loaded.referenceSource)\n".utf8))
        }
        return loaded
    }

    /// The reading options as recorded in a cohort's run description (a merge or a resume with
    /// other reading options is refused).
    var canonicalDescription: [String: String] {
        ["rate": rateHz.map { "\($0)" } ?? "file", "time-column": timeColumn ?? "auto", "time-unit": timeUnit ?? "auto",
         "ppg": ppg ?? "auto", "acc": acc ?? "auto"]
    }

    /// True when a channel was named (`--ppg` or `--acc`).
    var namesChannels: Bool { ppg != nil || acc != nil }
}
