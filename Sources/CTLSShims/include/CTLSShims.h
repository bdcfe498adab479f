#ifndef CTLSSHIMS_H
#define CTLSSHIMS_H
/* Wrappers only for OpenSSL macros the Swift clang importer cannot import
   (STACK_OF helpers, OPENSSL_free, composite flag macros). Nothing else belongs here. */
#include <stddef.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/x509_vfy.h>

STACK_OF(X509) *ctls_sk_X509_new_null(void);
int   ctls_sk_X509_push(STACK_OF(X509) *sk, X509 *x);   /* takes ownership */
int   ctls_sk_X509_num(const STACK_OF(X509) *sk);
X509 *ctls_sk_X509_value(const STACK_OF(X509) *sk, int i);
void  ctls_sk_X509_pop_free(STACK_OF(X509) *sk);        /* frees the certs too */
void  ctls_openssl_free(void *p);
int   ctls_X509_STORE_CTX_chain_len(X509_STORE_CTX *ctx);
extern const unsigned long ctls_XN_FLAG_RFC2253;
extern const unsigned long ctls_XN_FLAG_ONELINE;

/* GENERAL_NAMES (subjectAltName) and EXTENDED_KEY_USAGE are typed stacks. */
int   ctls_sk_GENERAL_NAME_num(const STACK_OF(GENERAL_NAME) *sk);
GENERAL_NAME *ctls_sk_GENERAL_NAME_value(const STACK_OF(GENERAL_NAME) *sk, int i);
int   ctls_sk_ASN1_OBJECT_num(const STACK_OF(ASN1_OBJECT) *sk);
ASN1_OBJECT *ctls_sk_ASN1_OBJECT_value(const STACK_OF(ASN1_OBJECT) *sk, int i);
#endif
