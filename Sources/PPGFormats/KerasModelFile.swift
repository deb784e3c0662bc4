import Foundation
import PPGNetwork
import PPGSignals

/// What kind of Keras file a path holds, read from its content (never from its extension).
public enum KerasFileFormat: String, Sendable {
    /// Keras 3's native `.keras`: a zip of `config.json`, `model.weights.h5` and `metadata.json`.
    case kerasArchive = "Keras 3 .keras archive"
    /// `model.save("x.h5")`: the config in the root attribute `model_config`, weights under
    /// `model_weights/<layer>/…` (Keras 2 and tf-keras; Keras 3 writes it as its legacy format).
    case legacyHDF5 = "Keras HDF5 model"
    /// Weights only: Keras 3's `.weights.h5` (`layers/<group>/vars/<i>`) or Keras 2's
    /// `save_weights` HDF5 (`<layer>/<layer>/<name>:0`); the config comes from a separate JSON file.
    case weightsHDF5 = "Keras HDF5 weights"
}

/// Where a model came from: its format and what the file says about the Keras that wrote it.
public struct KerasFileDescription: Sendable {
    public var format: KerasFileFormat
    /// `keras_version` (metadata.json or the HDF5 root attribute), when the file records one.
    public var kerasVersion: String?
    /// `backend` (legacy HDF5) and `date_saved` (metadata.json), when recorded.
    public var backend: String?
    public var dateSaved: String?
    /// The separate config file, for a weights-only file.
    public var configFile: String?

    /// One line for `info`: `Keras 3 .keras archive (keras 3.15.1, saved 2026-12-05@16:49:16)`.
    public var text: String {
        var details: [String] = []
        if let kerasVersion { details.append("keras \(kerasVersion)") }
        if let backend { details.append("backend \(backend)") }
        if let dateSaved { details.append("saved \(dateSaved)") }
        if let configFile { details.append("config \(configFile)") }
        return format.rawValue + (details.isEmpty ? "" : " (\(details.joined(separator: ", ")))")
    }
}

/// Reads every file Keras writes for a model, chosen by content:
/// - a zip archive (`PK\u{3}\u{4}`): Keras 3 `.keras` — `config.json`, and `model.weights.h5`
///   read in memory (no temporary file), its unnamed variables matched to layers by
///   `KerasWeightsLayout`;
/// - an HDF5 file with a root `model_config`: Keras 2 / tf-keras `.h5` and Keras 3's legacy `.h5`,
///   weights listed by the `layer_names` and `weight_names` attributes (`optimizer_weights` ignored);
/// - an HDF5 file of weights only (Keras 3 `.weights.h5`, Keras 2 `save_weights`), with the
///   model config given separately.
///
/// Loading verifies the model: every layer class and option supported, every weight present
/// with the shape its layer's config implies, no weight the config does not account for (in a
/// `.keras` file), and no NaN or ±Inf anywhere. Errors name the file, the layer and its class.
public enum KerasModelFile {
    /// Loads the network in `path`; `configPath` supplies the model config (`config.json` of a
    /// `.keras`, or `model.to_json()`) for a weights-only file, and overrides a file's own.
    public static func load(_ path: String, configPath: String? = nil) throws -> Network {
        try loadDescribed(path, configPath: configPath).network
    }

    /// The network and what kind of file it came from.
    public static func loadDescribed(_ path: String, configPath: String? = nil) throws -> (network: Network, description: KerasFileDescription) {
        guard FileManager.default.fileExists(atPath: path) else { throw PPGScopeError(file: path, "no such file") }
        let separateConfig = try configPath.map { try readConfig($0) }
        if ZipArchive.hasZipSignature(path) { return try loadArchive(path, config: separateConfig, configPath: configPath) }
        let file = try HDF5File.open(path)
        defer { file.close() }
        if file.hasAttribute("/", "model_config") {
            let config = try separateConfig ?? file.stringAttribute("/", "model_config")
            let version = try? file.stringAttribute("/", "keras_version")
            let network = try Network.fromKeras(modelConfig: config, weights: try readWeights(file), file: path, kerasVersion: version)
            return (network, KerasFileDescription(
                format: .legacyHDF5, kerasVersion: version,
                backend: try? file.stringAttribute("/", "backend"), configFile: configPath))
        }
        let keras3Weights = file.isGroup("layers")
        guard keras3Weights || file.hasAttribute("/", "layer_names") else {
            throw PPGScopeError(file: path, "an HDF5 file but not a Keras model: no 'model_config' attribute and no Keras weights")
        }
        guard let config = separateConfig else {
            throw PPGScopeError(file: path, "holds weights only, not the model's config: give its config JSON too (info --config FILE.json), or save the whole model (model.save(\"m.keras\"))")
        }
        let network: Network
        let version = try? file.stringAttribute("/", "keras_version")
        if keras3Weights {
            // Only Keras 3 writes `layers/<group>/vars/<i>`.
            let (weights, undeclared) = try readKeras3Weights(file, config: config, file: path)
            network = try Network.fromKeras(modelConfig: config, weights: weights, file: path, kerasVersion: version ?? "3")
            if let undeclared { throw undeclared }
        } else {
            network = try Network.fromKeras(modelConfig: config, weights: try readWeights(file), file: path, kerasVersion: version)
        }
        return (network, KerasFileDescription(format: .weightsHDF5, kerasVersion: version,
                                              configFile: configPath))
    }

