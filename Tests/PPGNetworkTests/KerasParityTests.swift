import Foundation
import PPGCompute
import PPGFormats
import PPGNetwork
import Testing

/// One golden file written by tools/golden/make_golden.py with Keras, and the model it was made from.
struct GoldenCase: CustomTestStringConvertible, Sendable {
    let model: String
    let golden: String
    var testDescription: String { golden }

    static let all = [
        GoldenCase(model: TestPaths.kidPPGWeights, golden: "golden_kidppg.h5"),
        GoldenCase(model: TestPaths.s5Weights, golden: "golden_s5.h5"),
        GoldenCase(model: TestPaths.fixture("variant_pair.h5"), golden: "golden_variant_pair.h5"),
        GoldenCase(model: TestPaths.fixture("variant_single.h5"), golden: "golden_variant_single.h5"),
    ]
}

/// The Swift forward pass agrees with Keras on every layer of every model:
/// max |swift − keras| ≤ 1e-4 · (1 + max |keras|) per tap, on every fixture window.
@Suite struct KerasParityTests {
    @Test(arguments: GoldenCase.all)
    func everyTapMatchesKeras(_ c: GoldenCase) throws {
        let network = try KerasModelFile.load(try TestPaths.required(c.model))
        let golden = try HDF5File.open(TestPaths.fixture(c.golden))
        let (shape, inputs) = try golden.readFloats("inputs")
        let expectedNames = try golden.stringsAttribute("/", "tap_names")
        #expect(network.tapNames == expectedNames, "tap names and order differ from Keras")
        #expect(expectedNames.contains { $0.hasSuffix(".preact") && network.node(named: String($0.dropLast(7)))?.operation.className == "Dense" },
                "the golden file has no Dense pre-activation to check")

        let result = try network.forward(Tensor(shape: shape, values: inputs), taps: .all)
        for name in expectedNames {
            let (kerasShape, keras) = try golden.readFloats("taps/" + name)
            let mine = try #require(result.taps[name], "no tap \(name)")
            #expect(mine.shape == kerasShape, "\(name): shape \(mine.shape) vs Keras \(kerasShape)")
            guard mine.shape == kerasShape else { continue }
            let scale = keras.reduce(Float(0)) { max($0, abs($1)) }
            var worst: (index: Int, difference: Float) = (0, 0)
            for i in keras.indices {
                let d = abs(mine.values[i] - keras[i])
                if !(d <= worst.difference) { worst = (i, d) }
            }
            let tolerance = 1e-4 * (1 + scale)
            #expect(worst.difference <= tolerance,
                    "\(name)[\(worst.index)]: swift \(mine.values[worst.index]) vs keras \(keras[worst.index]) (|Δ| \(worst.difference) > \(tolerance))")
        }
        // A Dense layer's output is its activation applied to its pre-activation tap, to the bit.
        for node in network.nodes {
            guard case .dense(let dense) = node.operation, let pre = result.taps[node.name + ".preact"], let out = result.taps[node.name] else { continue }
            var activated = pre.values
            dense.activation.applyInPlace(&activated)
            #expect(activated == out.values, "\(node.name): the activation of the pre-activation tap is not the output")
        }
        let (_, outputs) = try golden.readFloats("outputs")
        let finalDense = network.nodes.last(where: { if case .dense = $0.operation { return true }; return false })!
        let mine = try #require(result.taps[finalDense.name])
        for i in outputs.indices {
            #expect(abs(mine.values[i] - outputs[i]) <= 0.01, "output \(i): \(mine.values[i]) vs Keras \(outputs[i])")
        }
    }

    /// KID-PPG's DistributionLambda: mean = out[0], std = 1 + softplus(out[1]), within 0.01 BPM.
    @Test func kidPPGMeanAndStandardDeviationMatchKeras() throws {
        let network = try KerasModelFile.load(try TestPaths.required(TestPaths.kidPPGWeights))
        let golden = try HDF5File.open(TestPaths.fixture("golden_kidppg.h5"))
        let (shape, inputs) = try golden.readFloats("inputs")
        let mean = try golden.readDoubles("hr_mean").values
        let std = try golden.readDoubles("hr_std").values
        let output = try network.forward(Tensor(shape: shape, values: inputs)).output
        #expect(output.shape == [shape[0], 2])
        for w in 0..<shape[0] {
            #expect(abs(Double(output.values[2 * w]) - mean[w]) <= 0.01, "window \(w) mean")
            #expect(abs(Double(output.values[2 * w + 1]) - std[w]) <= 0.01, "window \(w) std")
        }
    }

    /// Splitting the windows over threads does not change any value.
    @Test func resultDoesNotDependOnTheThreadSplit() throws {
        let network = try KerasModelFile.load(try TestPaths.required(TestPaths.fixture("variant_pair.h5")))
        let golden = try HDF5File.open(TestPaths.fixture("golden_variant_pair.h5"))
        let (shape, inputs) = try golden.readFloats("inputs")
        let x = Tensor(shape: shape, values: inputs)
        let one = try network.forward(x, taps: .all, workers: 1)
        let three = try network.forward(x, taps: .all, workers: 3)
        #expect(one.output == three.output)
        #expect(one.taps == three.taps)
    }
}

/// One window at a time (the streaming path, whose GEMMs are split over two threads) gives Keras'
/// outputs too.
@Suite struct SingleWindowParityTests {
    @Test(arguments: GoldenCase.all)
    func eachWindowAloneMatchesKeras(_ c: GoldenCase) throws {
        TileSharingWorker.enable()
        let network = try KerasModelFile.load(try TestPaths.required(c.model))
        let golden = try HDF5File.open(TestPaths.fixture(c.golden))
        let (shape, inputs) = try golden.readFloats("inputs")
        let finalDense = network.nodes.last(where: { if case .dense = $0.operation { return true }; return false })!
        let (_, keras) = try golden.readFloats("taps/" + finalDense.name)
        let d = keras.count / shape[0]
        let x = Tensor(shape: shape, values: inputs)
        for w in 0..<shape[0] {
            let out = try network.forward(x.windows(w..<(w + 1)), taps: .named([finalDense.name])).taps[finalDense.name]!
            for k in 0..<d {
                #expect(abs(out.values[k] - keras[w * d + k]) <= 0.01, "window \(w) output \(k)")
            }
        }
    }
}
