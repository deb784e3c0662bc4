import Foundation
import PPGSignals

/// Turns a Keras 2 functional config into a flat list of `NetworkNode`s.
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
        var scope = makeScope(config, prefix: "", inputs: [inputName: 0])
        guard let outputRef = config["output_layers"]?.array, outputRef.count == 1 else {
            throw PPGScopeError(object: "model_config", "expected exactly one model output")
        }
        try resolveAllCalls(in: &scope)
        let output = try resolveReference(outputRef[0], in: &scope)
        return Network(inputShape: inputShape, nodes: nodes, outputSlot: output, slotShapes: slotShapes,
                       name: config["name"]?.string ?? "model")
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
        switch cls {
        case "Conv1D": parsed = try Conv1DLayer.fromKeras(call)
        case "AveragePooling1D": parsed = try AveragePoolingLayer.fromKeras(call)
        case "Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "ActivityRegularization":
            parsed = Structural.identity(fromKeras: call)
        case "SlicingOpLambda": parsed = try Structural.channelSlice(fromKeras: call)
        case "TFOpLambda", "Add": parsed = try Structural.add(fromKeras: call)
        case "MultiHeadAttention": parsed = try MultiHeadAttentionLayer.fromKeras(call)
        case "LayerNormalization": parsed = try LayerNormalizationLayer.fromKeras(call)
        case "Flatten": parsed = Structural.flatten(fromKeras: call)
        case "Dense": parsed = try DenseLayer.fromKeras(call)
        case "DistributionLambda": parsed = try Structural.normalDistribution(fromKeras: call)
        default:
            throw PPGScopeError(object: name, "layer class '\(cls)' is not supported")
        }
        let outShape = parsed.outputShape
        var step = slotTimeStep[first]
        var field = slotReceptiveField[first]
        if let growth = parsed.fieldGrowth { field = field.map { $0 + growth * step } } else { field = nil }
        step *= parsed.stride
        let slot = slotShapes.count
        slotShapes.append(outShape)
        slotTimeStep.append(step)
        slotReceptiveField.append(outShape.count == 2 ? field : nil)
        nodes.append(NetworkNode(name: name, operation: parsed.operation, inputs: inputs, output: slot, outputShape: outShape,
                                 timeStep: step, receptiveField: outShape.count == 2 ? field : nil))
        return slot
    }
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

    /// The weight `name` of this layer (`kernel`, `query/bias`, ...), checked against `shape`.
    func weight(_ name: String, shape: [Int], required: Bool = true) throws -> [Float]? {
        let layer = layerName
        let key = "\(layer)/\(name):0"
        guard let w = weights[key] ?? weights["\(layer)/\(name)"] else {
            if required { throw PPGScopeError(object: layer, "missing weight dataset '\(key)'") }
            return nil
        }
        guard w.shape == shape else {
            throw PPGScopeError(object: key, "weight has shape \(w.shape), the layer needs \(shape)")
        }
        return w.values
    }

    /// The config's `activation` (default linear): a Keras name or a serialised activation object.
    func activation() throws -> Activation {
        try Activation.fromKeras(config["activation"], dialect: dialect, object: name)
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
}
