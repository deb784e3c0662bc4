import Foundation
import PPGPaper
import PPGSpectral
import Testing

@Suite struct ToyNetworkTests {
    let fs = 1024.0

    @Test func stagesAreCircularDifferencesAndMeans() {
        let x: [Double] = [1, -2, 3, 0.5]
        // relu(x) = [1, 0, 3, 0.5]
        let expectedDifference: [Double] = [0.5, -1, 3, -2.5]
        #expect(ToyNetworks.stage(x, chain: .differentiating) == expectedDifference)
        let expectedMean: [Double] = [0.75, 0.5, 1.5, 1.75]
        #expect(ToyNetworks.stage(x, chain: .movingAverage(taps: 2)) == expectedMean)
    }

    @Test func occupiedBandwidthOfTwoTones() {
        // Tones at 10 Hz (amplitude 1) and 100 Hz (amplitude 0.05): 99.75 % of the power is at 10 Hz.
        let n = 8192
        let x = (0..<n).map { t in Float(cos(2 * .pi * 10 * Double(t) / fs) + 0.05 * cos(2 * .pi * 100 * Double(t) / fs)) }
        let s = SpectralAnalysis.amplitudeSpectrum(x, samplingRateHz: fs)
        #expect(ToyNetworks.occupiedBandwidth(s, fraction: 0.99) == 10)
        #expect(ToyNetworks.occupiedBandwidth(s, fraction: 0.999) == 100)
    }

    @Test func differentiatingChainFillsTheSpectrumMovingAverageDoesNot() {
        let x = PaperSignal.fourCosines(PaperSignal.time())
        let d = ToyNetworks.run(x, samplingRateHz: fs, chain: .differentiating, stages: 5)
        let m = ToyNetworks.run(x, samplingRateHz: fs, chain: .movingAverage(taps: 9), stages: 5)
        #expect(d[0].occupiedBandwidthHz == 40 && m[0].occupiedBandwidthHz == 40)
        #expect(d[5].occupiedBandwidthHz > 300, "differentiating: \(d.map(\.occupiedBandwidthHz))")
        #expect(m.allSatisfy { $0.occupiedBandwidthHz <= 60 }, "moving average: \(m.map(\.occupiedBandwidthHz))")
        // The sampled ReLU aliases harmonics above fs/2; the differences amplify them, the mean suppresses them.
        #expect(d[5].aliasedPowerFraction > 0.1 && m.allSatisfy { $0.aliasedPowerFraction < 1e-5 })
        // The first difference removes the DC the ReLU creates; the moving average keeps it.
        #expect(abs(d[5].dc) < 1e-9 && m[5].dc > 0.1)
    }
}
