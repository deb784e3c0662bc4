import Foundation
import PPGSignals
import Testing

/// Power |X(k)|² of the plain DFT of x at bin k (frequency k · fs / T).
func dftPower(_ x: [Double], bin k: Int) -> Double {
    let n = Double(x.count)
    var re = 0.0, im = 0.0
    for (t, v) in x.enumerated() {
        let a = -2 * Double.pi * Double(k) * Double(t) / n
        re += v * cos(a)
        im += v * sin(a)
    }
    return re * re + im * im
}

/// Frequency in Hz of the largest DFT bin between loHz and hiHz.
func spectralPeakHz(_ x: [Double], samplingRateHz fs: Double, loHz: Double, hiHz: Double) -> Double {
    let n = Double(x.count)
    let lo = Int((loHz * n / fs).rounded(.up)), hi = Int((hiHz * n / fs).rounded(.down))
    var best = lo, bestPower = -1.0
    for k in lo...hi {
        let p = dftPower(x, bin: k)
        if p > bestPower { bestPower = p; best = k }
    }
    return Double(best) * fs / n
}

/// Solves the symmetric positive definite system A·x = b (A row-major n×n) by Cholesky.
func choleskySolve(_ a: [Double], _ b: [Double], n: Int) throws -> [Double] {
    var l = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
        for j in 0...i {
            var s = a[i * n + j]
            for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
            if i == j {
                guard s > 0 else { throw CholeskyFailure(pivot: i) }
                l[i * n + i] = s.squareRoot()
            } else {
                l[i * n + j] = s / l[j * n + j]
            }
        }
    }
    var y = [Double](repeating: 0, count: n)
    for i in 0..<n {
        var s = b[i]
        for k in 0..<i { s -= l[i * n + k] * y[k] }
        y[i] = s / l[i * n + i]
    }
    var x = [Double](repeating: 0, count: n)
    for i in stride(from: n - 1, through: 0, by: -1) {
        var s = y[i]
        for k in (i + 1)..<n { s -= l[k * n + i] * x[k] }
        x[i] = s / l[i * n + i]
    }
    return x
}

struct CholeskyFailure: Error { let pivot: Int }

/// Least-squares fit of `target` by a non-causal FIR of the accelerometer axes (taps at lags
/// −radius … +radius, zero-padded, the convention of `LinearMotionFilter.apply`) plus a bias.
/// Returns the taps [axes][2·radius+1], the bias and the fitted signal.
func fitFIR(target: [Double], acc: [[Double]], radius: Int) throws -> (taps: [[Double]], bias: Double, fit: [Double]) {
    let width = 2 * radius + 1
    let p = acc.count * width + 1
    var gram = [Double](repeating: 0, count: p * p)
    var rhs = [Double](repeating: 0, count: p)
    var row = [Double](repeating: 0, count: p)
    for t in target.indices {
        for (a, x) in acc.enumerated() {
            for j in 0..<width {
                let s = t + j - radius
                row[a * width + j] = s >= 0 && s < x.count ? x[s] : 0
            }
        }
        row[p - 1] = 1
        for i in 0..<p where row[i] != 0 {
            rhs[i] += row[i] * target[t]
            for j in 0...i { gram[i * p + j] += row[i] * row[j] }
        }
    }
    for i in 0..<p { for j in 0..<i { gram[j * p + i] = gram[i * p + j] } }
    let w = try choleskySolve(gram, rhs, n: p)
    let taps = (0..<acc.count).map { a in Array(w[(a * width)..<((a + 1) * width)]) }
    let fit = LinearMotionFilter.apply(taps, to: acc).map { $0 + w[p - 1] }
    return (taps, w[p - 1], fit)
}

func energy(_ x: [Double]) -> Double { x.reduce(0) { $0 + $1 * $1 } }

