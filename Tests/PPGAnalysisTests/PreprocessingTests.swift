import Foundation
import PPGAnalysis
import PPGSignals
import PPGSpectral
import Testing

@Suite struct PreprocessingTests {
    @Test func choleskySolvesAKnownSystem() throws {
        // A = Lᵀ-free SPD matrix with known solution x = [1, −2, 3].
        let a: [Double] = [4, 12, -16, 12, 37, -43, -16, -43, 98]
        let x: [Double] = [1, -2, 3]
        let b = (0..<3).map { i in (0..<3).reduce(0.0) { $0 + a[i * 3 + $1] * x[$1] } }
        let solved = try Cholesky.solve(a, b, size: 3)
        for i in 0..<3 { #expect(abs(solved[i] - x[i]) < 1e-12) }
    }

    @Test func choleskyRefusesASingularSystem() {
        #expect(throws: PPGScopeError.self) { try Cholesky.solve([1, 1, 1, 1], [1, 2], size: 2) }
    }

    /// 64 Hz → 32 Hz: a 2 Hz tone passes unchanged, a 20 Hz tone (above the new Nyquist) is removed.
    @Test func resamplerPassesTheBandAndStopsAliases() throws {
        let n = 64 * 64
        func tone(_ hz: Double) -> Channel {
            Channel(name: "ppg", samplingRateHz: 64, samples: (0..<n).map { Float(cos(2 * .pi * hz * Double($0) / 64)) })
        }
        let pass = try Resampling.resample(tone(2), to: 32)
        #expect(pass.samplingRateHz == 32 && abs(pass.samples.count - n / 2) <= 1)
        let middle = Array(pass.samples[512..<1536])  // away from the edges
        let sp = SpectralAnalysis.amplitudeSpectrum(middle, samplingRateHz: 32)
        #expect(abs(sp.amplitudes[sp.bin(nearestHz: 2)] - 1) < 1e-3)
        let stop = try Resampling.resample(tone(20), to: 32)
        let rms = (stop.samples[512..<1536].reduce(0.0) { $0 + Double($1 * $1) } / 1024).squareRoot()
        #expect(20 * log10(rms / 0.7071) < -80, "stop-band attenuation \(20 * log10(rms / 0.7071)) dB")
    }

    @Test func windowLayoutCountsAndTimes() {
        let layout = WindowLayout()
        #expect(layout.count(in: 13952) == 215)
        #expect(layout.count(in: 255) == 0)
        #expect(layout.startS(1) == 2 && layout.endS(0) == 8)
    }

    @Test func metricsOnAHandWorkedExample() throws {
        let m = try #require(HeartRateMetrics(estimates: [100, 110, 90, nil], references: [102, 104, 90, 80]))
        #expect(m.windows == 3)
        #expect(abs(m.mae - 8.0 / 3) < 1e-12)
        #expect(abs(m.bias - 4.0 / 3) < 1e-12)
        #expect(abs(m.rmse - (40.0 / 3).squareRoot()) < 1e-12)
        #expect(abs(m.within5Percent - 200.0 / 3) < 1e-9)
        #expect(HeartRateMetrics(estimates: [nil], references: [80]) == nil)
    }

    @Test func correlationIsUndefinedNotNaNWhenTheEstimatesAreConstant() throws {
        let constant = try #require(HeartRateMetrics(estimates: [80, 80, 80], references: [70, 75, 90]))
        #expect(constant.pearsonR == nil)
        let m = try #require(HeartRateMetrics(estimates: [1, 2, 3], references: [2, 4, 6]))
        #expect(abs(m.pearsonR! - 1) < 1e-12)
    }
}
