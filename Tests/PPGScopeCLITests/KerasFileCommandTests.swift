import Foundation
import Testing

/// `ppgscope info` and `activations` on every Keras file format, and on broken `.keras` files.
@Suite struct KerasFileCommandTests {
    @Test(arguments: [
        ("k3_pair.keras", "Keras 3 .keras archive (keras 3.15.1"),
        ("k3_pair.h5", "Keras HDF5 model (keras 3.15.1, backend tensorflow"),
        ("k3_pair_tfkeras.h5", "Keras HDF5 model (keras 2.21.0"),
    ])
    func infoShowsTheFormatAndKerasVersion(file: String, format: String) throws {
        let r = try CLI.run(["info", CLI.fixture(file)])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("format: " + format), "\(r.stdout)")
        #expect(r.stdout.contains("model_52@2/conv1d_117") && r.stdout.contains("parameters: 1166"), "\(r.stdout)")
    }

    /// Each broken file: exit 1, the file and what is wrong (the layer and its class where there
    /// is one) on stderr, and no output file.
    @Test(arguments: [
        ("bad_k3_truncated.keras", "not a zip archive (or truncated: no central directory)"),
        ("bad_k3_no_weights.keras", "no model.weights.h5 in the archive"),
        ("bad_k3_weight_shape.keras", "conv1d_3 (Conv1D): weight 'kernel' has shape [4, 4, 4], the layer needs [3, 4, 4]"),
        ("bad_k3_nan_weight.keras", "conv1d_3 (Conv1D): weight 'kernel' holds NaN at [1, 2, 3]"),
        ("bad_k3_unsupported_layer.keras", "flatten_1 (Lambda): layer class 'Lambda' is not supported; ppgscope runs "),
        ("bad_k3_channels_first.keras", "conv1d_18 (Conv1D): data_format 'channels_first' is not supported (channels_last only)"),
    ])
    func brokenKerasFilesGiveAClearErrorAndNoOutput(file: String, message: String) throws {
        let dir = try CLI.temporaryDirectory("badkeras")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLI.run(["activations", "--model", CLI.fixture(file), "--inputs", CLI.fixture("golden_k3_seq.h5"),
                             "--out", dir + "/taps.h5"])
        #expect(r.status == 1)
        #expect(r.stderr.contains(CLI.fixture(file)), "the error names the file: \(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "no output file")
        let info = try CLI.run(["info", CLI.fixture(file)])
        #expect(info.status == 1 && info.stderr.contains(message), "\(info.stderr)")
    }

    /// The unsupported-class message lists the classes ppgscope runs.
    @Test func unsupportedClassListsTheSupportedOnes() throws {
        let r = try CLI.run(["info", CLI.fixture("bad_k3_unsupported_layer.keras")])
        #expect(r.stderr.contains("Conv1D") && r.stderr.contains("AveragePooling1D") && r.stderr.contains("MultiHeadAttention"), "\(r.stderr)")
    }

    @Test func activationsOnAKerasArchiveWritesKerasTaps() throws {
        let dir = try CLI.temporaryDirectory("kerasarchive")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLI.run(["activations", "--model", CLI.fixture("k3_seq.keras"), "--inputs", CLI.fixture("golden_k3_seq.h5"),
                             "--out", dir + "/taps.h5"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/taps.h5"))
    }
}
