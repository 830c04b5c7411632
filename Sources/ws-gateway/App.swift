import ArgumentParser
import Common
import Hummingbird
import Logging

@main
struct WSGateway: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ws-gateway",
        abstract: "Streams Mandrill events from Redis to WebSocket clients, with filters and resume without loss.",
        discussion: """
            Each option can also be set through the environment variable named in its help; the command line wins.
            Clients connect to /ws/email/ (see the README for the protocol); / serves the live dashboard. Read from \
            the environment only:

            """ + OptionSummary.environmentOnlyHelp(GatewayOptions.table)
    )

    @OptionGroup var options: GatewayOptions
    @OptionGroup(title: "Access control") var access: AccessOptions
    @OptionGroup(title: "Redis high availability") var sentinel: RedisSentinelOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let environment = EnvironmentValues()
        let level = try logging.bootstrap(environment: environment)
        let configuration = try GatewayConfiguration(options: options, access: access, sentinel: sentinel, environment: environment)
        var logger = Logger(label: "ws-gateway")
        logger.logLevel = level
        let app = try await buildApplication(configuration, logger: logger)
        try await app.runService()
    }
}
