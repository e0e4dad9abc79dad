import CZstd

/// zstd compression of one chunk's records (MCAP's "zstd" compression: one zstd frame).
enum MCAPZstd {
    static func compress(_ source: [UInt8], level: Int32) throws -> [UInt8] {
        let bound = ZSTD_compressBound(source.count)
        var destination = [UInt8](repeating: 0, count: bound)
        let written = source.withUnsafeBytes { src in
            destination.withUnsafeMutableBytes { dst in
                ZSTD_compress(dst.baseAddress, dst.count, src.baseAddress, src.count, level)
            }
        }
        guard ZSTD_isError(written) == 0 else {
            throw MCAPError(
                .compression,
                "zstd could not compress a chunk: \(String(cString: ZSTD_getErrorName(written)))"
            )
        }
        destination.removeLast(destination.count - written)
        return destination
    }
}
