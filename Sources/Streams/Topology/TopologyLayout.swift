/// Where ``TopologyDescription/svg`` draws each box and arrow: a layered layout, computed
/// without Graphviz.
///
/// Each sub-topology is laid out on its own and framed; the frames stand side by side under a
/// legend. Inside a frame, the topics a source reads form layer 0, every node sits one layer
/// below its deepest parent (longest path from the sources), and the topic a sink writes sits
/// one layer below that sink. An arrow that skips layers passes through a bend point in each
/// layer it crosses, so it never runs through a box. Within a layer, vertices are ordered by
/// the barycenter of their neighbours (the order with the fewest crossings wins), then placed
/// as close to the mean of their neighbours as the minimum gap allows.
///
/// Every coordinate is an integer in SVG user units, top-left origin, so the rendering is
/// byte-for-byte the same for the same description.
struct TopologyLayout: Sendable, Hashable {
    /// A box: a node, or a topic read or written by the nodes of one sub-topology.
    struct Box: Sendable, Hashable {
        enum Kind: String, Sendable, Hashable {
            case source, processor, sink, topic
            /// The shape a sink whose topic is chosen per record points to.
            case perRecordTopic = "per-record"
        }

        /// A unique id that is a valid XML name (`node-…`, `topic-…`, `per-record-…`).
        var id: String
        var kind: Kind
        /// The text, one element per line; the first is the node's or topic's name.
        var lines: [String]
        var subtopology: Int
        var layer: Int
        var x: Int
        var y: Int
        var width: Int
        var height: Int

        var midX: Int { x + width / 2 }
        var bottom: Int { y + height }
        var right: Int { x + width }

        func overlaps(_ other: Box) -> Bool {
            x < other.right && other.x < right && y < other.bottom && other.y < bottom
        }
    }

    /// An arrow from `boxes[from]` to `boxes[to]`, through `points`: the first on the bottom
    /// edge of its start, the last on the top edge of its end, bend points between.
    struct Edge: Sendable, Hashable {
        var from: Int
        var to: Int
        var points: [Point]
    }

    struct Point: Sendable, Hashable {
        var x: Int
        var y: Int
    }

    /// The frame around one sub-topology.
    struct Frame: Sendable, Hashable {
        var subtopology: Int
        var label: String
        var x: Int
        var y: Int
        var width: Int
        var height: Int
    }

    /// One entry of the legend: a sample box and its label.
    struct LegendEntry: Sendable, Hashable {
        var kind: Box.Kind
        var label: String
        var x: Int
        var y: Int
    }

    var boxes: [Box] = []
    var edges: [Edge] = []
    var frames: [Frame] = []
    var legend: [LegendEntry] = []
    var width = 0
    var height = 0

    // Metrics. Text is monospace, so its width is its character count times `charWidth`
    // (0.6 em is the advance of Menlo, DejaVu Sans Mono and Liberation Mono; rounded up).
    static let fontSize = 12
    static let smallFontSize = 11
    static let charWidth = 7.3
    static let lineHeight = 16
    static let boxPaddingX = 12
    static let topicPaddingX = 18
    static let boxPaddingY = 8
    static let layerGap = 44
    static let boxGap = 24.0
    static let framePadding = 16
    static let frameLabelHeight = 22
    static let frameGap = 24
    static let margin = 12
    static let legendSwatch = 14
    static let legendHeight = 22
    static let perRecordLabel = "(topic chosen per record)"

    static func textWidth(_ text: String) -> Int {
        Int((Double(text.count) * charWidth).rounded(.up))
    }

