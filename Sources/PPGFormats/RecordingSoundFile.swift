import CSndFile
import Foundation
import PPGSignals

/// Recordings as WAV or FLAC through libsndfile (conventions in data/README.md).
///
/// One audio channel per signal channel; all channels share one integer sampling rate (the header
/// rate) and one length. Names, units, per-channel scale factors, the reference HR and the
/// metadata travel as a JSON document:
///
///     {"ppgscope": 1, "channels": [{"name": "ppg", "unit": "a.u.", "scale": 1}],
///      "reference_hr": {"time_s": [...], "bpm": [...]}, "metadata": {"subject": "S6"}}
///
/// In FLAC it is the comment string (SF_STR_COMMENT, a Vorbis comment). In WAV it is a RIFF chunk
/// `ppgs` appended after the audio, because libsndfile 1.2.0 silently drops WAV comments of
/// 2047 bytes or more when reading and custom chunks over about 50 KB when writing; a WAV whose
/// comment holds the document (and has no `ppgs` chunk) is read too.
///
/// - WAV is 32-bit IEEE float: samples are stored as they are (not normalised), bit-exact.
/// - FLAC is 24-bit PCM: each channel is stored as round(x / scale) with
///   scale = max|x| / 8388607 (1 for an all-zero channel) and restored as q · scale, so it keeps
///   24 bits relative to each channel's peak (max error ≈ scale / 2).
///
/// A file without ppgscope metadata reads as channels `ppg` (mono) or `ch0`, `ch1`, … with unit
/// "a.u."; integer PCM samples come back as their integer values (not normalised to ±1).
public enum RecordingSoundFile {
    /// The two containers ppgscope writes.
    public enum Container: String, Sendable {
        case wav, flac
    }

    /// Full scale of 24-bit PCM.
    public static let pcm24FullScale = 8_388_607.0
    /// Highest rate the FLAC encoder accepts, Hz.
    public static let flacMaximumRateHz = 655_350

    /// Reads a WAV, FLAC or any other file libsndfile understands.
    public static func read(_ path: String) throws -> Recording {
        func fail(_ object: String?, _ message: String) -> PPGScopeError { PPGScopeError(file: path, object: object, message) }
        var info = SF_INFO()
        let sf = try SndFileLibrary.forFile(path)
        guard let handle = sf.open(path, Int32(SFM_READ), &info) else {
            throw fail(nil, "cannot open as audio: \(sf.message(nil))")
        }
        defer { _ = sf.close(handle) }
        let channelCount = Int(info.channels)
        guard channelCount >= 1, info.samplerate > 0 else {
            throw fail(nil, "audio header has \(info.channels) channels at \(info.samplerate) Hz")
        }
        guard info.frames >= 0, info.frames <= Int64(Int32.max) / Int64(channelCount) else {
            throw fail(nil, "audio header reports \(info.frames) frames: too many or unknown length")
        }
        let frames = Int(info.frames)
        try ResourceLimits.checkArray(count: frames * channelCount, elementBytes: MemoryLayout<Float>.size,
                                      "audio data (\(frames) frames × \(channelCount) channels)", file: path)
        _ = sf.command(handle, Int32(SFC_SET_NORM_FLOAT), nil, Int32(SF_FALSE))

        var interleaved = [Float](repeating: 0, count: frames * channelCount)
        if frames > 0 {
            let got = interleaved.withUnsafeMutableBufferPointer { sf.readFloats(handle, $0.baseAddress, sf_count_t(frames)) }
            guard got == sf_count_t(frames) else {
                throw fail(nil, "header says \(frames) frames but only \(got) could be read (truncated file?): \(sf.message(handle))")
            }
        }

        let comment = sf.getString(handle, Int32(SF_STR_COMMENT)).map { String(cString: $0) }
        var meta: SoundMetadata?
        if info.format & Int32(SF_FORMAT_TYPEMASK) == Int32(SF_FORMAT_WAV) {
            let chunk: Data?
            do {
                chunk = try RIFFChunk.read(id: RIFFChunk.metadataID, from: path)
            } catch let error as PPGScopeError {
                throw error.inFile(path)
            }
            if let chunk {
                guard let decoded = SoundMetadata.decode(String(decoding: chunk, as: UTF8.self)) else {
                    throw fail(RIFFChunk.metadataID, "the ppgscope metadata chunk is not valid JSON of format version 1")
                }
                meta = decoded
            }
        }
        if meta == nil { meta = comment.flatMap { SoundMetadata.decode($0) } }
        let rate = Double(info.samplerate)
        var channels: [Channel] = []
        if let meta {
            guard meta.channels.count == channelCount else {
                throw fail(nil, "ppgscope metadata describes \(meta.channels.count) channels but the audio has \(channelCount)")
            }
            for (c, description) in meta.channels.enumerated() {
                guard description.scale.isFinite, description.scale > 0 else {
                    throw fail(description.name, "scale factor must be a positive number, found \(description.scale)")
                }
                var samples = [Float](repeating: 0, count: frames)
                if description.scale == 1 {
                    for t in 0..<frames { samples[t] = interleaved[t * channelCount + c] }
                } else {
                    for t in 0..<frames { samples[t] = Float(Double(interleaved[t * channelCount + c]) * description.scale) }
                }
                channels.append(Channel(name: description.name, samplingRateHz: rate, unit: description.unit, samples: samples))
            }
        } else {
            for c in 0..<channelCount {
                let samples = (0..<frames).map { interleaved[$0 * channelCount + c] }
                channels.append(Channel(name: channelCount == 1 ? "ppg" : "ch\(c)", samplingRateHz: rate, unit: "a.u.", samples: samples))
            }
        }
        var metadata = (meta?.metadata ?? nil) ?? [:]
        if meta == nil, let comment, !comment.isEmpty { metadata["comment"] = comment }
        let reference = meta?.reference_hr.map { HeartRateSeries(timesS: $0.time_s, bpm: $0.bpm) }
        let recording = Recording(channels: channels, referenceHR: reference, metadata: metadata)
        do {
            try recording.validate()
        } catch let error as PPGScopeError {
            throw error.inFile(path)
        }
        return recording
    }

