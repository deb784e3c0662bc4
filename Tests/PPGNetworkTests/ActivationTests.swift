import Foundation
import PPGCompute
@testable import PPGNetwork
import Testing

/// The element-wise activations: Keras (3.x and tf-keras 2.x) as the oracle on a float32 grid
/// (`tools/golden/make_activation_golden.py`), closed forms and known values in Double, NaN
/// propagation, the config forms Keras writes, and conv/dense layers applying them.
@Suite struct ActivationTests {
    // MARK: Keras as the oracle

    struct Options: Decodable {
        var approximate: Bool?
        var alpha: Double?
        var negative_slope: Double?
    }

    struct GoldenCase: Decodable {
        var library: String
        var name: String
        var options: Options
        var y: [UInt32]
    }

    struct Golden: Decodable {
        var keras_version: String
        var tf_keras_version: String
        var x: [UInt32]
        var cases: [GoldenCase]
    }

    static func golden() throws -> Golden {
        let path = try TestPaths.required(TestPaths.fixture("golden_activations.json"))
        return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// The activation a golden case names, read the way a config is read.
    static func activation(_ c: GoldenCase) throws -> Activation {
        let dialect: KerasDialect = c.library == "keras3" ? .keras3 : .keras2
        switch (c.name, c.options.approximate, c.options.alpha, c.options.negative_slope) {
        case ("gelu", true?, _, _): return .gelu(approximate: true)
        case ("elu", _, let a?, _), ("ELU", _, let a?, _): return .elu(alpha: a)
        case ("leaky_relu", _, _, let s?): return .leakyReLU(negativeSlope: s)
        case ("LeakyReLU", _, _, _):
            let object = JSONValue.object(["class_name": .string("LeakyReLU"), "config": .object([:])])
            return try Activation.fromKeras(object, dialect: dialect, object: "test")
        default: return try #require(Activation(kerasName: c.name, dialect: dialect))
        }
    }

    /// Every activation, both Keras versions, scalar (`apply`) and in place (`applyInPlace`, through
    /// libmvec on AVX-512F): within 2 ulp of Keras's float32 result (4 in place), or 2e-7·max(1, |x|)
    /// absolute where TensorFlow's float32 formula cancels (ELU/SELU near 0⁻: eˣ − 1 where ppgscope
    /// uses expm1; tanh-form GELU for x ≲ −3: 1 + tanh u). NaN gives NaN. At ±∞ ppgscope returns the
    /// function's limit where Keras's formula gives NaN (0·∞ in gelu and swish at −∞, ∞/∞ in softsign).
    @Test func everyActivationMatchesKerasOnAFloat32Grid() throws {
        let g = try Self.golden()
        let x = g.x.map(Float.init(bitPattern:))
        #expect(g.cases.count == 34)
        for c in g.cases {
            let f = try Self.activation(c)
            let keras = c.y.map(Float.init(bitPattern:))
            var inPlace = x
            f.applyInPlace(&inPlace)
            for i in x.indices {
                for (path, y, ulps) in [("scalar", f.apply(x[i]), Float(2)), ("in place", inPlace[i], 4)] {
                    let context = "\(c.library) \(c.name) \(c.options) \(path) at \(x[i]): \(y) vs Keras \(keras[i])"
                    if x[i].isInfinite && keras[i].isNaN {
                        #expect([.gelu(approximate: false), .gelu(approximate: true), .swish, .softsign].contains(f), "\(context)")
                        #expect(y == (f == .softsign ? (x[i] < 0 ? -1 : 1) : (x[i] < 0 ? 0 : x[i])), "\(context)")
                        continue
                    }
                    if keras[i].isNaN { #expect(y.isNaN, "\(context)"); continue }
                    // Float rounding, or TensorFlow's own: e^x − 1 near 0⁻ (ELU, SELU) and 1 + tanh u
                    // with tanh u → −1 (tanh-form GELU at x ≲ −3) lose up to a few 1e-7 absolute.
                    let error = abs(y - keras[i])
                    #expect(y == keras[i] || error <= ulps * keras[i].ulp || error <= 2e-7 * max(1, abs(x[i])), "\(context)")
                }
            }
        }
    }

    /// The in-place form (libmvec's AVX-512 functions where the CPU has them, ≤ 2.6 ulp each) stays
    /// within 4 ulp of the scalar one over the grid and a dense sweep, and agrees on NaN and ±∞.
    @Test func theInPlaceFormIsTheScalarFormToFourUlp() throws {
        let grid = try Self.golden().x.map(Float.init(bitPattern:))
        let sweep = (0..<20_001).map { Float($0 - 10_000) / 500 }
        // Out to ±200 and ±∞: where exp, expm1 and erfc underflow or overflow and the vector forms
        // clamp their arguments to stay on libmvec's fast path.
        let wide = (0..<4_001).map { Float($0 - 2_000) / 10 } + [-Float.infinity, .infinity, -1e30, 1e30]
        for f in Activation.kerasDefaults + [.elu(alpha: 0.5), .leakyReLU(negativeSlope: 0.1)] {
            for x in [grid, sweep, wide] {
                var y = x
                f.applyInPlace(&y)
                for i in x.indices {
                    let s = f.apply(x[i])
                    let ok = s.isNaN ? y[i].isNaN : (y[i] == s || abs(y[i] - s) <= 4 * s.ulp || abs(y[i] - s) <= 1e-30)
                    #expect(ok, "\(f.label)(\(x[i])): in place \(y[i]), scalar \(s)")
                }
            }
        }
        #expect(VectorActivation.isAvailable == ConvolutionBackend.directAvailable, "both need AVX-512F")
    }

    /// The float32 forms are the Double forms rounded: within 2 float32 ulp of the Double result, or
    /// within the conditioning of GELU's tail (rounding −x/√2 to float32 moves erfc by up to
    /// 2·(x/√2)²·2⁻²⁴ = x²·6e-8 relative; allowed twice that), over the whole grid; results below
    /// 1e-36 (near float32's smallest normal number) may flush to 0.
    @Test func theFloatFormsAreTheDoubleFormsToTwoUlp() throws {
        let x = try Self.golden().x.map(Float.init(bitPattern:)).filter(\.isFinite)
        for f in Activation.kerasDefaults + [.elu(alpha: 0.5), .leakyReLU(negativeSlope: 0.1)] {
            for v in x {
                let exact = f.apply(Double(v)), single = f.apply(v)
                // hard_sigmoid adds 0.5 (tf-keras) or 3 (Keras 3) in float32 first, as Keras does: an ulp of that.
                let offset: Double = if case .hardSigmoid(let form) = f { Double(form == .keras3 ? Float(3).ulp / 6 : Float(0.5).ulp) } else { 0 }
                let tolerance = max(2 * Double(Float(exact).ulp), 1.2e-7 * Double(v * v) * abs(exact), offset, 1e-36)
                #expect(abs(Double(single) - exact) <= tolerance, "\(f.label)(\(v)): \(single) vs \(exact)")
            }
        }
    }

    @Test func hardSigmoidIsRelu6OfXPlus3Over6InKeras3AndAClippedLineInTfKeras() throws {
        let k3 = try #require(Activation(kerasName: "hard_sigmoid", dialect: .keras3))
        let k2 = try #require(Activation(kerasName: "hard_sigmoid", dialect: .keras2))
        #expect(k3 == .hardSigmoid(.keras3) && k2 == .hardSigmoid(.tfKeras))
        for (x, y3, y2) in [(-4.0, 0.0, 0.0), (-3.0, 0.0, 0.0), (-2.5, 0.5 / 6, 0.0), (-1.0, 2.0 / 6, 0.3), (0.0, 0.5, 0.5),
                            (1.0, 4.0 / 6, 0.7), (2.5, 5.5 / 6, 1.0), (3.0, 1.0, 1.0), (9.0, 1.0, 1.0)] {
            #expect(abs(k3.apply(x) - y3) <= 1e-15 && abs(k2.apply(x) - y2) <= 1e-15, "x = \(x)")
        }
        #expect(KerasDialect(kerasVersion: "3.15.1") == .keras3 && KerasDialect(kerasVersion: "2.15.0") == .keras2
                && KerasDialect(kerasVersion: "2.21.0") == .keras2 && KerasDialect(kerasVersion: nil) == .keras2)
    }

    // MARK: Closed forms and known values

    @Test func knownValuesInDouble() {
        let cases: [(Activation, Double, Double)] = [
            (.gelu(approximate: false), 1, 0.8413447460685429),      // Φ(1)
            (.gelu(approximate: false), -1, -0.15865525393145707),
            (.gelu(approximate: true), 1, 0.8411919906082768),
            (.elu(alpha: 1), -1, -0.6321205588285577),               // 1/e − 1
            (.elu(alpha: 0.5), -2, 0.5 * (exp(-2.0) - 1)),
            (.selu, 1, 1.0507009873554805),
            (.selu, -1, 1.7580993408473769 * (exp(-1.0) - 1)),
            (.swish, 1, 0.7310585786300049),                          // 1/(1 + 1/e)
            (.sigmoid, 0, 0.5), (.sigmoid, 1, 0.7310585786300049),
            (.softplus, 0, log(2.0)), (.softplus, 1, 1.3132616875182228),
            (.softsign, 1, 0.5), (.softsign, -3, -0.75),
            (.tanh, 1, 0.7615941559557649),
            (.leakyReLU(negativeSlope: 0.2), -1, -0.2), (.leakyReLU(negativeSlope: 0.2), 2, 2),
            (.relu, -1, 0), (.relu, 2.5, 2.5), (.linear, -7, -7),
        ]
        for (f, x, y) in cases {
            #expect(abs(f.apply(x) - y) <= 4 * y.ulp + 1e-300, "\(f.label)(\(x)) = \(f.apply(x)), expected \(y)")
            #expect(abs(Double(f.apply(Float(x))) - y) <= 2 * Double(Float(y).ulp), "\(f.label)(\(x)) in Float")
        }
    }

    @Test func seluUsesTensorFlowsConstantsToTheLastDigit() {
        #expect(Activation.seluScale == 1.0507009873554804934193349852946)
        #expect(Activation.seluAlpha == 1.6732632423543772848170429916717)
        // Keras documents them to 8 digits: 1.05070098 and 1.67326324.
        #expect(abs(Activation.seluScale - 1.05070098) < 1e-8 && abs(Activation.seluAlpha - 1.67326324) < 1e-8)
        #expect(Activation.selu.apply(-Double.infinity) == -Activation.seluScale * Activation.seluAlpha)
        #expect(Activation.selu.apply(Float(1)) == Float(1.0507009873554805))
    }

    @Test func theOddActivationsAreOddAndTheOthersAreNot() {
        for f in Activation.kerasDefaults {
            let odd = [0.3, 1.7, 4.2].allSatisfy { abs(f.apply($0) + f.apply(-$0)) <= 1e-15 }
            #expect(odd == f.isOdd, "\(f.label)")
        }
    }

    @Test func everyActivationPropagatesNaNInEveryPath() {
        for f in Activation.kerasDefaults + [.elu(alpha: 0.5), .leakyReLU(negativeSlope: 0.1)] {
            #expect(f.apply(Float.nan).isNaN && f.apply(Double.nan).isNaN, "\(f.label)")
            // 37 elements: two 16-lane blocks and a tail, NaN in a block and in the tail.
            var x = (0..<37).map { Float($0 - 18) / 4 }
            x[5] = .nan; x[35] = .nan
            f.applyInPlace(&x)
            #expect(x[5].isNaN && x[35].isNaN, "\(f.label) in place")
            #expect(x.enumerated().allSatisfy { $0.offset == 5 || $0.offset == 35 || !$0.element.isNaN })
        }
    }

    @Test func reluAndSoftplusKeepTheirNumbers() {
        var x = (0..<100).map { Float($0 - 50) / 7 }
        let original = x
        Activation.relu.applyInPlace(&x)
        #expect(x == original.map { $0 < 0 ? 0 : $0 })
        for v in original {
            #expect(Activation.softplus.apply(v) == Float(Activation.softplus(Double(v))))
            #expect(Activation.softplus.apply(Double(v)) == Activation.softplus(Double(v)))
        }
        var y = original
        Activation.linear.applyInPlace(&y)
        #expect(y == original)
    }

    // MARK: Reading configs

    /// A one-conv Keras 2 config with `activation`, built into a network as a file of `version` would be.
    static func oneConv(activation: String, kerasVersion: String?) throws -> Activation? {
        let config = #"""
        {"class_name": "Functional", "config": {"name": "m", "layers": [
          {"class_name": "InputLayer", "name": "in", "config": {"name": "in", "batch_input_shape": [null, 4, 1]}, "inbound_nodes": []},
          {"class_name": "Conv1D", "name": "conv", "config": {"name": "conv", "filters": 1, "kernel_size": [1], "activation": \#(activation)},
           "inbound_nodes": [[["in", 0, 0, {}]]]}],
          "input_layers": [["in", 0, 0]], "output_layers": [["conv", 0, 0]]}}
        """#
        let weights = ["conv/kernel:0": Tensor(shape: [1, 1, 1], values: [1]), "conv/bias:0": Tensor(shape: [1], values: [0])]
        let network = try Network.fromKeras(modelConfig: config, weights: weights, file: "m.h5", kerasVersion: kerasVersion)
        guard case .conv1D(let c) = network.nodes.last?.operation else { return nil }
        return c.activation
    }

    @Test func theFilesKerasVersionDecidesWhatHardSigmoidMeans() throws {
        #expect(try Self.oneConv(activation: #""hard_sigmoid""#, kerasVersion: "3.15.1") == .hardSigmoid(.keras3))
        #expect(try Self.oneConv(activation: #""hard_sigmoid""#, kerasVersion: "2.15.0") == .hardSigmoid(.tfKeras))
        #expect(try Self.oneConv(activation: #""hard_sigmoid""#, kerasVersion: nil) == .hardSigmoid(.tfKeras))
        #expect(try Self.oneConv(activation: #"{"class_name": "LeakyReLU", "config": {"negative_slope": 0.1}}"#, kerasVersion: "3.15.1")
                == .leakyReLU(negativeSlope: 0.1))
        do {
            _ = try Self.oneConv(activation: #""mish""#, kerasVersion: nil)
            Issue.record("mish was accepted")
        } catch {
            #expect("\(error)".contains("m.h5") && "\(error)".contains("conv") && "\(error)".contains("'mish' is not supported"), "\(error)")
        }
    }

    @Test func kerasNamesAndLabels() throws {
        #expect(Activation(kerasName: "swish") == .swish && Activation(kerasName: "silu") == .swish)
        #expect(Activation(kerasName: "gelu") == .gelu(approximate: false))
        #expect(Activation(kerasName: "leaky_relu") == .leakyReLU(negativeSlope: 0.2))
        #expect(Activation(kerasName: "elu") == .elu(alpha: 1))
        #expect(Activation(kerasName: "softmax") == nil && Activation(kerasName: "relu6") == nil)
        #expect(Activation.kerasDefaults.map(\.label) == ["relu", "leaky_relu", "elu", "selu", "gelu", "gelu(approximate)", "silu", "softplus",
                                                          "sigmoid", "hard_sigmoid", "hard_sigmoid(tf-keras)", "tanh", "softsign", "linear"])
        #expect(Activation.elu(alpha: 0.5).label == "elu(alpha=0.5)")
    }

    @Test func serialisedActivationObjectsAreRead() throws {
        func read(_ json: String, _ dialect: KerasDialect = .keras3) throws -> Activation {
            try Activation.fromKeras(try JSONValue.parse(json), dialect: dialect, object: "dense_1")
        }
        // As Keras 3.15 and tf-keras 2.21 write an activation layer passed as `activation=`.
        #expect(try read(#"{"module": "keras.layers", "class_name": "LeakyReLU", "config": {"name": "leaky_re_lu", "negative_slope": 0.3}, "registered_name": null}"#)
                == .leakyReLU(negativeSlope: 0.3))
        #expect(try read(#"{"module": "keras.layers", "class_name": "LeakyReLU", "config": {"name": "leaky_re_lu", "dtype": "float32", "alpha": 0.30000001192092896}}"#, .keras2)
                == .leakyReLU(negativeSlope: 0.30000001192092896))
        #expect(try read(#"{"class_name": "ELU", "config": {"alpha": 0.5}}"#) == .elu(alpha: 0.5))
        #expect(try read(#"{"class_name": "ReLU", "config": {"max_value": null, "negative_slope": 0.0, "threshold": 0.0}}"#) == .relu)
        #expect(try read(#"{"class_name": "ReLU", "config": {"max_value": null, "negative_slope": 0.1, "threshold": 0.0}}"#) == .leakyReLU(negativeSlope: 0.1))
        #expect(try read(#"{"module": "keras.activations", "class_name": "function", "config": "gelu", "registered_name": "gelu"}"#) == .gelu(approximate: false))
        #expect(try read(#"{"class_name": "Activation", "config": {"activation": "hard_sigmoid"}}"#) == .hardSigmoid(.keras3))
        #expect(try read(#""hard_sigmoid""#, .keras2) == .hardSigmoid(.tfKeras))
        #expect(try read("null") == .linear)
        #expect(try Activation.fromKeras(nil, dialect: .keras3, object: "x") == .linear)
    }

    @Test(arguments: [
        (#""softmax""#, "activation 'softmax' is not supported (supported: relu, leaky_relu"),
        (#"{"class_name": "PReLU", "config": {}}"#, "activation object of class 'PReLU' is not supported"),
        (#"{"class_name": "ReLU", "config": {"max_value": 6.0}}"#, "option max_value=6"),
        (#"{"class_name": "ReLU", "config": {"threshold": 0.5}}"#, "option threshold=0.5"),
        (#"{"class_name": "ELU", "config": {"alpha": NaN}}"#, "option 'alpha' must be a finite number"),
    ])
    func unsupportedActivationsNameTheLayerAndWhatIsWrong(_ json: String, _ message: String) throws {
        do {
            let a = try Activation.fromKeras(try JSONValue.parse(json), dialect: .keras3, object: "conv1d_7")
            Issue.record("\(json) was read as \(a.label)")
        } catch {
            #expect("\(error)".contains("conv1d_7") && "\(error)".contains(message), "\(error)")
        }
    }

    // MARK: Layers apply them

    @Test(arguments: ConvolutionBackend.allCases)
    func convAndDenseLayersApplyTheirActivation(_ backend: ConvolutionBackend) {
        var state: UInt64 = 7
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2001) / 500 - 2
        }
        for f in Activation.kerasDefaults {
            let conv = Conv1DLayer(kernel: (0..<(3 * 4 * 20)).map { _ in next() }, bias: (0..<20).map { _ in next() },
                                   kernelSize: 3, inChannels: 4, outChannels: 20, dilation: 2, padding: .causal, activation: f)
            let x = (0..<(2 * 30 * 4)).map { _ in next() }
            let pre = NaiveReference.conv1D(conv, input: x, windows: 2, length: 30)
            for keep in [false, true] {
                let run = conv.forward(x, windows: 2, length: 30, keepPreactivation: keep, backend: backend)
                let worst = zip(run.output, pre.map(f.apply)).map { abs($0 - $1) }.max() ?? 0
                #expect(worst <= 1e-5, "Conv1D \(f.label), keep \(keep): \(worst)")
                if keep {
                    let worstPre = zip(run.preactivation ?? [], pre).map { abs($0 - $1) }.max() ?? 1
                    #expect(worstPre <= 1e-5 && run.preactivation?.count == pre.count)
                }
            }
            let dense = DenseLayer(kernel: (0..<(9 * 21)).map { _ in next() }, bias: (0..<21).map { _ in next() },
                                   inFeatures: 9, units: 21, activation: f)
            let rows = (0..<(3 * 9)).map { _ in next() }
            let worst = zip(dense.forward(rows, rows: 3, backend: backend), NaiveReference.dense(dense, input: rows, rows: 3))
                .map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-5, "Dense \(f.label): \(worst)")
        }
    }
}
