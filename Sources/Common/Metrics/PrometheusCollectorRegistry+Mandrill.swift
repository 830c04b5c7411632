package import Prometheus

/// Metric constructors with our `mandrill_` namespace, so names stay consistent across both processes.
extension PrometheusCollectorRegistry {
    package func counter(_ name: String, unit: String = "total", help: String, labels: [(String, String)] = []) -> Counter {
        makeCounter(descriptor: .init(namespace: "mandrill", metricName: name, unitName: unit, helpText: help), labels: labels)
    }

    package func gauge(_ name: String, unit: String = "", help: String, labels: [(String, String)] = []) -> Gauge {
        makeGauge(descriptor: .init(namespace: "mandrill", metricName: name, unitName: unit, helpText: help), labels: labels)
    }

    package func secondsHistogram(_ name: String, help: String, buckets: [Duration], labels: [(String, String)] = []) -> DurationHistogram {
        makeDurationHistogram(
            descriptor: .init(namespace: "mandrill", metricName: name, unitName: "seconds", helpText: help),
            labels: labels,
            buckets: buckets
        )
    }
}
