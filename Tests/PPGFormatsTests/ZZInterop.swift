import Foundation
import PPGFormats
import PPGSignals
import Testing
@Test func zzInteropDaLiA() throws {
    let r = try RecordingIO.read("/tmp/ppgscope-interop/s6_windows.h5")
    print("CHANNELS", r.channels.map { "\($0.name) \($0.unit) \($0.samplingRateHz) \($0.samples.count) \($0.samples.prefix(3))" })
    print("HR", r.referenceHR!.timesS.prefix(3), r.referenceHR!.bpm.prefix(3), r.referenceHR!.timesS.last!)
    print("META", r.metadata)
    try RecordingIO.write(r, to: "/tmp/ppgscope-interop/s6.h5")
    try RecordingIO.write(r, to: "/tmp/ppgscope-interop/s6.wav")
    try RecordingIO.write(r, to: "/tmp/ppgscope-interop/s6.csv")
    print("SAME", try RecordingIO.read("/tmp/ppgscope-interop/s6.h5") == r, try RecordingIO.read("/tmp/ppgscope-interop/s6.wav") == r, try RecordingIO.read("/tmp/ppgscope-interop/s6.csv") == r)
}
