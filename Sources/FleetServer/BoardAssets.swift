import Foundation
import Hummingbird
import NIOCore

/// Serves the board's three files with their content types.
enum BoardAssets {
    enum File {
        case html, css, js
    }

    /// Topics the page gets inline, in the order the script applies them.
    static let initialTopics = ["clock", "robots", "scoreboard", "arena", "events"]

    static func response(_ file: File, feed: LiveFeed? = nil, history: String? = nil) -> Response {
        let (text, type): (String, String) =
            switch file {
            case .html: (page(feed: feed, history: history), "text/html; charset=utf-8")
            case .css: (BoardAssetText.css, "text/css; charset=utf-8")
            case .js: (BoardAssetText.js, "text/javascript; charset=utf-8")
            }
        return Response(
            status: .ok,
            headers: [.contentType: type, .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }

    /// The page with each topic's current value inline (`window.BOARD_INITIAL`), so the
    /// first paint shows the board before the live feed's first message arrives, and with
    /// `history` (the robots' sparkline pasts, JSON) under `history`.
    static func page(feed: LiveFeed?, history: String? = nil) -> String {
        guard let feed else { return BoardAssetText.html }
        var object = "{"
        if let history { object += "\"history\":" + history }
        for topic in initialTopics {
            guard let update = feed.latest(topic) else { continue }
            if object.count > 1 { object += "," }
            object += "\"\(topic)\":" + String(decoding: update.data, as: UTF8.self)
        }
        object += "}"
        // JSON inside <script>: "</" would end the element early.
        let script = "<script>window.BOARD_INITIAL = \(object.replacingOccurrences(of: "</", with: "<\\/"));</script>"
        return BoardAssetText.html.replacingOccurrences(of: "<!--initial-->", with: script)
    }
}