    init(_ description: TopologyDescription) {
        var ids = ElementIds()
        // The legend, left to right along the top.
        var legendX = Self.margin
        for (kind, label) in [(Box.Kind.source, "source"), (.processor, "processor"), (.sink, "sink"), (.topic, "topic")] {
            legend.append(LegendEntry(kind: kind, label: label, x: legendX, y: Self.margin))
            legendX += Self.legendSwatch + 6 + Self.textWidth(label) + 18
        }
        let legendRight = legendX - 18
        let framesTop = Self.margin + Self.legendHeight + 10

        var frameX = Self.margin
        var tallest = 0
        for subtopology in description.subtopologies {
            var part = Subgraph(subtopology, ids: &ids)
            part.order()
            part.place()
            let label = "Sub-topology \(subtopology.id)"
            let contentWidth = part.width
            let frameWidth = max(contentWidth, Self.textWidth(label) + 8) + 2 * Self.framePadding
            // Content narrower than its label is centred under it.
            let dx = frameX + Self.framePadding + (frameWidth - 2 * Self.framePadding - contentWidth) / 2
            let dy = framesTop + Self.frameLabelHeight + Self.framePadding / 2
            // Vertices are numbered with the bend points; boxes without them.
            var boxIndex: [Int: Int] = [:]
            for (number, vertex) in part.vertices.enumerated() where !vertex.isBend {
                var box = vertex.box
                box.x += dx
                box.y += dy
                boxIndex[number] = boxes.count
                boxes.append(box)
            }
            for edge in part.edges {
                edges.append(Edge(
                    from: boxIndex[edge.from]!, to: boxIndex[edge.to]!,
                    points: edge.points.map { Point(x: $0.x + dx, y: $0.y + dy) }))
            }
            let frameHeight = Self.frameLabelHeight + Self.framePadding / 2 + part.height + Self.framePadding
            frames.append(Frame(
                subtopology: subtopology.id, label: label, x: frameX, y: framesTop,
                width: frameWidth, height: frameHeight))
            tallest = max(tallest, frameHeight)
            frameX += frameWidth + Self.frameGap
        }
        // Frames of one row share the height of the tallest.
        for index in frames.indices { frames[index].height = tallest }
        width = max(frameX - Self.frameGap, legendRight) + Self.margin
        height = framesTop + tallest + Self.margin
    }
}

/// Unique, valid XML ids derived from names: letters, digits, `-` and `_` are kept, anything
/// else becomes `_`; a second name that maps to a taken id gets `-2`, `-3`, ….
private struct ElementIds {
    private var taken: Set<String> = []

    mutating func make(_ prefix: String, _ name: String) -> String {
        let cleaned = String(String.UnicodeScalarView(name.unicodeScalars.map { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_")
                ? scalar : "_"
        }))
        let base = prefix + cleaned
        var id = base
        var suffix = 2
        while !taken.insert(id).inserted {
            id = "\(base)-\(suffix)"
            suffix += 1
        }
        return id
    }
}

/// One sub-topology's layout in its own coordinates, origin at the top-left of its content.
private struct Subgraph {
    struct Vertex {
        var box: TopologyLayout.Box
        /// A bend point of an arrow that crosses this layer: no box, no width.
        var isBend: Bool
        /// Its centre, while placing.
        var center = 0.0
    }

    struct Link {
        var from: Int
        var to: Int
        var points: [TopologyLayout.Point] = []
    }

    var vertices: [Vertex] = []
    /// Arrows between vertices, in the order of the description.
    var edges: [Link] = []
    /// Arrows split at bend points: each joins adjacent layers.
    private var segments: [(from: Int, to: Int)] = []
    /// For each arrow, its vertices from start to end, bend points between.
    private var chains: [[Int]] = []
    /// Vertex numbers per layer, in drawing order.
    private var layers: [[Int]] = []
    /// Each vertex's neighbours in the layer above and in the layer below.
    private var above: [[Int]] = []
    private var below: [[Int]] = []
    var width = 0
    var height = 0