@Suite struct SynthTests {
    @Test func cosinesFollowTheFormula() throws {
        let ch = try Synth.cosines(frequenciesHz: [1.5, 3], amplitudes: [1, 0.5], phasesRad: [0, 0.3],
                                   samplingRateHz: 32, durationS: 8)
        #expect(ch.samples.count == 256)
        #expect(ch.samplingRateHz == 32)
        for n in [0, 1, 17, 255] {
            let t = Double(n) / 32
            let expected = cos(2 * Double.pi * 1.5 * t) + 0.5 * cos(2 * Double.pi * 3 * t + 0.3)
            #expect(abs(Double(ch.samples[n]) - expected) <= 1e-6)
        }
        let peak = spectralPeakHz(ch.samples.map(Double.init), samplingRateHz: 32, loHz: 0.5, hiHz: 10)
        #expect(peak == 1.5)
    }

    @Test func cosinesRefuseBadParameters() {
        #expect(throws: PPGScopeError.self) { try Synth.cosines(frequenciesHz: [1], amplitudes: [], samplingRateHz: 32, durationS: 1) }
        #expect(throws: PPGScopeError.self) { try Synth.cosines(frequenciesHz: [1], amplitudes: [1], samplingRateHz: 0, durationS: 1) }
        #expect(throws: PPGScopeError.self) { try Synth.cosines(frequenciesHz: [1], amplitudes: [1], samplingRateHz: -32, durationS: 1) }
        #expect(throws: PPGScopeError.self) { try Synth.cosines(frequenciesHz: [1], amplitudes: [1], samplingRateHz: 32, durationS: 0) }
    }

    /// The spectral peak of the synthetic PPG (60 s at 32 Hz: bins of 1/60 Hz = 1 BPM) lies
    /// within one bin of the requested HR, with baseline wander and noise present.
    @Test(arguments: [(48.0, UInt64(1)), (75, 2), (97.5, 3), (120, 4), (165, 5)])
    func spectralPeakAtRequestedHeartRate(_ bpm: Double, _ seed: UInt64) throws {
        let options = PPGSynthesisOptions(durationS: 60, heartRate: .constant(bpm: bpm), seed: seed, noiseStd: 0.1)
        let r = try Synth.ppg(options)
        let ppg = try #require(r.channel("ppg"))
        #expect(ppg.samples.count == 1920)
        #expect(r.channels.count == 1)
        let peakHz = spectralPeakHz(ppg.samples.map(Double.init), samplingRateHz: 32, loHz: 0.5, hiHz: 4)
        #expect(abs(peakHz * 60 - bpm) <= 1.0, "peak at \(peakHz * 60) BPM, requested \(bpm)")
        #expect(r.referenceHR?.timesS == stride(from: 0.0, through: 60, by: 2).map { $0 })
        #expect(r.referenceHR?.bpm.allSatisfy { $0 == bpm } == true)
        #expect(r.metadata["seed"] == String(seed))
    }

    /// A 60 → 120 BPM ramp over 120 s has ∫HR/60 dt = 180 beats: count the systolic peaks of the
    /// clean pulse, and check the local spectral peak in the first and last 20 s.
    @Test func linearRampFollowsTheInstantaneousRate() throws {
        let options = PPGSynthesisOptions(durationS: 120, heartRate: .linearRamp(fromBPM: 60, toBPM: 120), seed: 9)
        let s = try Synth.synthesize(options)
        var peaks = 0
        for n in 1..<(s.pulse.count - 1) where s.pulse[n] > s.pulse[n - 1] && s.pulse[n] >= s.pulse[n + 1] && s.pulse[n] > 0.3 {
            peaks += 1
        }
        #expect(abs(peaks - 180) <= 1, "\(peaks) beats")
        let ppg = try #require(s.recording.channel("ppg")).samples.map(Double.init)
        let early = spectralPeakHz(Array(ppg[0..<640]), samplingRateHz: 32, loHz: 0.5, hiHz: 4) * 60
        let late = spectralPeakHz(Array(ppg[(3840 - 640)...]), samplingRateHz: 32, loHz: 0.5, hiHz: 4) * 60
        #expect(abs(early - 65) <= 3, "first 20 s: \(early) BPM, expected ≈ 65")   // mean of 60…70
        #expect(abs(late - 115) <= 3, "last 20 s: \(late) BPM, expected ≈ 115")    // mean of 110…120
        let hr = try #require(s.recording.referenceHR)
        #expect(hr.value(at: 0) == 60)
        #expect(hr.value(at: 60) == 90)
        #expect(hr.value(at: 120) == 120)
    }

