import PPGFormats

/// libFuzzer entry: the bytes as a recording CSV (with and without a rate from outside). Errors
/// are the expected outcome for most inputs; a crash or an AddressSanitizer report is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? RecordingCSV.parse(text)
    _ = try? RecordingCSV.parse(text, samplingRateHz: 32)
    return 0
}
