import FuzzDriver
import PPGFormats

/// libFuzzer entry: the bytes as a recording CSV (with and without a rate from outside). Errors
/// are the expected outcome for most inputs; a crash or an AddressSanitizer report is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = fuzzText(data, size)
    _ = try? RecordingCSV.parse(text)
    _ = try? RecordingCSV.parse(text, samplingRateHz: 32)
    return 0
}

runLibFuzzer { data, size in fuzzCSV(data, size) }
