import Foundation
import PPGFormats
import PPGSignals
import PPGSpectral

/// One experiment of `ppgscope paper`, ready to print and to write: the lines the command prints,
/// the key numbers and figures of `index.html`, and `summary.json`.
public protocol PaperReport {
    associatedtype Summary: Encodable
    /// Heading of `index.html`.
    var title: String { get }
    /// Paragraph under the heading.
    var intro: String { get }
    /// The experiment's numbers, written as `summary.json`.
    var summary: Summary { get }
    /// (label, value) rows of the table in `index.html`.
    var keyNumbers: [(String, String)] { get }
    /// Lines the command prints, in order.
    var textLines: [String] { get }
    /// SVG figures (file names unique across experiments).
    func figures() -> [ReportFigure]
    /// Further files (name, text) beside summary.json, the figures and index.html.
    func extraFiles() -> [(name: String, text: String)]
}

extension PaperReport {
    public func extraFiles() -> [(name: String, text: String)] { [] }

    /// Writes the report directory all-or-nothing: everything goes into a temporary sibling directory
    /// that replaces `directory` (whatever was there) only when complete. Missing parent directories are
    /// created. Returns the line to print ("wrote …/summary.json, <figures>, index.html").
    @discardableResult
    public func write(to directory: String) throws -> String {
        let figures = figures()
        let parent = URL(fileURLWithPath: directory).standardizedFileURL.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw PPGScopeError(file: directory, "cannot create parent directory \(parent.path): \(error.localizedDescription)")
        }
        try AtomicOutput.directory(directory) { temporary in
            func put(_ text: String, _ name: String) throws {
                try Data(text.utf8).write(to: URL(fileURLWithPath: temporary).appendingPathComponent(name))
            }
            for file in extraFiles() { try put(file.text, file.name) }
            for figure in figures { try put(figure.svg, figure.fileName) }
            try put(HTMLIndex.page(title: title, intro: intro, figures: figures, keyNumbers: keyNumbers), "index.html")
            try put(try ReportJSON.text(summary) + "\n", "summary.json")
        }
        return "wrote \(directory)/summary.json, \(figures.map(\.fileName).joined(separator: ", ")), index.html"
    }
}

/// Helpers the paper's figures share.
enum PaperPlots {
    /// Bins up to `maxHz`, merged `group` at a time keeping each group's largest amplitude (peaks survive).
    static func spectrumPoints(_ s: Spectrum, maxHz: Double, group: Int = 1) -> (x: [Double], y: [Double]) {
        let last = min(s.amplitudes.count - 1, Int(maxHz / s.resolutionHz))
        var xs: [Double] = [], ys: [Double] = []
        var k = 0
        while k <= last {
            let end = min(k + group, last + 1)
            var best = k
            for j in k..<end where s.amplitudes[j] > s.amplitudes[best] { best = j }
            xs.append(s.frequencyHz(best))
            ys.append(Double(s.amplitudes[best]))
            k = end
        }
        return (xs, ys)
    }
}
