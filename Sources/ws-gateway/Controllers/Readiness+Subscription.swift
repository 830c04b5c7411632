import HTTPServing

extension HealthController.Readiness {
    /// ws-gateway is ready while its Redis subscription is live. `stream_rollbacks`: re-subscriptions after which
    /// events this gateway had delivered were missing from the stream (a failover lost writes that were never
    /// acknowledged); see "Redis high availability".
    init(subscription: SubscriptionService) {
        let rollbacks = subscription.streamRollbacks
        self =
            subscription.isHealthy
            ? Self(isReady: true, json: "{\"status\":\"ready\",\"subscription\":\"live\",\"stream_rollbacks\":\(rollbacks)}")
            : Self(isReady: false, json: "{\"status\":\"not ready\",\"subscription\":\"down\",\"stream_rollbacks\":\(rollbacks)}")
    }
}
