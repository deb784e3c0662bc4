import Foundation
import PPGSignals

/// Turns a Keras 2 functional config into a flat list of `NetworkNode`s (other dialects are
/// translated to it first by `KerasConfigDialect`).
///
/// Keras 2 semantics followed here:
/// - a layer's `inbound_nodes[k]` is its k-th call; a reference `[layer, nodeIndex, tensorIndex]`
///   names that call's output, except that for a nested `Functional` model node 0 is its own
///   construction, so `nodeIndex` k means `inbound_nodes[k − 1]`;
/// - `TFOpLambda`/`SlicingOpLambda` nodes are flat `[layer, node, tensor, kwargs]` lists whose kwargs
///   may hold further tensor references (`y` of an add);
/// - MultiHeadAttention is called with the query as the first input and `value` (and optional `key`)
///   in kwargs.
struct KerasGraphBuilder {
    let weights: [String: Tensor]
    /// Which Keras wrote the file (decides what `hard_sigmoid` means).
    var dialect: KerasDialect = .keras2
    var nodes: [NetworkNode] = []
    var slotShapes: [[Int]] = []
    var slotTimeStep: [Int] = []
    var slotReceptiveField: [Int?] = []
    /// Whether a slot's first axis is time (false after a Permute, a Reshape or a global pooling).
    var slotHasTime: [Bool] = []

    init(weights: [String: Tensor]) { self.weights = weights }

    /// A value computed by the graph: its slot.
    typealias Slot = Int

    /// One model scope (the top level or one call of a nested sub-model).
    struct Scope {
        var layers: [String: JSONValue]
        var order: [String]
        /// Tap-name prefix (`model_52@1/`), empty at top level.
        var prefix: String
        /// Resolved (layer, nodeIndex) → slot.
        var resolved: [String: Slot] = [:]
        /// Slots bound to this scope's input layers.
        var inputs: [String: Slot]
        /// (layer, nodeIndex) being resolved: met again, the graph has a cycle.
        var inProgress: Set<String> = []
    }

    mutating func build(_ json: JSONValue) throws -> Network {
        guard let cls = json["class_name"]?.string, cls == "Functional" || cls == "Model" else {
            throw PPGScopeError(object: "model_config", "expected a Keras Functional model, found \(json["class_name"]?.string ?? "nothing")")
        }
        guard let config = json["config"], let inputLayers = config["input_layers"]?.array, inputLayers.count == 1 else {
            throw PPGScopeError(object: "model_config", "expected exactly one model input")
        }
        let layers = config["layers"]?.array ?? []
        guard let inputName = inputLayers[0].array?.first?.string,
              let inputLayer = layers.first(where: { $0["config"]?["name"]?.string == inputName }),
              let shapeJSON = (inputLayer["config"]?["batch_input_shape"] ?? inputLayer["config"]?["batch_shape"])?.array
        else { throw PPGScopeError(object: "model_config", "cannot find the input layer's shape") }
        let inputShape = shapeJSON.dropFirst().compactMap(\.int)
        guard inputShape.count == shapeJSON.count - 1, inputShape.count == 2 else {
            throw PPGScopeError(object: inputName, "input shape must be [time, channels] with known sizes, found \(shapeJSON)")
        }
        slotShapes = [inputShape]
        slotTimeStep = [1]
        slotReceptiveField = [1]
        slotHasTime = [true]
        var scope = makeScope(config, prefix: "", inputs: [inputName: 0])
        guard let outputRef = config["output_layers"]?.array, outputRef.count == 1 else {
            throw PPGScopeError(object: "model_config", "expected exactly one model output")
        }
        try resolveAllCalls(in: &scope)
        let output = try resolveReference(outputRef[0], in: &scope)
        var network = Network(inputShape: inputShape, nodes: nodes, outputSlot: output, slotShapes: slotShapes,
                              name: config["name"]?.string ?? "model")
        network.foldBatchNormalization()
        return network
    }

