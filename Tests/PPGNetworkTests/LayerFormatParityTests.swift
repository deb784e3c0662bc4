import Foundation
import PPGFormats
import PPGNetwork
import Testing

/// One layer-family model (tools/golden/make_layer_fixtures.py) in one of the files Keras writes:
/// tf-keras `.h5`, Keras 3 `.keras` and Keras 3 legacy `.h5`, all holding the same weights.
struct LayerFormatCase: CustomTestStringConvertible, Sendable {
    let fixture: LayerFixture
    let format: KerasFileFormat
    /// The file name's ending after the model's name.
    let suffix: String
    /// The major version of the Keras that wrote the file.
    let kerasMajor: String
    var path: String { TestPaths.fixture("layers/\(fixture.name)\(suffix)") }
    var testDescription: String { "\(fixture.name)\(suffix)" }

    static let tfKeras = (format: KerasFileFormat.legacyHDF5, suffix: ".h5", kerasMajor: "2.")
    static let keras3Archive = (format: KerasFileFormat.kerasArchive, suffix: ".keras", kerasMajor: "3.")
    static let keras3HDF5 = (format: KerasFileFormat.legacyHDF5, suffix: "_keras3.h5", kerasMajor: "3.")

    /// The formats each model is written in: all three, but tf-keras alone for the model that
    /// uses Keras 2's `hard_sigmoid`, which Keras 3 redefined.
    static func formats(of fixture: LayerFixture) -> [LayerFormatCase] {
        let kinds = fixture.name == "recurrent_hard_sigmoid" ? [tfKeras] : [tfKeras, keras3Archive, keras3HDF5]
        return kinds.map { LayerFormatCase(fixture: fixture, format: $0.format, suffix: $0.suffix, kerasMajor: $0.kerasMajor) }
    }

    static let all = LayerFixture.all.flatMap(formats(of:))
}

/// Every layer family gives Keras' numbers whichever file Keras wrote it to: every tap (and
/// pre-activation) and the output within 1e-4 of the tensor's largest |value|, and the files of
/// one model are one network, with outputs identical to the last bit.
@Suite struct LayerFormatParityTests {
    @Test(arguments: LayerFormatCase.all)
    func everyTapMatchesKerasInEveryFormat(_ c: LayerFormatCase) throws {
        let (network, description) = try KerasModelFile.loadDescribed(c.path)
        #expect(description.format == c.format)
        #expect(description.kerasVersion?.hasPrefix(c.kerasMajor) ?? false, "keras version \(description.kerasVersion ?? "none")")
        let golden = try HDF5File.open(c.fixture.golden)
        let names = try golden.stringsAttribute("/", "tap_names")
        let (shape, inputs) = try golden.readFloats("inputs")
        let result = try network.forward(Tensor(shape: shape, values: inputs), taps: .all)
        try expectTapsMatchKeras(network, result, golden: golden, names: names, nonZeroTaps: true)
        #expect(result.output.shape == (try golden.readFloats("outputs")).shape)
    }

    /// The three files of a model build the same network: the same taps, bit-identical.
    @Test(arguments: LayerFixture.all.filter { LayerFormatCase.formats(of: $0).count == 3 })
    func theThreeFormatsAreOneNetwork(_ fixture: LayerFixture) throws {
        let golden = try HDF5File.open(fixture.golden)
        let (shape, inputs) = try golden.readFloats("inputs")
        let x = Tensor(shape: shape, values: inputs)
        let runs = try LayerFormatCase.formats(of: fixture).map { c in
            let network = try KerasModelFile.load(c.path)
            return (c, network.tapNames, try network.forward(x, taps: .all))
        }
        let (reference, referenceNames, referenceResult) = runs[0]
        for (c, names, result) in runs.dropFirst() {
            #expect(names == referenceNames, "\(c.testDescription): taps differ from \(reference.testDescription)")
            #expect(result.output == referenceResult.output, "\(c.testDescription): output differs from \(reference.testDescription)")
            for name in referenceNames where result.taps[name] != referenceResult.taps[name] {
                Issue.record("\(c.testDescription): tap \(name) differs from \(reference.testDescription)")
            }
        }
    }

    /// A `.keras` archive's `model.weights.h5` on its own (as `model.save_weights` writes it), with
    /// the archive's `config.json` given separately, is the same network.
    @Test(arguments: LayerFixture.all.filter { LayerFormatCase.formats(of: $0).count == 3 })
    func kerasWeightsFileWithItsConfigIsTheSameNetwork(_ fixture: LayerFixture) throws {
        let dir = NSTemporaryDirectory() + "ppgscope-layer-weights-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let keras = TestPaths.fixture("layers/\(fixture.name).keras")
        let archive = try ZipArchive.open(keras)
        defer { archive.close() }
        try archive.extract("model.weights.h5", to: "\(dir)/\(fixture.name).weights.h5")
        try archive.extract("config.json", to: "\(dir)/config.json")
        let (network, description) = try KerasModelFile.loadDescribed("\(dir)/\(fixture.name).weights.h5", configPath: "\(dir)/config.json")
        #expect(description.format == .weightsHDF5)
        let golden = try HDF5File.open(fixture.golden)
        let (shape, inputs) = try golden.readFloats("inputs")
        let x = Tensor(shape: shape, values: inputs)
        #expect(try network.forward(x, taps: .all).taps == KerasModelFile.load(keras).forward(x, taps: .all).taps)
    }
}
