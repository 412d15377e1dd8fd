import Foundation

/// Reads a PNG screenshot with python3's standard library (zlib and struct), since zlib is
/// not reachable from Swift here without a new dependency: decodes the pixels and counts, for
/// each colour asked about, the pixels within a small tolerance of it.
enum PNGInspector {
    /// What the picture holds.
    struct Report: Decodable, Sendable {
        var width: Int
        var height: Int
        /// How many different colours it has.
        var distinctColours: Int
        /// The share of pixels of its most common colour (1 for a blank picture).
        var dominantShare: Double
        /// Pixels per colour asked about, by `#rrggbb`.
        var counts: [String: Int]
    }

    static func inspect(_ path: String, colours: [RGB], tolerance: Int = 3) async throws -> Report {
        guard let python = ChildProcess.find("python3") else {
            throw ChildProcessError(description: "python3 is not installed; run scripts/test.sh, which installs it")
        }
        let arguments = ["-c", script, path, String(tolerance)] + colours.map(\.description)
        let result = try await offThePool { try ChildProcess.run(python, arguments, within: .seconds(120)) }
        guard result.status == 0 else {
            throw ChildProcessError(description: "the PNG decoder failed: \(result.standardError.suffix(2000))")
        }
        return try JSONDecoder().decode(Report.self, from: Data(result.standardOutput.utf8))
    }

    private static let script = #"""
        import collections, json, struct, sys, zlib

        path, tolerance, wanted = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
        data = open(path, 'rb').read()
        if data[:8] != b'\x89PNG\r\n\x1a\n':
            sys.exit('not a PNG file')
        position, chunks = 8, []
        while position < len(data):
            length, kind = struct.unpack('>I4s', data[position:position + 8])
            body = data[position + 8:position + 8 + length]
            position += 12 + length
            if kind == b'IHDR':
                width, height, depth, colour_type, _, _, interlace = struct.unpack('>IIBBBBB', body)
            elif kind == b'IDAT':
                chunks.append(body)
            elif kind == b'IEND':
                break
        if depth != 8 or colour_type not in (2, 6) or interlace != 0:
            sys.exit('unsupported PNG: depth %d, colour type %d, interlace %d' % (depth, colour_type, interlace))
        step = 3 if colour_type == 2 else 4
        raw = zlib.decompress(b''.join(chunks))
        stride = width * step
        previous = bytearray(stride)
        pixels = bytearray()
        offset = 0
        for _ in range(height):
            kind = raw[offset]
            line = bytearray(raw[offset + 1:offset + 1 + stride])
            offset += 1 + stride
            if kind == 1:
                for x in range(step, stride):
                    line[x] = (line[x] + line[x - step]) & 255
            elif kind == 2:
                line = bytearray((a + b) & 255 for a, b in zip(line, previous))
            elif kind == 3:
                for x in range(stride):
                    left = line[x - step] if x >= step else 0
                    line[x] = (line[x] + ((left + previous[x]) >> 1)) & 255
            elif kind == 4:
                for x in range(stride):
                    a = line[x - step] if x >= step else 0
                    b = previous[x]
                    c = previous[x - step] if x >= step else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            pixels += line
            previous = line
        histogram = collections.Counter(zip(pixels[0::step], pixels[1::step], pixels[2::step]))
        total = width * height
        counts = {}
        for colour in wanted:
            r, g, b = int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)
            counts[colour] = sum(n for (pr, pg, pb), n in histogram.items()
                                 if abs(pr - r) <= tolerance and abs(pg - g) <= tolerance and abs(pb - b) <= tolerance)
        print(json.dumps({
            'width': width, 'height': height, 'distinctColours': len(histogram),
            'dominantShare': max(histogram.values()) / total, 'counts': counts,
        }))
        """#
}
