import FleetTestSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to the server, for what an HTTP client library hides: reading a
/// stream as it arrives, or not reading at all.
final class RawConnection {
    let fd: Int32

    /// - Parameter receiveBuffer: SO_RCVBUF to ask for before connecting (small: a client
    ///   that stops reading fills up soon).
    init(port: Int, receiveBuffer: Int32? = nil) throws {
        fd = try Loopback.connect(port: port) { fd in
            if var size = receiveBuffer {
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            }
        }
    }

    deinit { close(fd) }

    func send(_ text: String) throws {
        try Loopback.send(fd, Array(text.utf8))
    }

    /// Sends a GET with the connection kept open.
    func get(_ path: String, headers: [String: String] = [:]) throws {
        var request = "GET \(path) HTTP/1.1\r\nHost: localhost\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        try send(request + "\r\n")
    }

    /// Reads what arrives within `timeout` (returns early once `until` holds for the text);
    /// polls without blocking so the cooperative pool keeps serving the server.
    func read(for timeout: Duration, until done: (String) -> Bool = { _ in false }) async -> String {
        var data: [UInt8] = []
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 65536)
        while ContinuousClock.now < deadline {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 0) >= 0 else { break }
            if pfd.revents & Int16(POLLIN) == 0 {
                try? await Task.sleep(for: .milliseconds(10))
            } else {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { break }
                data.append(contentsOf: buffer[0..<n])
                if done(String(decoding: data, as: UTF8.self)) { break }
            }
        }
        return String(decoding: data, as: UTF8.self)
    }
}

struct RawError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Server-sent events parsed from a stream's text: (event name, data, time of arrival is
/// not kept).
func parseEvents(_ text: String) -> [(event: String, data: String)] {
    var out: [(String, String)] = []
    let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
    // Chunked transfer encoding puts size lines between the events; drop them.
    for block in body.components(separatedBy: "\n\n") {
        var event = "message"
        var data = ""
        // Split on any newline: "\r\n" is one Character in Swift.
        for line in block.split(whereSeparator: \.isNewline) {
            let l = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if l.hasPrefix("event: ") { event = String(l.dropFirst(7)) }
            if l.hasPrefix("data: ") { data = String(l.dropFirst(6)) }
        }
        if !data.isEmpty { out.append((event, data)) }
    }
    return out
}
