import Hummingbird
import NIOCore

/// Serves the board's three files with their content types.
enum BoardAssets {
    enum File {
        case html, css, js
    }

    static func response(_ file: File) -> Response {
        let (text, type): (String, String) =
            switch file {
            case .html: (BoardAssetText.html, "text/html; charset=utf-8")
            case .css: (BoardAssetText.css, "text/css; charset=utf-8")
            case .js: (BoardAssetText.js, "text/javascript; charset=utf-8")
            }
        return Response(
            status: .ok,
            headers: [.contentType: type, .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }
}
