import Foundation
import PPGAnalysis
import PPGSignals
import Testing

/// Simulate, then recover: synthetic PPG with a known HR and accelerometer-coupled motion artefacts.
@Suite struct SyntheticRecordingTests {
    func synthetic(bpm: HeartRateTrajectory = .constant(bpm: 72), motion: Bool = true,
                   pattern: MotionSynthesis.Pattern = .random(bandwidthHz: 3)) throws -> SynthesizedPPG {
        try Synth.synthesize(PPGSynthesisOptions(durationS: 300, heartRate: bpm, seed: 7, noiseStd: 0.05,
                                                 motion: motion ? MotionSynthesis(pattern: pattern, artefactStd: 1.5) : nil))
    }

    /// Measured away from each window's first and last 10 samples: KID-PPG's filter zero-pads the
    /// accelerometer at the window edges, so there it lacks half of its ±10-sample context.
    /// Arm swing (stationary): ≥ 20 dB (30 dB measured). Band-limited random motion: the per-window
    /// z-scores change the ACC/PPG scale ratio from window to window, which one filter for the whole
    /// recording cannot follow — KID-PPG's design limit, measured at 17.9 dB, asserted ≥ 15 dB.
    @Test(arguments: [(MotionSynthesis.Pattern.armSwing(cadenceHz: 1.6), 20.0), (.random(bandwidthHz: 3), 15.0)])
    func exactFilterRemovesTheMotionArtefact(pattern: MotionSynthesis.Pattern, minimumDB: Double) throws {
        let s = try synthetic(pattern: pattern)
        var options = HeartRateOptions()
        options.runModel = false
        let prepared = try HeartRatePipeline.prepare(s.recording, options: options)
        let t = options.layout.length
        var before = 0.0, after = 0.0
        for n in 0..<prepared.count {
            for i in LinearMotionFilter.half..<(t - LinearMotionFilter.half) {
                let k = n * options.layout.shift + i
                let clean = s.pulse[k] + s.baseline[k] + s.noise[k]
                before += s.artefact[k] * s.artefact[k]
                let residual = Double(prepared.ppg[n * t + i]) - clean
                after += residual * residual
            }
        }
        let reductionDB = 10 * log10(before / after)
        #expect(reductionDB >= minimumDB, "artefact power reduced by \(reductionDB) dB")
    }

    @Test func spectralBaselineRecoversTheHeartRate() throws {
        let s = try synthetic(bpm: .constant(bpm: 96))
        var options = HeartRateOptions()
        options.runModel = false
        let prepared = try HeartRatePipeline.prepare(s.recording, options: options)
        let estimates = try HeartRatePipeline.estimate(prepared, network: nil, reference: s.recording.referenceHR, options: options)
        let good = estimates.filter { e in
            guard let a = e.spectralBPM, let r = e.referenceBPM else { return false }
            return abs(a - r) <= 2
        }
        #expect(Double(good.count) >= 0.95 * Double(estimates.count), "\(good.count) of \(estimates.count) within 2 BPM")
    }

    @Test func aRecordingShorterThanOneWindowIsAClearError() throws {
        let short = Recording(channels: [Channel(name: "ppg", samplingRateHz: 32, samples: [Float](repeating: 1, count: 100))])
        var options = HeartRateOptions()
        options.filter = .none
        #expect { try HeartRatePipeline.prepare(short, options: options) } throws: { error in
            "\(error)".contains("shorter than one 8 s window")
        }
    }

    @Test func filteringWithoutAccelerometerAsksForFilterNone() throws {
        let s = try synthetic(motion: false)
        #expect { try HeartRatePipeline.prepare(s.recording, options: HeartRateOptions()) } throws: { error in
            "\(error)".contains("--filter none")
        }
        var options = HeartRateOptions()
        options.filter = .none
        options.runModel = false
        #expect(try HeartRatePipeline.prepare(s.recording, options: options).count == 147)
    }

    @Test func aReferenceThatDoesNotOverlapGivesNoMetrics() throws {
        let s = try synthetic(motion: false)
        var options = HeartRateOptions()
        options.filter = .none
        options.runModel = false
        let prepared = try HeartRatePipeline.prepare(s.recording, options: options)
        let far = HeartRateSeries(timesS: [1000, 1002], bpm: [60, 61])
        let estimates = try HeartRatePipeline.estimate(prepared, network: nil, reference: far, options: options)
        #expect(estimates.allSatisfy { $0.referenceBPM == nil })
        #expect(HeartRateMetrics(estimates: estimates.map(\.spectralBPM), references: estimates.map(\.referenceBPM)) == nil)
    }
}
