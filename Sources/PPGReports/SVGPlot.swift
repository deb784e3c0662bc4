import Foundation

/// Minimal, dependency-free SVG charts: line plots (optionally in a grid), heat maps and bar charts,
/// with labelled axes and "nice" ticks. Everything is standalone SVG text.

/// One line of a plot.
public struct PlotSeries: Sendable {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    public var color: String
    public var dashed: Bool
    /// Optional ±band drawn as a translucent area around y (e.g. ± one standard deviation).
    public var band: [Double]?
    /// Draw each point as a dot instead of joining them (a scatter plot).
    public var pointsOnly: Bool

    public init(name: String, x: [Double], y: [Double], color: String = Palette.color(0), dashed: Bool = false, band: [Double]? = nil,
                pointsOnly: Bool = false) {
        self.name = name
        self.x = x
        self.y = y
        self.color = color
        self.dashed = dashed
        self.band = band
        self.pointsOnly = pointsOnly
    }
}

/// A vertical marker line (e.g. the heart rate).
public struct PlotMarker: Sendable {
    public var x: Double
    public var label: String
    public var color: String
    public init(x: Double, label: String, color: String = "#d62728") {
        self.x = x
        self.label = label
        self.color = color
    }
}

public enum Palette {
    static let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
    public static func color(_ i: Int) -> String { colors[((i % colors.count) + colors.count) % colors.count] }

    /// Viridis-like colour for t in [0, 1].
    public static func heat(_ t: Double) -> String {
        let stops: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
        let u = min(max(t.isFinite ? t : 0, 0), 1) * Double(stops.count - 1)
        let i = min(Int(u), stops.count - 2), f = u - Double(i)
        let a = stops[i], b = stops[i + 1]
        return String(format: "#%02x%02x%02x", Int(a.0 + (b.0 - a.0) * f), Int(a.1 + (b.1 - a.1) * f), Int(a.2 + (b.2 - a.2) * f))
    }
}

