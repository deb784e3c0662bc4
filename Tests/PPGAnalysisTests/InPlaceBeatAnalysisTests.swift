import Foundation
@testable import PPGAnalysis
@testable import PPGSignals
import Testing

/// The classical analysis runs in place and in running form (one full-length buffer for a whole
/// recording); each piece gives bit for bit what the plain array form below gives.
@Suite struct InPlaceBeatAnalysisTests {
    // MARK: The array forms, as first written.

    /// `sosfiltfilt`: padded copy, forward pass, reversed copy, backward pass, reversed, trimmed.
    static func arrayFiltfilt(_ band: ButterworthBandPass, _ x: [Double]) -> [Double] {
        guard x.count > 1 else { return x.map { _ in 0 } }
        let padding = min(3 * (2 * band.sections.count + 1), x.count - 1)
        var extended = [Double]()
        for i in stride(from: padding, through: 1, by: -1) { extended.append(2 * x[0] - x[i]) }
        extended += x
        let last = x.count - 1
        for i in 1...padding { extended.append(2 * x[last] - x[last - i]) }
        func run(_ x: [Double], _ states: [(Double, Double)]) -> [Double] {
            var y = x
            for (k, s) in band.sections.enumerated() {
                var (z1, z2) = states[k]
                for n in y.indices {
                    let input = y[n]
                    let out = s.b0 * input + z1
                    z1 = s.b1 * input - s.a1 * out + z2
                    z2 = s.b2 * input - s.a2 * out
                    y[n] = out
                }
            }
            return y
        }
        let zi = band.stepStates
        var forward = run(extended, zi.map { ($0.0 * extended[0], $0.1 * extended[0]) })
        forward.reverse()
        var backward = run(forward, zi.map { ($0.0 * forward[0], $0.1 * forward[0]) })
        backward.reverse()
        return Array(backward[padding..<(padding + x.count)])
    }

    /// Boxcar smoothing through the padded signal's prefix-sum array.
    static func arrayMovingAverage(_ x: [Double], size: Int) -> [Double] {
        guard size > 1, !x.isEmpty else { return x }
        let n = x.count
        let padded = [Double](repeating: x[0], count: size) + x + [Double](repeating: x[n - 1], count: size)
        var prefix = [Double](repeating: 0, count: padded.count + 1)
        for i in padded.indices { prefix[i + 1] = prefix[i] + padded[i] }
        let offset = (size - 1) / 2
        return (0..<n).map { k in
            let i = k + size
            let hi = min(i + offset, padded.count - 1), lo = max(i + offset - size + 1, 0)
            return (prefix[hi + 1] - prefix[lo]) / Double(size)
        }
    }

    /// Elgendi's detector with the squared signal, both moving averages and the wave mask as arrays.
    static func arrayElgendiPeaks(_ filtered: [Double], samplingRateHz fs: Double, parameters p: ElgendiParameters = ElgendiParameters()) -> [Int] {
        guard filtered.count > 2 else { return [] }
        let squared = filtered.map { $0 > 0 ? $0 * $0 : 0 }
        let maPeak = arrayMovingAverage(squared, size: Int((p.peakWindowS * fs).rounded(.toNearestOrEven)))
        let maBeat = arrayMovingAverage(squared, size: Int((p.beatWindowS * fs).rounded(.toNearestOrEven)))
        let offset = p.beatOffset * SignalStatistics.mean(squared[...])
        let waves = (0..<squared.count).map { maPeak[$0] > maBeat[$0] + offset }
        var begins: [Int] = [], ends: [Int] = []
        for i in 0..<(waves.count - 1) {
            if !waves[i] && waves[i + 1] { begins.append(i) }
            if waves[i] && !waves[i + 1] { ends.append(i) }
        }
        guard let firstBegin = begins.first else { return [] }
        ends = ends.filter { $0 > firstBegin }
        let minimumLength = Int((p.peakWindowS * fs).rounded(.toNearestOrEven))
        let minimumDelay = Int((p.minimumDelayS * fs).rounded(.toNearestOrEven))
        var peaks = [0]
        for i in 0..<min(begins.count, ends.count) where ends[i] - begins[i] >= minimumLength {
            guard let peak = BeatDetector.mostProminentMaximum(filtered[begins[i]..<ends[i]]) else { continue }
            if peak - peaks[peaks.count - 1] > minimumDelay { peaks.append(peak) }
        }
        return Array(peaks.dropFirst())
    }

