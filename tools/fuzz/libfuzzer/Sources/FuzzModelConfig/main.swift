import FuzzDriver
import PPGNetwork

/// libFuzzer entry: the bytes as a Keras `model_config` JSON, parsed and built into a network
/// without weights (so every weighted layer ends in a "missing weight" error once its
/// configuration has been read). A crash or an AddressSanitizer report is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzModelConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? Network.fromKeras(modelConfig: fuzzText(data, size), weights: [:], file: "fuzz")
    return 0
}

runLibFuzzer { data, size in fuzzModelConfig(data, size) }