    init(_ subtopology: TopologyDescription.Subtopology, ids: inout ElementIds) {
        typealias Box = TopologyLayout.Box
        var index: [String: Int] = [:]
        var inputTopics: [TopicName: Int] = [:]
        var outputTopics: [TopicName: Int] = [:]
        var arrows: [(Int, Int)] = []

        func add(_ kind: Box.Kind, _ lines: [String], id: String, layer: Int) -> Int {
            let padding = kind == .topic || kind == .perRecordTopic ? TopologyLayout.topicPaddingX : TopologyLayout.boxPaddingX
            let width = (lines.map(TopologyLayout.textWidth).max() ?? 0) + 2 * padding
            let height = lines.count * TopologyLayout.lineHeight + 2 * TopologyLayout.boxPaddingY
            vertices.append(Vertex(
                box: Box(
                    id: id, kind: kind, lines: lines, subtopology: subtopology.id, layer: layer,
                    x: 0, y: 0, width: width, height: height),
                isBend: false))
            return vertices.count - 1
        }

        // Nodes come parents first, so one pass finds every node's longest path.
        var layerOf: [String: Int] = [:]
        for node in subtopology.nodes {
            let layer = node.predecessors.compactMap { layerOf[$0] }.map { $0 + 1 }.max() ?? 1
            layerOf[node.name] = layer
        }
        for node in subtopology.nodes {
            let layer = layerOf[node.name]!
            switch node.kind {
            case .source(let topics):
                let vertex = add(.source, [node.name], id: ids.make("node-", node.name), layer: layer)
                index[node.name] = vertex
                for topic in topics {
                    let topicVertex: Int
                    if let known = inputTopics[topic] {
                        topicVertex = known
                    } else {
                        topicVertex = add(
                            .topic, [topic.rawValue], id: ids.make("topic-\(subtopology.id)-in-", topic.rawValue),
                            layer: layer - 1)
                        inputTopics[topic] = topicVertex
                    }
                    arrows.append((topicVertex, vertex))
                }
            case .processor(let stores):
                let lines = stores.isEmpty ? [node.name] : [node.name, "stores: " + stores.joined(separator: ", ")]
                index[node.name] = add(.processor, lines, id: ids.make("node-", node.name), layer: layer)
            case .sink:
                index[node.name] = add(.sink, [node.name], id: ids.make("node-", node.name), layer: layer)
            }
        }
        for node in subtopology.nodes {
            let vertex = index[node.name]!
            for successor in node.successors {
                if let child = index[successor] { arrows.append((vertex, child)) }
            }
            guard case .sink(let topic) = node.kind else { continue }
            let layer = layerOf[node.name]! + 1
            if let topic {
                if let known = outputTopics[topic] {
                    // A topic written by several sinks sits below the deepest of them.
                    vertices[known].box.layer = max(vertices[known].box.layer, layer)
                    arrows.append((vertex, known))
                } else {
                    let topicVertex = add(
                        .topic, [topic.rawValue], id: ids.make("topic-\(subtopology.id)-out-", topic.rawValue),
                        layer: layer)
                    outputTopics[topic] = topicVertex
                    arrows.append((vertex, topicVertex))
                }
            } else {
                let shape = add(
                    .perRecordTopic, [TopologyLayout.perRecordLabel], id: ids.make("per-record-", node.name),
                    layer: layer)
                arrows.append((vertex, shape))
            }
        }

        let layerCount = (vertices.map(\.box.layer).max() ?? 0) + 1
        layers = Array(repeating: [], count: layerCount)
        for (vertex, box) in vertices.enumerated() { layers[box.box.layer].append(vertex) }
        for (from, to) in arrows {
            var chain = [from]
            var previous = from
            for layer in (vertices[from].box.layer + 1)..<vertices[to].box.layer {
                vertices.append(Vertex(
                    box: Box(id: "", kind: .processor, lines: [], subtopology: subtopology.id, layer: layer,
                             x: 0, y: 0, width: 0, height: 0),
                    isBend: true))
                let bend = vertices.count - 1
                layers[layer].append(bend)
                segments.append((previous, bend))
                chain.append(bend)
                previous = bend
            }
            segments.append((previous, to))
            chain.append(to)
            chains.append(chain)
            edges.append(Link(from: from, to: to))
        }
        above = Array(repeating: [], count: vertices.count)
        below = Array(repeating: [], count: vertices.count)
        for segment in segments {
            above[segment.to].append(segment.from)
            below[segment.from].append(segment.to)
        }
    }

