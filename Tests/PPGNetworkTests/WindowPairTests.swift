import PPGFormats
@testable import PPGNetwork
import Testing

/// Computing each window's branch once and then the head per pair gives the full model's output.
@Suite struct WindowPairTests {
    @Test(arguments: [TestPaths.kidPPGWeights, TestPaths.fixture("variant_pair.h5")])
    func sharedBranchFeaturesReproduceTheFullForwardPass(model: String) throws {
        let network = try KerasModelFile.load(try TestPaths.required(model))
        let split = try #require(WindowPairSplit(network), "pair model not recognised")
        // Four windows from the golden inputs' current slots → three consecutive pairs.
        let golden = try HDF5File.open(TestPaths.fixture(model.hasSuffix("variant_pair.h5") ? "golden_variant_pair.h5" : "golden_kidppg.h5"))
        let (shape, values) = try golden.readFloats("inputs")
        let m = min(shape[0], 4), t = shape[1]
        var windows: [Float] = []
        for w in 0..<m { for s in 0..<t { windows.append(values[(w * t + s) * 2 + 1]) } }
        let perPair = try split.consecutivePairs(Tensor(shape: [m, t, 1], values: windows))

        var pairs: [Float] = []
        for k in 0..<(m - 1) {
            for s in 0..<t { pairs.append(windows[k * t + s]); pairs.append(windows[(k + 1) * t + s]) }
        }
        let full = try network.forward(Tensor(shape: [m - 1, t, 2], values: pairs)).output
        #expect(perPair.shape == full.shape)
        let scale = full.maxAbs
        for i in full.values.indices {
            #expect(abs(perPair.values[i] - full.values[i]) <= 1e-5 * (1 + scale), "output \(i)")
        }
    }

    /// Chunks cover the windows once, in order, none larger than asked; when there are few per
    /// thread (and windows enough), their number is a multiple of the threads and their sizes differ by at most one.
    @Test func chunksCoverTheWindowsAndBalanceTheThreads() {
        for (count, size, threads) in [(218, 132, 2), (218, 4, 2), (1, 132, 2), (7, 2, 3), (214, 64, 2), (5, 132, 1), (3, 1, 2), (9, 3, 2)] {
            let chunks = balancedChunks(count, chunkSize: size, threads: threads)
            #expect(chunks.first?.lowerBound == 0 && chunks.last?.upperBound == count, "\(count)/\(size)/\(threads): \(chunks)")
            #expect(zip(chunks, chunks.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound }, "\(chunks)")
            #expect(chunks.allSatisfy { !$0.isEmpty && $0.count <= size }, "\(chunks)")
            let naive = (count + size - 1) / size
            if threads > 1 && naive < 4 * threads && count >= (naive + threads - 1) / threads * threads {
                #expect(chunks.count % threads == 0, "\(count)/\(size)/\(threads): \(chunks.count) chunks")
                #expect((chunks.map(\.count).max() ?? 0) - (chunks.map(\.count).min() ?? 0) <= 1, "\(chunks)")
            }
        }
        #expect(balancedChunks(218, chunkSize: 132, threads: 2) == [0..<109, 109..<218])
    }

    @Test func singleInputModelsAreNotPairModels() throws {
        let network = try KerasModelFile.load(try TestPaths.required(TestPaths.s5Weights))
        #expect(WindowPairSplit(network) == nil)
    }
}