    /// Flat share through a per-sample mask and its prefix counts.
    static func arrayFlatShare(_ samples: [Float], samplingRateHz fs: Double, layout: WindowLayout, count: Int, minimumRunS: Double = 0.05) -> [Double] {
        let minimumRun = max(3, Int((minimumRunS * fs).rounded(.up)))
        var flat = [Bool](repeating: false, count: samples.count)
        var start = 0
        for i in 1...samples.count where i == samples.count || samples[i] != samples[start] {
            if i - start >= minimumRun { for k in start..<i { flat[k] = true } }
            start = i
        }
        var prefix = [Int](repeating: 0, count: samples.count + 1)
        for i in samples.indices { prefix[i + 1] = prefix[i] + (flat[i] ? 1 : 0) }
        return (0..<count).map { n in
            let lo = min(Int((layout.startS(n) * fs).rounded()), samples.count), hi = min(Int((layout.endS(n) * fs).rounded()), samples.count)
            return hi > lo ? Double(prefix[hi] - prefix[lo]) / Double(hi - lo) : 0
        }
    }

    static func bits(_ x: [Double]) -> [UInt64] { x.map(\.bitPattern) }

    /// A synthetic pulse at `fs` Hz with white noise and a drifting baseline.
    static func noisyPulse(samplingRateHz fs: Double, durationS: Double, seed: UInt64) throws -> [Double] {
        let ppg = try Synth.ppg(PPGSynthesisOptions(samplingRateHz: fs, durationS: durationS, heartRate: .constant(bpm: 95), seed: seed))
        var rng = Xoshiro256StarStar(seed: seed, stream: 1)
        var x = ppg.channels[0].samples.map(Double.init)
        for i in x.indices {
            let drift = 0.5 * sin(Double(i) / fs * 0.7)
            x[i] += 0.3 * rng.nextNormal() + drift
        }
        return x
    }

    // MARK: Claims.

    @Test(arguments: [0, 1, 2, 3, 7, 15, 16, 31, 1000])
    func filtfiltInPlaceIsTheArrayForm(count: Int) throws {
        var rng = Xoshiro256StarStar(seed: UInt64(count), stream: 0)
        let x = (0..<count).map { _ in rng.nextNormal() }
        for band in [try ButterworthBandPass(order: 2, lowHz: 0.5, highHz: 8, samplingRateHz: 100),
                     try ButterworthBandPass(order: 3, lowHz: 0.4, highHz: 4, samplingRateHz: 32)] {
            var y = x
            band.filtfiltInPlace(&y)
            #expect(Self.bits(y) == Self.bits(Self.arrayFiltfilt(band, x)), "order \(band.sections.count) sections, \(count) samples")
            #expect(Self.bits(band.filtfilt(x)) == Self.bits(y))
        }
    }

