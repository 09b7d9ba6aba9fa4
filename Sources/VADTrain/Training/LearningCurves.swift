import Foundation

/// Learning curves as standalone SVG (no scripts, no external references):
/// what a browser shows of a run's `curves.svg`.
public enum LearningCurves {
    /// Two panels side by side: loss and accuracy per epoch, train and valid.
    public static func svg(_ records: [EpochRecord], title: String) -> String {
        let epochs = records.map { Double($0.epoch) }
        let loss = Panel(title: "loss", x: epochs, series: [("train", records.map(\.trainLoss), trainColor),
                                                            ("valid", records.map(\.validLoss), validColor)])
        let accuracy = Panel(title: "accuracy (%)", x: epochs,
                             series: [("train", records.map { 100 * $0.trainAccuracy }, trainColor),
                                      ("valid", records.map { 100 * $0.validAccuracy }, validColor)])
        return document(title: title, panels: [loss, accuracy])
    }

    /// One panel, one line per run, of `metric` per epoch (for comparing runs).
    public static func comparisonSVG(_ runs: [(label: String, records: [EpochRecord])], metric: KeyPath<EpochRecord, Double>,
                                     metricName: String) -> String {
        let x = Array(Set(runs.flatMap { $0.records.map { Double($0.epoch) } })).sorted()
        let series = runs.enumerated().map { n, run in
            (run.label, x.map { e in run.records.first { Double($0.epoch) == e }?[keyPath: metric] ?? .nan }, palette[n % palette.count])
        }
        return document(title: "\(metricName) per epoch", panels: [Panel(title: metricName, x: x, series: series)])
    }

    static let trainColor = "#1f77b4", validColor = "#d62728"
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    struct Panel {
        var title: String
        var x: [Double]
        var series: [(String, [Double], String)]
    }

    static let panelWidth = 420.0, panelHeight = 300.0
    static let margin = (left: 60.0, right: 20.0, top: 40.0, bottom: 45.0)

    static func document(title: String, panels: [Panel]) -> String {
        let width = panelWidth * Double(panels.count), height = panelHeight + 30
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(width / 2))" y="20" text-anchor="middle" font-size="15">\(escape(title))</text>

            """
        for (n, panel) in panels.enumerated() { svg += draw(panel, left: Double(n) * panelWidth, top: 30) }
        return svg + "</svg>\n"
    }

    static func draw(_ panel: Panel, left: Double, top: Double) -> String {
        let x0 = left + margin.left, x1 = left + panelWidth - margin.right
        let y0 = top + panelHeight - margin.bottom, y1 = top + margin.top
        let values = panel.series.flatMap(\.1).filter(\.isFinite)
        var (low, high) = (values.min() ?? 0, values.max() ?? 1)
        if high - low < 1e-9 { (low, high) = (low - 0.5, high + 0.5) }
        let pad = (high - low) * 0.05
        (low, high) = (low - pad, high + pad)
        let (xLow, xHigh) = (panel.x.first ?? 1, max(panel.x.last ?? 1, (panel.x.first ?? 1) + 1))
        func px(_ x: Double) -> Double { panel.x.count == 1 ? (x0 + x1) / 2 : x0 + (x - xLow) / (xHigh - xLow) * (x1 - x0) }
        func py(_ y: Double) -> Double { y0 - (y - low) / (high - low) * (y0 - y1) }

        var s = "<g>\n<text x=\"\(f((x0 + x1) / 2))\" y=\"\(f(y1 - 12))\" text-anchor=\"middle\" font-size=\"13\">\(escape(panel.title))</text>\n"
        s += "<rect x=\"\(f(x0))\" y=\"\(f(y1))\" width=\"\(f(x1 - x0))\" height=\"\(f(y0 - y1))\" fill=\"none\" stroke=\"#444\"/>\n"
        for k in 0...4 {  // y ticks and grid
            let value = low + (high - low) * Double(k) / 4
            s += "<line x1=\"\(f(x0))\" y1=\"\(f(py(value)))\" x2=\"\(f(x1))\" y2=\"\(f(py(value)))\" stroke=\"#ddd\"/>\n"
            s += "<text x=\"\(f(x0 - 6))\" y=\"\(f(py(value) + 4))\" text-anchor=\"end\">\(tick(value))</text>\n"
        }
        let step = max(1, Int((Double(panel.x.count) / 10).rounded(.up)))
        for (n, x) in panel.x.enumerated() where n % step == 0 || n == panel.x.count - 1 {  // epoch ticks
            s += "<text x=\"\(f(px(x)))\" y=\"\(f(y0 + 16))\" text-anchor=\"middle\">\(Int(x))</text>\n"
        }
        s += "<text x=\"\(f((x0 + x1) / 2))\" y=\"\(f(y0 + 34))\" text-anchor=\"middle\">epoch</text>\n"
        let legendHeight = Double(panel.series.count) * 16 + 6
        var legend = "<rect x=\"\(f(x1 - 96))\" y=\"\(f(y1 + 2))\" width=\"92\" height=\"\(f(legendHeight))\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#ccc\"/>\n"
        for (n, (name, ys, color)) in panel.series.enumerated() {
            let points = zip(panel.x, ys).filter { $0.1.isFinite }.map { "\(f(px($0.0))),\(f(py($0.1)))" }
            if points.count > 1 {
                s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>\n"
            }
            for point in points {
                let xy = point.split(separator: ",")
                s += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"3\" fill=\"\(color)\"/>\n"
            }
            let ly = y1 + 14 + Double(n) * 16
            legend += "<line x1=\"\(f(x1 - 90))\" y1=\"\(f(ly - 4))\" x2=\"\(f(x1 - 70))\" y2=\"\(f(ly - 4))\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            legend += "<text x=\"\(f(x1 - 65))\" y=\"\(f(ly))\">\(escape(name))</text>\n"
        }
        return s + legend + "</g>\n"
    }

    static func f(_ x: Double) -> String { String(format: "%.1f", x) }
    static func tick(_ x: Double) -> String { abs(x) >= 10 ? String(format: "%.1f", x) : String(format: "%.3f", x) }
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
