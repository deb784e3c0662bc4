import PPGAnalysis
import PPGSignals
import Testing

/// Inter-beat intervals: outliers rejected, heart rate per window, quality of clean and noisy windows.
@Suite struct BeatSeriesTests {
    /// Beats every 0.8 s (75 BPM) with one beat missed and one false beat added.
    @Test func aMissedAndAFalseBeatAreRejected() {
        var times = (0..<20).map { Double($0) * 0.8 }
        times.remove(at: 8)                  // missed: a 1.6 s interval
        times.insert(12.4, at: 15)           // false: 12.0 → 12.4 → 12.8
        let beats = BeatSeries(timesS: times)
        let rejected = beats.intervals.filter { !$0.accepted }
        #expect(rejected.map(\.seconds).map { ($0 * 10).rounded() / 10 } == [1.6, 0.4, 0.4])
        let bpm = beats.heartRate(fromS: 0, toS: 16)
        #expect(bpm.map { abs($0 - 75) < 1e-9 } ?? false, "\(String(describing: bpm))")
    }

    @Test func tooFewAcceptedIntervalsGiveNoRate() {
        let beats = BeatSeries(timesS: [0, 0.8, 1.6, 5])
        #expect(beats.heartRate(fromS: 0, toS: 1.5) == nil, "one interval inside the window")
        #expect(beats.heartRate(fromS: 0, toS: 1.7) == 75)
        #expect(beats.heartRate(fromS: 0, toS: 6) == 75, "the 3.4 s gap is rejected, the rate comes from the other two")
        #expect(BeatSeries(timesS: [0, 0.1, 0.2, 0.3]).heartRate(fromS: 0, toS: 1) == nil, "600 BPM is not a heart rate")
    }

    /// A clean synthetic pulse scores near 1; white noise near 0.
    @Test func qualityTellsAPulseFromNoise() throws {
        let fs = 100.0
        let clean = try Synth.ppg(PPGSynthesisOptions(samplingRateHz: fs, durationS: 16, heartRate: .constant(bpm: 70), seed: 1))
        let band = try ElgendiParameters().bandPass(samplingRateHz: fs)
        let x = band.filtfilt(clean.channels[0].samples.map(Double.init))
        let peaks = BeatDetector.elgendiPeaks(x, samplingRateHz: fs)
        let good = WindowQuality.measure(x, range: 0..<1600, peaks: peaks, samplingRateHz: fs)
        #expect(good.sqi > 0.95 && good.templateCorrelation > 0.99, "\(good)")
        var rng = Xoshiro256StarStar(seed: 3, stream: 0)
        let noise = band.filtfilt((0..<1600).map { _ in rng.nextNormal() })
        let bad = WindowQuality.measure(noise, range: 0..<1600, peaks: BeatDetector.elgendiPeaks(noise, samplingRateHz: fs), samplingRateHz: fs)
        #expect(bad.sqi < 0.5, "\(bad)")
    }
}
