import Foundation

/// A colour as 8-bit red, green and blue.
struct RGB: Hashable, Sendable, CustomStringConvertible {
    var red: Int
    var green: Int
    var blue: Int

    /// `#rrggbb`.
    var description: String { String(format: "#%02x%02x%02x", red, green, blue) }

    /// Reads `#rgb`, `#rrggbb` or `rgb(r, g, b)`; `nil` for anything else (`none`, names,
    /// gradients).
    init?(css: String) {
        let text = css.trimmingCharacters(in: .whitespaces).lowercased()
        if text.hasPrefix("#") {
            var hex = String(text.dropFirst())
            if hex.count == 3 { hex = hex.map { "\($0)\($0)" }.joined() }
            guard hex.count == 6, let value = Int(hex, radix: 16) else { return nil }
            self.init(red: value >> 16, green: (value >> 8) & 0xFF, blue: value & 0xFF)
        } else if text.hasPrefix("rgb(") && text.hasSuffix(")") {
            let parts = text.dropFirst(4).dropLast().split(separator: ",").compactMap {
                Int($0.trimmingCharacters(in: .whitespaces))
            }
            guard parts.count == 3 else { return nil }
            self.init(red: parts[0], green: parts[1], blue: parts[2])
        } else {
            return nil
        }
    }

    init(red: Int, green: Int, blue: Int) {
        self.red = red
        self.green = green
        self.blue = blue
    }
}

/// Reads the fill colours of a topology picture's nodes from its SVG, whatever renderer drew
/// it: the `fill` (attribute or `style`) of the shapes inside each `<g class="node …">`, or of
/// the group itself.
enum SVGFills {
    static func nodeFills(in svg: String) -> Set<RGB> {
        var fills: Set<RGB> = []
        let groupPattern = /<g\b([^>]*)>(.*?)<\/g>/.dotMatchesNewlines()
        let shapePattern = /<(?:rect|polygon|ellipse|circle|path)\b([^>]*)>/
        for group in svg.matches(of: groupPattern) {
            let attributes = String(group.output.1)
            guard let classes = attribute("class", in: attributes),
                classes.split(separator: " ").contains("node")
            else { continue }
            let inherited = fill(in: attributes)
            for shape in group.output.2.matches(of: shapePattern) {
                if let colour = fill(in: String(shape.output.1)) ?? inherited { fills.insert(colour) }
            }
        }
        return fills
    }

    private static func fill(in attributes: String) -> RGB? {
        if let style = attribute("style", in: attributes),
            let declaration = style.split(separator: ";").first(where: {
                $0.trimmingCharacters(in: .whitespaces).hasPrefix("fill:")
            })
        {
            return RGB(css: String(declaration.split(separator: ":", maxSplits: 1)[1]))
        }
        return attribute("fill", in: attributes).flatMap(RGB.init(css:))
    }

    private static func attribute(_ name: String, in attributes: String) -> String? {
        for match in attributes.matches(of: /([\w:-]+)\s*=\s*"([^"]*)"/) where match.output.1 == name {
            return String(match.output.2)
        }
        return nil
    }
}