    func makeScope(_ config: JSONValue, prefix: String, inputs: [String: Slot]) -> Scope {
        var layers: [String: JSONValue] = [:]
        var order: [String] = []
        for layer in config["layers"]?.array ?? [] {
            if let name = layer["config"]?["name"]?.string ?? layer["name"]?.string {
                layers[name] = layer
                order.append(name)
            }
        }
        return Scope(layers: layers, order: order, prefix: prefix, inputs: inputs)
    }

    /// Resolves every call of every layer in config order, so that nodes run (and taps are listed)
    /// in the order Keras lists them: the previous window's branch before the current one.
    mutating func resolveAllCalls(in scope: inout Scope) throws {
        for name in scope.order where scope.inputs[name] == nil {
            guard let layer = scope.layers[name], layer["class_name"]?.string != "InputLayer" else { continue }
            let calls = layer["inbound_nodes"]?.array?.count ?? 0
            let nested = layer["class_name"]?.string == "Functional" || layer["class_name"]?.string == "Model"
            for call in 0..<calls { _ = try resolve(name, node: nested ? call + 1 : call, in: &scope) }
        }
    }

    /// `[layer, nodeIndex, tensorIndex, ...]` → slot.
    mutating func resolveReference(_ ref: JSONValue, in scope: inout Scope) throws -> Slot {
        guard let parts = ref.array, parts.count >= 2, let name = parts[0].string, let node = parts[1].int else {
            throw PPGScopeError(object: "model_config", "malformed tensor reference \(ref)")
        }
        if let tensorIndex = parts.count > 2 ? parts[2].int : 0, tensorIndex != 0 {
            throw PPGScopeError(object: name, "multi-output layers are not supported (tensor index \(tensorIndex))")
        }
        return try resolve(name, node: node, in: &scope)
    }

    mutating func resolve(_ name: String, node: Int, in scope: inout Scope) throws -> Slot {
        if let slot = scope.inputs[name] { return slot }
        let key = "\(name)#\(node)"
        if let slot = scope.resolved[key] { return slot }
        // A damaged config can make a layer its own input; without this check the recursion
        // overflows the stack (found by the libFuzzer harness of model_config).
        guard scope.inProgress.insert(key).inserted else {
            throw PPGScopeError(object: name, "layer depends on its own output (a cycle in inbound_nodes)")
        }
        defer { scope.inProgress.remove(key) }
        guard let layer = scope.layers[name] else {
            throw PPGScopeError(object: name, "layer referenced but not defined in the model config")
        }
        let cls = layer["class_name"]?.string ?? "?"
        let inbound = layer["inbound_nodes"]?.array ?? []
        let isNested = cls == "Functional" || cls == "Model"
        let callIndex = isNested ? node - 1 : node
        guard callIndex >= 0, callIndex < inbound.count else {
            throw PPGScopeError(object: name, "reference to call \(node) but the layer has \(inbound.count) calls")
        }
        let call = inbound[callIndex]
        // Inputs of this call: the first positional tensor(s), plus tensor kwargs.
        var positional: [JSONValue] = []
        var kwargs: [String: JSONValue] = [:]
        if let items = call.array, let first = items.first, first.string != nil {
            // TFOpLambda form: [layer, node, tensor, kwargs]
            positional = [call]
            if items.count > 3, case .object(let kw) = items[3] { kwargs = kw }
        } else {
            for item in call.array ?? [] {
                positional.append(item)
                if let a = item.array, a.count > 3, case .object(let kw) = a[3] {
                    kwargs.merge(kw) { a, _ in a }
                }
            }
        }
        let displayName = inbound.count > 1 ? "\(scope.prefix)\(name)@\(callIndex + 1)" : "\(scope.prefix)\(name)"
        var inputSlots: [Slot] = []
        for p in positional { inputSlots.append(try resolveReference(p, in: &scope)) }

        let slot: Slot
        if isNested {
            guard let config = layer["config"], let inputLayers = config["input_layers"]?.array, inputLayers.count == inputSlots.count,
                  let outputs = config["output_layers"]?.array, outputs.count == 1
            else { throw PPGScopeError(object: name, "nested model must have matching inputs and one output") }
            var bindings: [String: Slot] = [:]
            for (i, ref) in inputLayers.enumerated() {
                guard let inName = ref.array?.first?.string else { continue }
                bindings[inName] = inputSlots[i]
            }
            var inner = makeScope(config, prefix: displayName + "/", inputs: bindings)
            try resolveAllCalls(in: &inner)
            slot = try resolveReference(outputs[0], in: &inner)
        } else {
            var extra: [Slot] = []
            if cls == "MultiHeadAttention" {
                guard let value = kwargs["value"] else { throw PPGScopeError(object: name, "attention call without a value input") }
                let valueSlot = try resolveReference(value, in: &scope)
                let keySlot = try kwargs["key"].flatMap { $0.isNull ? nil : $0 }.map { try resolveReference($0, in: &scope) } ?? valueSlot
                if kwargs["attention_mask"].map({ !$0.isNull }) ?? false {
                    throw PPGScopeError(object: name, "attention masks are not supported")
                }
                extra = [valueSlot, keySlot]
            } else if cls == "TFOpLambda", let y = kwargs["y"], y.array?.first?.string != nil {
                extra = [try resolveReference(y, in: &scope)]
            }
            slot = try addNode(name: displayName, layerName: name, layer: layer, inputs: inputSlots + extra, kwargs: kwargs)
        }
        scope.resolved[key] = slot
        return slot
    }

