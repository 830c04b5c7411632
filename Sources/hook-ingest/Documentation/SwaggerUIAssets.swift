import Common
import Foundation
import NIOCore

/// The Swagger UI files `/doc` loads from hook-ingest itself (`/doc/swagger-ui-bundle.js`, `/doc/swagger-ui.css`), so
/// that the API documentation works with no network. They are not part of the binary: `scripts/install-swagger-ui.sh`
/// (and the container image build) installs them into a directory, and hook-ingest reads them once at start.
struct SwaggerUIAssets: Sendable {
    /// One file, as it is served.
    struct Asset: Sendable {
        let body: ByteBuffer
        let contentType: String
        /// A strong validator of the content, for `If-None-Match`.
        let entityTag: String
    }

    /// The only files served under `/doc/`, with their types. A request names one of these or gets 404: request paths
    /// never reach the file system.
    static let files: [(name: String, contentType: String)] = [
        ("swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
        ("swagger-ui.css", "text/css; charset=utf-8"),
    ]

    /// Where hook-ingest looks when neither `--swagger-ui-dir` nor `SWAGGER_UI_DIR` is set, in this order: where
    /// `scripts/install-swagger-ui.sh` installs them in a checkout (relative to the working directory), then where
    /// the container image and system packages put them.
    static let defaultDirectories = [".build-assets/swagger-ui", "/usr/share/mandrill-live/swagger-ui"]

    let directory: String
    let assets: [String: Asset]

    /// Whether `directory` holds every file (the check the default search makes).
    static func isComplete(_ directory: String) -> Bool {
        files.allSatisfy { file in
            let path = directory + "/" + file.name
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }

    /// The first of `candidates` that holds every file, or `nil`.
    static func firstComplete(of candidates: [String] = defaultDirectories) -> String? {
        candidates.first(where: isComplete)
    }

    /// Reads every file of `directory` into memory.
    static func load(directory: String) throws(ConfigurationError) -> SwaggerUIAssets {
        var assets: [String: Asset] = [:]
        for file in files {
            let path = directory + "/" + file.name
            guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else {
                throw ConfigurationError(
                    "Swagger UI directory \(directory) has no readable \(file.name): run scripts/install-swagger-ui.sh \(directory)"
                )
            }
            let bytes = [UInt8](data)
            assets[file.name] = Asset(body: ByteBuffer(bytes: bytes), contentType: file.contentType, entityTag: entityTag(of: bytes))
        }
        return SwaggerUIAssets(directory: directory, assets: assets)
    }

    /// `"<64-bit FNV-1a of the content>-<length>"`: changes whenever a new release of the files is installed.
    static func entityTag(of bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "\"" + String(repeating: "0", count: 16 - hex.count) + hex + "-" + String(bytes.count) + "\""
    }
}