    @Test func pointsTrajectoryInterpolates() throws {
        let trajectory = HeartRateTrajectory.points(timesS: [10, 30], bpm: [70, 110])
        #expect(trajectory.bpm(atTimeS: 0, durationS: 40) == 70)
        #expect(trajectory.bpm(atTimeS: 20, durationS: 40) == 90)
        #expect(trajectory.bpm(atTimeS: 40, durationS: 40) == 110)
        let r = try Synth.ppg(PPGSynthesisOptions(durationS: 40, heartRate: trajectory))
        #expect(r.referenceHR?.value(at: 20) == 90)
    }

    @Test func sameSeedIsReproducibleAndSeedsDiffer() throws {
        let motion = MotionSynthesis(pattern: .random(bandwidthHz: 3))
        let a = try Synth.ppg(PPGSynthesisOptions(durationS: 20, seed: 11, motion: motion))
        let b = try Synth.ppg(PPGSynthesisOptions(durationS: 20, seed: 11, motion: motion))
        let c = try Synth.ppg(PPGSynthesisOptions(durationS: 20, seed: 12, motion: motion))
        #expect(a == b)
        #expect(a.channels[0].samples != c.channels[0].samples)
        #expect(a.channels.map(\.name) == ["ppg", "acc_x", "acc_y", "acc_z"])
        #expect(a.channels.map(\.unit) == ["a.u.", "g", "g", "g"])
    }

    @Test func ppgIsTheSumOfItsComponents() throws {
        let s = try Synth.synthesize(PPGSynthesisOptions(durationS: 10, seed: 3, motion: MotionSynthesis()))
        let ppg = s.recording.channels[0].samples
        for n in ppg.indices {
            #expect(ppg[n] == Float(s.pulse[n] + s.baseline[n] + s.artefact[n] + s.noise[n]))
        }
        // Switching motion on leaves noise, pulse and baseline unchanged (independent streams).
        let still = try Synth.synthesize(PPGSynthesisOptions(durationS: 10, seed: 3))
        #expect(still.noise == s.noise && still.pulse == s.pulse && still.baseline == s.baseline)
        #expect(still.artefact.allSatisfy { $0 == 0 })
    }

    /// The artefact is exactly a linear filter of the accelerometer: least squares on the stored
    /// (float32) accelerometer recovers the taps to float precision.
    @Test func artefactTapsRecoveredFromTheAccelerometer() throws {
        let s = try Synth.synthesize(PPGSynthesisOptions(durationS: 120, seed: 21,
                                                        motion: MotionSynthesis(pattern: .random(bandwidthHz: 4))))
        let acc = s.recording.channels.dropFirst().map { $0.samples.map(Double.init) }
        let truth = try #require(s.artefactTaps)
        let (taps, bias, _) = try fitFIR(target: s.artefact, acc: acc, radius: 10)
        let scale = truth.flatMap { $0 }.map(abs).max() ?? 1
        var worst = 0.0
        for a in 0..<3 { for j in 0..<21 { worst = max(worst, abs(taps[a][j] - truth[a][j])) } }
        #expect(worst <= 1e-4 * scale, "worst tap error \(worst), scale \(scale)")
        #expect(abs(bias) <= 1e-4 * scale)
    }

