import CSampleRate
import PPGSignals

/// Band-limited sample-rate conversion through libsamplerate (`SRC_SINC_BEST_QUALITY`: a windowed
/// sinc with about 97 dB of stop-band attenuation and a pass band to 97 % of the lower Nyquist).
public enum Resampling {
    /// `channel` converted to `targetRateHz`; returned unchanged when the rates already agree.
    public static func resample(_ channel: Channel, to targetRateHz: Double) throws -> Channel {
        guard targetRateHz > 0, targetRateHz.isFinite else {
            throw PPGScopeError(object: channel.name, "target rate must be positive, found \(targetRateHz)")
        }
        if abs(channel.samplingRateHz - targetRateHz) <= 1e-9 * targetRateHz { return channel }
        let ratio = targetRateHz / channel.samplingRateHz
        let outCount = Int((Double(channel.samples.count) * ratio).rounded(.down))
        var output = [Float](repeating: 0, count: max(outCount, 1))
        let status: Int32 = channel.samples.withUnsafeBufferPointer { inp in
            output.withUnsafeMutableBufferPointer { outp in
                var data = SRC_DATA()
                data.data_in = inp.baseAddress
                data.input_frames = inp.count
                data.data_out = outp.baseAddress
                data.output_frames = outp.count
                data.src_ratio = ratio
                data.end_of_input = 1
                let s = src_simple(&data, Int32(SRC_SINC_BEST_QUALITY), 1)
                return s == 0 ? Int32(data.output_frames_gen) : -s
            }
        }
        guard status >= 0 else {
            throw PPGScopeError(object: channel.name, "resampling failed: \(String(cString: src_strerror(-status)))")
        }
        var out = channel
        // Trimmed in place: no second copy of the output.
        output.removeLast(output.count - Int(status))
        out.samples = output
        out.samplingRateHz = targetRateHz
        return out
    }
}

extension Resampling {
    /// libsamplerate's version string.
    public static var libraryVersion: String { src_get_version().map { String(cString: $0) } ?? "?" }
}
