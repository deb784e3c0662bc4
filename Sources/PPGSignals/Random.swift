import Foundation

/// SplitMix64 (Steele, Lea & Flood, 2014): a tiny 64-bit generator. ppgscope uses it to expand
/// one seed into the state of `Xoshiro256StarStar`; it is also a fine generator on its own.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** 1.0 (Blackman & Vigna, 2018), seeded through SplitMix64.
///
/// Reproducible on every platform: the same `(seed, stream)` gives the same sequence. Different
/// `stream` values give statistically independent sequences from one seed, so the parts of a
/// synthetic recording (noise, motion, filter taps) do not change when another part is switched
/// on or off.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    private var spareNormal: Double?

    public init(seed: UInt64, stream: UInt64 = 0) {
        // Hash (seed, stream) into one word, then expand it with SplitMix64.
        var a = SplitMix64(seed: seed)
        var b = SplitMix64(seed: stream ^ 0x5851_F42D_4C95_7F2D)
        var expand = SplitMix64(seed: a.next() ^ b.next().byteSwapped)
        s0 = expand.next(); s1 = expand.next(); s2 = expand.next(); s3 = expand.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }  // the all-zero state is the one fixed point
    }

    /// Starts from a raw state (not all zero), as the reference implementation; for test vectors.
    public init(state s0: UInt64, _ s1: UInt64, _ s2: UInt64, _ s3: UInt64) {
        self.s0 = s0; self.s1 = s1; self.s2 = s2; self.s3 = s3
        if s0 | s1 | s2 | s3 == 0 { self.s0 = 1 }
    }

    @inline(__always) private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [lo, hi).
    public mutating func nextUniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * nextUniform() }

    /// Standard normal N(0, 1) by the Box–Muller transform; values come in pairs and the second
    /// is returned by the next call.
    public mutating func nextNormal() -> Double {
        if let z = spareNormal {
            spareNormal = nil
            return z
        }
        var u1 = nextUniform()
        while u1 == 0 { u1 = nextUniform() }  // log(0) guard: u1 ∈ (0, 1)
        let u2 = nextUniform()
        let r = (-2 * log(u1)).squareRoot()
        spareNormal = r * sin(2 * Double.pi * u2)
        return r * cos(2 * Double.pi * u2)
    }
}
