import Foundation
import PPGFormats

/// libFuzzer entry: the bytes as a recording CSV (with and without a rate from outside). Errors
/// are the expected outcome for most inputs; a crash or an AddressSanitizer report is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? RecordingCSV.parse(text)
    _ = try? RecordingCSV.parse(text, samplingRateHz: 32)
    return 0
}

/// libFuzzer's driver (compiler-rt): parses the command line, then calls `test` on each input.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ test: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

// SwiftPM links this file's top-level code as the program's entry point; it hands over to libFuzzer.
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, { data, size in fuzzCSV(data, size) }))
