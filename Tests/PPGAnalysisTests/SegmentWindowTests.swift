import Foundation
import PPGAnalysis
import PPGSignals
import Testing

/// Recordings with gaps: `ModelInput.prepare` cuts windows inside the segments only.
@Suite struct SegmentWindowTests {
    /// 40 s at 64 Hz with segments 0–9.99 s, 12–19 s (shorter than a window) and 21–40 s: the first
    /// gives one 8 s window (9.99 s at 32 Hz is 319 samples), the second none, the third
    /// (19 s → 608 samples) six, at 21, 23, …, 31 s.
    @Test func windowsStayInsideSegments() throws {
        let rate = 64.0
        let ppg = Channel(name: "ppg", samplingRateHz: rate, samples: (0..<Int(40 * rate)).map { Float(sin(2 * .pi * 1.5 * Double($0) / rate)) })
        let recording = Recording(channels: [ppg], segmentsS: [0..<9.99, 12..<19, 21..<40])
        var options = HeartRateOptions()
        options.filter = .none
        let prepared = try ModelInput.prepare(recording: recording, for: nil, options: options)
        #expect(prepared.count == 7)
        #expect((0..<prepared.count).map(prepared.startS) == [0, 21, 23, 25, 27, 29, 31])
        for n in 0..<prepared.count {
            let (s, e) = (prepared.startS(n), prepared.endS(n))
            #expect(recording.segmentsS.contains { $0.lowerBound <= s && e <= $0.upperBound + 1e-9 }, "window \(n): \(s)–\(e) s")
        }
        #expect(prepared.filterReport.note?.contains("1 shorter than a window skipped") == true, "\(prepared.filterReport.note ?? "")")
        // Window 1 (21 s) holds the signal from 21 s: away from the resampler's start-up at the
        // segment's first samples, the same values as the continuous recording at those times.
        let whole = try ModelInput.prepare(recording: Recording(channels: [ppg]), for: nil, options: options)
        let a = Array(prepared.window(1)), b = Array(whole.window(10)) + Array(whole.window(11).suffix(64))
        let worst = (64..<256).map { abs(a[$0] - b[$0 + 32]) }.max()!
        #expect(worst < 1e-3, "worst difference \(worst)")
    }

    @Test func allSegmentsTooShortIsAnError() {
        let ppg = Channel(name: "ppg", samplingRateHz: 32, samples: [Float](repeating: 0, count: 32 * 20))
        #expect(throws: PPGScopeError.self) {
            _ = try ModelInput.prepare(recording: Recording(channels: [ppg], segmentsS: [0..<7, 9..<16]), for: nil, options: HeartRateOptions())
        }
    }
}
