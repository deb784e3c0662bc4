import Foundation
import PPGNetwork

/// A text table of a network: one row per layer call with its output shape, parameters and, for
/// layers with a time axis, the sampling rate and receptive field.
public enum ModelSummary {
    /// - Parameter inputRateHz: the model's input sampling rate (KID-PPG: 32 Hz).
    public static func text(_ network: Network, inputRateHz: Double, file: String) -> String {
        var lines: [String] = []
        lines.append("model \(network.name) (\(file))")
        lines.append("input [\(network.inputShape.map(String.init).joined(separator: ", "))] at \(format(inputRateHz)) Hz, output [\(network.outputShape.map(String.init).joined(separator: ", "))]")
        let header = ["layer", "class", "output", "params", "rate Hz", "receptive field"]
        var rows: [[String]] = []
        for node in network.nodes {
            let shape = "[" + node.outputShape.map(String.init).joined(separator: ", ") + "]"
            let hasTime = node.outputShape.count == 2
            let rate = hasTime ? format(inputRateHz / Double(node.timeStep)) : ""
            var field = ""
            if let rf = node.receptiveField {
                field = "\(rf) samples = \(format(Double(rf) / inputRateHz)) s"
            }
            var kind = node.operation.className
            if case .conv1D(let c) = node.operation {
                kind += " k\(c.kernelSize) d\(c.dilation)\(c.stride > 1 ? " s\(c.stride)" : "") \(c.padding.rawValue) \(c.activation.label)"
            } else if case .averagePooling(let p) = node.operation {
                kind += " \(p.poolSize)/\(p.stride) \(p.padding.rawValue)"
            } else if case .multiHeadAttention(let m) = node.operation {
                kind += " \(m.heads)×\(m.keyDim)"
            }
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
