import ArgumentParser
import Foundation
import ZeroMQ

/// Checks the endpoints a command will bind before it opens anything (a database file, a
/// socket): first their form, then, just before starting, that each one can be bound. An
/// error names the option and the address, in one line.
enum EndpointCheck {
    /// A ZeroMQ endpoint to bind: `tcp://HOST:PORT` (PORT 1-65535 or `*`), `ipc://PATH` or
    /// `inproc://NAME`.
    static func validateZeroMQ(_ endpoint: String, option: String) throws {
        guard let range = endpoint.range(of: "://") else {
            throw ValidationError("\(option): '\(endpoint)' is not an endpoint (tcp://HOST:PORT, ipc://PATH)")
        }
        let transport = endpoint[..<range.lowerBound]
        let address = endpoint[range.upperBound...]
        switch transport {
        case "tcp":
            guard let colon = address.lastIndex(of: ":"), colon != address.startIndex else {
                throw ValidationError("\(option): '\(endpoint)' has no host and port (tcp://HOST:PORT)")
            }
            let port = address[address.index(after: colon)...]
            if port == "*" { return }
            guard let number = Int(port), (1...65535).contains(number) else {
                throw ValidationError("\(option): port '\(port)' in '\(endpoint)' is not 1...65535 (or * for any)")
            }
        case "ipc", "inproc":
            guard !address.isEmpty else { throw ValidationError("\(option): '\(endpoint)' names no address") }
        default:
            throw ValidationError("\(option): transport '\(transport)' in '\(endpoint)' is not tcp, ipc or inproc")
        }
    }

    /// Binds each ZeroMQ endpoint once and lets it go, so that an address in use (or not
    /// this machine's) stops the command before it creates its database.
    static func checkBindable(_ endpoints: [(option: String, endpoint: String)]) throws {
        guard !endpoints.isEmpty else { return }
        let context = try Context()
        defer { context.terminate() }
        for (option, endpoint) in endpoints where !endpoint.hasPrefix("inproc://") {
            let socket = try Socket(context, type: .pair, options: [.linger(.zero)])
            defer { socket.close() }
            do {
                try socket.bind(endpoint)
            } catch {
                throw ValidationError("\(option): cannot bind \(endpoint): \(error)")
            }
        }
    }

    /// Binds a TCP socket to HOST:PORT once and lets it go (the HTTP server's address).
    static func checkBindable(host: String, port: Int, option: String) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw ValidationError("\(option): cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else {
            throw ValidationError("\(option): cannot open a socket: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            throw ValidationError("\(option): cannot bind \(host):\(port): \(String(cString: strerror(errno)))")
        }
    }
}