    /// Writes `recording` as float WAV or 24-bit FLAC (created or truncated; not atomic —
    /// `RecordingIO.write` is). Refuses recordings whose channels differ in rate or length, or
    /// whose rate is not a whole number of Hz.
    public static func write(_ recording: Recording, to path: String, container: Container) throws {
        func fail(_ object: String?, _ message: String) -> PPGScopeError { PPGScopeError(file: path, object: object, message) }
        do {
            try recording.validate()
        } catch let error as PPGScopeError {
            throw error.inFile(path)
        }
        let first = recording.channels[0]
        for channel in recording.channels.dropFirst() {
            guard channel.samplingRateHz == first.samplingRateHz else {
                throw fail(channel.name, "\(container.rawValue.uppercased()) holds one sampling rate: \(channel.samplingRateHz) Hz differs from \(first.name)'s \(first.samplingRateHz) Hz (resample, or write HDF5)")
            }
            guard channel.samples.count == first.samples.count else {
                throw fail(channel.name, "\(container.rawValue.uppercased()) holds channels of one length: \(channel.samples.count) samples differs from \(first.name)'s \(first.samples.count) (write HDF5 instead)")
            }
        }
        let rate = first.samplingRateHz
        guard rate == rate.rounded(), rate >= 1, rate <= Double(Int32.max) else {
            throw fail(first.name, "the \(container.rawValue.uppercased()) header stores a whole number of Hz: \(rate) Hz cannot be written (resample, or write HDF5 or CSV)")
        }
        if container == .flac, Int(rate) > flacMaximumRateHz {
            throw fail(first.name, "FLAC supports sampling rates up to \(flacMaximumRateHz) Hz, found \(Int(rate)) Hz")
        }
        guard recording.channels.count <= 1024 else {
            throw fail(nil, "libsndfile writes at most 1024 channels, found \(recording.channels.count)")
        }

        // Per-channel scale: 1 for float WAV; peak / full scale for 24-bit FLAC.
        let scales: [Double] = recording.channels.map { channel in
            guard container == .flac else { return 1 }
            let peak = channel.samples.reduce(0) { max($0, Double(abs($1))) }
            return peak > 0 ? peak / pcm24FullScale : 1
        }
        let meta = SoundMetadata(
            ppgscope: 1,
            channels: zip(recording.channels, scales).map { SoundMetadata.ChannelInfo(name: $0.name, unit: $0.unit, scale: $1) },
            reference_hr: recording.referenceHR.map { SoundMetadata.Reference(time_s: $0.timesS, bpm: $0.bpm) },
            metadata: recording.metadata)
        let json = try meta.encode()

        let channelCount = recording.channels.count
        let frames = first.samples.count
        var interleaved = [Float](repeating: 0, count: frames * channelCount)
        for (c, channel) in recording.channels.enumerated() {
            let scale = scales[c]
            if scale == 1 {
                for t in 0..<frames { interleaved[t * channelCount + c] = channel.samples[t] }
            } else {
                for t in 0..<frames {
                    let q = (Double(channel.samples[t]) / scale).rounded()
                    interleaved[t * channelCount + c] = Float(min(max(q, -pcm24FullScale), pcm24FullScale))
                }
            }
        }

        var info = SF_INFO()
        info.samplerate = Int32(rate)
        info.channels = Int32(channelCount)
        info.format = container == .wav ? Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT) : Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_24)
        let sf = try SndFileLibrary.forFile(path)
        guard sf.formatCheck(&info) == Int32(SF_TRUE) else {
            throw fail(nil, "libsndfile refuses \(container.rawValue.uppercased()) with \(channelCount) channels at \(Int(rate)) Hz")
        }
        guard let handle = sf.open(path, Int32(SFM_WRITE), &info) else {
            throw fail(nil, "cannot create \(container.rawValue.uppercased()) file: \(sf.message(nil))")
        }
        var closed = false
        defer { if !closed { _ = sf.close(handle) } }
        // Raw values in and out: no ±1 normalisation; clamp instead of wrapping or dropping frames.
        _ = sf.command(handle, Int32(SFC_SET_NORM_FLOAT), nil, Int32(SF_FALSE))
        _ = sf.command(handle, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
        if container == .flac {
            guard sf.setString(handle, Int32(SF_STR_COMMENT), json) == 0 else {
                throw fail(nil, "cannot store the ppgscope metadata (\(json.utf8.count) bytes) in the FLAC comment: \(sf.message(handle))")
            }
        }
        if frames > 0 {
            let written = interleaved.withUnsafeBufferPointer { sf.writeFloats(handle, $0.baseAddress, sf_count_t(frames)) }
            guard written == sf_count_t(frames) else {
                throw fail(nil, "libsndfile wrote \(written) of \(frames) frames: \(sf.message(handle))")
            }
        }
        closed = true
        let status = sf.close(handle)
        guard status == 0 else {
            throw fail(nil, "error closing the file: \(sf.errorNumber(status).map { String(cString: $0) } ?? "libsndfile error \(status)")")
        }
        if container == .wav {
            do {
                try RIFFChunk.append(id: RIFFChunk.metadataID, payload: Data(json.utf8), to: path)
            } catch let error as PPGScopeError {
                throw error.inFile(path)
            }
        }
    }
}