/// A line plot with axes, ticks, labels, legend and markers.
public struct LinePlot: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [PlotSeries]
    public var markers: [PlotMarker] = []
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    public var showLegend = true

    public init(title: String, xLabel: String, yLabel: String, series: [PlotSeries], markers: [PlotMarker] = [],
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.markers = markers
        self.xRange = xRange
        self.yRange = yRange
    }

    /// Standalone SVG document.
    public func svg(width: Double = 640, height: Double = 400) -> String {
        SVGDocument(width: width, height: height) { body(&$0, x: 0, y: 0, width: width, height: height) }.text
    }

    /// Draws into `doc` inside the given box.
    public func body(_ doc: inout String, x ox: Double, y oy: Double, width: Double, height: Double, compact: Bool = false) {
        let left = ox + (compact ? 44 : 64), right = ox + width - 12
        let top = oy + (compact ? 20 : 30), bottom = oy + height - (compact ? 30 : 46)
        let xs = series.flatMap(\.x).filter(\.isFinite) + markers.map(\.x)
        var ys = series.flatMap { s in s.y.enumerated().flatMap { i, v in [v - (s.band?[i] ?? 0), v + (s.band?[i] ?? 0)] } }.filter(\.isFinite)
        if ys.isEmpty { ys = [0, 1] }
        let xr = xRange ?? ((xs.min() ?? 0)...(max(xs.max() ?? 1, (xs.min() ?? 0) + 1e-9)))
        var yr = yRange ?? (ys.min()!...ys.max()!)
        if yr.upperBound - yr.lowerBound < 1e-12 { yr = (yr.lowerBound - 1)...(yr.upperBound + 1) }
        let px = { (v: Double) in left + (v - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * (right - left) }
        let py = { (v: Double) in bottom - (v - yr.lowerBound) / (yr.upperBound - yr.lowerBound) * (bottom - top) }
        let font = compact ? 10.0 : 12.0
        doc += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(oy + (compact ? 13 : 18)))\" text-anchor=\"middle\" font-size=\"\(f(font + 2))\" font-weight=\"bold\">\(escape(title))</text>\n"
        // Grid and ticks.
        for t in niceTicks(xr, count: compact ? 4 : 7) {
            doc += "<line x1=\"\(f(px(t)))\" y1=\"\(f(top))\" x2=\"\(f(px(t)))\" y2=\"\(f(bottom))\" stroke=\"#e6e6e6\"/>\n"
            doc += "<text x=\"\(f(px(t)))\" y=\"\(f(bottom + font + 2))\" text-anchor=\"middle\" font-size=\"\(f(font))\">\(tickLabel(t))</text>\n"
        }
        for t in niceTicks(yr, count: compact ? 4 : 6) {
            doc += "<line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(right))\" y2=\"\(f(py(t)))\" stroke=\"#e6e6e6\"/>\n"
            doc += "<text x=\"\(f(left - 4))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\" font-size=\"\(f(font))\">\(tickLabel(t))</text>\n"
        }
        doc += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\" fill=\"none\" stroke=\"#333\"/>\n"
        doc += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(bottom + 2 * font + 6))\" text-anchor=\"middle\" font-size=\"\(f(font))\">\(escape(xLabel))</text>\n"
        doc += "<text transform=\"translate(\(f(ox + font + 2)),\(f((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"\(f(font))\">\(escape(yLabel))</text>\n"
        doc += "<clipPath id=\"c\(Int(ox))_\(Int(oy))\"><rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\"/></clipPath>\n"
        doc += "<g clip-path=\"url(#c\(Int(ox))_\(Int(oy)))\">\n"
        for s in series {
            if let band = s.band {
                var points: [String] = []
                for i in s.x.indices where s.y[i].isFinite { points.append("\(f(px(s.x[i]))),\(f(py(s.y[i] + band[i])))") }
                for i in s.x.indices.reversed() where s.y[i].isFinite { points.append("\(f(px(s.x[i]))),\(f(py(s.y[i] - band[i])))") }
                doc += "<polygon points=\"\(points.joined(separator: " "))\" fill=\"\(s.color)\" fill-opacity=\"0.2\" stroke=\"none\"/>\n"
            }
            if s.pointsOnly {
                // The same text for every point but its centre, made once (a Bland–Altman plot has thousands).
                let rest = "\" r=\"\(compact ? 1.8 : 2.5)\" fill=\"\(s.color)\" fill-opacity=\"0.6\"/>\n"
                doc.reserveCapacity(doc.utf8.count + s.x.count * (34 + rest.utf8.count))
                for i in s.x.indices where s.x[i].isFinite && s.y[i].isFinite {
                    doc += "<circle cx=\""
                    doc += f(px(s.x[i]))
                    doc += "\" cy=\""
                    doc += f(py(s.y[i]))
                    doc += rest
                }
                continue
            }
            var path = ""
            var pen = false
            for i in s.x.indices {
                guard s.x[i].isFinite, s.y[i].isFinite else { pen = false; continue }
                path += (pen ? "L" : "M") + "\(f(px(s.x[i]))),\(f(py(s.y[i])))"
                pen = true
            }
            doc += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"\(compact ? 1.2 : 1.6)\"\(s.dashed ? " stroke-dasharray=\"5,3\"" : "")/>\n"
        }
        for m in markers {
            doc += "<line x1=\"\(f(px(m.x)))\" y1=\"\(f(top))\" x2=\"\(f(px(m.x)))\" y2=\"\(f(bottom))\" stroke=\"\(m.color)\" stroke-width=\"1\" stroke-dasharray=\"2,2\"/>\n"
            doc += "<text x=\"\(f(px(m.x) + 3))\" y=\"\(f(top + font))\" font-size=\"\(f(font - 1))\" fill=\"\(m.color)\">\(escape(m.label))</text>\n"
        }
        doc += "</g>\n"
        if showLegend, series.count > 1 || !compact {
            var ly = top + 6
            for s in series where !s.name.isEmpty {
                doc += "<line x1=\"\(f(right - 150))\" y1=\"\(f(ly + 4))\" x2=\"\(f(right - 130))\" y2=\"\(f(ly + 4))\" stroke=\"\(s.color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"5,3\"" : "")/>\n"
                doc += "<text x=\"\(f(right - 126))\" y=\"\(f(ly + 8))\" font-size=\"\(f(font - 1))\">\(escape(s.name))</text>\n"
                ly += font + 3
            }
        }
    }
}

/// Several line plots in a grid (e.g. 16 channels of a layer, as the paper's Fig. 3).
public struct PlotGrid: Sendable {
    public var title: String
    public var panels: [LinePlot]
    public var columns: Int

    public init(title: String, panels: [LinePlot], columns: Int) {
        self.title = title
        self.panels = panels
        self.columns = columns
    }

    public func svg(panelWidth: Double = 300, panelHeight: Double = 200) -> String {
        let rows = (panels.count + columns - 1) / columns
        let width = panelWidth * Double(columns), height = panelHeight * Double(rows) + 34
        return SVGDocument(width: width, height: height) { doc in
            doc += "<text x=\"\(f(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">\(escape(title))</text>\n"
            for (i, panel) in panels.enumerated() {
                panel.body(&doc, x: Double(i % columns) * panelWidth, y: 34 + Double(i / columns) * panelHeight,
                           width: panelWidth, height: panelHeight, compact: true)
            }
        }.text
    }
}