    @Test(arguments: [2, 3, 4, 11, 67, 250])
    func runningMovingAverageIsThePrefixArrayForm(size: Int) {
        var rng = Xoshiro256StarStar(seed: UInt64(size), stream: 0)
        for count in [1, 2, size - 1, size, 3 * size + 1, 5000] where count >= 1 {
            let x = (0..<count).map { _ in 1e3 * rng.nextNormal() }
            #expect(Self.bits(SignalStatistics.movingAverage(x, size: size)) == Self.bits(Self.arrayMovingAverage(x, size: size)),
                    "size \(size), \(count) samples")
        }
    }

    /// 100 Hz as `hr` runs it; 25 and 8 Hz where the 111 ms average is 3 and 1 sample(s) wide.
    @Test(arguments: [100.0, 64, 25, 8])
    func streamingElgendiIsTheArrayForm(fs: Double) throws {
        let band = try ElgendiParameters().bandPass(samplingRateHz: fs)
        let filtered = band.filtfilt(try Self.noisyPulse(samplingRateHz: fs, durationS: 120, seed: 4))
        let peaks = BeatDetector.elgendiPeaks(filtered, samplingRateHz: fs)
        // At 8 Hz the detector finds little in the noise; the claim there is equality of what it finds.
        #expect(peaks.count > (fs >= 25 ? 100 : 0), "a 95 BPM pulse over 120 s")
        #expect(peaks == Self.arrayElgendiPeaks(filtered, samplingRateHz: fs))
    }

    /// The beat detector's 32 → 100 Hz upsampler and libsamplerate's best sinc (145 dB) agree on
    /// what the detector reads — the PPG through Elgendi's 0.5–8 Hz band-pass — to 1e-4 of its
    /// standard deviation away from the ends, on a synthetic PPG. (They differ by design between
    /// 80 % of the input's Nyquist frequency and the Nyquist frequency, where white noise would
    /// put power that this gentle band-pass only partly removes; so the PPG here has none.)
    /// The pipeline uses the upsampler for this ratio; libsamplerate may stop one sample short.
    @Test func theBeatDetectorsUpsamplerAgreesWithLibsamplerateBest() throws {
        let recording = try Synth.ppg(PPGSynthesisOptions(samplingRateHz: 32, durationS: 120, seed: 5, noiseStd: 0))
        let ppg = try #require(recording.channel("ppg"))
        let ours = try #require(RationalUpsampler(fromHz: 32, toHz: 100)).resample(ppg.samples)
        let best = try Resampling.resample(ppg, to: 100, quality: .best).samples
        #expect(ours.count == ppg.samples.count * 25 / 8 && abs(ours.count - best.count) <= 1)
        let count = min(ours.count, best.count)
        let band = try ElgendiParameters().bandPass(samplingRateHz: 100)
        var a = Array(ours.prefix(count)), b = best.prefix(count).map(Double.init)
        band.filtfiltInPlace(&a)
        band.filtfiltInPlace(&b)
        let interior = 300..<(count - 300)
        let std = SignalStatistics.standardDeviation(a[interior])
        let worst = interior.map { abs(a[$0] - b[$0]) }.max()!
        #expect(worst <= 1e-4 * std, "largest difference \(worst), std \(std)")
        #expect(try HeartRatePipeline.classicalInput(ppg, polarity: .upright).samples == ours)
    }

    /// Up- and down-sampling, a rate within rounding of the target, and outputs of 1 and 0 samples.
    @Test(arguments: [(32.0, 100.0, 5000), (64, 100, 4097), (25, 100, 3), (128, 100, 1000), (1, 3, 1), (100 * (1 - 1e-12), 100, 50), (32, 100, 0)])
    func resamplingIntoTheDoubleArrayIsWideningTheFloatOutput(fromHz: Double, toHz: Double, count: Int) throws {
        var rng = Xoshiro256StarStar(seed: UInt64(count), stream: 0)
        let channel = Channel(name: "ppg", samplingRateHz: fromHz, samples: (0..<count).map { _ in Float(rng.nextNormal()) })
        let floats = try Resampling.resample(channel, to: toHz)
        let doubles = try Resampling.resampledToDouble(channel, to: toHz)
        #expect(Self.bits(doubles.samples) == Self.bits(floats.samples.map(Double.init)), "\(fromHz) → \(toHz) Hz, \(count) samples")
        #expect(doubles.samplingRateHz == floats.samplingRateHz)
        #expect(count < 50 || doubles.samples.count > count * 3 / 4, "the output is not empty")
    }

    /// Flat runs of 2 to 9 samples at the start, the end, across and on window edges, NaNs (never
    /// equal to themselves) and windows reaching past the end.
    @Test func flatShareCountedFromRunsIsTheMaskForm() {
        let fs = 20.0 // a flat run is at least 3 samples
        let layout = WindowLayout(length: 40, shift: 10, samplingRateHz: fs)
        var rng = Xoshiro256StarStar(seed: 9, stream: 0)
        var x = (0..<400).map { _ in Float(rng.nextNormal()) }
        for (start, length) in [(0, 3), (8, 2), (9, 4), (38, 5), (50, 9), (70, 3), (79, 2), (118, 6), (200, 40), (390, 10)] {
            for i in start..<(start + length) { x[i] = Float(start % 7) }
        }
        x[300] = .nan; x[301] = .nan; x[302] = .nan
        for samples in [x, Array(x.prefix(395)), Array(repeating: 1, count: 50)] {
            let count = layout.count(in: samples.count) + 3
            let ours = SignalDefects.flatShare(samples, samplingRateHz: fs, layout: layout, count: count)
            #expect(Self.bits(ours) == Self.bits(Self.arrayFlatShare(samples, samplingRateHz: fs, layout: layout, count: count)), "\(samples.count) samples")
            #expect(ours.contains { $0 > 0 } && ours.contains { $0 < 1 } || samples.count == 50)
        }
        #expect(SignalDefects.flatShare([], samplingRateHz: fs, layout: layout, count: 2) == [0, 0])
    }
}