    /// Least squares of the full PPG on the accelerometer removes the artefact: what is left of
    /// it after subtracting the fit has at most 5 % (random motion) / 10 % (arm swing) of its energy.
    @Test(arguments: [(MotionSynthesis.Pattern.random(bandwidthHz: 4), 0.05), (.armSwing(cadenceHz: 1.6), 0.10)])
    func artefactRemovableByLeastSquares(_ pattern: MotionSynthesis.Pattern, _ budget: Double) throws {
        let s = try Synth.synthesize(PPGSynthesisOptions(durationS: 300, heartRate: .constant(bpm: 80), seed: 5,
                                                        motion: MotionSynthesis(pattern: pattern, artefactStd: 1)))
        let ppg = s.recording.channels[0].samples.map(Double.init)
        let acc = s.recording.channels.dropFirst().map { $0.samples.map(Double.init) }
        let (_, _, fit) = try fitFIR(target: ppg, acc: acc, radius: 10)
        let mean = fit.reduce(0, +) / Double(fit.count)
        let left = zip(fit, s.artefact).map { $0 - mean - $1 }
        let ratio = energy(left) / energy(s.artefact)
        #expect(ratio <= budget, "artefact energy left: \(ratio)")
        #expect(energy(s.artefact) / Double(s.artefact.count) > 0.5, "artefact std should be about 1")
    }

    @Test func refusesInvalidOptions() {
        #expect(throws: PPGScopeError.self) { try Synth.ppg(PPGSynthesisOptions(samplingRateHz: 0)) }
        #expect(throws: PPGScopeError.self) { try Synth.ppg(PPGSynthesisOptions(samplingRateHz: -32)) }
        #expect(throws: PPGScopeError.self) { try Synth.ppg(PPGSynthesisOptions(durationS: -1)) }
        #expect(throws: PPGScopeError.self) { try Synth.ppg(PPGSynthesisOptions(heartRate: .constant(bpm: 0))) }
        #expect(throws: PPGScopeError.self) { try Synth.ppg(PPGSynthesisOptions(heartRate: .constant(bpm: 1000))) }
        #expect(throws: PPGScopeError.self) { try Synth.ppg(PPGSynthesisOptions(heartRate: .points(timesS: [1, 0], bpm: [60, 70]))) }
        #expect(throws: PPGScopeError.self) {
            try Synth.ppg(PPGSynthesisOptions(motion: MotionSynthesis(artefactTaps: [[1], [1]])))
        }
        #expect(throws: PPGScopeError.self) {
            try Synth.ppg(PPGSynthesisOptions(motion: MotionSynthesis(artefactTaps: [[1, 2], [1], [1]])))
        }
        #expect(throws: PPGScopeError.self) {
            try Synth.ppg(PPGSynthesisOptions(motion: MotionSynthesis(pattern: .armSwing(cadenceHz: 10))))
        }
    }

    @Test func givenTapsAreUsedAsIs() throws {
        let taps: [[Double]] = [[0.5], [0, 1, 0], [0.25, 0, 0, 0, -0.25]]
        let s = try Synth.synthesize(PPGSynthesisOptions(durationS: 5, motion: MotionSynthesis(artefactTaps: taps)))
        let acc = s.recording.channels.dropFirst().map { $0.samples.map(Double.init) }
        let expected = LinearMotionFilter.apply(taps, to: acc)
        for n in s.artefact.indices { #expect(abs(s.artefact[n] - expected[n]) <= 1e-6) }
        #expect(s.artefactTaps == taps)
        #expect(s.recording.metadata["artefact_taps_z"] == "0.25,0.0,0.0,0.0,-0.25")
    }

    @Test func linearFilterIsNonCausalCorrelation() {
        // y[t] = Σ_j h[j] x[t + j − 1]: with h = [1, 0, 0], y[t] = x[t − 1].
        #expect(LinearMotionFilter.apply([[1, 0, 0]], to: [[1, 2, 3, 4]]) == [0, 1, 2, 3])
        #expect(LinearMotionFilter.apply([[0, 0, 1]], to: [[1, 2, 3, 4]]) == [2, 3, 4, 0])
    }
}
