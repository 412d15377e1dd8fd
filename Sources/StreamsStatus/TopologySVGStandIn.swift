import Streams

// A stand-in for `TopologyDescription.svg`, removed when TopologyDescription.svg lands (in the
// Streams module, with a proper layout). Everything else calls `description.svg`, so deleting
// this file switches the server to the real renderer.
extension TopologyDescription {
    /// A plain SVG picture of the topology: one column per sub-topology, one box per node,
    /// filled by kind, with the node's name.
    var svg: String {
        let columnWidth = 260, rowHeight = 56, boxWidth = 220, boxHeight = 36, margin = 20
        let rows = subtopologies.map(\.nodes.count).max() ?? 0
        let width = max(1, subtopologies.count) * columnWidth + margin
        let height = rows * rowHeight + 2 * margin + 20
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" \
            viewBox="0 0 \(width) \(height)" font-family="sans-serif" font-size="13">\n
            """
        for (column, subtopology) in subtopologies.enumerated() {
            let x = margin + column * columnWidth
            svg += "<text x=\"\(x)\" y=\"\(margin + 4)\" fill=\"#555555\">Sub-topology \(subtopology.id)</text>\n"
            for (row, node) in subtopology.nodes.enumerated() {
                let y = margin + 20 + row * rowHeight
                let (kind, fill) =
                    switch node.kind {
                    case .source: ("source", "#cfe2ff")
                    case .processor: ("processor", "#fff3bf")
                    case .sink: ("sink", "#d3f9d8")
                    }
                svg += "<g class=\"node \(kind)\" data-name=\"\(escape(node.name))\">"
                svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(boxWidth)\" height=\"\(boxHeight)\" rx=\"6\" "
                svg += "fill=\"\(fill)\" stroke=\"#333333\"/>"
                svg += "<text x=\"\(x + 10)\" y=\"\(y + 23)\" fill=\"#111111\">\(escape(node.name))</text></g>\n"
            }
        }
        svg += "</svg>\n"
        return svg
    }
}
