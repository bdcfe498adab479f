#include "CTLSShims.h"
#include <openssl/crypto.h>

STACK_OF(X509) *ctls_sk_X509_new_null(void) { return sk_X509_new_null(); }
int   ctls_sk_X509_push(STACK_OF(X509) *sk, X509 *x) { return sk_X509_push(sk, x); }
int   ctls_sk_X509_num(const STACK_OF(X509) *sk) { return sk_X509_num(sk); }
X509 *ctls_sk_X509_value(const STACK_OF(X509) *sk, int i) { return sk_X509_value(sk, i); }
void  ctls_sk_X509_pop_free(STACK_OF(X509) *sk) { sk_X509_pop_free(sk, X509_free); }
void  ctls_openssl_free(void *p) { OPENSSL_free(p); }
int   ctls_X509_STORE_CTX_chain_len(X509_STORE_CTX *ctx) {
    STACK_OF(X509) *c = X509_STORE_CTX_get0_chain(ctx);
    return c ? sk_X509_num(c) : 0;
}
const unsigned long ctls_XN_FLAG_RFC2253 = XN_FLAG_RFC2253;
const unsigned long ctls_XN_FLAG_ONELINE = XN_FLAG_ONELINE;

int   ctls_sk_GENERAL_NAME_num(const STACK_OF(GENERAL_NAME) *sk) { return sk_GENERAL_NAME_num(sk); }
GENERAL_NAME *ctls_sk_GENERAL_NAME_value(const STACK_OF(GENERAL_NAME) *sk, int i) { return sk_GENERAL_NAME_value(sk, i); }
int   ctls_sk_ASN1_OBJECT_num(const STACK_OF(ASN1_OBJECT) *sk) { return sk_ASN1_OBJECT_num(sk); }
ASN1_OBJECT *ctls_sk_ASN1_OBJECT_value(const STACK_OF(ASN1_OBJECT) *sk, int i) { return sk_ASN1_OBJECT_value(sk, i); }
