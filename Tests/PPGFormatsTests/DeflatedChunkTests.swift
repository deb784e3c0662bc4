import Foundation
@testable import PPGFormats
import PPGSignals
import Testing

/// Deflated Float32 channels are decompressed chunk by chunk with libdeflate, bit for bit.
@Suite struct DeflatedChunkTests {
    @Test func deflatedChannelsReadChunkByChunkBitForBit() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        // 600 s at 32 Hz: 19,200 samples per channel, deflated in chunks of 16,384 (the second one partial).
        let r = try sampleRecording(durationS: 600, seed: 7)
        let path = dir.file("deflated.h5")
        try RecordingIO.write(r, to: path)
        let before = HDF5File.libdeflateChunks
        let back = try RecordingIO.read(path)
        // Two chunks for each of ppg, acc_x, acc_y, acc_z (tests running beside this one may add theirs).
        #expect(HDF5File.libdeflateChunks - before >= 8)
        #expect(back.channels.map(\.name) == r.channels.map(\.name))
        for (a, b) in zip(back.channels, r.channels) { #expect(bits(a.samples) == bits(b.samples)) }
    }
}
