#if FUZZING
import Foundation

/// The fuzzing build (`-DFUZZING -sanitize=fuzzer`, see scripts/fuzz.sh) hands control to libFuzzer's driver.
///
/// libFuzzer's own `main` cannot be used: SwiftPM links every executable with `main` aliased to the module's entry
/// point, so the module must have one. `LLVMFuzzerRunDriver` is libFuzzer's documented way to start from our own
/// `main`, with the same command line.
@main
struct LibFuzzerMain {
    static func main() {
        _ = FuzzTarget.selected  // a wrong or missing target name stops here, not at the first input
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runLibFuzzer(&argc, &argv, fuzzOneInput))
    }
}

/// Called by libFuzzer for every input.
private func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    FuzzTarget.selected.run(input)
    return 0
}

/// `int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size))`, from
/// libclang_rt.fuzzer; declared here because it has no header a Swift target could import.
@_silgen_name("LLVMFuzzerRunDriver")
private func runLibFuzzer(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif
