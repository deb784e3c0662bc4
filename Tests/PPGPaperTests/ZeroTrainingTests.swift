import Foundation
import PPGPaper
import PPGSignals
import PPGSpectral
import Testing

/// Section V-D closed forms against measurement.
@Suite struct ZeroTrainingTests {
    @Test func twoTapResponseMatchesTheDFTOfTheKernel() {
        // |H(f)| from the closed form against the DFT of the impulse response [w1, w0] (w1 acts on x[t]).
        let w0 = 0.7, w1 = -1.1, fs = 32.0, n = 64
        var impulse = [Float](repeating: 0, count: n)
        impulse[0] = Float(w1)
        impulse[1] = Float(w0)
        let s = SpectralAnalysis.amplitudeSpectrum(impulse, samplingRateHz: fs)
        for k in 1..<(n / 2) {
            // One-sided amplitude of an impulse response is 2|H|/N.
            let measured = Double(s.amplitudes[k]) * Double(n) / 2
            let closed = ZeroTraining.response(w0: w0, w1: w1, frequencyHz: s.frequencyHz(k), samplingRateHz: fs)
            #expect(abs(measured - closed) < 1e-5, "bin \(k)")
        }
        #expect(abs(ZeroTraining.response(w0: w0, w1: w1, frequencyHz: 0, samplingRateHz: fs) - abs(w0 + w1)) < 1e-12)
        #expect(abs(ZeroTraining.response(w0: w0, w1: w1, frequencyHz: 16, samplingRateHz: fs) - abs(w1 - w0)) < 1e-12)
    }

    @Test func meanOfReLUOfACosineIsAOverPi() {
        // Whole periods, finely sampled: 1024 samples per period, 8 periods, a random phase.
        let a = 2.5, n = 8192
        let x = (0..<n).map { max(0, a * cos(2 * .pi * 8 * Double($0) / Double(n) + 0.3)) }
        #expect(abs(x.reduce(0, +) / Double(n) - a / .pi) < 1e-5)
    }

    @Test func pooledOutputOfTheFilterIsResponseOverPi() {
        // A cosine at an exact frequency with many samples per period: DC ≈ A|H(f)|/π up to the t = 0 edge.
        let fs = 1024.0, f = 4.0, a = 1.5, n = 4096, w0: Float = 0.9, w1: Float = -0.4
        let x = (0..<n).map { Float(a * cos(2 * .pi * f * Double($0) / fs)) }
        let measured = ZeroTraining.pooledOutput(x, w0: w0, w1: w1)
        let predicted = ZeroTraining.predictedDC(w0: Double(w0), w1: Double(w1), frequencyHz: f, samplingRateHz: fs, amplitude: a)
        #expect(abs(measured / predicted - 1) < 2e-3, "measured \(measured), predicted \(predicted)")
    }

    @Test func separabilityOfIntervals() {
        let labels: [Int32] = [0, 0, 1, 1, 2, 2]
        let ok = ZeroTraining.separability([1, 2, 5, 6, 3, 4], labels: labels, classes: 3)
        #expect(ok.separable && abs(ok.margin - 1.0 / 5) < 1e-12)
        let overlap = ZeroTraining.separability([1, 3.5, 5, 6, 3, 4], labels: labels, classes: 3)
        #expect(!overlap.separable && overlap.margin < 0)
    }

    @Test func smallSurveyAtThePaperSampling() {
        // 64 signals per class, 200 kernels: the closed form predicts separability unless w0·w1 ≈ 0.
        let r = ZeroTraining.run(seed: 3, initialisations: 200, samplesPerClass: 64, workers: 2)
        #expect(r.separableFraction > 0.8, "separable fraction \(r.separableFraction)")
        // At 32 Hz the measured DC deviates from |H|/π by the sampling of relu(cos) (≈ a few %), not more.
        for e in r.examples {
            let worst = e.relativeDeviationFromClosedForm.map(abs).max()!
            #expect(worst < 0.1, "\(e.title): worst deviation \(worst)")
        }
        // The median-margin kernel of the survey separates the classes when most kernels do.
        #expect(r.examples.count == 2 && r.examples[1].separable)
    }
}
