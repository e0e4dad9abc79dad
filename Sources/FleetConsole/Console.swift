import Foundation

/// "1.25" with up to `digits` decimals, no trailing zeros.
public func decimal(_ value: Double, _ digits: Int = 3) -> String {
    guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "inf" : "-inf") }
    var text = String(format: "%.\(digits)f", value)
    if text.contains(".") {
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
    }
    return text == "-0" ? "0" : text
}

/// Writes what was printed so far, also when standard output is a pipe or a file (fully
/// buffered): a watcher sees the board's URL and the progress as they happen.
public func flushOutput() {
    fflush(nil)
}