    /// A `.keras` archive.
    static func loadArchive(_ path: String, config separateConfig: String?, configPath: String?) throws -> (network: Network, description: KerasFileDescription) {
        let archive = try ZipArchive.open(path)
        defer { archive.close() }
        let holds = archive.entries.map(\.name).joined(separator: ", ")
        guard archive.contains("config.json") || separateConfig != nil else {
            throw PPGScopeError(file: path, "a zip archive without config.json: not a Keras .keras model (it holds \(holds.isEmpty ? "nothing" : holds))")
        }
        guard archive.contains("model.weights.h5") else {
            throw PPGScopeError(file: path, "no model.weights.h5 in the archive: a Keras .keras model keeps its weights there (it holds \(holds.isEmpty ? "nothing" : holds))")
        }
        let config = try separateConfig ?? archive.text("config.json")
        var description = KerasFileDescription(format: .kerasArchive, configFile: configPath)
        if archive.contains("metadata.json"),
           let metadata = try? JSONSerialization.jsonObject(with: archive.data("metadata.json")) as? [String: Any] {
            description.kerasVersion = metadata["keras_version"] as? String
            description.dateSaved = metadata["date_saved"] as? String
        }
        let weightsFile = try HDF5File.open(image: try archive.data("model.weights.h5"), name: "\(path)/model.weights.h5")
        defer { weightsFile.close() }
        let (weights, undeclared) = try readKeras3Weights(weightsFile, config: config, file: path)
        // A .keras archive is Keras 3's format whatever its metadata says.
        let network = try Network.fromKeras(modelConfig: config, weights: weights, file: path, kerasVersion: description.kerasVersion ?? "3")
        if let undeclared { throw undeclared }
        return (network, description)
    }

    /// Keras 3 weights (`layers/<group>/vars/<i>`), keyed `<layer>/<variable>` as the graph
    /// builder asks for them. Every variable the config declares must be stored; stored variables
    /// the config does not declare come back as an error to throw once the network is built (so
    /// that an unsupported option that adds variables, such as a LoRA adapter, is named as such).
    static func readKeras3Weights(_ h5: HDF5File, config: String, file path: String) throws -> (weights: [String: Tensor], undeclared: PPGScopeError?) {
        let variables: [KerasWeightsLayout.Variable]
        do { variables = try KerasWeightsLayout.variables(modelConfig: config) } catch let error as PPGScopeError {
            throw error.inFile(path)
        }
        var weights: [String: Tensor] = [:]
        for v in variables {
            guard h5.exists(v.dataset) else {
                throw PPGScopeError(file: path, object: "\(v.layer) (\(v.className))",
                                    "weights file has no '\(v.name)' (dataset \(v.dataset) in \(h5.path.split(separator: "/").last ?? ""))")
            }
            let (shape, values) = try h5.readFloats(v.dataset)
            weights[v.key] = Tensor(shape: shape, values: values)
        }
        let stored = h5.isGroup("layers") ? try h5.datasets(under: "layers") : []
        let declared = Set(variables.map(\.dataset))
        let extra = stored.filter { !declared.contains($0) }
        let undeclared = extra.isEmpty ? nil : PPGScopeError(
            file: path, "the weights hold \(extra.count) variable(s) the model config does not account for (\(extra.prefix(4).joined(separator: ", "))): config and weights do not belong together")
        return (weights, undeclared)
    }

    /// A model config JSON file's text.
    static func readConfig(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw PPGScopeError(file: path, "cannot read the model config") }
        guard let text = String(data: data, encoding: .utf8) else { throw PPGScopeError(file: path, "model config is not UTF-8 text") }
        return text
    }

    /// All weight arrays keyed by their `weight_names` entry (`conv1d_117/kernel:0`; Keras 3:
    /// `conv1d_117/kernel`).
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
        // Keras 3 names a Sequential model's weights by its own name first
        // (`k3_seq/conv1d_18/kernel`): also key them without it, as the layer asks.
        for (name, tensor) in weights {
            let parts = name.split(separator: "/", maxSplits: 1)
            if parts.count == 2, parts[1].contains("/"), weights[String(parts[1])] == nil { weights[String(parts[1])] = tensor }
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
    /// True when `path` holds a Keras model or weights by its content: a zip archive with a
    /// `config.json` (a `.keras`), or an HDF5 file with a `model_config` attribute or Keras 3 weights.
    /// Other zip archives and HDF5 files (recordings) are not.
    public static func isModelFile(_ path: String) -> Bool {
        if ZipArchive.hasZipSignature(path) {
            guard let archive = try? ZipArchive.open(path) else { return path.hasSuffix(".keras") }
            return archive.contains("config.json") || archive.contains("model.weights.h5")
        }
        guard let file = try? HDF5File.open(path) else { return false }
        defer { file.close() }
        return file.hasAttribute("/", "model_config") || file.isGroup("layers") || file.hasAttribute("/", "layer_names")
    }
}
