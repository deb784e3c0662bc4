import Foundation
import PPGFormats
import PPGNetwork
import PPGSignals
import Testing

/// One seeded model saved by Keras in one format, and its Keras taps (tools/golden/make_keras3_fixtures.py).
struct FormatCase: CustomTestStringConvertible, Sendable {
    let model: String
    let golden: String
    let format: KerasFileFormat
    let kerasMajor: String
    var testDescription: String { model }

    static let all = [
        FormatCase(model: "k3_pair.keras", golden: "golden_k3_pair.h5", format: .kerasArchive, kerasMajor: "3."),
        FormatCase(model: "k3_pair.h5", golden: "golden_k3_pair.h5", format: .legacyHDF5, kerasMajor: "3."),
        FormatCase(model: "k3_pair_tfkeras.h5", golden: "golden_k3_pair_tfkeras.h5", format: .legacyHDF5, kerasMajor: "2."),
        FormatCase(model: "k3_seq.keras", golden: "golden_k3_seq.h5", format: .kerasArchive, kerasMajor: "3."),
        FormatCase(model: "k3_seq.h5", golden: "golden_k3_seq.h5", format: .legacyHDF5, kerasMajor: "3."),
        FormatCase(model: "k3_seq_tfkeras.h5", golden: "golden_k3_seq_tfkeras.h5", format: .legacyHDF5, kerasMajor: "2."),
    ]
}

