import Foundation
import PPGNetwork

/// A text table of a network: one row per layer call with its output shape, parameters and, for
/// layers with a time axis, the sampling rate and receptive field.
public enum ModelSummary {
    /// - Parameters:
    ///   - inputRateHz: the model's input sampling rate (KID-PPG: 32 Hz).
    ///   - fileFormat: the file's format and Keras version, when known (`Keras 3 .keras archive (keras 3.15.1, …)`).
    public static func text(_ network: Network, inputRateHz: Double, file: String, fileFormat: String? = nil) -> String {
        var lines: [String] = []
        lines.append("model \(network.name) (\(file))")
        if let fileFormat { lines.append("format: \(fileFormat)") }
        lines.append("input [\(network.inputShape.map(String.init).joined(separator: ", "))] at \(format(inputRateHz)) Hz, output [\(network.outputShape.map(String.init).joined(separator: ", "))]")
        let header = ["layer", "class", "output", "params", "rate Hz", "receptive field"]
        var rows: [[String]] = []
        var foldedInto: [Int: String] = [:]
        for (index, fold) in network.batchNormFolds { foldedInto[fold.batchNormNode] = network.nodes[index].name }
        for (index, node) in network.nodes.enumerated() {
            let shape = "[" + node.outputShape.map(String.init).joined(separator: ", ") + "]"
            let hasTime = node.hasTimeAxis
            let rate = hasTime ? format(inputRateHz / Double(node.timeStep)) : ""
            var field = ""
            if let rf = node.receptiveField {
                field = "\(rf) samples = \(format(Double(rf) / inputRateHz)) s"
            }
            // Class and options (kernel, dilation, stride, padding, activation, ...).
            var kind = [node.operation.className, node.operation.details].filter { !$0.isEmpty }.joined(separator: " ")
            if let conv = foldedInto[index] { kind += " (folded into \(conv))" }
            rows.append([node.name, kind, shape, String(node.operation.parameterCount), rate, field])
        }
        lines.append(contentsOf: textTable(header: header, rows: rows))
        lines.append("parameters: \(network.parameterCount) (shared sub-models counted once)")
        return lines.joined(separator: "\n")
    }

    static func format(_ x: Double) -> String {
        x == x.rounded() ? String(Int(x)) : String(format: "%.3g", x)
    }
}

/// Left-aligned text table with a dashed rule under the header.
public func textTable(header: [String], rows: [[String]]) -> [String] {
    var widths = header.map(\.count)
    for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, c in c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
            .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }
    return [line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)
}
