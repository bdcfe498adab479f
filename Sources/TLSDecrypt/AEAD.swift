import COpenSSL
import TLSWire

/// AEAD decryption through OpenSSL's EVP interface. The context is created and freed inside each
/// call, so nothing OpenSSL-owned outlives it and the types around it stay plain values.
public enum AEADOpen {
    /// Decrypts `sealed` (ciphertext followed by the 16-byte tag) with additional data `aad`.
    /// Nil when the tag does not verify, or on any OpenSSL failure.
    public static func open(_ aead: TLS13Suite.AEAD, key: [UInt8], nonce: [UInt8], aad: [UInt8],
                            sealed: ArraySlice<UInt8>) -> [UInt8]? {
        let tagLength = TLS13Suite.tagLength
        guard sealed.count >= tagLength, nonce.count == TLS13Suite.ivLength,
              let ctx = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(ctx) }
        let cipher: OpaquePointer?
        switch aead {
        case .aes128GCM: cipher = EVP_aes_128_gcm()
        case .aes256GCM: cipher = EVP_aes_256_gcm()
        case .chacha20Poly1305: cipher = EVP_chacha20_poly1305()
        }
        guard let cipher, key.count == Int(EVP_CIPHER_get_key_length(cipher)) else { return nil }
        let bodyLength = sealed.count - tagLength
        var tag = Array(sealed.suffix(tagLength))
        var out = [UInt8](repeating: 0, count: max(bodyLength, 1))
        var produced: Int32 = 0
        var tail: Int32 = 0
        let ok: Bool = sealed.withUnsafeBufferPointer { s in
            key.withUnsafeBufferPointer { k in
                nonce.withUnsafeBufferPointer { n in
                    aad.withUnsafeBufferPointer { a in
                        out.withUnsafeMutableBufferPointer { o in
                            tag.withUnsafeMutableBytes { t in
                                guard EVP_DecryptInit_ex(ctx, cipher, nil, nil, nil) == 1,
                                      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, Int32(n.count), nil) == 1,
                                      EVP_DecryptInit_ex(ctx, nil, nil, k.baseAddress, n.baseAddress) == 1
                                else { return false }
                                var aadOut: Int32 = 0
                                guard EVP_DecryptUpdate(ctx, nil, &aadOut, a.baseAddress, Int32(a.count)) == 1 else { return false }
                                if bodyLength > 0 {
                                    guard EVP_DecryptUpdate(ctx, o.baseAddress, &produced, s.baseAddress, Int32(bodyLength)) == 1
                                    else { return false }
                                }
                                guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, Int32(tagLength), t.baseAddress) == 1
                                else { return false }
                                return EVP_DecryptFinal_ex(ctx, o.baseAddress.map { $0 + Int(produced) }, &tail) == 1
                            }
                        }
                    }
                }
            }
        }
        // A failed tag check leaves an error on OpenSSL's thread queue: clear it so it is not
        // blamed on the next certificate operation.
        if !ok { ERR_clear_error(); return nil }
        return Array(out.prefix(Int(produced + tail)))
    }
}
