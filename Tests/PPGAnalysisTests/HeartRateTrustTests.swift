import Foundation
import PPGAnalysis
import PPGSignals
import Testing

/// Conditioning, the classical estimators and best_bpm: S6 unchanged, synthetic devices recovered.
@Suite(.serialized) struct HeartRateTrustTests {
    /// The options `ppgscope hr` uses: KID-PPG's convention, automatic polarity and scale, the guarded spectral peak.
    static func trustOptions(filter: FilterMode = .exact) -> HeartRateOptions {
        var options = HeartRateOptions()
        options.filter = filter
        options.conditioning = ConditioningOptions(convention: .kidPPG)
        options.spectral = .guarded
        options.runPeaks = true
        return options
    }

    @Test func s6PassesThroughUntouched() throws {
        let ppg = try #require(try Files.s6Recording().channel("ppg"))
        let (out, report) = try InputConditioning.apply(ppg, options: ConditioningOptions(convention: .kidPPG))
        #expect(out == ppg)
        #expect(report.untouched && report.outOfDistribution.isEmpty && report.detectedPolarity == .upright)
    }

    /// Every model number unchanged (MAE 2.911, the same estimate on every window), and best_bpm no
    /// worse than the model + 0.1 BPM (measured: 2.478 over 209 windows; the spectral peak 4.42).
    @Test func s6ModelUnchangedAndBestNoWorse() throws {
        let recording = try Files.s6Recording()
        let network = try Files.model(Files.kidPPG)
        var plain = HeartRateOptions()
        plain.runSpectral = false
        plain.runPeaks = false
        let before = try HeartRatePipeline.estimate(try HeartRatePipeline.prepare(recording, options: plain), network: network,
                                                    reference: recording.referenceHR, options: plain)
        let options = Self.trustOptions()
        let estimates = try HeartRatePipeline.estimate(try HeartRatePipeline.prepare(recording, options: options), network: network,
                                                       reference: recording.referenceHR, options: options)
        #expect(estimates.map(\.hrBPM) == before.map(\.hrBPM) && estimates.map(\.hrStdBPM) == before.map(\.hrStdBPM))
        let model = try #require(modelMAE(estimates))
        #expect(abs(model - 2.911) < 0.0005, "model MAE \(model)")
        let best = try #require(HeartRateMetrics(estimates: estimates.map(\.bestBPM), references: estimates.map(\.referenceBPM)))
        #expect(best.mae <= model + 0.1, "best MAE \(best.mae) vs model \(model)")
        #expect(best.windows >= 205, "best_bpm on \(best.windows) of 215 windows")
        let spectral = try #require(HeartRateMetrics(estimates: estimates.map(\.spectralBPM), references: estimates.map(\.referenceBPM)))
        #expect(spectral.mae < 6, "guarded spectral MAE \(spectral.mae) (17.02 without tracking)")
    }

    @Test(arguments: [(25.0, 75.0), (100, 59), (1000, 120)])
    func polarityIsDetectedBothWays(rate: Double, bpm: Double) throws {
        for inverted in [false, true] {
            var o = PPGSynthesisOptions(samplingRateHz: rate, durationS: 30, heartRate: .constant(bpm: bpm), seed: 4)
            o.device = DeviceTransform(inverted: inverted, scale: 50, offset: 300)
            let ppg = try Synth.ppg(o).channels[0]
            let stats = try #require(PPGStatistics.measure(ppg.samples.map(Double.init), samplingRateHz: rate))
            #expect(stats.polarity == (inverted ? .inverted : .upright) && stats.slopeSkewnessAgreement == 1, "\(stats)")
        }
    }