    private func crossings(_ layers: [[Int]]) -> Int {
        var position: [Int: Int] = [:]
        for layer in layers { for (slot, vertex) in layer.enumerated() { position[vertex] = slot } }
        var count = 0
        for (i, a) in segments.enumerated() {
            for b in segments[(i + 1)...] where vertices[a.from].box.layer == vertices[b.from].box.layer {
                let top = position[a.from]! - position[b.from]!
                let bottom = position[a.to]! - position[b.to]!
                if top * bottom < 0 { count += 1 }
            }
        }
        return count
    }

    /// Orders each layer by the barycenter of its neighbours, sweeping down then up; keeps
    /// the order with the fewest crossings (the first such, so the result is deterministic).
    mutating func order() {
        var best = layers
        var fewest = crossings(layers)
        var current = layers
        func reorder(_ layer: Int, by neighbours: [[Int]], in adjacent: [Int]) {
            var slot: [Int: Int] = [:]
            for (position, vertex) in adjacent.enumerated() { slot[vertex] = position }
            let keyed = current[layer].enumerated().map { position, vertex -> (Double, Int, Int) in
                let around = neighbours[vertex].compactMap { slot[$0] }
                let key = around.isEmpty
                    ? Double(position) : Double(around.reduce(0, +)) / Double(around.count)
                return (key, position, vertex)
            }
            // Ties keep their current order.
            current[layer] = keyed.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
        }
        for _ in 0..<6 {
            for layer in current.indices.dropFirst() {
                reorder(layer, by: above, in: current[layer - 1])
            }
            for layer in current.indices.dropLast().reversed() {
                reorder(layer, by: below, in: current[layer + 1])
            }
            let count = crossings(current)
            if count < fewest {
                fewest = count
                best = current
            }
            if fewest == 0 { break }
        }
        layers = best
    }

    /// Gives every vertex a centre and a top, then routes the arrows.
    mutating func place() {
        // Start packed from the left, then pull each layer towards its parents and children
        // in turn; the last pass pulls towards parents, so children hang under them.
        for layer in layers { spread(layer, towards: nil) }
        for _ in 0..<4 {
            for layer in layers.dropFirst() { spread(layer, towards: above) }
            for layer in layers.dropLast().reversed() { spread(layer, towards: below) }
        }
        for layer in layers.dropFirst() { spread(layer, towards: above) }

        let left = vertices.map { $0.center - Double($0.box.width) / 2 }.min() ?? 0
        var top = 0
        for layer in layers {
            let rowHeight = layer.map { vertices[$0].box.height }.max() ?? 0
            for vertex in layer {
                let box = vertices[vertex].box
                vertices[vertex].box.x = Int((vertices[vertex].center - left - Double(box.width) / 2).rounded())
                vertices[vertex].box.y = top + (rowHeight - box.height) / 2
                if vertices[vertex].isBend { vertices[vertex].box.height = rowHeight; vertices[vertex].box.y = top }
            }
            top += rowHeight + TopologyLayout.layerGap
        }
        height = max(0, top - TopologyLayout.layerGap)
        width = vertices.map(\.box.right).max() ?? 0
        route()
    }

