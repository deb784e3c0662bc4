import Foundation
import PPGFormats

/// A figure written into a report directory: file name, caption and SVG text.
public struct ReportFigure: Sendable {
    public var fileName: String
    public var caption: String
    public var svg: String
    public init(fileName: String, caption: String, svg: String) {
        self.fileName = fileName
        self.caption = caption
        self.svg = svg
    }
}

/// An `index.html` that shows figures with captions, plus a table of key numbers.
public enum HTMLIndex {
    public static func page(title: String, intro: String, figures: [ReportFigure], keyNumbers: [(String, String)] = []) -> String {
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>
        body { font-family: Helvetica, Arial, sans-serif; margin: 24px; color: #222; max-width: 1400px; }
        figure { margin: 24px 0; } figcaption { font-size: 14px; color: #444; max-width: 900px; }
        img { max-width: 100%; border: 1px solid #ddd; } table { border-collapse: collapse; }
        td, th { border: 1px solid #ccc; padding: 4px 8px; font-size: 13px; text-align: left; }
        </style></head><body>
        <h1>\(escape(title))</h1>
        <p>\(escape(intro))</p>

        """
        if !keyNumbers.isEmpty {
            html += "<table>\n"
            for (k, v) in keyNumbers { html += "<tr><th>\(escape(k))</th><td>\(escape(v))</td></tr>\n" }
            html += "</table>\n"
        }
        for fig in figures {
            html += "<figure><img src=\"\(fig.fileName)\" alt=\"\(escape(fig.caption))\"><figcaption>\(escape(fig.caption))</figcaption></figure>\n"
        }
        // Lets a headless browser confirm every figure decoded (scripts/check-report-render).
        html += "<script>window.addEventListener('load', () => { const i = [...document.images]; document.body.setAttribute('data-figures-loaded', i.filter(x => x.complete && x.naturalWidth > 0).length + '/' + i.length); });</script>\n"
        html += "</body></html>\n"
        return html
    }
}

/// Writes a report's figures and index page (each file through `AtomicOutput.text`).
public enum ReportWriter {
    /// Writes figures and an index.html into `directory`.
    public static func writeReport(directory: String, title: String, intro: String, figures: [ReportFigure],
                                   keyNumbers: [(String, String)] = []) throws {
        for fig in figures { try AtomicOutput.text(fig.svg, to: "\(directory)/\(fig.fileName)") }
        try AtomicOutput.text(HTMLIndex.page(title: title, intro: intro, figures: figures, keyNumbers: keyNumbers), to: "\(directory)/index.html")
    }
}

/// The JSON every report writes: pretty-printed, sorted keys, NaN and infinities as strings
/// ("nan", "inf", "-inf") since JSON has no literal for them — as Foundation's JSONEncoder writes
/// it with those settings, through `ReportJSONEncoder`.
public enum ReportJSON {
    public static func text<T: Encodable>(_ value: T) throws -> String {
        try ReportJSONEncoder.text(value)
    }

    /// Reads back what `text` wrote (the same strings for NaN and infinities).
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(type, from: data)
    }
}
