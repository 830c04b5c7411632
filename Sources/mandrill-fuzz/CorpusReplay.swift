#if !FUZZING
import Foundation

/// Without the fuzzer, the same targets replay saved inputs: `mandrill-fuzz TARGET PATH…`, each path a file or a
/// folder of files. The tests run it over `Fuzz/corpus/`, so every input that ever mattered stays a regression test,
/// and a crash artifact from `test-output/fuzz/` can be replayed in a debug build with a readable stack trace.
@main
struct CorpusReplay {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[0]) else {
            fail("usage: mandrill-fuzz TARGET PATH… (targets: \(FuzzTarget.names))", status: 64)
        }
        var count = 0
        for path in arguments.dropFirst() {
            let files = inputFiles(at: path)
            if files.isEmpty { fail("no inputs at \(path)", status: 66) }
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)", status: 66) }
                target.run(Array(data))
                count += 1
            }
        }
        FileHandle.standardOutput.write(Data("replayed \(count) inputs through \(target.rawValue) without a failure\n".utf8))
    }

    /// The file itself, or every regular file under the folder (sorted, so runs are repeatable).
    private static func inputFiles(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [path] }
        let names = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String]) ?? []
        return names.sorted().map { "\(path)/\($0)" }.filter { file in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: file, isDirectory: &isFolder) && !isFolder.boolValue
        }
    }

    private static func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(status)
    }
}
#endif
