import COpenSSL
import CTLSShims

public enum HostnameCheck {
    /// OpenSSL X509_check_host / X509_check_ip_asc semantics: DNS SANs with wildcards, IP SANs, CN only when there are no DNS SANs.
    /// `name` may be a DNS name (a trailing dot is ignored), an IPv4 address, or an IPv6 address with or without brackets.
    /// Undecodable DER or an empty name never matches.
    /// `cache`, when given, supplies OpenSSL's parsed certificate (parsing is the expensive part).
    public static func matches(der: [UInt8], name: String, cache: CertificateCache? = nil) -> Bool {
        var host = name
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.hasSuffix("."), !host.hasSuffix("..") { host = String(host.dropLast()) }
        guard !host.isEmpty, !host.utf8.contains(0),
              let cert = cache?.parsed(for: der) ?? (try? OpenSSLCertificate.parse(der: der)) else { return false }
        defer { OpenSSLErrors.clear() }
        // -2: not an IP address literal, so it is a host name.
        let ip = X509_check_ip_asc(cert.ref, host, 0)
        if ip != -2 { return ip == 1 }
        return X509_check_host(cert.ref, host, host.utf8.count, 0, nil) == 1
    }

    public static func matches(_ certificate: CertificateSummary, name: String, cache: CertificateCache? = nil) -> Bool {
        matches(der: certificate.der, name: name, cache: cache)
    }
}
