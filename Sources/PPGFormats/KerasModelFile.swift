import PPGNetwork
import PPGSignals

/// Reads a Keras 2 HDF5 model file (`model.save(..., save_format="h5")`): the root attribute
/// `model_config` describes the graph, `model_weights/<layer>/…/<name>:0` hold the weights, listed
/// in order by the `layer_names` and `weight_names` attributes. `optimizer_weights` is ignored.
public enum KerasModelFile {
    /// Loads the network in `path`. Errors name the file and the layer or dataset.
    public static func load(_ path: String) throws -> Network {
        let file = try HDF5File.open(path)
        defer { file.close() }
        guard file.hasAttribute("/", "model_config") else {
            throw PPGScopeError(file: path, "no 'model_config' attribute: not a Keras model file saved with its architecture")
        }
        let config = try file.stringAttribute("/", "model_config")
        let weights = try readWeights(file)
        let version = file.hasAttribute("/", "keras_version") ? try file.stringAttribute("/", "keras_version") : nil
        return try Network.fromKeras(modelConfig: config, weights: weights, file: path, kerasVersion: version)
    }

    /// All weight arrays keyed by their `weight_names` entry (`conv1d_117/kernel:0`).
    static func readWeights(_ file: HDF5File) throws -> [String: Tensor] {
        let root = file.exists("model_weights") ? "model_weights" : "/"
        guard file.hasAttribute(root, "layer_names") else {
            throw PPGScopeError(file: file.path, object: root, "missing 'layer_names' attribute")
        }
        var weights: [String: Tensor] = [:]
        for layer in try file.stringsAttribute(root, "layer_names") {
            let group = root == "/" ? layer : "\(root)/\(layer)"
            guard file.exists(group) else {
                throw PPGScopeError(file: file.path, object: group, "layer listed in layer_names has no weight group")
            }
            for name in try weightNames(file, group) {
                let dataset = "\(group)/\(name)"
                let (shape, values) = try file.readFloats(dataset)
                weights[name] = Tensor(shape: shape, values: values)
            }
        }
        return weights
    }

    /// `weight_names`, or its chunks `weight_names0`, `weight_names1`, … for very long lists.
    static func weightNames(_ file: HDF5File, _ group: String) throws -> [String] {
        if file.hasAttribute(group, "weight_names") {
            let names = try file.stringsAttribute(group, "weight_names")
            return names.count == 1 && names[0].isEmpty ? [] : names
        }
        var names: [String] = []
        var chunk = 0
        while file.hasAttribute(group, "weight_names\(chunk)") {
            names += try file.stringsAttribute(group, "weight_names\(chunk)")
            chunk += 1
        }
        return names
    }
}

extension KerasModelFile {
    /// True when `path` is an HDF5 file with a Keras `model_config` attribute.
    public static func isModelFile(_ path: String) -> Bool {
        guard let file = try? HDF5File.open(path) else { return false }
        defer { file.close() }
        return file.hasAttribute("/", "model_config")
    }
}
