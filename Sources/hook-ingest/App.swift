import ArgumentParser
import Common
import Hummingbird
import Logging

@main
struct HookIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook-ingest",
        abstract: "Receives Mandrill webhooks, stores every distinct event once in Redis and publishes it.",
        discussion: """
            Each option can also be set through the environment variable named in its help; the command line wins.
            Webhook registrations come from --config, or from MANDRILL_WEBHOOK_URL with MANDRILL_WEBHOOK_KEYS and \
            optionally MANDRILL_WEBHOOK_PATH. Read from the environment only:

            """ + OptionSummary.environmentOnlyHelp(IngestOptions.table)
    )

    @OptionGroup var options: IngestOptions
    @OptionGroup(title: "Access control (the read API)") var access: AccessOptions
    @OptionGroup(title: "Redis high availability") var sentinel: RedisSentinelOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let environment = EnvironmentValues()
        let level = try logging.bootstrap(environment: environment)
        let configuration = try IngestConfiguration(options: options, access: access, sentinel: sentinel, environment: environment)
        var logger = Logger(label: "hook-ingest")
        logger.logLevel = level
        let app = try await buildApplication(configuration, logger: logger)
        try await app.runService()
    }
}
