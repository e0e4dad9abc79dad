import FleetProtocol
import Foundation

/// The libFuzzer entry point: the frame decoder (header, then the whole frame) and the
/// recording reader get the same bytes. A crash, a trap or an address error is a finding;
/// every input must end in a value or a `ProtocolError` / `Recording.FormatError`.
///
///     swift build --build-path .build-fuzz --product FleetFuzz \
///         -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
///     .build-fuzz/debug/FleetFuzz -runs=10000000 corpus/
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if let header = try? FrameDecoder.decodeHeader(bytes) {
        // What passed the header checks decodes in full or fails with a field error, and
        // what decodes encodes back to a frame that decodes again.
        if let frame = try? FrameDecoder.decode(bytes) {
            precondition(frame.header == header, "decode and decodeHeader disagree")
            let again = FrameEncoder.encode(
                frame.message,
                robotID: header.robotID,
                bootEpoch: header.bootEpoch,
                sequence: header.sequence,
                timestampNanoseconds: header.timestampNanoseconds,
                flags: header.flags
            )
            precondition((try? FrameDecoder.decode(again)) != nil, "a decoded frame re-encodes to an invalid one")
        }
    }
    _ = FrameHeader.unverified(bytes)
    _ = try? Recording.parse(bytes)
    return 0
}

#if FUZZING
/// libFuzzer's driver, started from our own `main` (SwiftPM gives every executable one).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif

/// With `-DFUZZING` (and `-sanitize=fuzzer,address`): libFuzzer's driver, with its usual
/// arguments. Without: replays the files given (a corpus, a crash input) through the same
/// entry point, so a finding can be rerun and debugged with an ordinary build.
@main
enum FleetFuzzMain {
    static func main() throws {
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, fuzzOneInput))
        #else
        for path in CommandLine.arguments.dropFirst() {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            _ = data.withUnsafeBytes { buffer in
                fuzzOneInput(buffer.bindMemory(to: UInt8.self).baseAddress, buffer.count)
            }
        }
        #endif
    }
}
