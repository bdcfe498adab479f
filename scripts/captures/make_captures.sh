#!/usr/bin/env bash
# make_captures.sh — real TLS fixture captures for tlsdiag.
#
# Usage (root):  scripts/captures/make_captures.sh [OUTDIR] [SCENARIO...]
#   OUTDIR defaults to ./captures (relative to the repo root). With no SCENARIO,
#   every scenario is made. `make_captures.sh --list` prints the scenario names.
#   FRESH_PKI=1 throws away OUTDIR/pki and makes a new PKI (the committed PKI is
#   reused otherwise, so the same certificates come out again).
#   KEEP_LOGS=1 keeps the per-scenario server/client/tcpdump logs in OUTDIR/logs.
#
# Every capture is real traffic between real TLS stacks (OpenSSL s_server/s_client,
# GnuTLS gnutls-cli, socat, SIPp) across a veth pair between two network namespaces,
# captured with tcpdump on the device's interface (as a mirror port would see it):
#   device (TLS client)  ns "<prefix>c"  eth0  00:22:ee:09:00:45  10.0.0.20  fd00::20
#   server               ns "<prefix>s"  eth0  00:50:56:a1:00:05  10.0.0.5   fd00::5
# MTU 1500, offloads off (real segment sizes, correct checksums), static neighbours
# (no ARP/ND noise), capture filter "tcp port PORT".
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

ALL_SCENARIOS=(
  tls12_ok tls13_ok mtls_device_ok unknown_ca tls13_unknown_ca tls13_client_abort
  chain_incomplete self_signed expired not_yet_valid client_clock_wrong hostname_mismatch
  weak_key_sha1 weak_key weak_signature wrong_eku no_client_cert tls13_no_client_cert
  client_cert_rejected client_ca_not_accepted device_mac_mismatch tls10_rejected
  tls11_rejected tls10_ok no_shared_cipher weak_cipher weak_cipher_3des unrecognized_name
  sip_tls_ok ipv6_ok hrr_tls13_ok hostile_names alpn_resume all_failures
)

if [[ "${1:-}" == "--list" ]]; then printf '%s\n' "${ALL_SCENARIOS[@]}"; exit 0; fi

is_scenario() { local s; for s in "${ALL_SCENARIOS[@]}"; do [[ "$s" == "$1" ]] && return 0; done; return 1; }

