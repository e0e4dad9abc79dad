import Foundation

/// How data commands print: an aligned table for people, JSON or CSV for programs.
public enum OutputFormat: String, CaseIterable, Sendable {
    case table
    case json
    case csv
}

/// Rows of named columns, printable in every `OutputFormat`.
public struct DataTable {
    public var columns: [String]
    public var rows: [[Cell]]

    public init(columns: [String], rows: [[Cell]]) {
        self.columns = columns
        self.rows = rows
    }

    public enum Cell {
        case text(String)
        case number(Double)
        case integer(Int64)
        case null
        /// Preformatted JSON (an object or array) for the JSON output; its text elsewhere.
        case json(String, text: String)

        public var text: String {
            switch self {
            case .text(let s): s
            case .number(let v):
                v.isNaN ? "NaN" : (v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.6g", v))
            case .integer(let v): String(v)
            case .null: ""
            case .json(_, let text): text
            }
        }

        public var jsonText: String {
            switch self {
            case .text(let s): Self.quote(s)
            case .number(let v):
                v.isFinite
                    ? (v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v))
                    : Self.quote(v.isNaN ? "NaN" : (v > 0 ? "Infinity" : "-Infinity"))
            case .integer(let v): String(v)
            case .null: "null"
            case .json(let json, _): json
            }
        }

        public static func quote(_ s: String) -> String {
            var out = "\""
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
    }

    public func render(_ format: OutputFormat) -> String {
        switch format {
        case .table: renderTable()
        case .json: renderJSON()
        case .csv: renderCSV()
        }
    }

    private func renderTable() -> String {
        let texts = rows.map { $0.map(\.text) }
        var widths = columns.map(\.count)
        for row in texts { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        var out = [line(columns), line(widths.map { String(repeating: "-", count: $0) })]
        out += texts.map(line)
        if rows.isEmpty { out.append("(no rows)") }
        return out.joined(separator: "\n") + "\n"
    }

    private func renderJSON() -> String {
        let objects = rows.map { row in
            "{" + zip(columns, row).map { "\(Cell.quote($0)): \($1.jsonText)" }.joined(separator: ", ") + "}"
        }
        return "[\n" + objects.map { "  " + $0 }.joined(separator: ",\n") + (objects.isEmpty ? "" : "\n") + "]\n"
    }

    private func renderCSV() -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        return
            ([columns.map(field).joined(separator: ",")] + rows.map { $0.map { field($0.text) }.joined(separator: ",") })
            .joined(separator: "\n") + "\n"
    }
}
