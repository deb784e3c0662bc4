import Foundation
import PPGFormats
import PPGNetwork
import Testing

/// One small seeded model per layer family, written by tools/golden/make_layer_fixtures.py with
/// tf-keras 2.21, and Keras' output of every one of its layers on three windows.
struct LayerFixture: CustomTestStringConvertible, Sendable {
    let name: String
    var testDescription: String { name }
    var model: String { TestPaths.fixture("layers/\(name).h5") }
    var golden: String { TestPaths.fixture("layers/golden_\(name).h5") }

    static let all = ["conv", "pooling", "batchnorm", "depthwise", "shapes", "merge", "activation_layers", "recurrent",
                      "recurrent_hard_sigmoid", "separable_bn_gelu", "sequence_output"].map(LayerFixture.init)

    /// The network, Keras' inputs and tap names, and the forward pass with every tap.
    func run(workers: Int? = nil) throws -> (network: Network, golden: HDF5File, names: [String], result: ForwardResult) {
        let network = try KerasModelFile.load(model)
        let golden = try HDF5File.open(self.golden)
        let (shape, inputs) = try golden.readFloats("inputs")
        let result = try network.forward(Tensor(shape: shape, values: inputs), taps: .all, workers: workers)
        return (network, golden, try golden.stringsAttribute("/", "tap_names"), result)
    }
}

/// Keras' tap names in Keras' order, and every tap and the output of `result` within 1e-4 of the
/// tensor's largest |Keras value| (golden file: `tap_names`, `taps/<name>`, `outputs`). With
/// `nonZeroTaps`, an all-zero Keras tap is a failure too: it would test nothing.
func expectTapsMatchKeras(_ network: Network, _ result: ForwardResult, golden: HDF5File, names: [String],
                          nonZeroTaps: Bool = false) throws {
    #expect(network.tapNames == names, "tap names and order differ from Keras")
    for name in names {
        let (kerasShape, keras) = try golden.readFloats("taps/" + name)
        let mine = try #require(result.taps[name], "no tap \(name)")
        #expect(mine.shape == kerasShape, "\(name): shape \(mine.shape) vs Keras \(kerasShape)")
        guard mine.shape == kerasShape else { continue }
        if nonZeroTaps { #expect(keras.contains { $0 != 0 }, "\(name): an all-zero tap tests nothing") }
        let (error, i) = relativeError(mine.values, keras)
        #expect(error <= 1e-4, "\(name)[\(i)]: swift \(mine.values[i]) vs keras \(keras[i]) (relative error \(error))")
    }
    let (_, outputs) = try golden.readFloats("outputs")
    let (error, _) = relativeError(result.output.values, outputs)
    #expect(result.output.values.count == outputs.count && error <= 1e-4, "model output differs from Keras (relative error \(error))")
}

/// Largest |swift − keras| relative to the tensor's largest |keras| value, and where it is.
func relativeError(_ mine: [Float], _ keras: [Float]) -> (error: Float, index: Int) {
    let scale = max(keras.reduce(Float(0)) { max($0, abs($1)) }, Float.leastNormalMagnitude)
    var worst: (Float, Int) = (0, 0)
    for i in keras.indices {
        let d = abs(mine[i] - keras[i]) / scale
        if !(d <= worst.0) { worst = (d, i) }
    }
    return worst
}

@Suite struct LayerParityTests {
    /// Every layer of every family model gives Keras' output (and pre-activation) within 1e-4 of
    /// the tensor's largest value, with Keras' tap names in Keras' order.
    @Test(arguments: LayerFixture.all)
    func everyTapMatchesKeras(_ fixture: LayerFixture) throws {
        let (network, golden, names, result) = try fixture.run()
        try expectTapsMatchKeras(network, result, golden: golden, names: names)
    }

    /// BatchNormalization folded into the conv (or dense) before it gives Keras' output: run
    /// without taps, the folded layers are what computes it.
    @Test func batchNormalizationFoldedIntoTheConvGivesKerasOutput() throws {
        let network = try KerasModelFile.load(LayerFixture(name: "batchnorm").model)
        // conv_a → bn_a and dense_a → bn_d fold; bn_b follows a ReLU and bn_c's conv is also read by the add.
        let folded = Set(network.batchNormFolds.values.map { network.nodes[$0.batchNormNode].name })
        #expect(folded == ["bn_a", "bn_d"])
        for name in ["batchnorm", "separable_bn_gelu"] {
            let fixture = LayerFixture(name: name)
            let net = try KerasModelFile.load(fixture.model)
            let golden = try HDF5File.open(fixture.golden)
            let (shape, inputs) = try golden.readFloats("inputs")
            let (_, outputs) = try golden.readFloats("outputs")
            let output = try net.forward(Tensor(shape: shape, values: inputs)).output
            let (error, _) = relativeError(output.values, outputs)
            #expect(error <= 1e-4, "\(name): folded output differs from Keras (relative error \(error))")
            // Tapping only the normalisation still gives Keras' normalised values from the folded conv.
            for fold in net.batchNormFolds.values {
                let bn = net.nodes[fold.batchNormNode].name
                let tapped = try net.forward(Tensor(shape: shape, values: inputs), taps: .named([bn])).taps[bn]!
                let (_, keras) = try golden.readFloats("taps/" + bn)
                #expect(relativeError(tapped.values, keras).error <= 1e-4, "\(name)/\(bn) from the folded layer")
            }
        }
    }

    /// The windows split over threads or run one at a time give the same values as one batch.
    @Test(arguments: LayerFixture.all)
    func resultDoesNotDependOnTheBatching(_ fixture: LayerFixture) throws {
        let (network, golden, _, one) = try fixture.run(workers: 1)
        let (shape, inputs) = try golden.readFloats("inputs")
        let x = Tensor(shape: shape, values: inputs)
        for w in 0..<shape[0] {
            let alone = try network.forward(x.windows(w..<(w + 1)), taps: .all, workers: 1)
            let batched = one.output.windows(w..<(w + 1))
            #expect(relativeError(alone.output.values, batched.values).error <= 1e-6, "window \(w) alone")
        }
    }
}
