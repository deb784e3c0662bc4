import Foundation
import PPGAnalysis
import PPGSignals
import Testing

/// The KID-PPG convention's constants are what `PPGStatistics.measure` finds on the PPG-DaLiA data.
@Suite struct ModelConventionTests {
    @Test func kidPPGConstantsAreTheMeasuredS6Statistics() throws {
        let recording = try Files.s6Recording()
        let ppg = try #require(recording.channel("ppg"))
        let measured = try #require(PPGStatistics.measure(ppg.samples.map(Double.init), samplingRateHz: ppg.samplingRateHz))
        let c = ModelConvention.kidPPG.training
        for (name, a, b) in [("windowStdMedian", measured.windowStdMedian, c.windowStdMedian), ("windowStdP05", measured.windowStdP05, c.windowStdP05),
                             ("windowStdP95", measured.windowStdP95, c.windowStdP95), ("offsetRatio", measured.offsetRatio, c.offsetRatio),
                             ("baselinePowerShare", measured.baselinePowerShare, c.baselinePowerShare),
                             ("slopeSkewness", measured.slopeSkewness, c.slopeSkewness),
                             ("slopeSkewnessAgreement", measured.slopeSkewnessAgreement, c.slopeSkewnessAgreement)] {
            #expect(abs(a - b) <= 5e-5 * max(abs(b), 1e-3), "\(name): measured \(a), stored \(b)")
        }
        #expect(measured.windows == c.windows)
        #expect(measured.polarity == ModelConvention.kidPPG.polarity)
    }
}
