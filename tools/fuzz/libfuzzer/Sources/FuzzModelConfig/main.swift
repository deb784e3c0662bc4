import PPGNetwork

/// libFuzzer entry: the bytes as a Keras `model_config` JSON, parsed and built into a network
/// without weights (so every weighted layer ends in a "missing weight" error once its
/// configuration has been read). A crash or an AddressSanitizer report is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? Network.fromKeras(modelConfig: text, weights: [:], file: "fuzz")
    return 0
}