/// A heat map: rows × columns of values, with a colour bar.
public struct HeatMap: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    /// values[row][column]
    public var values: [[Double]]
    /// Data-space extent of the columns (x) and rows (y).
    public var xRange: ClosedRange<Double>
    public var yRange: ClosedRange<Double>
    public var colorLabel: String
    /// Optional overlaid lines in data coordinates.
    public var overlays: [PlotSeries] = []

    public init(title: String, xLabel: String, yLabel: String, values: [[Double]], xRange: ClosedRange<Double>,
                yRange: ClosedRange<Double>, colorLabel: String, overlays: [PlotSeries] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.values = values
        self.xRange = xRange
        self.yRange = yRange
        self.colorLabel = colorLabel
        self.overlays = overlays
    }

    public func svg(width: Double = 680, height: Double = 420) -> String {
        SVGDocument(width: width, height: height) { body(&$0, x: 0, y: 0, width: width, height: height) }.text
    }

    public func body(_ doc: inout String, x ox: Double, y oy: Double, width: Double, height: Double) {
        let left = ox + 64, right = ox + width - 80, top = oy + 30, bottom = oy + height - 46
        let flat = values.flatMap { $0 }.filter(\.isFinite)
        let lo = flat.min() ?? 0, hi = max(flat.max() ?? 1, (flat.min() ?? 0) + 1e-12)
        let rows = values.count, cols = values.first?.count ?? 0
        doc += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(oy + 18))\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(escape(title))</text>\n"
        if rows > 0, cols > 0 {
            let cw = (right - left) / Double(cols), rh = (bottom - top) / Double(rows)
            for r in 0..<rows {
                for c in 0..<cols {
                    let v = values[r][c]
                    // Row 0 at the bottom (y increases upwards).
                    doc += "<rect x=\"\(f(left + Double(c) * cw))\" y=\"\(f(bottom - Double(r + 1) * rh))\" width=\"\(f(cw + 0.5))\" height=\"\(f(rh + 0.5))\" fill=\"\(Palette.heat((v - lo) / (hi - lo)))\"/>\n"
                }
            }
        }
        let px = { (v: Double) in left + (v - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * (right - left) }
        let py = { (v: Double) in bottom - (v - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * (bottom - top) }
        for s in overlays {
            var path = ""
            var pen = false
            for i in s.x.indices {
                guard s.y[i].isFinite else { pen = false; continue }
                path += (pen ? "L" : "M") + "\(f(px(s.x[i]))),\(f(py(s.y[i])))"
                pen = true
            }
            doc += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.8\"\(s.dashed ? " stroke-dasharray=\"5,3\"" : "")/>\n"
        }
        for t in niceTicks(xRange, count: 7) {
            doc += "<text x=\"\(f(px(t)))\" y=\"\(f(bottom + 14))\" text-anchor=\"middle\" font-size=\"12\">\(tickLabel(t))</text>\n"
        }
        for t in niceTicks(yRange, count: 6) {
            doc += "<text x=\"\(f(left - 4))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\" font-size=\"12\">\(tickLabel(t))</text>\n"
        }
        doc += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\" fill=\"none\" stroke=\"#333\"/>\n"
        doc += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(bottom + 34))\" text-anchor=\"middle\" font-size=\"12\">\(escape(xLabel))</text>\n"
        doc += "<text transform=\"translate(\(f(ox + 14)),\(f((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">\(escape(yLabel))</text>\n"
        // Colour bar.
        let bx = right + 16
        for i in 0..<50 {
            let t = Double(i) / 49
            doc += "<rect x=\"\(f(bx))\" y=\"\(f(bottom - (t * (bottom - top)) - (bottom - top) / 50))\" width=\"14\" height=\"\(f((bottom - top) / 50 + 0.5))\" fill=\"\(Palette.heat(t))\"/>\n"
        }
        doc += "<text x=\"\(f(bx + 18))\" y=\"\(f(bottom))\" font-size=\"10\">\(tickLabel(lo))</text>\n"
        doc += "<text x=\"\(f(bx + 18))\" y=\"\(f(top + 8))\" font-size=\"10\">\(tickLabel(hi))</text>\n"
        doc += "<text transform=\"translate(\(f(bx + 46)),\(f((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"11\">\(escape(colorLabel))</text>\n"
    }
}

/// Grouped vertical bars, one group per category.
public struct BarChart: Sendable {
    public var title: String
    public var yLabel: String
    public var categories: [String]
    /// (series name, one value per category)
    public var groups: [(name: String, values: [Double])]
    public var yRange: ClosedRange<Double>?

