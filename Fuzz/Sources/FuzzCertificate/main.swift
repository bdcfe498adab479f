// Fuzzes certificate decoding (CertificateDecoder.decode: OpenSSL's d2i_X509 plus tlsdiag's reading
// of every field) and chain verification (ChainVerifier.verify against the test PKI's roots).
//
// Input: [mode][DER...]. mode bit 0: the whole rest is one certificate. Otherwise the rest is a
// chain in the TLS Certificate message's own framing (3-byte length before each DER), so seeds
// taken from real Certificate messages keep their shape.
import FuzzSupport
import WireCore
import X509Inspect

let cache = FuzzEnvironment.freshCache()
let time = Timestamp(seconds: 1_795_000_000, nanoseconds: 0)  // 2026-11-18

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var c = FuzzChooser(fuzzBytes(data, size))
    let mode = c.byte()
    var rest = c.rest()
    var chain: [[UInt8]] = []
    if mode & 1 != 0 {
        chain = [Array(rest)]
    } else {
        while rest.count >= 3 && chain.count < 40 {
            let n = Int(rest[0]) << 16 | Int(rest[1]) << 8 | Int(rest[2])
            let k = min(n, rest.count - 3)
            chain.append(Array(rest[3..<(3 + k)]))
            rest = UnsafeRawBufferPointer(rebasing: rest[(3 + k)...])
        }
    }
    for der in chain.prefix(4) {
        if let s = try? CertificateDecoder.decode(der: der) {
            precondition(s.sha256.count == 64)
            _ = s.isValid(at: time)
            _ = HostnameCheck.matches(s, name: "sip.example.com", cache: cache)
        }
    }
    guard !chain.isEmpty else { return 0 }
    let store = mode & 2 != 0 ? FuzzEnvironment.serverTrust : FuzzEnvironment.clientTrust
    let purpose: ChainPurpose = mode & 2 != 0 ? .clientAuth : .serverAuth
    let verdict = ChainVerifier.verify(chain: chain, store: mode & 4 != 0 ? nil : store, at: time, purpose: purpose,
                                       cache: cache, options: .init(allowPartialChain: mode & 8 != 0))
    _ = verdict
    return 0
}

runFuzzer(testOneInput)
