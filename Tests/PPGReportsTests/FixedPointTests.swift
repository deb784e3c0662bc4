import Foundation
@testable import PPGReports
import Testing

/// The CSV's numbers: the integer formatter writes what printf's `%.*f` writes, byte for byte, and
/// leaves ties and large values to printf.
@Suite struct FixedPointTests {
    static func printf(_ value: Double, _ digits: Int32) -> String {
        withVaList([digits, value]) { args in
            withUnsafeTemporaryAllocation(of: CChar.self, capacity: 512) { buffer in
                _ = vsnprintf(buffer.baseAddress!, 512, "%.*f", args)
                return String(cString: buffer.baseAddress!)
            }
        }
    }

    @Test func theIntegerFormatterIsPrintf() {
        var state: UInt64 = 11
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        var fast = 0
        for i in 0..<200_000 {
            let magnitude = [1e-4, 1, 60, 250, 1e4, 1e7][i % 6]
            let value = (next() - 0.5) * 2 * magnitude
            let digits = Int32(i % 7)
            if HeartRateReport.integerFixedPoint(value, digits: Int(digits)) != nil { fast += 1 }
            #expect(HeartRateReport.fixedPoint(value, digits: digits) == Self.printf(value, digits), "\(value) with \(digits) digits")
        }
        #expect(fast > 150_000, "the integer path takes most values (\(fast) of 200,000)")
    }

    @Test func tiesSignsAndEdgesAreWrittenAsPrintfWritesThem() {
        let values: [Double] = [0.125, 0.375, 2.5, 3.5, -0.5, 1.005, -0.0, 0, -0.001, 0.0004, 59.995, 1e-300,
                                4_294_967_295.5, 1e12, -1e12, .nan, .infinity, -.infinity, 72.45, 0.05, -0.05]
        for value in values {
            for digits: Int32 in [0, 1, 2, 3, 6] {
                #expect(HeartRateReport.fixedPoint(value, digits: digits) == Self.printf(value, digits), "\(value) with \(digits) digits")
            }
        }
        #expect(HeartRateReport.integerFixedPoint(0.125, digits: 2) == nil, "an exact tie is left to printf")
        #expect(HeartRateReport.integerFixedPoint(-0.0, digits: 1) == "-0.0")
    }
}