    public init(title: String, yLabel: String, categories: [String], groups: [(name: String, values: [Double])], yRange: ClosedRange<Double>? = nil) {
        self.title = title
        self.yLabel = yLabel
        self.categories = categories
        self.groups = groups
        self.yRange = yRange
    }

    public func svg(width: Double = 760, height: Double = 420) -> String {
        SVGDocument(width: width, height: height) { doc in
            let left = 64.0, right = width - 70, top = 30.0, bottom = height - 110
            let all = groups.flatMap(\.values).filter(\.isFinite)
            let yr = yRange ?? (min(0, all.min() ?? 0)...max(all.max() ?? 1, 1e-9))
            let py = { (v: Double) in bottom - (v - yr.lowerBound) / (yr.upperBound - yr.lowerBound) * (bottom - top) }
            doc += "<text x=\"\(f(width / 2))\" y=\"18\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(escape(title))</text>\n"
            for t in niceTicks(yr, count: 6) {
                doc += "<line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(right))\" y2=\"\(f(py(t)))\" stroke=\"#e6e6e6\"/>\n"
                doc += "<text x=\"\(f(left - 4))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\" font-size=\"12\">\(tickLabel(t))</text>\n"
            }
            let slot = (right - left) / Double(max(categories.count, 1))
            let barWidth = slot * 0.8 / Double(max(groups.count, 1))
            for (g, group) in groups.enumerated() {
                for (i, v) in group.values.enumerated() where v.isFinite {
                    let x = left + Double(i) * slot + slot * 0.1 + Double(g) * barWidth
                    let y0 = py(max(yr.lowerBound, 0)), y1 = py(v)
                    doc += "<rect x=\"\(f(x))\" y=\"\(f(min(y0, y1)))\" width=\"\(f(barWidth))\" height=\"\(f(abs(y1 - y0)))\" fill=\"\(Palette.color(g))\"/>\n"
                }
            }
            for (i, c) in categories.enumerated() {
                let x = left + (Double(i) + 0.5) * slot
                doc += "<text transform=\"translate(\(f(x)),\(f(bottom + 10))) rotate(40)\" font-size=\"10\">\(escape(c))</text>\n"
            }
            doc += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\" fill=\"none\" stroke=\"#333\"/>\n"
            doc += "<text transform=\"translate(16,\(f((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">\(escape(yLabel))</text>\n"
            var lx = left + 8
            for (g, group) in groups.enumerated() where groups.count > 1 {
                doc += "<rect x=\"\(f(lx))\" y=\"\(f(top + 6))\" width=\"10\" height=\"10\" fill=\"\(Palette.color(g))\"/>\n"
                doc += "<text x=\"\(f(lx + 14))\" y=\"\(f(top + 15))\" font-size=\"11\">\(escape(group.name))</text>\n"
                lx += 14 + Double(group.name.count) * 6.5 + 16
            }
        }.text
    }
}

/// An SVG document with a white background.
struct SVGDocument {
    var text: String
    init(width: Double, height: Double, _ draw: (inout String) -> Void) {
        var body = ""
        draw(&body)
        text = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, sans-serif">
        <rect width="100%" height="100%" fill="white"/>
        \(body)</svg>

        """
    }
}

/// "Nice" tick positions (1, 2, 5 × 10ⁿ steps) covering `range`.
public func niceTicks(_ range: ClosedRange<Double>, count: Int) -> [Double] {
    let span = range.upperBound - range.lowerBound
    guard span > 0, span.isFinite else { return [range.lowerBound] }
    let raw = span / Double(max(count, 1))
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    var ticks: [Double] = []
    var t = ceil(range.lowerBound / step) * step
    while t <= range.upperBound + step * 1e-9 {
        ticks.append(abs(t) < step * 1e-9 ? 0 : t)
        t += step
    }
    return ticks
}

func tickLabel(_ v: Double) -> String {
    if v == 0 { return "0" }
    let a = abs(v)
    if a >= 1e5 || a < 1e-3 { return String(format: "%.1e", v) }
    if v == v.rounded() { return String(Int(v)) }
    return String(format: a >= 10 ? "%.1f" : "%.3g", v)
}

/// An SVG coordinate: one decimal, as printf's `%.1f` writes it (the integer formatter where it can).
func f(_ v: Double) -> String { HeartRateReport.fixedPoint(v, digits: 1) }

/// `s` with &, < and > escaped for XML text (returned as it is when it has none: most labels).
func escape(_ s: String) -> String {
    guard s.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") }) else { return s }
    return s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
}
