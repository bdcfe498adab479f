#!/bin/sh
# Regenerates the small test PKI used by X509InspectTests. Run once; the PEMs it writes are
# committed, so tests never run openssl and never depend on today's date: every validity window
# is fixed with `openssl ca -startdate/-enddate`. Private keys are thrown away.
#
#   Example Root A ─ Example Intermediate A ─ sip.example.com (+ expired, not-yet-valid, SHA-1,
#                  │                         RSA-1024, clientAuth-only, CN-only, CN-not-in-SAN, EC P-256 leaves)
#                  │                        └ Example Intermediate A2 ─ deep.example.com
#                  └ direct.example.com (leaf without intermediate)
#   Vendor Root CA ─ Vendor Device CA (pathlen 0) ─ CN=00:22:ee:09:00:45 (clientAuth device cert)
#   Unrelated Root (self-signed, issues nothing here);  selfsigned.example.com (self-signed leaf)
#
# Requires: openssl (3.x).  Usage: sh make-fixtures.sh   (writes next to itself)
set -eu
OUT=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir "$W/newcerts"
: > "$W/index.txt"

cat > "$W/ca.cnf" <<CNF
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = $W
database = $W/index.txt
new_certs_dir = $W/newcerts
serial = $W/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[ policy_any ]
commonName = supplied
[ v3_root ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ v3_int ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_int_pathlen0 ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ leaf_common ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ server_sip ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:sip.example.com,DNS:*.prov.example.com,IP:10.0.0.5
[ server_named ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:\$ENV::LEAF_DNS
[ server_ec ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:\$ENV::LEAF_DNS
[ server_cn_only ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ server_cn_differs ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:new.example.com
[ self_signed_server ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = DNS:\$ENV::LEAF_DNS
[ client_only ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:\$ENV::LEAF_DNS
[ device ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF
export LEAF_DNS=unused.example.com

# key NAME [rsa BITS | ec CURVE]
key() {
  case "$2" in
    rsa) openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$3" -out "$W/$1.key" 2>/dev/null ;;
    ec)  openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:$3" -out "$W/$1.key" ;;
  esac
}
# cert NAME ISSUER|self SUBJECT EXTSECTION SERIAL START END [MD]
cert() {
  name=$1 issuer=$2 subj=$3 ext=$4 serial=$5 start=$6 end=$7 md=${8:-sha256}
  openssl req -new -key "$W/$name.key" -subj "$subj" -out "$W/$name.csr"
  echo "$serial" > "$W/serial"
  if [ "$issuer" = self ]; then
    signer="-selfsign -keyfile $W/$name.key"
  else
    signer="-cert $OUT/$issuer.pem -keyfile $W/$issuer.key"
  fi
  # shellcheck disable=SC2086
  openssl ca -batch -config "$W/ca.cnf" -notext -preserveDN -md "$md" \
    -startdate "$start" -enddate "$end" -extensions "$ext" $signer \
    -in "$W/$name.csr" -out "$OUT/$name.pem" 2>"$W/ca.log" || { cat "$W/ca.log"; exit 1; }
}

CA_FROM=20240101000000Z CA_TO=20450101000000Z
FROM=20250101000000Z TO=20350101000000Z

key rootA rsa 2048
cert rootA self "/O=Example/CN=Example Root A" v3_root 01 $CA_FROM $CA_TO
key intA rsa 2048
cert intA rootA "/O=Example/CN=Example Intermediate A" v3_int 02 $CA_FROM $CA_TO
key intA2 rsa 2048
cert intA2 intA "/O=Example/CN=Example Intermediate A2" v3_int 03 $CA_FROM $CA_TO

key leaf rsa 2048
cert leaf intA "/O=Example/CN=sip.example.com" server_sip 1000 $FROM $TO
LEAF_DNS=direct.example.com;     key leaf-direct rsa 2048
cert leaf-direct rootA "/O=Example/CN=direct.example.com" server_named 1001 $FROM $TO
LEAF_DNS=selfsigned.example.com; key selfsigned rsa 2048
cert selfsigned self "/O=Example/CN=selfsigned.example.com" self_signed_server 1002 $FROM $TO
LEAF_DNS=expired.example.com;    key expired rsa 2048
cert expired intA "/O=Example/CN=expired.example.com" server_named 1003 20200101000000Z 20210101000000Z
LEAF_DNS=notyet.example.com;     key notyet rsa 2048
cert notyet intA "/O=Example/CN=notyet.example.com" server_named 1004 20350101000000Z 20400101000000Z
LEAF_DNS=sha1.example.com;       key sha1 rsa 2048
cert sha1 intA "/O=Example/CN=sha1.example.com" server_named 1005 $FROM $TO sha1
LEAF_DNS=weak.example.com;       key rsa1024 rsa 1024
cert rsa1024 intA "/O=Example/CN=weak.example.com" server_named 1006 $FROM $TO
LEAF_DNS=client.example.com;     key clientonly rsa 2048
cert clientonly intA "/O=Example/CN=client.example.com" client_only 1007 $FROM $TO
key cnonly rsa 2048
cert cnonly intA "/O=Example/CN=cnonly.example.com" server_cn_only 1008 $FROM $TO
key sancn rsa 2048
cert sancn intA "/O=Example/CN=legacy.example.com" server_cn_differs 100b $FROM $TO
LEAF_DNS=ec.example.com;         key ec ec prime256v1
cert ec intA "/O=Example/CN=ec.example.com" server_ec 1009 $FROM $TO
LEAF_DNS=deep.example.com;       key deep rsa 2048
cert deep intA2 "/O=Example/CN=deep.example.com" server_named 100a $FROM $TO

key vendorRoot rsa 2048
cert vendorRoot self "/O=Vendor Devices/CN=Vendor Root CA" v3_root 10 $CA_FROM $CA_TO
key vendorInt rsa 2048
cert vendorInt vendorRoot "/O=Vendor Devices/CN=Vendor Device CA" v3_int_pathlen0 11 $CA_FROM $CA_TO
key device rsa 2048
cert device vendorInt "/O=Vendor Devices/CN=00:22:ee:09:00:45" device 2000 $FROM $TO

key unrelatedRoot rsa 2048
cert unrelatedRoot self "/O=Elsewhere/CN=Unrelated Root" v3_root 20 $CA_FROM $CA_TO

# Chains as a peer would send them (leaf first) and stores.
cat "$OUT/leaf.pem" "$OUT/intA.pem" > "$OUT/chain-good.pem"
cat "$OUT/deep.pem" "$OUT/intA.pem" "$OUT/intA2.pem" > "$OUT/chain-outoforder.pem"
cat "$OUT/leaf.pem" "$OUT/intA.pem" "$OUT/unrelatedRoot.pem" > "$OUT/chain-unrelated.pem"
cat "$OUT/device.pem" "$OUT/vendorInt.pem" > "$OUT/chain-device.pem"
cat "$OUT/rootA.pem" "$OUT/vendorRoot.pem" "$OUT/unrelatedRoot.pem" > "$OUT/bundle-roots.pem"
openssl x509 -in "$OUT/rootA.pem" -outform DER -out "$OUT/rootA.der"
# OpenSSL's own "TRUSTED CERTIFICATE" PEM form (certificate + trust settings), as some trust bundles use.
openssl x509 -in "$OUT/vendorRoot.pem" -trustout -addtrust clientAuth -out "$OUT/vendorRoot-trusted.pem"
rm -rf "$OUT/store-dir"; mkdir "$OUT/store-dir"
cp "$OUT/rootA.pem" "$OUT/store-dir/rootA.pem"
openssl x509 -in "$OUT/vendorRoot.pem" -outform DER -out "$OUT/store-dir/vendorRoot.cer"
printf 'Trusted CAs for the tests. This file is not a certificate and must be skipped.\n' > "$OUT/store-dir/README.txt"
printf 'hello, this is not a certificate\n' > "$OUT/not-a-cert.txt"

# What openssl itself says, so tests compare against an independent decoder.
: > "$OUT/expected.txt"
for n in rootA intA intA2 leaf leaf-direct selfsigned expired notyet sha1 rsa1024 clientonly cnonly sancn ec deep \
         vendorRoot vendorInt device unrelatedRoot; do
  sha256=$(openssl x509 -in "$OUT/$n.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
  sha1=$(openssl x509 -in "$OUT/$n.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
  subject=$(openssl x509 -in "$OUT/$n.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
  issuer=$(openssl x509 -in "$OUT/$n.pem" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//')
  printf '%s\t%s\t%s\t%s\t%s\n' "$n" "$sha256" "$sha1" "$subject" "$issuer" >> "$OUT/expected.txt"
done
echo "fixtures written to $OUT"
