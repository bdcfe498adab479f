/// Every rule of the catalogue, in one list. To add a rule: write a type in Rules/ conforming to
/// `DiagnosisRule`, give it a new stable ID in Model/Finding.swift, and append it here.
public enum Catalogue {
    public static let all: [any DiagnosisRule] = [
        HandshakeOKRule(),
    ]

    public static func rule(id: String) -> (any DiagnosisRule)? {
        all.first { $0.id.rawValue.caseInsensitiveCompare(id) }
    }
}

extension String {
    func caseInsensitiveCompare(_ other: String) -> Bool { lowercased() == other.lowercased() }
}