OUTDIR="$REPO/captures"
if [[ $# -gt 0 ]] && ! is_scenario "$1"; then OUTDIR=$1; shift; fi
mkdir -p "$OUTDIR"; OUTDIR=$(cd "$OUTDIR" && pwd)
SCENARIOS=("$@")
[[ ${#SCENARIOS[@]} -eq 0 ]] && SCENARIOS=("${ALL_SCENARIOS[@]}")
for s in "${SCENARIOS[@]}"; do is_scenario "$s" || { echo "unknown scenario: $s (see --list)" >&2; exit 2; }; done

[[ $(id -u) -eq 0 ]] || { echo "make_captures.sh must run as root (namespaces, tcpdump)" >&2; exit 2; }

# ---------------------------------------------------------------- tools
need_pkgs=()
for pair in tcpdump:tcpdump tshark:tshark mergecap:tshark openssl:openssl socat:socat \
            gnutls-cli:gnutls-bin faketime:faketime ip:iproute2 ss:iproute2 ethtool:ethtool sipp:sip-tester; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need_pkgs+=("${pair#*:}")
done
if [[ ${#need_pkgs[@]} -gt 0 ]]; then
  echo "installing: ${need_pkgs[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${need_pkgs[@]}" >/dev/null
fi

PKI="$OUTDIR/pki"
KEYS="$OUTDIR/keys"
TSH="$OUTDIR/tshark"
mkdir -p "$PKI" "$KEYS" "$TSH"
WORK=$(mktemp -d /tmp/mkcap.XXXXXX); export CADIR=$WORK
chmod 755 "$WORK"
LOGDIR="$WORK/logs"; mkdir -p "$LOGDIR"

# ---------------------------------------------------------------- PKI
# Fixed serials and validity windows, so the verdicts never depend on today's date:
#   CAs (roots, intermediates):  2015-01-01 .. 2045-12-31
#   normal end-entity certs:     2025-01-01 .. 2035-12-31
CA_START=20150101000000Z;  CA_END=20451231235959Z
EE_START=20250101000000Z;  EE_END=20351231235959Z

if [[ "${FRESH_PKI:-0}" == "1" ]]; then rm -f "$PKI"/*.pem "$PKI"/*.key; fi

cat > "$WORK/ca.cnf" <<'EOF'
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = $ENV::CADIR
database = $dir/index.txt
new_certs_dir = $dir/new
serial = $dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
copy_extensions = none
[ policy_any ]
countryName = optional
organizationName = optional
organizationalUnitName = optional
commonName = optional
[ req ]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
[ dn ]
[ v3_root ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ v3_int ]
basicConstraints = critical,CA:true,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_server ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:sip.example.com,DNS:prov.example.com,IP:10.0.0.5,IP:fd00::5
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_server_wrongeku ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
subjectAltName = DNS:sip.example.com,DNS:prov.example.com,IP:10.0.0.5,IP:fd00::5
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_selfsigned ]
basicConstraints = critical,CA:true
keyUsage = critical,digitalSignature,keyEncipherment,keyCertSign
extendedKeyUsage = serverAuth
subjectAltName = DNS:sip.example.com,DNS:prov.example.com,IP:10.0.0.5,IP:fd00::5
subjectKeyIdentifier = hash
[ v3_hostile ]
basicConstraints = critical,CA:true
keyUsage = critical,digitalSignature,keyEncipherment,keyCertSign
extendedKeyUsage = serverAuth
subjectAltName = DNS:sip.example.com,DNS:<script>alert(1)</script>.example.com,URI:javascript:alert(1)
subjectKeyIdentifier = hash
[ v3_client ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF

# issue NAME SUBJECT ISSUER(|self) SERIAL(hex) START END EXT [BITS] [MD]
issue() {
  local name=$1 subj=$2 issuer=$3 serial=$4 start=$5 end=$6 ext=$7 bits=${8:-2048} md=${9:-sha256}
  [[ -s "$PKI/$name.pem" && -s "$PKI/$name.key" ]] && return 0
  local d="$WORK/ca-$name"; mkdir -p "$d/new"; : > "$d/index.txt"; echo "$serial" > "$d/serial"
  [[ -s "$PKI/$name.key" ]] || openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$bits" -out "$PKI/$name.key" 2>/dev/null
  openssl req -new -config "$WORK/ca.cnf" -key "$PKI/$name.key" -utf8 -subj "$subj" -out "$d/req.csr"
  if [[ "$issuer" == self ]]; then
    CADIR=$d openssl ca -batch -config "$WORK/ca.cnf" -selfsign -keyfile "$PKI/$name.key" -preserveDN -utf8 \
      -startdate "$start" -enddate "$end" -md "$md" -extensions "$ext" -notext -in "$d/req.csr" -out "$PKI/$name.pem" 2>"$d/err" \
      || { cat "$d/err" >&2; return 1; }
  else
    CADIR=$d openssl ca -batch -config "$WORK/ca.cnf" -cert "$PKI/$issuer.pem" -keyfile "$PKI/$issuer.key" -preserveDN -utf8 \
      -startdate "$start" -enddate "$end" -md "$md" -extensions "$ext" -notext -in "$d/req.csr" -out "$PKI/$name.pem" 2>"$d/err" \
      || { cat "$d/err" >&2; return 1; }
  fi
}

make_pki() {
  issue rootA      "/C=US/O=Example Corp/CN=Example Root CA A"            self  1001 $CA_START $CA_END v3_root
  issue intA       "/C=US/O=Example Corp/CN=Example Intermediate CA A1"   rootA 1002 $CA_START $CA_END v3_int
  issue server     "/C=US/O=Example Corp/CN=sip.example.com"              intA  2001 $EE_START $EE_END v3_server
  issue rootB      "/C=US/O=Other Org/CN=Other Root CA B"                  self  1101 $CA_START $CA_END v3_root
  issue clientCA   "/C=US/O=Example Corp/CN=Example Client Device CA"     self  1201 $CA_START $CA_END v3_root
  issue vendorRoot "/C=CA/O=Example Endpoint Vendor/CN=Example Vendor Root CA"      self       1301 $CA_START $CA_END v3_root
  issue vendorInt  "/C=CA/O=Example Endpoint Vendor/CN=Example Vendor Device CA 1"  vendorRoot 1302 $CA_START $CA_END v3_int
  issue device45   "/C=CA/O=Example Endpoint Vendor/CN=00:22:ee:09:00:45"          vendorInt  3045 $EE_START $EE_END v3_client
  issue device99   "/C=CA/O=Example Endpoint Vendor/CN=00:22:ee:09:00:99"          vendorInt  3099 $EE_START $EE_END v3_client
  issue rogueCA    "/C=XX/O=Rogue Devices/CN=Rogue Device CA"              self    1401 $CA_START $CA_END v3_root
  issue rogueClient "/C=XX/O=Rogue Devices/CN=00:22:ee:09:00:45"           rogueCA 3401 $EE_START $EE_END v3_client
  # special server leaves (all with the normal SAN unless said otherwise)
  issue selfSigned "/C=US/O=Example Corp/CN=sip.example.com"              self  2101 $EE_START $EE_END v3_selfsigned
  issue expired    "/C=US/O=Example Corp/CN=sip.example.com"              intA  2201 20200101000000Z 20210101000000Z v3_server
  issue notYetValid "/C=US/O=Example Corp/CN=sip.example.com"             intA  2301 20350101000000Z 20400101000000Z v3_server
  issue weakSha1   "/C=US/O=Example Corp/CN=sip.example.com"              intA  2401 $EE_START $EE_END v3_server 1024 sha1
  issue weakKey    "/C=US/O=Example Corp/CN=sip.example.com"              intA  2402 $EE_START $EE_END v3_server 1024 sha256
  issue weakSig    "/C=US/O=Example Corp/CN=sip.example.com"              intA  2403 $EE_START $EE_END v3_server 2048 sha1
  issue wrongEku   "/C=US/O=Example Corp/CN=sip.example.com"              intA  2501 $EE_START $EE_END v3_server_wrongeku
  issue hostile    $'/O=Evil|**x**| \e[31mRED\e[0m <script>alert(1)<\\/script>/OU=|**x**||col|\e[31m\e]0;title\a/CN=<script>alert(1)<\\/script>\e[31m|**x**|' \
                                                                           self  2601 $EE_START $EE_END v3_hostile
  # convenience bundles
  cat "$PKI/server.pem" "$PKI/intA.pem" > "$PKI/server-chain.pem"
  cat "$PKI/device45.pem" "$PKI/vendorInt.pem" > "$PKI/device45-chain.pem"
  cat "$PKI/vendorInt.pem" "$PKI/vendorRoot.pem" > "$PKI/vendor-ca-chain.pem"
}
make_pki

# ---------------------------------------------------------------- network
NSPFX="mkc$$"
NS_C="${NSPFX}c"; NS_S="${NSPFX}s"
DEV_MAC=00:22:ee:09:00:45; SRV_MAC=00:50:56:a1:00:05
DEV_IP=10.0.0.20;          SRV_IP=10.0.0.5
DEV_IP6=fd00::20;          SRV_IP6=fd00::5

BGPIDS=()
cleanup() {
  local p
  for p in "${BGPIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  ip netns del "$NS_C" 2>/dev/null || true
  ip netns del "$NS_S" 2>/dev/null || true
  if [[ "${KEEP_LOGS:-0}" == "1" ]]; then rm -rf "$OUTDIR/logs"; cp -r "$LOGDIR" "$OUTDIR/logs"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS_C"; ip netns add "$NS_S"
ip link add "${NSPFX}a" type veth peer name "${NSPFX}b"
ip link set "${NSPFX}a" netns "$NS_C"; ip link set "${NSPFX}b" netns "$NS_S"
ip -n "$NS_C" link set "${NSPFX}a" name eth0; ip -n "$NS_S" link set "${NSPFX}b" name eth0
for ns in "$NS_C" "$NS_S"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 >/dev/null 2>&1 || true
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 mtu 1500
done
ip -n "$NS_C" link set eth0 address $DEV_MAC; ip -n "$NS_S" link set eth0 address $SRV_MAC
ip -n "$NS_C" addr add $DEV_IP/24 dev eth0;   ip -n "$NS_S" addr add $SRV_IP/24 dev eth0
ip -n "$NS_C" addr add $DEV_IP6/64 dev eth0 nodad; ip -n "$NS_S" addr add $SRV_IP6/64 dev eth0 nodad
for ns in "$NS_C" "$NS_S"; do
  ip netns exec "$ns" ethtool -K eth0 tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
  ip -n "$ns" link set eth0 up
done
ip -n "$NS_C" neigh replace $SRV_IP  lladdr $SRV_MAC dev eth0 nud permanent
ip -n "$NS_C" neigh replace $SRV_IP6 lladdr $SRV_MAC dev eth0 nud permanent
ip -n "$NS_S" neigh replace $DEV_IP  lladdr $DEV_MAC dev eth0 nud permanent
ip -n "$NS_S" neigh replace $DEV_IP6 lladdr $DEV_MAC dev eth0 nud permanent
ip -n "$NS_C" link show eth0 | grep -q "state UP" || sleep 0.5

inC() { ip netns exec "$NS_C" "$@"; }
inS() { ip netns exec "$NS_S" "$@"; }

# ---------------------------------------------------------------- capture helpers
CAP_PID=""; SRV_PID=""; CUR=""; CUR_PORT=""

cap_start() {   # cap_start NAME PORT
  CUR=$1; CUR_PORT=$2
  rm -f "$WORK/$CUR.pcap"
  ip netns exec "$NS_C" tcpdump -i eth0 --immediate-mode -U -Z root -s 0 -w "$WORK/$CUR.pcap" "tcp port $CUR_PORT" 2>"$LOGDIR/$CUR.tcpdump.log" &
  CAP_PID=$!; BGPIDS+=("$CAP_PID")
  local i
  for i in $(seq 100); do grep -q "listening on" "$LOGDIR/$CUR.tcpdump.log" 2>/dev/null && return 0; sleep 0.05; done
  echo "tcpdump did not start for $CUR" >&2; cat "$LOGDIR/$CUR.tcpdump.log" >&2; return 1
}

wait_listen() { # wait_listen PORT
  local i
  for i in $(seq 100); do [[ -n "$(inS ss -Hltn "sport = :$1")" ]] && return 0; sleep 0.05; done
  echo "server did not listen on $1 for $CUR" >&2; cat "$LOGDIR/$CUR.server.log" >&2 || true; return 1
}

srv_start() {   # srv_start CMD...   (runs in the server namespace, cwd = $WORK/www)
  (cd "$WORK/www" && exec ip netns exec "$NS_S" "$@") >"$LOGDIR/$CUR.server.log" 2>&1 &
  SRV_PID=$!; BGPIDS+=("$SRV_PID")
  wait_listen "$CUR_PORT"
}

srv_stop() {    # give the server up to 2 s to finish (it normally exits after -naccept), then stop it
  local i
  [[ -z "$SRV_PID" ]] && return 0
  for i in $(seq 40); do kill -0 "$SRV_PID" 2>/dev/null || break; sleep 0.05; done
  kill "$SRV_PID" 2>/dev/null || true
  wait "$SRV_PID" 2>/dev/null || true
  SRV_PID=""
}

cap_stop() {    # cap_stop  -> writes OUTDIR/NAME.pcap and the tshark dump
  sleep 0.3
  srv_stop
  sleep 0.2
  kill -INT "$CAP_PID" 2>/dev/null || true
  wait "$CAP_PID" 2>/dev/null || true
  CAP_PID=""
  cp "$WORK/$CUR.pcap" "$OUTDIR/$CUR.pcap"
  tshark_dump "$CUR"
  printf '%-24s %6s bytes  %s\n' "$CUR.pcap" "$(stat -c %s "$OUTDIR/$CUR.pcap")" "$(summary "$CUR")"
}

TS_FIELDS=(-e frame.number -e ip.src -e ipv6.src -e tcp.srcport -e tls.record.version -e tls.handshake.type
           -e tls.handshake.version -e tls.handshake.extensions.supported_version -e tls.handshake.ciphersuite
           -e tls.handshake.extensions_server_name -e tls.alert_message.level -e tls.alert_message.desc
           -e tls.handshake.certificate_length)
ts_decode() { echo -d "tcp.port==5061,tls"; }

tshark_dump() { # NAME  -> tshark/NAME.txt (no keys) and tshark/NAME.keylog.txt (with captures/keys/NAME.keys)
  local n=$1
  tshark -r "$OUTDIR/$n.pcap" -d tcp.port==5061,tls -T fields -E header=y -E separator=/t -E occurrence=a -E aggregator=, \
    "${TS_FIELDS[@]}" -Y tls > "$TSH/$n.txt" 2>/dev/null || true
  if [[ -s "$KEYS/$n.keys" ]]; then
    tshark -r "$OUTDIR/$n.pcap" -d tcp.port==5061,tls -o "tls.keylog_file:$KEYS/$n.keys" -T fields -E header=y -E separator=/t \
      -E occurrence=a -E aggregator=, "${TS_FIELDS[@]}" -Y tls > "$TSH/$n.keylog.txt" 2>/dev/null || true
  else
    rm -f "$TSH/$n.keylog.txt"
  fi
}

summary() {     # one line: handshake types and alerts per sender (C = device, S = server)
  local n=$1 f="$TSH/$1.txt"; [[ -s "$TSH/$1.keylog.txt" ]] && f="$TSH/$1.keylog.txt"
  awk -F'\t' -v dev="$DEV_IP" -v dev6="$DEV_IP6" 'NR>1 { who = ($2==dev || $3==dev6) ? "C" : "S";
      if ($6!="") out = out " " who ":" $6; if ($12!="") out = out " " who ":alert(" $11 "," $12 ")" }
      END { print out }' "$f"
}

keylog() { echo "$KEYS/$CUR.keys"; }
drop_keylog() { rm -f "$KEYS/$CUR.keys"; }

# ---------------------------------------------------------------- common commands
mkdir -p "$WORK/www"
printf 'sip.transport = tls\nsip.server = sip.example.com\nprov.download.cert = 1\n' > "$WORK/www/0022ee090045.cfg"
HTTP_REQ=$'GET /0022ee090045.cfg HTTP/1.0\r\nHost: prov.example.com\r\nUser-Agent: Example-8301/3.4.4\r\n\r\n'
sip_options() { # the device's SIP OPTIONS ping (then CLOSE for s_server -rev)
  printf 'OPTIONS sip:sip.example.com SIP/2.0\r\nVia: SIP/2.0/TLS 10.0.0.20:5061;branch=z9hG4bK-%s\r\nFrom: <sip:8301@sip.example.com>;tag=1\r\nTo: <sip:sip.example.com>\r\nCall-ID: %s@10.0.0.20\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\nCLOSE\n' "$CUR" "$CUR"
}

# server: the normal leaf + intermediate on 443 serving the provisioning file
SRV443=(openssl s_server -4 -accept 443 -naccept 1 -WWW)
SRV5061=(openssl s_server -4 -accept 5061 -naccept 1 -rev)
OK_CERT=(-cert "$PKI/server.pem" -key "$PKI/server.key" -cert_chain "$PKI/intA.pem")
# client: verifies against rootA with the configured name
CLI443=(timeout 10 openssl s_client -connect $SRV_IP:443 -ign_eof)
CLI5061=(timeout 10 openssl s_client -connect $SRV_IP:5061 -ign_eof)
VERIFY_A=(-CAfile "$PKI/rootA.pem" -verify_return_error -servername sip.example.com -verify_hostname sip.example.com)

http_client() { printf '%s' "$HTTP_REQ" | inC "$@" >"$LOGDIR/$CUR.client.log" 2>&1 || true; }
sip_client()  { sip_options | inC "$@" >"$LOGDIR/$CUR.client.log" 2>&1 || true; }

# simple HTTPS-provisioning scenario: https_case NAME KEEPKEYS "server args" -- client args
https_case() {
  local name=$1 keep=$2; shift 2
  local -a sargs=() cargs=(); local seen=0 a
  for a in "$@"; do if [[ "$a" == "--" ]]; then seen=1; continue; fi; if (( seen )); then cargs+=("$a"); else sargs+=("$a"); fi; done
  cap_start "$name" 443
  srv_start "${SRV443[@]}" "${sargs[@]}"
  CUR=$name; http_client "${CLI443[@]}" -keylogfile "$KEYS/$name.keys" "${cargs[@]}"
  [[ "$keep" == keys ]] || rm -f "$KEYS/$name.keys"
  cap_stop
}
sip_case() {
  local name=$1 keep=$2; shift 2
  local -a sargs=() cargs=(); local seen=0 a
  for a in "$@"; do if [[ "$a" == "--" ]]; then seen=1; continue; fi; if (( seen )); then cargs+=("$a"); else sargs+=("$a"); fi; done
  cap_start "$name" 5061
  srv_start "${SRV5061[@]}" "${sargs[@]}"
  sip_client "${CLI5061[@]}" -keylogfile "$KEYS/$name.keys" "${cargs[@]}"
  [[ "$keep" == keys ]] || rm -f "$KEYS/$name.keys"
  cap_stop
}

DEVICE45=(-cert "$PKI/device45.pem" -key "$PKI/device45.key" -cert_chain "$PKI/vendorInt.pem")
DEVICE99=(-cert "$PKI/device99.pem" -key "$PKI/device99.key" -cert_chain "$PKI/vendorInt.pem")
MTLS_VENDOR=(-Verify 2 -CAfile "$PKI/vendorRoot.pem" -verify_return_error)

# ---------------------------------------------------------------- scenarios
sc_tls12_ok()          { https_case tls12_ok nokeys "${OK_CERT[@]}" -tls1_2 -- "${VERIFY_A[@]}" -tls1_2; }
sc_tls13_ok()          { https_case tls13_ok keys   "${OK_CERT[@]}" -tls1_3 -- "${VERIFY_A[@]}" -tls1_3; }
sc_mtls_device_ok()    { sip_case mtls_device_ok nokeys "${OK_CERT[@]}" "${MTLS_VENDOR[@]}" -tls1_2 -- "${VERIFY_A[@]}" "${DEVICE45[@]}" -tls1_2; }
sc_unknown_ca()        { https_case unknown_ca nokeys "${OK_CERT[@]}" -tls1_2 -- -CAfile "$PKI/rootB.pem" -verify_return_error -servername sip.example.com -verify_hostname sip.example.com -tls1_2; }
sc_tls13_unknown_ca()  { https_case tls13_unknown_ca keys "${OK_CERT[@]}" -tls1_3 -- -CAfile "$PKI/rootB.pem" -verify_return_error -servername sip.example.com -verify_hostname sip.example.com -tls1_3; }
sc_chain_incomplete()  { https_case chain_incomplete nokeys -cert "$PKI/server.pem" -key "$PKI/server.key" -tls1_2 -- "${VERIFY_A[@]}" -tls1_2; }
sc_self_signed()       { https_case self_signed nokeys -cert "$PKI/selfSigned.pem" -key "$PKI/selfSigned.key" -tls1_2 -- "${VERIFY_A[@]}" -tls1_2; }
sc_expired()           { https_case expired nokeys -cert "$PKI/expired.pem" -key "$PKI/expired.key" -cert_chain "$PKI/intA.pem" -tls1_2 -- "${VERIFY_A[@]}" -tls1_2; }
sc_not_yet_valid()     { https_case not_yet_valid nokeys -cert "$PKI/notYetValid.pem" -key "$PKI/notYetValid.key" -cert_chain "$PKI/intA.pem" -tls1_2 -- "${VERIFY_A[@]}" -tls1_2; }
sc_client_clock_wrong() { https_case client_clock_wrong nokeys "${OK_CERT[@]}" -tls1_2 -- "${VERIFY_A[@]}" -tls1_2 ; }
sc_hostname_mismatch() { https_case hostname_mismatch nokeys "${OK_CERT[@]}" -tls1_2 -- -CAfile "$PKI/rootA.pem" -verify_return_error -servername wrong.example.net -verify_hostname wrong.example.net -tls1_2; }
sc_weak_key_sha1()     { https_case weak_key_sha1 nokeys -cert "$PKI/weakSha1.pem" -key "$PKI/weakSha1.key" -cert_chain "$PKI/intA.pem" -tls1_2 -cipher 'DEFAULT@SECLEVEL=0' -- "${VERIFY_A[@]}" -tls1_2 -cipher 'DEFAULT@SECLEVEL=0'; }
sc_weak_key()          { https_case weak_key nokeys -cert "$PKI/weakKey.pem" -key "$PKI/weakKey.key" -cert_chain "$PKI/intA.pem" -tls1_2 -cipher 'DEFAULT@SECLEVEL=0' -- "${VERIFY_A[@]}" -tls1_2 -cipher 'DEFAULT@SECLEVEL=0'; }
sc_weak_signature()    { https_case weak_signature nokeys -cert "$PKI/weakSig.pem" -key "$PKI/weakSig.key" -cert_chain "$PKI/intA.pem" -tls1_2 -cipher 'DEFAULT@SECLEVEL=0' -- "${VERIFY_A[@]}" -tls1_2 -cipher 'DEFAULT@SECLEVEL=0'; }
sc_wrong_eku()         { https_case wrong_eku nokeys -cert "$PKI/wrongEku.pem" -key "$PKI/wrongEku.key" -cert_chain "$PKI/intA.pem" -tls1_2 -- "${VERIFY_A[@]}" -tls1_2; }
sc_no_client_cert()    { sip_case no_client_cert nokeys "${OK_CERT[@]}" -Verify 1 -CAfile "$PKI/vendorRoot.pem" -verify_return_error -tls1_2 -- "${VERIFY_A[@]}" -tls1_2; }
sc_tls13_no_client_cert() { sip_case tls13_no_client_cert keys "${OK_CERT[@]}" -Verify 1 -CAfile "$PKI/vendorRoot.pem" -verify_return_error -tls1_3 -- "${VERIFY_A[@]}" -tls1_3; }
sc_client_cert_rejected() { sip_case client_cert_rejected nokeys "${OK_CERT[@]}" "${MTLS_VENDOR[@]}" -tls1_2 -- "${VERIFY_A[@]}" -cert "$PKI/rogueClient.pem" -key "$PKI/rogueClient.key" -tls1_2; }
sc_client_ca_not_accepted() { sip_case client_ca_not_accepted nokeys "${OK_CERT[@]}" -Verify 2 -CAfile "$PKI/clientCA.pem" -verify_return_error -tls1_2 -- "${VERIFY_A[@]}" "${DEVICE45[@]}" -tls1_2; }
sc_device_mac_mismatch() { sip_case device_mac_mismatch nokeys "${OK_CERT[@]}" "${MTLS_VENDOR[@]}" -tls1_2 -- "${VERIFY_A[@]}" "${DEVICE99[@]}" -tls1_2; }
sc_tls10_rejected()    { https_case tls10_rejected nokeys "${OK_CERT[@]}" -min_protocol TLSv1.2 -- "${VERIFY_A[@]}" -tls1 -cipher 'DEFAULT@SECLEVEL=0'; }
sc_tls11_rejected()    { https_case tls11_rejected nokeys "${OK_CERT[@]}" -min_protocol TLSv1.2 -- "${VERIFY_A[@]}" -tls1_1 -cipher 'DEFAULT@SECLEVEL=0'; }
sc_tls10_ok()          { https_case tls10_ok nokeys "${OK_CERT[@]}" -tls1 -cipher 'DEFAULT@SECLEVEL=0' -- "${VERIFY_A[@]}" -tls1 -cipher 'DEFAULT@SECLEVEL=0'; }
sc_no_shared_cipher()  { https_case no_shared_cipher nokeys "${OK_CERT[@]}" -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384 -- "${VERIFY_A[@]}" -tls1_2 -cipher ECDHE-RSA-AES128-SHA256; }
sc_weak_cipher()       { https_case weak_cipher nokeys "${OK_CERT[@]}" -tls1_2 -cipher 'AES128-SHA' -- "${VERIFY_A[@]}" -tls1_2 -cipher 'AES128-SHA:AES256-GCM-SHA384'; }
sc_weak_cipher_3des() {
  # Debian's OpenSSL 3.0 has no 3DES suites at all (built without weak SSL ciphers), so this one
  # is GnuTLS on both sides: TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA (0xc012), forward secret, so the
  # only weakness is the 3DES bulk cipher.
  local prio='NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+3DES-CBC:-KX-ALL:+ECDHE-RSA:-MAC-ALL:+SHA1'
  cap_start weak_cipher_3des 443
  srv_start gnutls-serv -p 443 --http --disable-client-cert --x509certfile="$PKI/server-chain.pem" --x509keyfile="$PKI/server.key" --priority="$prio"
  printf '%s' "$HTTP_REQ" | inC timeout 5 gnutls-cli --x509cafile="$PKI/rootA.pem" --sni-hostname=sip.example.com \
      --verify-hostname=sip.example.com --priority="$prio" -p 443 $SRV_IP >"$LOGDIR/$CUR.client.log" 2>&1 || true
  cap_stop
}
sc_unrecognized_name() { https_case unrecognized_name nokeys "${OK_CERT[@]}" -tls1_2 -servername sip.example.com -servername_fatal -cert2 "$PKI/server.pem" -key2 "$PKI/server.key" -- -CAfile "$PKI/rootA.pem" -verify_return_error -servername other.example.com -tls1_2; }

sc_tls13_client_abort() {
  # GnuTLS 3.7 as the TLS 1.3 client: it rejects the server's certificate (trusts rootB only)
  # and sends its alert ENCRYPTED under the client handshake traffic key.
  cap_start tls13_client_abort 443
  srv_start "${SRV443[@]}" "${OK_CERT[@]}" -tls1_3
  printf '%s' "$HTTP_REQ" | inC env SSLKEYLOGFILE="$KEYS/$CUR.keys" timeout 10 gnutls-cli --x509cafile="$PKI/rootB.pem" \
      --sni-hostname=sip.example.com --verify-hostname=sip.example.com --priority='NORMAL:-VERS-ALL:+VERS-TLS1.3' \
      -p 443 $SRV_IP >"$LOGDIR/$CUR.client.log" 2>&1 || true
  cap_stop
}

sc_ipv6_ok() {
  cap_start ipv6_ok 443
  srv_start openssl s_server -6 -accept 443 -naccept 1 -WWW "${OK_CERT[@]}" -tls1_2
  http_client timeout 10 openssl s_client -connect "[$SRV_IP6]:443" -ign_eof "${VERIFY_A[@]}" -tls1_2
  cap_stop
}

sc_hrr_tls13_ok() {
  # the client offers X25519 and P-256 but sends a key share for X25519 only; the server
  # accepts P-256 only -> HelloRetryRequest, second ClientHello with a P-256 share.
  cap_start hrr_tls13_ok 443
  srv_start "${SRV443[@]}" "${OK_CERT[@]}" -tls1_3 -groups P-256
  http_client "${CLI443[@]}" -keylogfile "$KEYS/$CUR.keys" "${VERIFY_A[@]}" -tls1_3 -groups X25519:P-256
  cap_stop
}

sc_hostile_names() {
  # self-signed certificate whose names carry HTML, Markdown and terminal escapes; the client
  # does not verify (s_client default) and completes the handshake. Odd-but-legal SNI.
  cap_start hostile_names 443
  srv_start "${SRV443[@]}" -cert "$PKI/hostile.pem" -key "$PKI/hostile.key" -tls1_2
  http_client "${CLI443[@]}" -servername '_sip._tls.xn--bcher-kva.example-1.com' -tls1_2
  cap_stop
}

sc_alpn_resume() {
  # two TLS 1.2 connections in one capture: a full handshake with ALPN, then an abbreviated
  # (resumed, session ticket) one with the saved session.
  cap_start alpn_resume 443
  srv_start openssl s_server -4 -accept 443 -naccept 2 -WWW "${OK_CERT[@]}" -tls1_2 -alpn http/1.1
  http_client "${CLI443[@]}" "${VERIFY_A[@]}" -tls1_2 -alpn h2,http/1.1 -sess_out "$WORK/alpn.sess"
  sleep 0.3
  printf '%s' "$HTTP_REQ" | inC "${CLI443[@]}" "${VERIFY_A[@]}" -tls1_2 -alpn h2,http/1.1 -sess_in "$WORK/alpn.sess" \
      >"$LOGDIR/$CUR.client2.log" 2>&1 || true
  cap_stop
}

sc_sip_tls_ok() {
  # A real SIP call (SIPp UAC -> SIPp UAS: INVITE/100/180/200/ACK/BYE/200) carried over mutual
  # TLS on 5061. Device side: SIPp over TCP to a local bridge that is `openssl s_client`
  # (device certificate + vendor intermediate, verifies the server; keylog kept). Server side:
  # socat OPENSSL-LISTEN (server chain, requires a client cert from the vendor root) -> SIPp UAS.
  cap_start sip_tls_ok 5061
  ip netns exec "$NS_S" sipp -sn uas -t t1 -i 127.0.0.1 -p 5070 -m 1 -nostdin >"$LOGDIR/$CUR.uas.log" 2>&1 &
  local uas=$!; BGPIDS+=("$uas")
  srv_start socat "OPENSSL-LISTEN:5061,bind=$SRV_IP,reuseaddr,cert=$PKI/server-chain.pem,key=$PKI/server.key,cafile=$PKI/vendorRoot.pem,verify=1,min-version=TLS1.2" TCP:127.0.0.1:5070
  cat > "$WORK/sip_bridge.sh" <<EOB
#!/bin/sh
exec openssl s_client -connect $SRV_IP:5061 -tls1_2 -quiet -no_ign_eof -keylogfile "$KEYS/$CUR.keys" -CAfile "$PKI/rootA.pem" \\
  -verify_return_error -servername sip.example.com -verify_hostname sip.example.com \\
  -cert "$PKI/device45.pem" -key "$PKI/device45.key" -cert_chain "$PKI/vendorInt.pem" 2>>"$LOGDIR/$CUR.client.log"
EOB
  chmod +x "$WORK/sip_bridge.sh"
  ip netns exec "$NS_C" socat TCP-LISTEN:5062,bind=127.0.0.1,reuseaddr "EXEC:$WORK/sip_bridge.sh" >"$LOGDIR/$CUR.bridge.log" 2>&1 &
  local bridge=$!; BGPIDS+=("$bridge")
  local i; for i in $(seq 100); do [[ -n "$(inC ss -Hltn 'sport = :5062')" ]] && break; sleep 0.05; done
  inC timeout 20 sipp -sn uac -t t1 -i 127.0.0.1 -p 5080 -m 1 -d 200 -nostdin 127.0.0.1:5062 >"$LOGDIR/$CUR.uac.log" 2>&1 || true
  sleep 0.3
  kill "$bridge" 2>/dev/null || true; wait "$bridge" 2>/dev/null || true
  cap_stop
  kill "$uas" 2>/dev/null || true; wait "$uas" 2>/dev/null || true
}

sc_all_failures() { :; }   # only (re)builds the merged capture below

run_one() {
  local s=$1
  CUR=$s; SRV_PID=""
  case $s in
    client_clock_wrong)
      # the device's clock says 2040-06-01: the (valid) server certificate looks expired to it
      cap_start client_clock_wrong 443
      srv_start "${SRV443[@]}" "${OK_CERT[@]}" -tls1_2
      printf '%s' "$HTTP_REQ" | inC faketime '2040-06-01 12:00:00' "${CLI443[@]}" "${VERIFY_A[@]}" -tls1_2 >"$LOGDIR/$CUR.client.log" 2>&1 || true
      cap_stop ;;
    *) "sc_$s" ;;
  esac
}

for s in "${SCENARIOS[@]}"; do run_one "$s"; done

# ---------------------------------------------------------------- the "customer capture"
# Several scenarios merged in time order into one pcapng (one interface), as a customer's
# long mirror-port capture with many connections would be. Rebuilt whenever all parts exist.
MERGE_PARTS=(tls12_ok unknown_ca chain_incomplete expired client_clock_wrong hostname_mismatch no_client_cert
             client_cert_rejected client_ca_not_accepted tls10_rejected no_shared_cipher sip_tls_ok device_mac_mismatch)
merge_files=()
for s in "${MERGE_PARTS[@]}"; do [[ -s "$OUTDIR/$s.pcap" ]] && merge_files+=("$OUTDIR/$s.pcap"); done
if [[ ${#merge_files[@]} -eq ${#MERGE_PARTS[@]} ]]; then
  mergecap -F pcapng -w "$OUTDIR/all_failures.pcapng" "${merge_files[@]}"
  tshark -r "$OUTDIR/all_failures.pcapng" -d tcp.port==5061,tls -T fields -E header=y -E separator=/t -E occurrence=a -E aggregator=, \
    "${TS_FIELDS[@]}" -Y tls > "$TSH/all_failures.txt" 2>/dev/null || true
  printf '%-24s %6s bytes  (%d connections merged)\n' all_failures.pcapng "$(stat -c %s "$OUTDIR/all_failures.pcapng")" ${#merge_files[@]}
fi
