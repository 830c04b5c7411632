import ArgumentParser

@main
struct MandrillSimulator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mandrill-sim",
        abstract: "Local tools for mandrill-live: a Mandrill webhook simulator, and reader tokens.",
        subcommands: [PostBatches.self, MintToken.self],
        defaultSubcommand: PostBatches.self
    )
}
