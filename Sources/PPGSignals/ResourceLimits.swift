import Foundation

/// How much memory one array read from a file may take, so that a damaged header claiming 2^40
/// samples is refused with a clear message before anything is allocated.
///
/// The default is half the machine's physical memory; `PPGSCOPE_MAX_MEMORY` (bytes, or with a
/// K, M, G or T suffix: `PPGSCOPE_MAX_MEMORY=2G`) sets another bound.
public enum ResourceLimits {
    /// Bytes one array may take.
    public static let maxArrayBytes: Int = {
        if let text = ProcessInfo.processInfo.environment["PPGSCOPE_MAX_MEMORY"], let bytes = parseBytes(text) { return bytes }
        return Int(clamping: ProcessInfo.processInfo.physicalMemory / 2)
    }()

    /// `text` as a byte count ("1048576", "512M", "2G"), or nil when it is not one.
    public static func parseBytes(_ text: String) -> Int? {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var digits = text.trimmingCharacters(in: .whitespaces).uppercased()
        if digits.hasSuffix("B") { digits.removeLast() }
        var scale = 1
        if let last = digits.last, let unit = units[last] { scale = unit; digits.removeLast() }
        guard let value = Double(digits), value.isFinite, value > 0, value * Double(scale) < 9e18 else { return nil }
        return Int(value * Double(scale))
    }

    /// Throws unless `count` elements of `elementBytes` bytes each fit within `maxArrayBytes`;
    /// `what` names the array ("dataset channels/ppg [1099511627776]").
    public static func checkArray(count: Int, elementBytes: Int, _ what: @autoclosure () -> String, file: String? = nil) throws {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: elementBytes)
        guard !overflow, bytes <= maxArrayBytes else {
            let claimed = overflow ? "more than 9 EB" : byteText(bytes)
            throw PPGScopeError(file: file, object: what(),
                                "would take \(claimed) in memory, more than the limit of \(byteText(maxArrayBytes)) (a damaged header? PPGSCOPE_MAX_MEMORY sets the limit)")
        }
    }

    /// "1.5 GB", "3.0 kB": decimal units.
    public static func byteText(_ bytes: Int) -> String {
        let b = Double(bytes)
        for (unit, size) in [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)] where b >= size {
            return String(format: "%.1f %@", b / size, unit)
        }
        return "\(bytes) bytes"
    }
}
