/// A command's arguments packed into one buffer, ready for `redisAsyncCommandArgv` (binary-safe, one allocation).
package struct RedisCommand: Sendable {
    private(set) var storage: [UInt8] = []
    private(set) var lengths: [Int] = []

    package init(_ arguments: String...) {
        for argument in arguments { append(argument) }
    }

    package init(arguments: [String]) {
        for argument in arguments { append(argument) }
    }

    package mutating func append(_ argument: String) {
        var argument = argument
        argument.withUTF8 { append(bytes: $0) }
    }

    // Concrete overloads rather than one generic: callers in other modules would otherwise get unspecialised
    // per-byte code for megabyte-sized arguments.
    package mutating func append(bytes: [UInt8]) {
        storage.append(contentsOf: bytes)
        lengths.append(bytes.count)
    }

    package mutating func append(bytes: ArraySlice<UInt8>) {
        storage.append(contentsOf: bytes)
        lengths.append(bytes.count)
    }

    package mutating func append(bytes: UnsafeBufferPointer<UInt8>) {
        storage.append(contentsOf: bytes)
        lengths.append(bytes.count)
    }

    package mutating func append(_ value: Int) {
        append(String(value))
    }

    package mutating func reserveCapacity(bytes: Int, arguments: Int) {
        storage.reserveCapacity(bytes)
        lengths.reserveCapacity(arguments)
    }

    package var count: Int { lengths.count }

    /// The command's name, for logs (arguments may hold secrets or addresses, so they are never logged).
    package var name: String {
        guard let first = lengths.first else { return "" }
        return String(decoding: storage[0..<first], as: UTF8.self).uppercased()
    }

    /// Calls `body` with C `argv`/`argvlen` arrays pointing into the packed storage.
    func withArgv<Result>(
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> Result
    ) -> Result {
        storage.withUnsafeBufferPointer { storage in
            let base = UnsafeRawPointer(storage.baseAddress ?? UnsafePointer(bitPattern: 1)!)
            var pointers: [UnsafePointer<CChar>?] = []
            pointers.reserveCapacity(lengths.count)
            var offset = 0
            for length in lengths {
                pointers.append((base + offset).assumingMemoryBound(to: CChar.self))
                offset += length
            }
            return pointers.withUnsafeMutableBufferPointer { argv in
                lengths.withUnsafeBufferPointer { argvlen in
                    body(Int32(lengths.count), argv.baseAddress!, argvlen.baseAddress!)
                }
            }
        }
    }
}