    mutating func addNode(name: String, layerName: String, layer: JSONValue, inputs: [Slot], kwargs: [String: JSONValue]) throws -> Slot {
        let cls = layer["class_name"]?.string ?? "?"
        guard let first = inputs.first else { throw PPGScopeError(object: name, "layer has no input") }
        let call = KerasLayerCall(name: name, layerName: layerName, className: cls, config: layer["config"] ?? .object([:]),
                                  kwargs: kwargs, inputShapes: inputs.map { slotShapes[$0] }, weights: weights, dialect: dialect)
        let parsed: ParsedLayer
        do {
            guard let parser = Self.parsers[cls] else { throw KerasLayerCatalog.unsupported(cls, layer: name) }
            try KerasLayerCatalog.checkOptions(className: cls, config: call.config, layer: name)
            parsed = try parser(call)
        } catch var error as PPGScopeError {
            // Every layer error names the layer and its class.
            if error.object == nil || error.object == name || error.object == layerName { error.object = "\(name) (\(cls))" }
            throw error
        }
        let outShape = parsed.outputShape

        var step = slotTimeStep[first]
        // Several inputs (merges): the widest receptive field; unknown if any input's is.
        var field = inputs.map { slotReceptiveField[$0] }.reduce(Optional(0)) { a, b in a.flatMap { a in b.map { max(a, $0) } } }
        if let growth = parsed.fieldGrowth { field = field.map { $0 + growth * step } } else { field = nil }
        step *= parsed.stride
        if parsed.upsampling > 1 {
            guard step % parsed.upsampling == 0 else {
                throw PPGScopeError(object: name, "\(cls) by \(parsed.upsampling) after a step of \(step) input samples gives a rate that is not a whole multiple of the input rate; not supported")
            }
            step /= parsed.upsampling
        }
        let hasTime = outShape.count == 2 && (parsed.keepsTime ?? inputs.contains { slotHasTime[$0] })
        let slot = slotShapes.count
        slotShapes.append(outShape)
        slotTimeStep.append(step)
        slotReceptiveField.append(hasTime ? field : nil)
        slotHasTime.append(hasTime)
        nodes.append(NetworkNode(name: name, operation: parsed.operation, inputs: inputs, output: slot, outputShape: outShape,
                                 timeStep: step, receptiveField: hasTime ? field : nil, hasTimeAxis: hasTime))
        return slot
    }

