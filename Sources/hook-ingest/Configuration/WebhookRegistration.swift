import Common
import Foundation

/// One Mandrill webhook or inbound route: the URL exactly as entered in Mandrill (what it signs), the keys it may
/// be signed with (several during a rotation), and the local path it is served on.
struct WebhookRegistration: Sendable, Equatable {
    /// Signed verbatim: scheme, credentials, trailing slash and query string all matter.
    let url: String
    /// Secrets: never logged.
    let keys: [String]
    let path: String
    /// `user:password` when the URL carries credentials; Mandrill then sends them as Basic auth.
    let basicCredentials: String?

    init(url: String, keys: [String], path: String? = nil) throws(ConfigurationError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", components.host?.isEmpty == false
        else {
            throw ConfigurationError("webhook url must be an absolute http(s) URL exactly as entered in Mandrill")
        }
        self.url = url
        self.keys = keys.filter { !$0.isEmpty }
        let localPath = path ?? (components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath)
        guard localPath.hasPrefix("/") else { throw ConfigurationError("webhook path must start with '/'") }
        self.path = localPath
        if let user = components.user {
            self.basicCredentials = "\(user):\(components.password ?? "")"
        } else {
            self.basicCredentials = nil
        }
    }

    /// The registration used when none is configured: only Mandrill's empty `test-webhook` check can pass.
    static let unconfigured = WebhookRegistration(uncheckedPath: "/api/hook/")

    private init(uncheckedPath: String) {
        self.url = "http://localhost\(uncheckedPath)"
        self.keys = []
        self.path = uncheckedPath
        self.basicCredentials = nil
    }

    /// A description safe to log: the URL without credentials or query string, and how many keys.
    var logDescription: String {
        var components = URLComponents(string: url)
        components?.user = nil
        components?.password = nil
        components?.query = nil
        return "\(components?.string ?? "?") (path \(path), \(keys.count) key(s))"
    }
}

/// The `--config` file: `{"webhooks":[{"url":"…","keys":["k1","k0"],"path":"/mandrill/events"}]}`.
struct RegistrationFile: Decodable {
    struct Entry: Decodable {
        let url: String
        let keys: [String]
        let path: String?
    }

    let webhooks: [Entry]

    static func load(path: String) throws(ConfigurationError) -> [WebhookRegistration] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigurationError("cannot read config file \(path): \(error.localizedDescription)")
        }
        let file: RegistrationFile
        do {
            file = try JSONDecoder().decode(RegistrationFile.self, from: data)
        } catch {
            throw ConfigurationError("config file \(path) is not valid: expected {\"webhooks\":[{\"url\":…,\"keys\":[…],\"path\":…}]}")
        }
        var registrations: [WebhookRegistration] = []
        for entry in file.webhooks {
            registrations.append(try WebhookRegistration(url: entry.url, keys: entry.keys, path: entry.path))
        }
        return registrations
    }
}
