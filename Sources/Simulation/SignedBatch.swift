import Common

/// A form-encoded, signed POST body exactly as Mandrill would send it.
package struct SignedBatch: Sendable {
    package let body: [UInt8]
    package let signature: String
    package let eventCount: Int

    /// - Parameters:
    ///   - events: the events, encoded Mandrill style into `mandrill_events`.
    ///   - signedURL: the webhook URL exactly as registered in Mandrill.
    package init(events: [SimJSON], signedURL: String, key: String) {
        self.init(mandrillEvents: SimJSON.array(events).encoded, signedURL: signedURL, key: key, eventCount: events.count)
    }

    package init(mandrillEvents: String, signedURL: String, key: String, eventCount: Int = 0) {
        let fields = [(name: "mandrill_events", value: mandrillEvents)]
        self.body = FormBody.encode(fields)
        self.signature = MandrillSignature.header(url: signedURL, fields: fields, key: key)
        self.eventCount = eventCount
    }

    /// Headers Mandrill sends with a batch.
    package var headers: [(String, String)] {
        [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Mandrill-Signature", signature),
            ("User-Agent", "Mandrill-Webhook/1.0"),
            ("Accept", "*/*"),
        ]
    }
}