/// Just enough RIFF to add and find one chunk after libsndfile has written a WAV.
enum RIFFChunk {
    /// Id of the chunk holding ppgscope's JSON document in WAV files.
    static let metadataID = "ppgs"

    /// Appends chunk `id` (4 ASCII characters) with `payload` at the end of a RIFF file and updates
    /// the RIFF size. Chunks are word-aligned: an odd payload gets one pad byte.
    static func append(id: String, payload: Data, to path: String) throws {
        guard let handle = FileHandle(forUpdatingAtPath: path) else { throw PPGScopeError(file: path, "cannot reopen to add metadata") }
        defer { try? handle.close() }
        do {
            let header = try handle.read(upToCount: 12) ?? Data()
            guard header.count == 12, header.prefix(4) == Data("RIFF".utf8), header.suffix(4) == Data("WAVE".utf8) else {
                throw PPGScopeError(file: path, "not a RIFF/WAVE file: cannot add metadata")
            }
            var end = try handle.seekToEnd()
            if end % 2 == 1 {
                try handle.write(contentsOf: Data([0]))
                end += 1
            }
            let padded = UInt64(payload.count + payload.count % 2)
            let newLength = end + 8 + padded
            guard newLength - 8 <= UInt64(UInt32.max) else {
                throw PPGScopeError(file: path, "WAV would exceed 4 GiB with its metadata")
            }
            var chunk = Data(id.utf8.prefix(4))
            chunk.append(littleEndian: UInt32(payload.count))
            chunk.append(payload)
            if payload.count % 2 == 1 { chunk.append(0) }
            try handle.write(contentsOf: chunk)
            try handle.seek(toOffset: 4)
            var size = Data()
            size.append(littleEndian: UInt32(newLength - 8))
            try handle.write(contentsOf: size)
        } catch let error as PPGScopeError {
            throw error
        } catch {
            throw PPGScopeError(file: path, "cannot add metadata: \(error.localizedDescription)")
        }
    }

