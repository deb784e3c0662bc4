import CSampleRate
import PPGSignals

/// Band-limited sample-rate conversion through libsamplerate's windowed-sinc converters.
public enum Resampling {
    /// libsamplerate's converter: `.best` (`SRC_SINC_BEST_QUALITY`, the model's input: 145 dB
    /// signal-to-noise, pass band to 96 % of the lower Nyquist) or `.fastest` (`SRC_SINC_FASTEST`:
    /// 97 dB, 80 %, about 30 times less work per sample), as libsamplerate documents them.
    public enum Quality: Sendable {
        case best, fastest

        var converter: Int32 { self == .best ? Int32(SRC_SINC_BEST_QUALITY) : Int32(SRC_SINC_FASTEST) }
    }

    /// `channel` converted to `targetRateHz`; returned unchanged when the rates already agree.
    public static func resample(_ channel: Channel, to targetRateHz: Double, quality: Quality = .best) throws -> Channel {
        guard let outCount = try outputCount(channel, targetRateHz) else { return channel }
        var output = [Float](repeating: 0, count: outCount)
        let produced = try output.withUnsafeMutableBufferPointer {
            try convert(channel, to: targetRateHz, quality: quality, into: $0.baseAddress!, capacity: outCount)
        }
        // Trimmed in place: no second copy of the output.
        output.removeLast(outCount - produced)
        var out = channel
        out.samples = output
        out.samplingRateHz = targetRateHz
        return out
    }

    /// `resample(channel, to:)`'s samples widened to Double (and its rate), without a Float copy
    /// of the output beside the Double array: libsamplerate writes its m Floats into the upper half
    /// of the m-Double array's memory (bytes 4m ..< 8m), and they are widened in place from the
    /// front — Double i ends at byte 8i + 8, at or before the first Float still to be read (byte
    /// 4m + 4i + 4, as i < m). The values are exactly `resample(...).samples.map(Double.init)`.
    public static func resampledToDouble(_ channel: Channel, to targetRateHz: Double,
                                         quality: Quality = .best) throws -> (samples: [Double], samplingRateHz: Double) {
        guard let outCount = try outputCount(channel, targetRateHz) else { return (channel.samples.map(Double.init), channel.samplingRateHz) }
        var output = [Double](repeating: 0, count: outCount)
        let produced = try output.withUnsafeMutableBytes { bytes -> Int in
            let upper = 4 * outCount
            let floats = (bytes.baseAddress! + upper).bindMemory(to: Float.self, capacity: outCount)
            let produced = try convert(channel, to: targetRateHz, quality: quality, into: floats, capacity: outCount)
            for i in 0..<produced {
                let value = Double(bytes.load(fromByteOffset: upper + 4 * i, as: Float.self))
                bytes.storeBytes(of: value, toByteOffset: 8 * i, as: Double.self)
            }
            _ = bytes.bindMemory(to: Double.self)
            return produced
        }
        output.removeLast(outCount - produced)
        return (output, targetRateHz)
    }

    /// The number of output samples (at least 1), or nil when the rates already agree.
    static func outputCount(_ channel: Channel, _ targetRateHz: Double) throws -> Int? {
        guard targetRateHz > 0, targetRateHz.isFinite else {
            throw PPGScopeError(object: channel.name, "target rate must be positive, found \(targetRateHz)")
        }
        if abs(channel.samplingRateHz - targetRateHz) <= 1e-9 * targetRateHz { return nil }
        return max(Int((Double(channel.samples.count) * (targetRateHz / channel.samplingRateHz)).rounded(.down)), 1)
    }

    /// libsamplerate's conversion of `channel` into `output` (`capacity` samples); the number written.
    static func convert(_ channel: Channel, to targetRateHz: Double, quality: Quality, into output: UnsafeMutablePointer<Float>,
                        capacity: Int) throws -> Int {
        let ratio = targetRateHz / channel.samplingRateHz
        let status: Int32 = channel.samples.withUnsafeBufferPointer { inp in
            var data = SRC_DATA()
            data.data_in = inp.baseAddress
            data.input_frames = inp.count
            data.data_out = output
            data.output_frames = capacity
            data.src_ratio = ratio
            data.end_of_input = 1
            let s = src_simple(&data, quality.converter, 1)
            return s == 0 ? Int32(data.output_frames_gen) : -s
        }
        guard status >= 0 else {
            throw PPGScopeError(object: channel.name, "resampling failed: \(String(cString: src_strerror(-status)))")
        }
        return Int(status)
    }
}

extension Resampling {
    /// libsamplerate's version string.
    public static var libraryVersion: String { src_get_version().map { String(cString: $0) } ?? "?" }
}