    /// Places one layer's vertices in their order, each as near its desired centre as the
    /// gaps allow: the least-squares solution of "centres in order, at least a gap apart",
    /// found by pooling adjacent violators over the centres minus their minimal offsets.
    private mutating func spread(_ layer: [Int], towards neighbours: [[Int]]?) {
        guard !layer.isEmpty else { return }
        var offsets = [0.0]
        for (a, b) in zip(layer, layer.dropFirst()) {
            let gap = Double(vertices[a].box.width + vertices[b].box.width) / 2 + TopologyLayout.boxGap
            offsets.append(offsets.last! + gap)
        }
        let targets = layer.enumerated().map { position, vertex -> Double in
            guard let neighbours else { return offsets[position] }
            let around = neighbours[vertex]
            let wanted = around.isEmpty
                ? vertices[vertex].center
                : around.map { vertices[$0].center }.reduce(0, +) / Double(around.count)
            return wanted - offsets[position]
        }
        // Pool adjacent violators: blocks of (sum, count), merged while out of order.
        var blocks: [(sum: Double, count: Int)] = []
        for target in targets {
            blocks.append((target, 1))
            while blocks.count > 1 {
                let last = blocks[blocks.count - 1]
                let before = blocks[blocks.count - 2]
                guard before.sum / Double(before.count) > last.sum / Double(last.count) else { break }
                blocks.removeLast(2)
                blocks.append((before.sum + last.sum, before.count + last.count))
            }
        }
        var position = 0
        for block in blocks {
            let value = block.sum / Double(block.count)
            for _ in 0..<block.count {
                vertices[layer[position]].center = value + offsets[position]
                position += 1
            }
        }
    }

    /// Ports spread along a box's bottom (arrows out) and top (arrows in), ordered by where
    /// the arrow goes, so that arrows leaving one box do not cross at their start.
    private mutating func route() {
        typealias Point = TopologyLayout.Point
        var outgoing: [Int: [(edge: Int, towards: Int)]] = [:]
        var incoming: [Int: [(edge: Int, towards: Int)]] = [:]
        for (number, chain) in chains.enumerated() {
            outgoing[chain[0], default: []].append((number, vertices[chain[1]].box.midX))
            incoming[chain[chain.count - 1], default: []].append((number, vertices[chain[chain.count - 2]].box.midX))
        }
        func ports(_ list: [(edge: Int, towards: Int)], of vertex: Int) -> [Int: Int] {
            let box = vertices[vertex].box
            let sorted = list.enumerated().sorted { ($0.element.towards, $0.offset) < ($1.element.towards, $1.offset) }
            var result: [Int: Int] = [:]
            // Ports stay within the middle part of the box, clear of the rounded corners.
            let span = Double(box.width) * (sorted.count > 2 ? 0.8 : 0.5)
            for (slot, entry) in sorted.enumerated() {
                let fraction = sorted.count == 1 ? 0.5 : Double(slot) / Double(sorted.count - 1)
                result[entry.element.edge] = box.x + Int((Double(box.width) - span) / 2 + span * fraction)
            }
            return result
        }
        var starts: [Int: Int] = [:]
        var ends: [Int: Int] = [:]
        for (vertex, list) in outgoing { starts.merge(ports(list, of: vertex)) { a, _ in a } }
        for (vertex, list) in incoming { ends.merge(ports(list, of: vertex)) { a, _ in a } }
        for (number, chain) in chains.enumerated() {
            var points = [Point(x: starts[number]!, y: vertices[chain[0]].box.bottom)]
            for bend in chain.dropFirst().dropLast() {
                let box = vertices[bend].box
                points.append(Point(x: box.x, y: box.y))
                points.append(Point(x: box.x, y: box.bottom))
            }
            points.append(Point(x: ends[number]!, y: vertices[chain[chain.count - 1]].box.y))
            // Centres rounded apart by a pixel or two would draw a faint S: make it straight.
            // Either end moves at most two pixels, well inside its box.
            if points.count == 2, abs(points[1].x - points[0].x) <= 2 {
                points[1].x = points[0].x
            } else if points.count > 2 {
                if abs(points[1].x - points[0].x) <= 2 { points[0].x = points[1].x }
                let last = points.count - 1
                if abs(points[last].x - points[last - 1].x) <= 2 { points[last].x = points[last - 1].x }
            }
            edges[number].points = points
        }
    }
}
