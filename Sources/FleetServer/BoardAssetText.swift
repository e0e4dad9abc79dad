/// The web scoreboard's three files (`Board/board.html`, `board.css`, `board.js`), embedded
/// in the binary at build time (SwiftPM's `embedInCode`), so it serves them with nothing else
/// on disk and nothing from the internet. Edit the files; `BoardAssets.response` serves them.
enum BoardAssetText {
    static let html = String(decoding: PackageResources.board_html, as: UTF8.self)
    static let css = String(decoding: PackageResources.board_css, as: UTF8.self)
    static let js = String(decoding: PackageResources.board_js, as: UTF8.self)
}
