import ArgumentParser
import Foundation
import PPGFormats
import PPGSignals

/// `ppgscope synth`: seeded synthetic recordings with ground-truth HR.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write a synthetic recording: a sum of cosines, or a realistic PPG with optional motion artefacts.",
        discussion: """
        Examples:
          ppgscope synth --cosines 1.5,3 --amplitudes 1,0.5 --out x.h5          (the paper's test signal)
          ppgscope synth --hr 120 --duration 300 --motion arm-swing --out s.h5  (PPG + ACC, artefact linear in ACC)
          ppgscope synth --hr-from 70 --hr-to 150 --duration 600 --out ramp.wav
        The ground-truth HR is stored as the reference HR (every 2 s).
        """)

    @Option(help: "Output recording (.h5, .wav, .flac, .csv).") var out: String
    @Option(help: "Sampling rate in Hz.") var rate: Double = 32
    @Option(name: .customLong("duration"), help: "Duration in s (default 60, or the --hr-from-recording recording's).") var durationOption: Double?
    var duration: Double { durationOption ?? 60 }
    var durationWasSet: Bool { durationOption != nil }
    @Option(help: "Seed of every random component.") var seed: UInt64 = 0

    @Option(help: "Comma-separated cosine frequencies in Hz (makes a sum of cosines instead of a PPG).") var cosines: String?
    @Option(help: "Comma-separated cosine amplitudes (default 1 each).") var amplitudes: String?
    @Option(help: "Comma-separated cosine phases in radians (default 0).") var phases: String?

    @Option(help: "Constant heart rate in BPM.") var hr: Double?
    @Option(name: .customLong("hr-from"), help: "Heart-rate ramp start in BPM.") var hrFrom: Double?
    @Option(name: .customLong("hr-to"), help: "Heart-rate ramp end in BPM.") var hrTo: Double?
    @Option(name: .customLong("hr-file"), help: "CSV of time_s,bpm points for the heart-rate trajectory.") var hrFile: String?
    @Option(name: .customLong("hr-from-recording"), help: "Follow this recording's reference HR (duration defaults to the recording's).") var hrFromRecording: String?
    @Option(name: .customLong("pulse-amplitude"), help: "Pulse amplitude in PPG units (match a real recording's scale: the models take unnormalised PPG).") var pulseAmplitude: Double = 1
    @Option(help: "PPG noise standard deviation.") var noise: Double = 0.02
    @Option(help: "Baseline wander amplitude.") var baseline: Double = 0.2
    @Option(help: "Motion artefacts: none, arm-swing or random.") var motion: String = "none"
    @Option(help: "Arm-swing cadence in Hz.") var cadence: Double = 1.6
    @Option(name: .customLong("artefact-std"), help: "Artefact standard deviation in PPG units.") var artefactStd: Double = 0.5
    @Option(help: "Device polarity: upright (systolic peak up) or inverted (raw photodiode counts).") var polarity: String = "upright"
    @Option(help: "Device DC offset, added last.") var offset: Double = 0
    @Option(help: "Device gain (> 0).") var scale: Double = 1
    @Option(help: "Share (0–0.5) of the range flattened at each end, as a saturating ADC.") var clip: Double = 0
    @Option(help: "Number of seeded drop-outs (0.5–2 s at 0).") var dropouts: Int = 0

    func validate() throws {
        guard ["upright", "inverted"].contains(polarity) else { throw ValidationError("--polarity must be upright or inverted") }
        guard scale.isFinite, scale > 0 else { throw ValidationError("--scale must be a positive gain") }
        guard offset.isFinite else { throw ValidationError("--offset must be finite") }
        guard clip >= 0, clip < 0.5 else { throw ValidationError("--clip must be in [0, 0.5)") }
        guard dropouts >= 0 else { throw ValidationError("--dropouts must be ≥ 0") }
    }

    func run() throws {
        let recording: Recording
        if let cosines {
            let f = try numbers(cosines, "--cosines")
            let a = try amplitudes.map { try numbers($0, "--amplitudes") } ?? Array(repeating: 1, count: f.count)
            let p = try phases.map { try numbers($0, "--phases") }
            guard a.count == f.count, p.map({ $0.count == f.count }) ?? true else {
                throw ValidationError("--cosines, --amplitudes and --phases need the same number of values")
            }
            let channel = try Synth.cosines(frequenciesHz: f, amplitudes: a, phasesRad: p, samplingRateHz: rate, durationS: duration)
            recording = Recording(channels: [channel], metadata: ["synth": "cosines \(cosines) Hz, amplitudes \(a)"])
        } else {
            let trajectory: HeartRateTrajectory
            var duration = self.duration
            if let hrFromRecording {
                let source = try RecordingIO.read(hrFromRecording)
                guard let hr = source.referenceHR, !hr.isEmpty else {
                    throw PPGScopeError(file: hrFromRecording, "has no reference HR to follow")
                }
                trajectory = .points(timesS: hr.timesS, bpm: hr.bpm)
                if !durationWasSet { duration = source.durationS }
            } else if let hrFile {
                let points = try RecordingIO.readHeartRatePoints(hrFile)
                trajectory = .points(timesS: points.timesS, bpm: points.bpm)
            } else if let hrFrom, let hrTo {
                trajectory = .linearRamp(fromBPM: hrFrom, toBPM: hrTo)
            } else {
                trajectory = .constant(bpm: hr ?? 75)
            }
            var motionOptions: MotionSynthesis?
            switch motion {
            case "none": motionOptions = nil
            case "arm-swing": motionOptions = MotionSynthesis(pattern: .armSwing(cadenceHz: cadence), artefactStd: artefactStd)
            case "random": motionOptions = MotionSynthesis(pattern: .random(bandwidthHz: 3), artefactStd: artefactStd)
            default: throw ValidationError("--motion must be none, arm-swing or random")
            }
            var options = PPGSynthesisOptions(samplingRateHz: rate, durationS: duration, heartRate: trajectory, seed: seed,
                                              pulseAmplitude: pulseAmplitude, baselineAmplitude: baseline, noiseStd: noise, motion: motionOptions)
            options.device = DeviceTransform(inverted: polarity == "inverted", scale: scale, offset: offset, clipShare: clip, dropouts: dropouts)
            recording = try Synth.ppg(options)
        }
        try RecordingIO.write(recording, to: out)
        print("wrote \(out): \(recording.channels.map(\.name).joined(separator: ", ")), \(String(format: "%.1f", recording.durationS)) s at \(rate) Hz")
    }

    func numbers(_ list: String, _ option: String) throws -> [Double] {
        try list.split(separator: ",").map {
            guard let v = Double($0.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                throw ValidationError("\(option): '\($0)' is not a number")
            }
            return v
        }
    }
}
