import PPGReports
import Testing

/// The cohort report's Bland–Altman sample stays bounded and does not depend on how the points arrive.
@Suite struct BlandAltmanPointsTests {
    static func points(_ range: Range<Int>) -> [[Double]] { range.map { [Double($0), -Double($0)] } }

    @Test func keepsEveryPointUpToTheCapacity() {
        var a = BlandAltmanPoints()
        a.add(Self.points(0..<BlandAltmanPoints.capacity))
        #expect(a.means == (0..<BlandAltmanPoints.capacity).map(Double.init))
        #expect(a.differences == a.means.map { -$0 })
    }

    /// 40,000 points in recordings of 1 to 236: every 8th is kept (5,000), as when they come in one piece.
    @Test func thinsToEvery2kthPointWhateverTheChunks() {
        var whole = BlandAltmanPoints(), chunked = BlandAltmanPoints()
        whole.add(Self.points(0..<40_000))
        var start = 0, size = 1
        while start < 40_000 {
            let end = min(start + size, 40_000)
            chunked.add(Self.points(start..<end))
            start = end
            size = size % 200 + 37
        }
        #expect(whole == chunked)
        #expect(whole.means == Swift.stride(from: 0, to: 40_000, by: 8).map(Double.init))
        #expect(whole.means.count <= BlandAltmanPoints.capacity)
    }

    @Test func ignoresMalformedPoints() {
        var a = BlandAltmanPoints()
        a.add([[1, 2], [3], [], [4, 5, 6], [7, 8]])
        #expect(a.means == [1, 7] && a.differences == [2, 8])
    }
}
