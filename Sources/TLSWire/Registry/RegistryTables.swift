// PLACEHOLDER: replaced by the generated tables from scripts/registry/generate.py.
enum RegistryTables {
    static let contentTypes: [UInt8: String] = [20: "change_cipher_spec", 21: "alert", 22: "handshake", 23: "application_data", 24: "heartbeat"]
    static let handshakeTypes: [UInt8: String] = [1: "client_hello", 2: "server_hello", 11: "certificate"]
    static let cipherSuites: [UInt16: CipherSuiteInfo] = [:]
    static let extensions: [UInt16: String] = [0: "server_name"]
    static let groups: [UInt16: String] = [29: "x25519"]
    static let signatureSchemes: [UInt16: String] = [0x0804: "rsa_pss_rsae_sha256"]
    static let alerts: [UInt8: String] = [48: "unknown_ca"]
}
