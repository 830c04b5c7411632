import TestSupport
import Testing

@Suite("Command lines")
struct CommandLineTests {
    @Test("hook-ingest --help documents every option with its environment variable and default")
    func ingestHelp() async throws {
        let (status, output) = try await runCommand(TestPaths.executable("hook-ingest"), ["--help"])
        let help = output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(status == 0)
        let options = [
            ("--config", "INGEST_CONFIG"), ("--host", "INGEST_HOST"), ("--port", "INGEST_PORT"), ("--redis-url", "REDIS_URL"),
            ("--redis-prefix", "REDIS_PREFIX"), ("--redis-timeout", "REDIS_TIMEOUT"), ("--max-body-bytes", "INGEST_MAX_BODY_BYTES"),
            ("--stream-maxlen", "STREAM_MAXLEN"), ("--dedup-ttl", "DEDUP_TTL"), ("--message-ttl", "MESSAGE_TTL"), ("--log-level", "LOG_LEVEL"),
            ("--log-format", "LOG_FORMAT"), ("--max-concurrent-bodies", "INGEST_MAX_CONCURRENT_BODIES"),
            ("--body-timeout", "INGEST_BODY_TIMEOUT"), ("--idle-timeout", "INGEST_IDLE_TIMEOUT"), ("--max-form-fields", "INGEST_MAX_FORM_FIELDS"),
            ("--stream-max-age", "STREAM_MAX_AGE"), ("--large-event-bytes", "LARGE_EVENT_BYTES"), ("--large-event-memory", "LARGE_EVENT_MEMORY"),
            ("--tokens", "AUTH_TOKENS"), ("--jwt-secrets", "JWT_SECRETS"), ("--jwks-file", "JWKS_FILE"), ("--jwt-audience", "JWT_AUDIENCE"),
            ("--public-read", "PUBLIC_READ"), ("--allowed-hosts", "ALLOWED_HOSTS"), ("--swagger-ui-dir", "SWAGGER_UI_DIR"),
            ("--redis-sentinels", "REDIS_SENTINELS"), ("--redis-master-name", "REDIS_MASTER_NAME"),
            ("--redis-min-replicas-ack", "REDIS_MIN_REPLICAS_ACK"),
        ]
        for (option, variable) in options {
            #expect(help.contains(option), "\(option)")
            #expect(help.contains("env: \(variable)"), "\(variable)")
        }
        #expect(help.contains("MANDRILL_WEBHOOK_URL") && help.contains("MANDRILL_WEBHOOK_KEYS"))
        #expect(help.contains("default: .build-assets/swagger-ui or /usr/share/mandrill-live/swagger-ui"))
        #expect(help.contains("default: 33554432"))
    }

    @Test("ws-gateway --help documents every option with its environment variable and default")
    func gatewayHelp() async throws {
        let (status, output) = try await runCommand(TestPaths.executable("ws-gateway"), ["--help"])
        let help = output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(status == 0)
        let options = [
            ("--host", "GATEWAY_HOST"), ("--port", "GATEWAY_PORT"), ("--redis-url", "REDIS_URL"), ("--redis-prefix", "REDIS_PREFIX"),
            ("--tokens", "AUTH_TOKENS"), ("--jwt-secrets", "JWT_SECRETS"), ("--jwks-file", "JWKS_FILE"), ("--jwt-audience", "JWT_AUDIENCE"),
            ("--public-read", "PUBLIC_READ"), ("--allowed-hosts", "ALLOWED_HOSTS"), ("--allowed-origins", "GATEWAY_ALLOWED_ORIGINS"),
            ("--max-queue-bytes", "GATEWAY_MAX_QUEUE_BYTES"),
            ("--max-connections", "GATEWAY_MAX_CONNECTIONS"), ("--ping-interval", "GATEWAY_PING_INTERVAL"),
            ("--handshake-timeout", "GATEWAY_HANDSHAKE_TIMEOUT"), ("--max-frame-bytes", "GATEWAY_MAX_FRAME_BYTES"),
            ("--drain-timeout", "GATEWAY_DRAIN_TIMEOUT"), ("--max-backlog", "GATEWAY_MAX_BACKLOG"), ("--batch-window", "GATEWAY_BATCH_WINDOW"),
            ("--redis-timeout", "REDIS_TIMEOUT"), ("--log-level", "LOG_LEVEL"), ("--max-replay-scan", "GATEWAY_MAX_REPLAY_SCAN"),
            ("--replay-write-timeout", "GATEWAY_REPLAY_WRITE_TIMEOUT"), ("--compression", "GATEWAY_COMPRESSION"),
            ("--redis-sentinels", "REDIS_SENTINELS"), ("--redis-master-name", "REDIS_MASTER_NAME"),
        ]
        for (option, variable) in options {
            #expect(help.contains(option), "\(option)")
            #expect(help.contains("env: \(variable)"), "\(variable)")
        }
    }

    @Test("invalid settings stop the process with a clear message, and secrets never appear in it")
    func invalidSettings() async throws {
        let (status, output) = try await runCommand(
            TestPaths.executable("hook-ingest"),
            ["--redis-url", "http://user:topsecret@host"],
            environment: ["MANDRILL_WEBHOOK_KEYS": "k-secret"]
        )
        #expect(status != 0)
        #expect(output.contains("redis URL must start with redis://"))
        #expect(!output.contains("topsecret"))
        let (gatewayStatus, gatewayOutput) = try await runCommand(TestPaths.executable("ws-gateway"), ["--max-queue-bytes", "10"])
        #expect(gatewayStatus != 0)
        #expect(gatewayOutput.contains("--max-queue-bytes must be at least"))
        for (arguments, message) in [
            (["--max-concurrent-bodies", "0"], "--max-concurrent-bodies must be from 1"),
            (["--max-form-fields", "0"], "--max-form-fields must be from 1"),
            (["--body-timeout", "1ms"], "--body-timeout must be at least"), (["--stream-max-age", "5s"], "--stream-max-age must be 0"),
            (["--swagger-ui-dir", "/nonexistent/swagger-ui"], "--swagger-ui-dir /nonexistent/swagger-ui must hold swagger-ui-bundle.js"),
        ] {
            let (code, text) = try await runCommand(TestPaths.executable("hook-ingest"), arguments)
            #expect(code != 0 && text.contains(message), "\(arguments): \(text)")
        }
    }
}
