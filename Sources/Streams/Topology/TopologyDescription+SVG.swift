extension TopologyDescription {
    /// The graph as a self-contained SVG picture, drawn without Graphviz.
    ///
    /// Each sub-topology is a frame labelled "Sub-topology N". Inside it, sources are at the
    /// top and every node sits below its parents; the topics a source reads are drawn above
    /// it and the topic a sink writes below it, as purple rounded shapes (a sink that chooses
    /// the topic per record points to "(topic chosen per record)"). Sources, processors and
    /// sinks have their own colours, explained by a legend; a processor with state stores
    /// lists them under its name.
    ///
    /// The document is deterministic (the same topology gives the same bytes) and fits its
    /// content. Every node is a `<g class="node source|processor|sink" id="node-NAME">`,
    /// every topic a `<g class="topic" …>`, every arrow a `<path class="edge">` with
    /// `data-from` and `data-to` naming the ids it joins; ids keep letters, digits, `-` and
    /// `_` of the names and replace anything else with `_`.
    ///
    /// ```swift
    /// try topology.describe().svg.write(toFile: "topology.svg", atomically: true, encoding: .utf8)
    /// ```
    public var svg: String {
        TopologyLayout(self).svg(title: svgTitle)
    }

    private var svgTitle: String {
        let nodes = subtopologies.map(\.nodes.count).reduce(0, +)
        let parts = subtopologies.count
        return "Topology: \(parts) sub-topolog\(parts == 1 ? "y" : "ies"), \(nodes) node\(nodes == 1 ? "" : "s")"
    }
}

extension TopologyLayout {
    /// Colours of each kind of box: fill, stroke.
    static func colours(_ kind: Box.Kind) -> (fill: String, stroke: String) {
        switch kind {
        case .source: ("#dcf1dc", "#2e7d32")
        case .processor: ("#dde7fa", "#1f5bb5")
        case .sink: ("#fde3cc", "#c05800")
        case .topic, .perRecordTopic: ("#efe3f8", "#7b3fa0")
        }
    }

    /// Renders the layout as an SVG document.
    func svg(title: String) -> String {
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" \
            viewBox="0 0 \(width) \(height)" font-family="ui-monospace, Menlo, Consolas, 'DejaVu Sans Mono', \
            'Liberation Mono', monospace" font-size="\(Self.fontSize)">

            """
        out += "<title>\(escapeXML(title))</title>\n"
        out += """
            <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" \
            orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555555"/></marker>
            </defs>
            <rect class="background" x="0" y="0" width="\(width)" height="\(height)" fill="#ffffff"/>

            """
        out += "<g class=\"legend\">\n"
        for entry in legend {
            let (fill, stroke) = Self.colours(entry.kind)
            let corner = entry.kind == .topic ? Self.legendSwatch / 2 : 3
            out += "<rect x=\"\(entry.x)\" y=\"\(entry.y)\" width=\"\(Self.legendSwatch)\" height=\"\(Self.legendSwatch)\" "
                + "rx=\"\(corner)\" fill=\"\(fill)\" stroke=\"\(stroke)\"/>"
            out += "<text x=\"\(entry.x + Self.legendSwatch + 6)\" y=\"\(entry.y + Self.legendSwatch - 3)\" fill=\"#333333\">"
                + "\(escapeXML(entry.label))</text>\n"
        }
        out += "</g>\n"
        for frame in frames {
            out += "<g class=\"subtopology\" id=\"subtopology-\(frame.subtopology)\">"
            out += "<rect x=\"\(frame.x)\" y=\"\(frame.y)\" width=\"\(frame.width)\" height=\"\(frame.height)\" rx=\"8\" "
                + "fill=\"#f8f9fb\" stroke=\"#9aa3ad\" stroke-dasharray=\"6 4\"/>"
            out += "<text x=\"\(frame.x + 10)\" y=\"\(frame.y + 16)\" font-weight=\"bold\" fill=\"#3c4650\">"
                + "\(escapeXML(frame.label))</text></g>\n"
        }
        for edge in edges {
            out += "<path class=\"edge\" data-from=\"\(boxes[edge.from].id)\" data-to=\"\(boxes[edge.to].id)\" "
                + "d=\"\(Self.path(edge.points))\" fill=\"none\" stroke=\"#555555\" stroke-width=\"1.4\" "
                + "marker-end=\"url(#arrow)\"/>\n"
        }
        for box in boxes {
            out += render(box)
        }
        out += "</svg>\n"
        return out
    }

    private func render(_ box: Box) -> String {
        let (fill, stroke) = Self.colours(box.kind)
        let classes: String
        switch box.kind {
        case .source, .processor, .sink: classes = "node \(box.kind.rawValue)"
        case .topic: classes = "topic"
        case .perRecordTopic: classes = "topic per-record"
        }
        let corner = box.kind == .topic || box.kind == .perRecordTopic ? box.height / 2 : 4
        let dash = box.kind == .perRecordTopic ? " stroke-dasharray=\"4 3\"" : ""
        var out = "<g class=\"\(classes)\" id=\"\(box.id)\">"
        out += "<rect x=\"\(box.x)\" y=\"\(box.y)\" width=\"\(box.width)\" height=\"\(box.height)\" rx=\"\(corner)\" "
            + "fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"1.2\"\(dash)/>"
        for (number, line) in box.lines.enumerated() {
            // The baseline sits a third of the font size below the middle of the line.
            let baseline = box.y + Self.boxPaddingY + number * Self.lineHeight + Self.lineHeight / 2 + 4
            let style = number == 0
                ? "fill=\"#1b1f24\""
                : "font-size=\"\(Self.smallFontSize)\" fill=\"#4a525c\""
            out += "<text x=\"\(box.midX)\" y=\"\(baseline)\" text-anchor=\"middle\" \(style)>\(escapeXML(line))</text>"
        }
        out += "</g>\n"
        return out
    }

    /// A straight line where the points are above one another, otherwise a cubic curve that
    /// leaves and arrives vertically, so arrowheads point straight down into their box.
    static func path(_ points: [Point]) -> String {
        guard let first = points.first else { return "" }
        var d = "M\(first.x),\(first.y)"
        for (from, to) in zip(points, points.dropFirst()) {
            if from.x == to.x {
                d += " L\(to.x),\(to.y)"
            } else {
                let middle = (from.y + to.y) / 2
                d += " C\(from.x),\(middle) \(to.x),\(middle) \(to.x),\(to.y)"
            }
        }
        return d
    }
}

/// Escapes text for XML content and attribute values. Characters XML 1.0 forbids (most
/// control characters) become U+FFFD, so any name gives a well-formed document.
private func escapeXML(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
        case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
            out += "\u{FFFD}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