    /// Keras class name → parser of one call (`fromKeras` in `Layers/`). `KerasLayerCatalog.supported`
    /// is these classes and the containers; `KerasLayerCatalog.variableOrder` lists their `.keras` variables.
    static let parsers: [String: @Sendable (KerasLayerCall) throws -> ParsedLayer] = [
        "Conv1D": Conv1DLayer.fromKeras,
        "DepthwiseConv1D": DepthwiseConv1DLayer.fromKeras,
        "SeparableConv1D": SeparableConv1DLayer.fromKeras,
        "AveragePooling1D": AveragePoolingLayer.fromKeras,
        "MaxPooling1D": MaxPoolingLayer.fromKeras,
        "GlobalAveragePooling1D": GlobalPoolingLayer.fromKeras,
        "GlobalMaxPooling1D": GlobalPoolingLayer.fromKeras,
        "BatchNormalization": BatchNormalizationLayer.fromKeras,
        "Dropout": Structural.identity(fromKeras:), "SpatialDropout1D": Structural.identity(fromKeras:),
        "GaussianNoise": Structural.identity(fromKeras:), "GaussianDropout": Structural.identity(fromKeras:),
        "AlphaDropout": Structural.identity(fromKeras:), "ActivityRegularization": Structural.identity(fromKeras:),
        "SlicingOpLambda": Structural.channelSlice(fromKeras:),
        "TFOpLambda": Structural.add(fromKeras:),
        "Add": MergeLayer.fromKeras, "Subtract": MergeLayer.fromKeras, "Multiply": MergeLayer.fromKeras,
        "Average": MergeLayer.fromKeras, "Maximum": MergeLayer.fromKeras, "Minimum": MergeLayer.fromKeras,
        "Concatenate": ConcatenateLayer.fromKeras,
        "ZeroPadding1D": TimeAxisLayer.fromKeras, "Cropping1D": TimeAxisLayer.fromKeras, "UpSampling1D": TimeAxisLayer.fromKeras,
        "Reshape": Structural.reshape(fromKeras:), "Permute": Structural.permute(fromKeras:),
        "Flatten": Structural.flatten(fromKeras:),
        "Activation": ActivationLayer.fromKeras, "ReLU": ActivationLayer.fromKeras, "LeakyReLU": ActivationLayer.fromKeras,
        "ELU": ActivationLayer.fromKeras, "PReLU": ActivationLayer.fromKeras,
        "LSTM": RecurrentLayer.fromKeras, "GRU": RecurrentLayer.fromKeras,
        "MultiHeadAttention": MultiHeadAttentionLayer.fromKeras,
        "LayerNormalization": LayerNormalizationLayer.fromKeras,
        "Dense": DenseLayer.fromKeras,
        "DistributionLambda": Structural.normalDistribution(fromKeras:),
    ]

}

/// One call of a Keras layer as the per-layer parsers (`fromKeras` in `Layers/`) see it.
struct KerasLayerCall {
    /// Node name for messages and taps (`model_52@1/conv1d_117`).
    let name: String
    /// Keras layer name, the prefix of its weight datasets.
    let layerName: String
    let className: String
    let config: JSONValue
    /// Keyword arguments of the call (`slice_spec`, `value`, ...).
    let kwargs: [String: JSONValue]
    /// Per-window shapes of the inputs; the first is the main input.
    let inputShapes: [[Int]]
    let weights: [String: Tensor]
    /// Which Keras wrote the file (decides what `hard_sigmoid` means).
    var dialect: KerasDialect = .keras2

    /// Per-window shape of the main input: `[time, channels]` or `[features]`.
    var inputShape: [Int] { inputShapes[0] }

