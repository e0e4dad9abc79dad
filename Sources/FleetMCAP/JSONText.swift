import Foundation

/// The few JSON spellings the exporter needs, written straight into strings: numbers as the
/// shortest text that reads back to the same `Double` (NaN and ±Inf, which JSON lacks, as
/// `null`), and quoted strings.
enum JSONText {
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    static func string(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `{"sec": …, "nsec": …}`: Foxglove's time in JSON.
    static func time(_ nanoseconds: UInt64) -> String {
        "{\"sec\": \(nanoseconds / 1_000_000_000), \"nsec\": \(nanoseconds % 1_000_000_000)}"
    }

    static func vector(_ x: Double, _ y: Double, _ z: Double) -> String {
        "{\"x\": \(number(x)), \"y\": \(number(y)), \"z\": \(number(z))}"
    }

    static func quaternion(x: Double, y: Double, z: Double, w: Double) -> String {
        "{\"x\": \(number(x)), \"y\": \(number(y)), \"z\": \(number(z)), \"w\": \(number(w))}"
    }

    /// The rotation by `yaw` radians about the z axis.
    static func yaw(_ yaw: Double) -> String {
        quaternion(x: 0, y: 0, z: sin(yaw / 2), w: cos(yaw / 2))
    }

    static func pose(_ position: String, _ orientation: String) -> String {
        "{\"position\": \(position), \"orientation\": \(orientation)}"
    }

    static func color(_ r: Double, _ g: Double, _ b: Double, _ a: Double) -> String {
        "{\"r\": \(number(r)), \"g\": \(number(g)), \"b\": \(number(b)), \"a\": \(number(a))}"
    }
}
