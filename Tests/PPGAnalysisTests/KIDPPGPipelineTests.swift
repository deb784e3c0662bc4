import Foundation
import PPGAnalysis
import PPGFormats
import PPGNetwork
import PPGSignals
import Testing

/// The S6 stairs recording with the real weights reproduces the Keras/NumPy pipeline
/// (tools/reference/hr_pipeline.py → Fixtures/kidppg_s6_exact_filter.h5) and the published MAEs.
@Suite(.serialized) struct KIDPPGPipelineTests {
    func run(_ model: String, filter: FilterMode, seed: UInt64 = 0) throws -> (PreparedWindows, [WindowEstimate]) {
        let recording = try Files.s6Recording()
        var options = HeartRateOptions()
        options.filter = filter
        options.referenceSeed = seed
        options.runSpectral = false
        let prepared = try HeartRatePipeline.prepare(recording, options: options)
        let estimates = try HeartRatePipeline.estimate(prepared, network: try Files.model(model),
                                                       reference: recording.referenceHR, options: options)
        return (prepared, estimates)
    }

    @Test func exactFilterMatchesTheNumPyLeastSquaresFilter() throws {
        let (prepared, _) = try run(Files.kidPPG, filter: .exact)
        let golden = try HDF5File.open(Files.fixture("kidppg_s6_exact_filter.h5"))
        let weights = try golden.readDoubles("filter_weights").values
        let bias = try golden.readDoubles("filter_bias").values[0]
        let segment = try #require(prepared.filterReport.segments.first)
        let mine = segment.filter.weights.flatMap { $0 }
        let scale = weights.map(abs).max()!
        for i in weights.indices { #expect(abs(mine[i] - weights[i]) <= 1e-5 * scale, "tap \(i)") }
        #expect(abs(segment.filter.bias - bias) <= 1e-5 * scale)
        #expect(abs(segment.lossAfter - (try golden.readDoubles("filter_loss").values[0])) < 0.01)
        // The filtered, de-normalised windows themselves.
        let (_, first) = try golden.readFloats("filtered_ppg_first_windows")
        let peak = first.map(abs).max()!
        for i in first.indices { #expect(abs(prepared.ppg[i] - first[i]) <= 1e-4 * peak, "sample \(i)") }
    }

    @Test func kidPPGWithTheExactFilterMatchesKerasOnEveryWindow() throws {
        let (_, estimates) = try run(Files.kidPPG, filter: .exact)
        let golden = try HDF5File.open(Files.fixture("kidppg_s6_exact_filter.h5"))
        let mean = try golden.readDoubles("hr_mean").values, std = try golden.readDoubles("hr_std").values
        let p = try golden.readDoubles("p_within_10").values
        #expect(estimates.count == 215 && estimates[0].hrBPM == nil, "window 0 has no previous window")
        for n in 1..<215 {
            #expect(abs(estimates[n].hrBPM! - mean[n - 1]) <= 0.05, "window \(n) mean \(estimates[n].hrBPM!) vs \(mean[n - 1])")
            #expect(abs(estimates[n].hrStdBPM! - std[n - 1]) <= 0.05, "window \(n) std")
            #expect(abs(estimates[n].pWithin! - p[n - 1]) <= 1e-3, "window \(n) p")
        }
        let mae = try #require(modelMAE(estimates))
        #expect(abs(mae - 2.91) <= 0.01, "MAE \(mae)")
    }

    @Test func exactFilteringIsDeterministic() throws {
        let a = try run(Files.kidPPG, filter: .exact).1, b = try run(Files.kidPPG, filter: .exact).1
        #expect(a == b)
    }

    @Test func noFilterGivesThePublishedMAE() throws {
        let mae = try #require(modelMAE(try run(Files.kidPPG, filter: .none).1))
        #expect(abs(mae - 6.42) <= 0.01, "MAE \(mae)")
    }

    /// The published SGD procedure ends near the least-squares optimum and within the spread of its MAE.
    @Test(arguments: [0, 1] as [UInt64])
    func referenceFilterEndsNearTheOptimum(seed: UInt64) throws {
        let (prepared, estimates) = try run(Files.kidPPG, filter: .reference, seed: seed)
        let segment = try #require(prepared.filterReport.segments.first)
        let optimum = 45308.57
        #expect(segment.lossAfter >= optimum - 0.01 && segment.lossAfter <= optimum * 1.02, "loss \(segment.lossAfter)")
        let mae = try #require(modelMAE(estimates))
        #expect((2.7...3.3).contains(mae), "MAE \(mae)")
    }

    @Test func s5OnExactFilteredPPGMatchesKeras() throws {
        let (_, estimates) = try run(Files.s5, filter: .exact)
        let golden = try HDF5File.open(Files.fixture("kidppg_s6_exact_filter.h5"))
        let s5 = try golden.readDoubles("s5_hr").values
        for n in 0..<215 { #expect(abs(estimates[n].hrBPM! - s5[n]) <= 0.05, "window \(n)") }
        #expect(estimates[0].hrStdBPM == nil, "a single-output model has no spread")
        let mae = try #require(modelMAE(estimates))
        #expect(abs(mae - 1.42) <= 0.01, "MAE \(mae)")
    }
}
