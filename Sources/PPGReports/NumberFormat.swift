import Foundation

/// Number formatting shared by the reports' text and key-number tables.
public enum NumberFormat {
    /// `value` with at most `digits` significant digits, C's `%g` style ("0.1235", "1024", "1.5e-05").
    public static func significant(_ value: Double, digits: Int = 4) -> String {
        String(format: "%.\(digits)g", value)
    }
}
