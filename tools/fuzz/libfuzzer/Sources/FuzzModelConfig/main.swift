import Foundation
import PPGNetwork

/// libFuzzer entry: the bytes as a Keras `model_config` JSON, parsed and built into a network
/// without weights (so every weighted layer ends in a "missing weight" error once its
/// configuration has been read). A crash or an AddressSanitizer report is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzModelConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? Network.fromKeras(modelConfig: text, weights: [:], file: "fuzz")
    return 0
}

/// libFuzzer's driver (compiler-rt): parses the command line, then calls `test` on each input.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ test: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

// SwiftPM links this file's top-level code as the program's entry point; it hands over to libFuzzer.
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, { data, size in fuzzModelConfig(data, size) }))