    /// A device's rate, polarity, offset and gain: best_bpm within 2 BPM of the truth on every
    /// window, and KID-PPG's MAE within 1 BPM of its MAE on the same signal in canonical form
    /// (upright, band-passed as the training device did, at the training data's median window std,
    /// taken as given). Six representative
    /// combinations (25–1000 Hz, both polarities, offsets up to 1e4, gains 1e-3…1e4), not the whole
    /// grid, to keep the suite short.
    @Test(arguments: [(25.0, true, 0.0, 1e4, 75.0), (32, false, 1e4, 1, 150), (64, true, 0, 1e-3, 90),
                      (100, true, 515, 100, 59), (250, false, -1e4, 10, 110), (1000, true, 1e4, 1e3, 130)])
    func aDeviceTransformIsUndone(rate: Double, inverted: Bool, offset: Double, scale: Double, bpm: Double) throws {
        let network = try Files.model(Files.kidPPG)
        // Clean: no baseline wander (which the model's training data never had: E4's band-pass removed it).
        var o = PPGSynthesisOptions(samplingRateHz: rate, durationS: 60, heartRate: .constant(bpm: bpm), seed: 9, baselineAmplitude: 0)
        let clean = try Synth.ppg(o)
        // the convention's band-pass, at the training data's median window std.
        let c = ModelConvention.kidPPG
        let band = try ButterworthBandPass(order: c.baselineFilterOrder, lowHz: c.baselineBandHz.lowerBound,
                                           highHz: min(c.baselineBandHz.upperBound, 0.45 * rate), samplingRateHz: rate)
        let filtered = band.filtfilt(clean.channels[0].samples.map(Double.init))
        let amplitude = try #require(PPGStatistics.measure(filtered, samplingRateHz: rate)).windowStdMedian
        var canonical = clean
        canonical.channels[0].samples = filtered.map { Float($0 * c.training.windowStdMedian / amplitude) }
        o.device = DeviceTransform(inverted: inverted, scale: scale, offset: offset)
        let device = try Synth.ppg(o)

        var options = Self.trustOptions(filter: .none)
        let estimates = try HeartRatePipeline.estimate(try HeartRatePipeline.prepare(device, options: options), network: network,
                                                       reference: device.referenceHR, options: options)
        for e in estimates {
            let best = try #require(e.bestBPM, "window \(e.window) has no best_bpm")
            #expect(abs(best - bpm) <= 2, "window \(e.window): best \(best) (\(e.bestSource)) vs \(bpm)")
        }
        options.conditioning = ConditioningOptions()
        let reference = try HeartRatePipeline.estimate(try HeartRatePipeline.prepare(canonical, options: options), network: network,
                                                       reference: canonical.referenceHR, options: options)
        let a = try #require(modelMAE(estimates)), b = try #require(modelMAE(reference))
        #expect(abs(a - b) <= 1, "KID-PPG MAE \(a) on the device's signal, \(b) in canonical form")
    }

    /// A finger-like recording that saturates and drops out: KID-PPG stays confident but is off
    /// (MAE 4.3 measured), so windows with flat stretches leave it out and best_bpm comes from the beats.
    @Test func clippedAndDroppedOutWindowsLeaveTheModelOut() throws {
        var o = PPGSynthesisOptions(samplingRateHz: 100, durationS: 120, heartRate: .constant(bpm: 59), noiseStd: 0.05)
        o.device = DeviceTransform(inverted: true, scale: 100, offset: 515, clipShare: 0.15, dropouts: 5)
        let recording = try Synth.ppg(o)
        let options = Self.trustOptions(filter: .none)
        let estimates = try HeartRatePipeline.estimate(try HeartRatePipeline.prepare(recording, options: options),
                                                       network: try Files.model(Files.kidPPG), reference: recording.referenceHR, options: options)
        #expect(estimates.allSatisfy { ($0.flatShare ?? 0) > 0.05 }, "the clipped peaks are flat in every window")
        #expect(!estimates.contains { $0.bestSource == .model })
        let model = try #require(modelMAE(estimates))
        let best = try #require(HeartRateMetrics(estimates: estimates.map(\.bestBPM), references: estimates.map(\.referenceBPM)))
        #expect(model > 3 && best.mae < 0.5 && best.windows >= 30, "model MAE \(model), best \(best.mae) over \(best.windows) windows")
    }

    /// Forced the wrong way round, the input is out of distribution and best_bpm leaves the model out.
    @Test func anInvertedInputTakenAsIsIsOutOfDistribution() throws {
        var o = PPGSynthesisOptions(samplingRateHz: 64, durationS: 30, heartRate: .constant(bpm: 80), seed: 2)
        o.device = DeviceTransform(inverted: true, scale: 80)
        let ppg = try Synth.ppg(o).channels[0]
        let (_, report) = try InputConditioning.apply(ppg, options: ConditioningOptions(convention: .kidPPG, polarity: .asIs, scale: .none))
        #expect(report.untouched && report.outOfDistribution.contains { $0.hasPrefix("polarity") })
        let e = WindowEstimate(window: 3, startS: 6, endS: 14, hrBPM: 150, hrStdBPM: 3, pWithin: 1, spectralBPM: 80, referenceBPM: 80,
                               peaksBPM: 80.5, sqi: 0.9)
        let chosen = BestEstimateOptions().choose(e, modelInDistribution: false, thresholdBPM: 10)
        #expect(chosen.0 == 80.5 && chosen.1 == .peaks)
        let confident = BestEstimateOptions().choose(e, modelInDistribution: true, thresholdBPM: 10)
        #expect(confident.0 == 150 && confident.1 == .model)
    }

    /// A classical estimate that jumps further than a heart rate can in the time since the last
    /// best_bpm (a periodic motion artefact) is not taken.
    @Test func bestRefusesImpossibleJumps() {
        let e = WindowEstimate(window: 10, startS: 20, endS: 28, hrBPM: 170, hrStdBPM: 40, pWithin: 0.2, spectralBPM: 55, referenceBPM: 168,
                               peaksBPM: 58, sqi: 0.9)
        #expect(BestEstimateOptions().choose(e, modelInDistribution: true, thresholdBPM: 10, previous: (26, 169)).1 == .none)
        #expect(BestEstimateOptions().choose(e, modelInDistribution: true, thresholdBPM: 10, previous: (-20, 100)).1 == .peaks)
    }
}
