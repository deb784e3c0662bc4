import PPGSignals
import Testing

@Suite struct RecordingTests {
    static func sample() -> Recording {
        Recording(channels: [Channel(name: "ppg", samplingRateHz: 32, samples: [1, 2, 3])],
                  referenceHR: HeartRateSeries(timesS: [0, 2], bpm: [60, 80]), metadata: ["subject": "S1"])
    }

    @Test func validRecordingPasses() throws {
        try Self.sample().validate()
    }

    @Test func heartRateInterpolatesLinearlyAndIsNilOutside() {
        let hr = HeartRateSeries(timesS: [0, 2, 4], bpm: [60, 80, 70])
        #expect(hr.value(at: 1) == 70)
        #expect(hr.value(at: 3) == 75)
        #expect(hr.value(at: 4) == 70)
        #expect(hr.value(at: -0.5) == nil)
        #expect(hr.value(at: 4.5) == nil)
    }

    @Test(arguments: [0.0, -32, .nan, .infinity])
    func badSamplingRateIsRefused(_ rate: Double) {
        var r = Self.sample()
        r.channels[0].samplingRateHz = rate
        let error = #expect(throws: PPGScopeError.self) { try r.validate() }
        #expect(error?.object == "ppg")
        #expect(error?.message.contains("sampling rate") == true)
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteSamplesAreRefused(_ bad: Float) {
        var r = Self.sample()
        r.channels[0].samples[1] = bad
        let error = #expect(throws: PPGScopeError.self) { try r.validate() }
        #expect(error?.message.contains("sample 1") == true)
    }

    @Test func emptyDuplicateAndMissingChannelsAreRefused() {
        #expect(throws: PPGScopeError.self) { try Recording(channels: []).validate() }
        var r = Self.sample()
        r.channels.append(r.channels[0])
        #expect(throws: PPGScopeError.self) { try r.validate() }
        r = Self.sample()
        r.channels[0].samples = []
        #expect(throws: PPGScopeError.self) { try r.validate() }
    }

    @Test func referenceHRMustIncreaseAndMatch() {
        var r = Self.sample()
        r.referenceHR = HeartRateSeries(timesS: [0, 0], bpm: [60, 61])
        #expect(throws: PPGScopeError.self) { try r.validate() }
        r.referenceHR = HeartRateSeries(timesS: [0, 1], bpm: [60])
        #expect(throws: PPGScopeError.self) { try r.validate() }
        r.referenceHR = HeartRateSeries(timesS: [0, 1], bpm: [60, .nan])
        #expect(throws: PPGScopeError.self) { try r.validate() }
    }
}