    /// The payload of the first chunk `id` after the RIFF header, or nil when there is none.
    static func read(id: String, from path: String) throws -> Data? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        do {
            let header = try handle.read(upToCount: 12) ?? Data()
            guard header.count == 12, header.prefix(4) == Data("RIFF".utf8) else { return nil }
            let fileEnd = try handle.seekToEnd()
            let riffEnd = UInt64(header.littleEndianUInt32(at: 4)) + 8
            guard riffEnd <= fileEnd else {
                throw PPGScopeError(file: path, "truncated: the RIFF header announces \(riffEnd) bytes but the file has \(fileEnd)")
            }
            var offset: UInt64 = 12
            let wanted = Data(id.utf8.prefix(4))
            while offset + 8 <= fileEnd {
                try handle.seek(toOffset: offset)
                let chunkHeader = try handle.read(upToCount: 8) ?? Data()
                guard chunkHeader.count == 8 else { return nil }
                let size = UInt64(chunkHeader.littleEndianUInt32(at: 4))
                if chunkHeader.prefix(4) == wanted {
                    guard offset + 8 + size <= fileEnd else {
                        throw PPGScopeError(object: id, "metadata chunk of \(size) bytes runs past the end of the file (truncated?)")
                    }
                    return try handle.read(upToCount: Int(size)) ?? Data()
                }
                offset += 8 + size + size % 2
            }
            return nil
        } catch let error as PPGScopeError {
            throw error
        } catch {
            throw PPGScopeError(file: path, "cannot read metadata: \(error.localizedDescription)")
        }
    }
}

extension Data {
    fileprivate mutating func append(littleEndian value: UInt32) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    fileprivate func littleEndianUInt32(at offset: Int) -> UInt32 {
        let bytes = Array(self[(startIndex + offset)..<(startIndex + offset + 4)])
        return UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
    }
}

/// The JSON document stored in SF_STR_COMMENT. Field names are the on-disk keys.
struct SoundMetadata: Codable, Equatable {
    struct ChannelInfo: Codable, Equatable {
        var name: String
        var unit: String
        /// Stored integer × scale = sample value in `unit`.
        var scale: Double
    }

    struct Reference: Codable, Equatable {
        var time_s: [Double]
        var bpm: [Double]
    }

    var ppgscope: Int
    var channels: [ChannelInfo]
    var reference_hr: Reference?
    var metadata: [String: String]?

    func encode() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(self)
        return String(decoding: data, as: UTF8.self)
    }

    /// The document, or nil when the comment is not ppgscope JSON.
    static func decode(_ comment: String) -> SoundMetadata? {
        guard comment.hasPrefix("{"), comment.contains("\"ppgscope\"") else { return nil }
        guard let meta = try? JSONDecoder().decode(SoundMetadata.self, from: Data(comment.utf8)), meta.ppgscope == 1 else { return nil }
        return meta
    }
}
