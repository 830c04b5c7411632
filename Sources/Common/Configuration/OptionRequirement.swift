/// What a value of an option must satisfy, with the words that say so when it does not ("must be at least 1024").
package struct OptionRequirement<Value: Sendable>: Sendable {
    package let description: String
    package let isMet: @Sendable (Value) -> Bool

    package init(_ description: String, isMet: @escaping @Sendable (Value) -> Bool) {
        self.description = description
        self.isMet = isMet
    }
}

extension OptionRequirement where Value == Int {
    package static func atLeast(_ minimum: Int) -> Self {
        Self("must be at least \(minimum)") { $0 >= minimum }
    }

    package static func within(_ range: ClosedRange<Int>) -> Self {
        Self("must be from \(range.lowerBound) to \(range.upperBound)") { range.contains($0) }
    }
}

extension OptionRequirement where Value == Duration {
    package static func atLeast(_ minimum: Duration) -> Self {
        Self("must be at least \(DurationText.format(minimum))") { $0 >= minimum }
    }

    package static func atMost(_ maximum: Duration) -> Self {
        Self("must be at most \(DurationText.format(maximum))") { $0 <= maximum }
    }

    package static var moreThanZero: Self {
        Self("must be more than zero") { $0 > .zero }
    }
}

extension OptionRequirement where Value == String {
    /// Non-empty, without spaces, at most `maxBytes` bytes of UTF-8: a Redis prefix or master name.
    package static func word(maxBytes: Int = .max) -> Self {
        Self("must be a non-empty word") { !$0.isEmpty && $0.utf8.count <= maxBytes && !$0.contains(where: \.isWhitespace) }
    }
}
