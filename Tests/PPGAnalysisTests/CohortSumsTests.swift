import Foundation
import PPGAnalysis
import PPGNetwork
import PPGSignals
import Testing

/// Pooled metrics and layer summaries from running sums: equal to the metrics of all windows at
/// once, whichever way the windows are split.
@Suite struct CohortSumsTests {
    /// Seeded estimate/reference pairs with a few gaps (nil) like real recordings.
    func pairs(_ count: Int, seed: UInt64) -> (estimates: [Double?], references: [Double?]) {
        var rng = Xoshiro256StarStar(seed: seed)
        var e: [Double?] = [], r: [Double?] = []
        for i in 0..<count {
            let reference = 60 + 80 * rng.nextUniform()
            r.append(i % 17 == 5 ? nil : reference)
            e.append(i % 23 == 7 ? nil : reference + 12 * (rng.nextUniform() - 0.4))
        }
        return (e, r)
    }

    @Test func sumsCombinedOverRecordingsGiveTheMetricsOfAllWindows() throws {
        let parts = [pairs(300, seed: 1), pairs(41, seed: 2), pairs(1000, seed: 3), pairs(1, seed: 4)]
        let all = try #require(HeartRateMetrics(estimates: parts.flatMap(\.estimates), references: parts.flatMap(\.references)))
        let combined = parts.map { ErrorSums(estimates: $0.estimates, references: $0.references) }.reduce(ErrorSums()) { $0.combined(with: $1) }
        let pooled = try #require(combined.metrics)
        #expect(pooled.windows == all.windows)
        #expect(pooled.within5Percent == all.within5Percent && pooled.within10Percent == all.within10Percent)
        for (a, b) in [(pooled.mae, all.mae), (pooled.rmse, all.rmse), (pooled.bias, all.bias), (try #require(pooled.pearsonR), try #require(all.pearsonR)),
                       (pooled.limitsOfAgreement[0], all.limitsOfAgreement[0]), (pooled.limitsOfAgreement[1], all.limitsOfAgreement[1])] {
            #expect(abs(a - b) <= 1e-12 * max(1, abs(b)), "\(a) vs \(b)")
        }
    }

    @Test func noReferenceGivesNoMetricsRatherThanZero() {
        let sums = ErrorSums(estimates: [80, 90, nil], references: [nil, nil, nil])
        #expect(sums.n == 0 && sums.metrics == nil)
        #expect(ErrorSums().combined(with: sums).metrics == nil)
    }

    @Test func layerSumsOfTwoHalvesAddUpToTheWholeAndGiveItsSummary() throws {
        let layer = InspectedLayer(name: "c", tapName: "c", className: "Conv1D", samplingRateHz: 32, timeSteps: 64, channels: 2)
        var rng = Xoshiro256StarStar(seed: 9)
        let windows = 10
        let values = (0..<(windows * 64 * 2)).map { _ in Float(max(0, rng.nextUniform() - 0.3)) }
        let references: [Double?] = (0..<windows).map { 70 + Double($0) }
        let whole = LayerInspector(layers: [layer]), first = LayerInspector(layers: [layer]), second = LayerInspector(layers: [layer])
        whole.add(taps: ["c": Tensor(shape: [windows, 64, 2], values: values)], count: windows, referenceBPM: references)
        first.add(taps: ["c": Tensor(shape: [4, 64, 2], values: Array(values[0..<(4 * 128)]))], count: 4, referenceBPM: Array(references[0..<4]))
        second.add(taps: ["c": Tensor(shape: [6, 64, 2], values: Array(values[(4 * 128)...]))], count: 6, referenceBPM: Array(references[4...]))
        let added = first.sums()[0].adding(second.sums()[0])
        #expect(added.windows == windows)
        #expect(zip(added.amplitudeSum, whole.sums()[0].amplitudeSum).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) })
        let fromSums = LayerInspector.summaries(layers: [layer], sums: [added])[0], direct = whole.summaries()[0]
        #expect(abs(fromSums.dcPowerFraction - direct.dcPowerFraction) <= 1e-12)
        #expect(abs(fromSums.harmonicShare - direct.harmonicShare) <= 1e-12)
        #expect(zip(fromSums.dcHRCorrelation, direct.dcHRCorrelation).allSatisfy { abs($0 - $1) <= 1e-9 })
    }
}
