import PPGSignals

/// One operation of a network flattened from its Keras graph: nested sub-models are inlined once
/// per call, sharing weights, so every node is a concrete layer call with its own tap name.
public struct NetworkNode: Sendable {
    /// Tap name: the Keras layer path, `<submodel>/<layer>`, `<submodel>@<call>/<layer>` when the
    /// sub-model is called more than once, or the top-level layer name.
    public var name: String
    public var operation: LayerOperation
    /// Value slots read (slot 0 is the network input).
    public var inputs: [Int]
    /// Value slot written.
    public var output: Int
    /// Output shape per window: `[time, channels]` or `[features]`.
    public var outputShape: [Int]
    /// Input samples per output time step (1 before any pooling or stride; 4 after a pool of 4).
    /// A tap's sampling rate is the input rate divided by this.
    public var timeStep: Int
    /// Receptive field in input samples of one output time step (nil once time is mixed:
    /// attention, flatten, dense, recurrent layers).
    public var receptiveField: Int?
    /// Whether the output's first axis is time (`[time, channels]`); false for `[features]` and
    /// after layers that move time elsewhere (Permute, Reshape, global pooling with keepdims).
    public var hasTimeAxis: Bool

    public init(name: String, operation: LayerOperation, inputs: [Int], output: Int, outputShape: [Int], timeStep: Int,
                receptiveField: Int?, hasTimeAxis: Bool? = nil) {
        (self.name, self.operation, self.inputs, self.output, self.outputShape) = (name, operation, inputs, output, outputShape)
        (self.timeStep, self.receptiveField) = (timeStep, receptiveField)
        self.hasTimeAxis = hasTimeAxis ?? (outputShape.count == 2)
    }

    /// This node's taps in forward order: `<name>.preact` (the output before the activation) for
    /// layers with an activation option, then `<name>`.
    public var tapNames: [String] {
        operation.hasPreactivation ? [name + ".preact", name] : [name]
    }
}

/// A runnable network: nodes in execution order, their shapes, and the final output slot.
public struct Network: Sendable {
    /// Per-window input shape `[time, channels]`.
    public var inputShape: [Int]
    public var nodes: [NetworkNode]
    /// The slot holding the model output.
    public var outputSlot: Int
    /// Total number of value slots (network input included).
    public var slotCount: Int { slotShapes.count }
    /// Per-window shape of every value slot (slot 0 is the input), as the builder inferred them.
    public var slotShapes: [[Int]]
    /// Model name from the file.
    public var name: String
    /// BatchNormalization folded into the Conv1D or Dense before it (keyed by that layer's node
    /// index): run in place of the two whenever the first one's own taps are not asked for.
    public var batchNormFolds: [Int: BatchNormFold] = [:]
    /// Output edits for ablation (see `withActivationEdits`); empty for the model as trained.
    public var activationEdits: [String: ActivationEdit] = [:]

    /// Output shape per window.
    public var outputShape: [Int] {
        nodes.last(where: { $0.output == outputSlot })?.outputShape ?? inputShape
    }

    /// Trainable parameters, counting shared weights once (a shared sub-model's layers appear once per call).
    public var parameterCount: Int {
        var seen = Set<String>()
        var total = 0
        for node in nodes {
            let layerName = node.name.split(separator: "/").last.map(String.init) ?? node.name
            let key = (node.name.contains("/") ? String(node.name.split(separator: "/").first!.split(separator: "@").first!) + "/" : "") + layerName
            if seen.insert(key).inserted { total += node.operation.parameterCount }
        }
        return total
    }

    /// The tap names in forward order; each layer with an activation option (Conv1D,
    /// SeparableConv1D, DepthwiseConv1D, Dense) contributes `<name>.preact` before `<name>`.
    public var tapNames: [String] { nodes.flatMap(\.tapNames) }

    /// The node called `name` (a tap name without `.preact`).
    public func node(named name: String) -> NetworkNode? { nodes.first { $0.name == name } }
}

extension Network {
    /// Builds a network from a Keras model config (Keras 2 or 3 dialect, Functional or
    /// Sequential; see `KerasConfigDialect`) and the file's weights.
    ///
    /// - Parameters:
    ///   - modelConfig: the model config JSON: the root `model_config` attribute of an `.h5`, or
    ///     a `.keras` archive's `config.json`.
    ///   - weights: arrays keyed by Keras weight name without the file's group prefix,
    ///     e.g. `conv1d_117/kernel:0`, `multi_head_attention_13/query/bias` (see `KerasWeightsLayout`
    ///     for a `.keras` file's unnamed variables).
    ///   - file: the file the config came from, for error messages.
    ///   - kerasVersion: the file's `keras_version` (Keras 2 when nil): Keras 3 gives some names other maths.
    public static func fromKeras(modelConfig: String, weights: [String: Tensor], file: String? = nil,
                                 kerasVersion: String? = nil) throws -> Network {
        do {
            let json = try KerasConfigDialect.keras2Functional(try KerasWeightsLayout.parse(modelConfig))
            if let config = json["config"] { try KerasLayerCatalog.checkClasses(config) }
            var builder = KerasGraphBuilder(weights: weights)
            builder.dialect = KerasDialect(kerasVersion: kerasVersion)
            return try builder.build(json)
        } catch let error as PPGScopeError {
            throw error.inFile(file ?? "")
        }
    }
}
