/// The colours of chart series, shared by the HTML (CSS classes `c0`…`c7`) and the XLSX (explicit RGB), so a
/// series looks the same in both.
///
/// A series' colour follows from its key (a split value such as a service, team, state or verdict, or else the
/// name of its y column), never from the order in which it appears: the key's FNV-1a hash picks its preferred
/// colour, the same in every chart of every report. Two keys of one chart that prefer the same colour are told
/// apart: in alphabetical order, a later key takes the next free colour. So a key changes colour only when a
/// chart holds another key that prefers the same one; a chart with more keys than colours repeats colours.
public enum ChartPalette {
    /// Okabe–Ito colours (distinguishable with the common colour-vision deficiencies), for light backgrounds and print.
    public static let light: [UInt32] = [0x0072B2, 0xE69F00, 0x009E73, 0xCC79A7, 0x56B4E9, 0xD55E00, 0x8C7A00, 0x7F7F7F]
    /// The same hues, lighter, for the dark page.
    public static let dark: [UInt32] = [0x4EA8DE, 0xF0B429, 0x34C796, 0xE29AC6, 0x8FD0F5, 0xFF8A3D, 0xD9C843, 0xA8A8A8]

    public static var count: Int { light.count }

    /// The colour `key` prefers: its 32-bit FNV-1a hash (of the UTF-8 bytes) modulo the palette size. Stable across
    /// processes and machines, unlike Swift's seeded `hashValue`.
    public static func preferred(_ key: String) -> Int {
        var h: UInt32 = 2_166_136_261
        for b in key.utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
        return Int(h % UInt32(count))
    }

    /// A colour index per key of one chart (same order as `keys`): equal keys share one; distinct keys get distinct
    /// colours while there are colours left.
    public static func assign(_ keys: [String]) -> [Int] {
        var chosen: [String: Int] = [:]
        var used = Set<Int>()
        for key in Set(keys).sorted() {
            if used.count == count { used.removeAll() }
            var c = preferred(key)
            while used.contains(c) { c = (c + 1) % count }
            used.insert(c)
            chosen[key] = c
        }
        return keys.map { chosen[$0]! }
    }

    /// `#rrggbb` of a colour.
    static func hex(_ rgb: UInt32) -> String {
        let s = String(rgb, radix: 16)
        return "#" + String(repeating: "0", count: max(0, 6 - s.count)) + s
    }

    /// The CSS custom properties `--c0`…`--c7` of a palette.
    static func cssVariables(_ palette: [UInt32]) -> String {
        palette.enumerated().map { "--c\($0.offset):\(hex($0.element))" }.joined(separator: ";")
    }
}
