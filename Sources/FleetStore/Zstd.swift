import CZstd

/// The few zstd calls the chunk codec makes, with zstd's error codes turned into nil or a
/// `StorageError` that names the zstd error.
enum Zstd {
    /// The most bytes compressing `count` bytes can produce.
    static func compressBound(_ count: Int) -> Int { ZSTD_compressBound(count) }

    /// Compresses `source` into `destination` as one zstd frame that records the content size
    /// and a content checksum (so a damaged blob is caught before its frames are rebuilt);
    /// the compressed size, or nil if zstd failed.
    static func compress(
        _ source: UnsafeRawBufferPointer,
        into destination: UnsafeMutableRawBufferPointer,
        level: Int32
    ) -> Int? {
        guard let context = ZSTD_createCCtx() else { return nil }
        defer { ZSTD_freeCCtx(context) }
        guard ZSTD_isError(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)) == 0,
            ZSTD_isError(ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)) == 0
        else { return nil }
        let written = ZSTD_compress2(
            context,
            destination.baseAddress,
            destination.count,
            source.baseAddress,
            source.count
        )
        guard ZSTD_isError(written) == 0 else { return nil }
        return written
    }

    /// Decompresses exactly one zstd frame filling `destination` exactly; throws if the frame is
    /// damaged, has trailing bytes, fails its checksum or declares another size.
    static func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws {
        let frameSize = ZSTD_findFrameCompressedSize(source.baseAddress, source.count)
        guard ZSTD_isError(frameSize) == 0, frameSize == source.count else {
            throw StorageError(.corruptRow, "columnar chunk: the zstd frame is damaged or has trailing bytes")
        }
        let declared = ZSTD_getFrameContentSize(source.baseAddress, source.count)
        guard declared == UInt64(destination.count) else {
            throw StorageError(
                .corruptRow,
                "columnar chunk: the zstd frame does not declare the \(destination.count)-byte payload the header says"
            )
        }
        let written = ZSTD_decompress(destination.baseAddress, destination.count, source.baseAddress, source.count)
        guard ZSTD_isError(written) == 0 else {
            let name = String(cString: ZSTD_getErrorName(written))
            throw StorageError(.corruptRow, "columnar chunk: zstd could not decompress the payload (\(name))")
        }
        guard written == destination.count else {
            throw StorageError(
                .corruptRow,
                "columnar chunk: zstd produced \(written) bytes, the header says \(destination.count)"
            )
        }
    }
}