    /// The weight `name` of this layer (`kernel`, `query/bias`, ...), checked against `shape`
    /// and for NaN and ±Inf. Errors name the layer and its class.
    /// A recurrent layer's weights sit one level deeper, under its cell (`lstm/lstm_cell/kernel:0`):
    /// with `inCell`, the one weight `<layer>/<cell>/<name>` is read whatever the cell is called.
    func weight(_ name: String, shape: [Int], required: Bool = true, inCell: Bool = false) throws -> [Float]? {
        let layer = "\(self.name) (\(className))"
        var key = "\(layerName)/\(name):0"
        if inCell {
            let matches = weights.keys.filter { k in
                let parts = k.split(separator: "/", omittingEmptySubsequences: false)
                return parts.count == 3 && parts[0] == layerName && (parts[2] == name || parts[2] == "\(name):0")
            }
            if matches.count == 1 { key = matches[0] }
        }
        guard let w = weights[key] ?? weights["\(layerName)/\(name)"] else {
            if required { throw PPGScopeError(object: layer, "missing weight '\(name)' (dataset '\(inCell ? "\(layerName)/<cell>/\(name)" : "\(layerName)/\(name)")')") }
            return nil
        }
        guard w.shape == shape else {
            throw PPGScopeError(object: layer, "weight '\(name)' has shape \(w.shape), the layer needs \(shape)")
        }
        if let bad = w.values.firstIndex(where: { !$0.isFinite }) {
            var index: [Int] = []
            var rest = bad
            for size in shape.reversed() {
                index.insert(rest % size, at: 0)
                rest /= size
            }
            let value = w.values[bad].isNaN ? "NaN" : w.values[bad] > 0 ? "+Inf" : "-Inf"
            throw PPGScopeError(object: layer, "weight '\(name)' holds \(value) at \(index): the model's weights must be finite")
        }
        return w.values
    }

    /// The config's `activation` (default linear: a Keras name or a serialised activation object),
    /// or the option `key` naming an activation, with `fallback` when the config leaves it out.
    func activation(_ key: String = "activation", default fallback: String = "linear") throws -> Activation {
        try Activation.fromKeras(config[key] ?? .string(fallback), dialect: dialect, object: name)
    }

    /// Throws unless `data_format` is absent or `channels_last` (the only layout ppgscope runs).
    func requireChannelsLast() throws {
        let format = config["data_format"]?.string ?? "channels_last"
        guard format == "channels_last" else {
            throw PPGScopeError(object: name, "data_format '\(format)' is not supported (channels_last only)")
        }
    }

    /// Throws when the boolean option `key` is set: options ppgscope refuses rather than ignores.
    func refuse(_ key: String, because reason: String) throws {
        if config[key]?.bool == true { throw PPGScopeError(object: name, "option \(key)=true is not supported: \(reason)") }
    }

    /// Throws unless the main input is `[time, channels]`.
    func requireTime() throws {
        let inShape = inputShape
        guard inShape.count == 2 else { throw PPGScopeError(object: name, "\(className) needs a [time, channels] input, found \(inShape)") }
    }
}

/// What a layer parser returns: the operation, its per-window output shape, and how it changes
/// the time grid (for `NetworkNode.timeStep` and `receptiveField`).
struct ParsedLayer {
    var operation: LayerOperation
    var outputShape: [Int]
    /// Input steps per output step (the layer's stride; 1 when the time grid is kept).
    var stride = 1
    /// Growth of the receptive field in input steps (`(kernelSize − 1)·dilation` for a conv), or
    /// nil when an output row no longer depends on a bounded span of time.
    var fieldGrowth: Int? = 0
    /// Output steps per input step (UpSampling1D's size; 1 otherwise).
    var upsampling = 1
    /// Whether the output's first axis is time: nil keeps the inputs' (for a 2-D output), false
    /// after a layer that moves time elsewhere (Permute, Reshape, keepdims global pooling).
    var keepsTime: Bool? = nil
}