/// Every format Keras writes gives Keras' numbers: the same seeded KID-PPG-style models (a pair
/// model with a shared sub-model, attention and a residual add; a Sequential model) saved as
/// Keras 3 `.keras`, Keras 3 legacy `.h5` and tf-keras `.h5`, each tap within 1e-4 of the
/// tensor's max |value| (plus 1e-4 absolute).
@Suite struct KerasFileFormatTests {
    @Test(arguments: FormatCase.all)
    func everyTapMatchesKerasInEveryFormat(_ c: FormatCase) throws {
        let (network, description) = try KerasModelFile.loadDescribed(TestPaths.fixture(c.model))
        #expect(description.format == c.format)
        #expect(description.kerasVersion?.hasPrefix(c.kerasMajor) ?? false, "keras version \(description.kerasVersion ?? "none")")
        let golden = try HDF5File.open(TestPaths.fixture(c.golden))
        let (shape, inputs) = try golden.readFloats("inputs")
        let kerasTaps = try golden.stringsAttribute("/", "tap_names")
        let result = try network.forward(Tensor(shape: shape, values: inputs), taps: .all)
        // ppgscope makes exactly Keras' taps, Dense pre-activations included.
        #expect(Set(network.tapNames) == Set(kerasTaps),
                "taps Keras has not: \(Set(network.tapNames).subtracting(kerasTaps)); Keras taps ppgscope lacks: \(Set(kerasTaps).subtracting(network.tapNames))")
        #expect(kerasTaps.contains { $0.hasSuffix(".preact") && network.node(named: String($0.dropLast(7)))?.operation.className == "Dense" },
                "no Dense pre-activation to check")
        #expect(result.taps.count >= 6)
        for name in kerasTaps {
            guard let mine = result.taps[name] else { continue }
            let (kerasShape, keras) = try golden.readFloats("taps/" + name)
            #expect(mine.shape == kerasShape, "\(name): shape \(mine.shape) vs Keras \(kerasShape)")
            guard mine.shape == kerasShape else { continue }
            let scale = keras.reduce(Float(0)) { max($0, abs($1)) }
            #expect(scale > 0, "\(name): an all-zero tap tests nothing")
            let worst = zip(mine.values, keras).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-4 * (1 + scale), "\(name): max |swift − keras| \(worst), max |keras| \(scale)")
        }
        let (outShape, outputs) = try golden.readFloats("outputs")
        let output = try network.forward(Tensor(shape: shape, values: inputs)).output
        #expect(output.shape == outShape)
        let scale = outputs.reduce(Float(0)) { max($0, abs($1)) }
        for i in outputs.indices { #expect(abs(output.values[i] - outputs[i]) <= 1e-4 * (1 + scale), "output \(i)") }
    }

    /// A trained Keras 3 model (its weights file also holds the optimizer's state) with a nested
    /// Sequential sub-model and positionally called attention, as `.keras`, as a `.keras` whose
    /// entries are deflated (as zip tools other than Keras write them) and as Keras 3 `.h5`.
    @Test(arguments: ["k3_edge.keras", "k3_edge_deflated.keras", "k3_edge.h5"])
    func trainedModelWithNestedSequentialMatchesKeras(_ file: String) throws {
        let network = try KerasModelFile.load(TestPaths.fixture(file))
        let golden = try HDF5File.open(TestPaths.fixture("golden_k3_edge.h5"))
        let (shape, inputs) = try golden.readFloats("inputs")
        let (outShape, keras) = try golden.readFloats("outputs")
        let output = try network.forward(Tensor(shape: shape, values: inputs)).output
        #expect(output.shape == outShape)
        let scale = keras.reduce(Float(0)) { max($0, abs($1)) }
        #expect(scale > 0)
        for i in keras.indices { #expect(abs(output.values[i] - keras[i]) <= 1e-4 * (1 + scale), "output \(i)") }
    }

    /// The three files of one model are one network: same taps and outputs to the last bit
    /// (Keras 3 names the slice and add layers differently from tf-keras; the rest is identical).
    @Test func theThreeFormatsOfAModelGiveTheSameNumbers() throws {
        let golden = try HDF5File.open(TestPaths.fixture("golden_k3_pair.h5"))
        let (shape, inputs) = try golden.readFloats("inputs")
        let x = Tensor(shape: shape, values: inputs)
        let outputs = try ["k3_pair.keras", "k3_pair.h5", "k3_pair_tfkeras.h5"].map {
            try KerasModelFile.load(TestPaths.fixture($0)).forward(x).output
        }
        #expect(outputs[0] == outputs[1])
        #expect(outputs[0] == outputs[2])
    }

    /// A `.keras` file's weight groups are named by class and per-class counter, not by layer:
    /// the Sequential fixture names its convs conv1d_18 and conv1d_3, stored as conv1d and conv1d_1.
    @Test func kerasArchiveWeightsAreMatchedByClassAndCounterNotByName() throws {
        let archive = try ZipArchive.open(TestPaths.fixture("k3_seq.keras"))
        let variables = try KerasWeightsLayout.variables(modelConfig: try archive.text("config.json"))
        #expect(variables.map(\.dataset) == ["layers/conv1d/vars/0", "layers/conv1d/vars/1", "layers/conv1d_1/vars/0",
                                             "layers/dense/vars/0", "layers/dense/vars/1"])
        #expect(variables.map(\.key) == ["conv1d_18/kernel", "conv1d_18/bias", "conv1d_3/kernel", "dense_5/kernel", "dense_5/bias"])
        let pair = try ZipArchive.open(TestPaths.fixture("k3_pair.keras"))
        let nested = try KerasWeightsLayout.variables(modelConfig: try pair.text("config.json"))
        #expect(nested.first?.dataset == "layers/functional/layers/conv1d/vars/0")
        #expect(nested.first?.key == "conv1d_118/kernel")
        #expect(nested.contains { $0.dataset == "layers/multi_head_attention/output_dense/vars/1" && $0.key == "multi_head_attention_13/attention_output/bias" })
    }

    /// The declared variable order of every class with weights accounts for exactly the variables
    /// Keras 3 stores, with the shapes' ranks they have; every such class is one ppgscope runs.
    @Test func declaredVariableOrdersMatchWhatKerasStores() throws {
        let archive = try ZipArchive.open(TestPaths.fixture("k3_layouts.keras"))
        let variables = try KerasWeightsLayout.variables(modelConfig: try archive.text("config.json"))
        // Loading checks every variable's shape against its layer's config.
        #expect(try KerasModelFile.load(TestPaths.fixture("k3_layouts.keras")).nodes.count == 9)
        let weights = try HDF5File.open(image: try archive.data("model.weights.h5"), name: "k3_layouts.keras/model.weights.h5")
        #expect(Set(variables.map(\.dataset)) == Set(try weights.datasets(under: "layers")))
        #expect(Set(variables.map(\.className)) == ["Conv1D", "BatchNormalization", "SeparableConv1D", "DepthwiseConv1D", "PReLU",
                                                     "LSTM", "GRU", "Dense"])
        let byKey = Dictionary(uniqueKeysWithValues: variables.map { ($0.key, $0.dataset) })
        #expect(byKey["batch_normalization_1/moving_mean"] == "layers/batch_normalization_1/vars/1", "γ, no β, then the moving mean")
        #expect(byKey["separable_conv1d/pointwise_kernel"] == "layers/separable_conv1d/vars/1")
        #expect(byKey["lstm/lstm_cell/recurrent_kernel"] == "layers/lstm/cell/vars/1")
        #expect(try weights.shape("layers/gru/cell/vars/2") == [2, 6], "GRU reset_after bias [2, 3·units]")
        #expect(try weights.shape(byKey["lstm/lstm_cell/kernel"]!) == [4, 12])
        #expect(try weights.shape(byKey["p_re_lu/alpha"]!) == [10, 4])
    }

    /// A config edited from the fixture's own: option errors name the option and its value; a
    /// config that declares fewer variables than the weights hold is refused, naming them.
    @Test(arguments: [
        ("k3_pair.keras", "\"rms_scaling\": false", "\"rms_scaling\": true",
         "layer_normalization_9 (LayerNormalization): option rms_scaling = true is not supported"),
        ("k3_pair.keras", "\"use_gate\": false", "\"use_gate\": true",
         "multi_head_attention_13 (MultiHeadAttention): option use_gate = true is not supported"),
        ("k3_pair.keras", "\"name\": \"float32\"}, \"registered_name\": null}, \"filters\": 6",
         "\"name\": \"mixed_float16\"}, \"registered_name\": null}, \"filters\": 6",
         "conv1d_118 (Conv1D): dtype policy 'mixed_float16' is not supported"),
        ("k3_seq.keras", "\"use_bias\": true", "\"use_bias\": false",
         "the weights hold 2 variable(s) the model config does not account for (layers/conv1d/vars/1, layers/dense/vars/1)"),
    ])
    func editedConfigsAreRefusedWithTheirReason(file: String, original: String, edited: String, message: String) throws {
        let archive = try ZipArchive.open(TestPaths.fixture(file))
        let config = try archive.text("config.json")
        #expect(config.contains(original), "the fixture's config has \(original)")
        let path = NSTemporaryDirectory() + "ppgscope-config-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try config.replacingOccurrences(of: original, with: edited).write(toFile: path, atomically: true, encoding: .utf8)
        let error = try #require(throws: PPGScopeError.self) { try KerasModelFile.load(TestPaths.fixture(file), configPath: path) }
        #expect(error.description.contains(message), "\(error)")
        #expect(error.file == TestPaths.fixture(file))
    }

    @Test(arguments: [("Conv1D", "conv1d"), ("MultiHeadAttention", "multi_head_attention"), ("AveragePooling1D", "average_pooling1d"),
                      ("PReLU", "p_re_lu"), ("LSTM", "lstm"), ("GRU", "gru"), ("BatchNormalization", "batch_normalization"),
                      ("SeparableConv1D", "separable_conv1d"), ("GlobalAveragePooling1D", "global_average_pooling1d"),
                      ("ELU", "elu"), ("LeakyReLU", "leaky_re_lu"), ("Functional", "functional")])
    func snakeCaseIsKeras(_ pair: (String, String)) {
        #expect(KerasWeightsLayout.snakeCase(pair.0) == pair.1)
    }

    /// Keras 2's `save_weights` file with its `to_json()` config is the same network as its `.h5`.
    @Test func keras2WeightsFileWithSeparateConfigIsTheSameNetwork() throws {
        let weights = TestPaths.fixture("k3_pair_tfkeras_weights.h5")
        let error = try #require(throws: PPGScopeError.self) { try KerasModelFile.load(weights) }
        #expect(error.message.contains("holds weights only"))
        let (network, description) = try KerasModelFile.loadDescribed(weights, configPath: TestPaths.fixture("k3_pair_tfkeras.json"))
        #expect(description.format == .weightsHDF5)
        let golden = try HDF5File.open(TestPaths.fixture("golden_k3_pair.h5"))
        let (shape, inputs) = try golden.readFloats("inputs")
        let x = Tensor(shape: shape, values: inputs)
        #expect(try network.forward(x).output == KerasModelFile.load(TestPaths.fixture("k3_pair_tfkeras.h5")).forward(x).output)
    }

    /// A weights-only Keras 3 file with its config given separately is the same network.
    @Test func weightsFileWithSeparateConfigIsTheSameNetwork() throws {
        let dir = NSTemporaryDirectory() + "ppgscope-weights-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let archive = try ZipArchive.open(TestPaths.fixture("k3_pair.keras"))
        try archive.extract("model.weights.h5", to: dir + "/k3_pair.weights.h5")
        try archive.extract("config.json", to: dir + "/config.json")
        #expect(throws: PPGScopeError.self) { try KerasModelFile.load(dir + "/k3_pair.weights.h5") }
        let (network, description) = try KerasModelFile.loadDescribed(dir + "/k3_pair.weights.h5", configPath: dir + "/config.json")
        #expect(description.format == .weightsHDF5)
        let golden = try HDF5File.open(TestPaths.fixture("golden_k3_pair.h5"))
        let (shape, inputs) = try golden.readFloats("inputs")
        let x = Tensor(shape: shape, values: inputs)
        #expect(try network.forward(x).output == KerasModelFile.load(TestPaths.fixture("k3_pair.keras")).forward(x).output)
    }
}
