import Foundation
import PPGCompute
import PPGFormats
import PPGNetwork
import Testing

/// A NaN in the input is never hidden: ReLU (fused in the direct kernel, in the BLAS path, in
/// Dense and as a layer), max and average pooling, global pooling and the attention softmax all
/// pass it on, so a broken sample shows in every layer that sees it and in the output.
@Suite struct NaNPropagationTests {
    /// Every tap of `network` on windows whose every channel holds a NaN at `sample` contains a NaN.
    func expectNaNEverywhere(_ network: Network, sample: Int, windows: Int = 2, backend label: String) throws {
        let t = network.inputShape[0], c = network.inputShape[1]
        var x = (0..<(windows * t * c)).map { Float(sin(Double($0) * 0.37)) }
        for n in 0..<windows { for ch in 0..<c { x[(n * t + sample) * c + ch] = .nan } }
        let input = Tensor(shape: [windows, t, c], values: x)
        // With every tap (activations applied after the pre-activation is kept), and with the
        // outputs alone (activations fused into the kernels).
        let outputsOnly = Set(network.tapNames.filter { !$0.hasSuffix(".preact") })
        for selection in [TapSelection.all, .named(outputsOnly)] {
            let result = try network.forward(input, taps: selection)
            for (name, tap) in result.taps {
                #expect(tap.values.contains { $0.isNaN }, "\(label): \(name) hides the NaN")
            }
            #expect(result.taps.count >= outputsOnly.count)
            #expect(result.output.values.allSatisfy { $0.isNaN }, "\(label): the output hides the NaN")
        }
    }

    @Test func kidPPGPassesANaNSampleToItsOutput() throws {
        let network = try KerasModelFile.load(try TestPaths.required(TestPaths.kidPPGWeights))
        try expectNaNEverywhere(network, sample: 200, backend: "KID-PPG (\(ConvolutionBackend.preferred))")
    }

    @Test(arguments: ["pooling", "batchnorm", "depthwise", "merge", "activation_layers", "conv"])
    func layerFamiliesPassANaNSampleOn(_ name: String) throws {
        let network = try KerasModelFile.load(TestPaths.fixture("layers/\(name).h5"))
        try expectNaNEverywhere(network, sample: 40, backend: name)
    }

    /// The direct kernel's fused ReLU and the BLAS path's separate one agree on NaN.
    @Test func reluKeepsNaNOnBothConvBackends() throws {
        let conv = Conv1DLayer(kernel: [1, -1, 0.5, 2], bias: [0, -1], kernelSize: 2, inChannels: 1, outChannels: 2,
                               padding: .causal, activation: .relu)
        let x: [Float] = [1, .nan, -3, 4]
        for backend in ConvolutionBackend.allCases where backend == .blas || ConvolutionBackend.directAvailable {
            let y = conv.forward(x, windows: 1, length: 4, backend: backend)
            #expect(y[2].isNaN && y[3].isNaN && y[4].isNaN && y[5].isNaN, "\(backend): \(y)")
            #expect(!y[0].isNaN && !y[6].isNaN, "\(backend): \(y)")
        }
    }
}
