#!/usr/bin/env bash
# Watch `tlsdiag live` on a mirror-port-like wire, by hand (as root):
#   a server in its own network namespace, a client here, a veth pair between them whose frames
#   carry VLAN 77 (802.1Q devices if the kernel has them, else a tc eBPF push/pop), and tlsdiag
#   capturing on the client's veth end. Runs one good and one rejected TLS 1.2 handshake and a
#   TLS 1.3 session held open, stops tlsdiag with SIGINT, then analyses the saved pcapng.
#
#   scripts/live-test.sh [TLSDIAG_BINARY]      (default: .build/debug/tlsdiag)
#   KEEP=1 scripts/live-test.sh                keep the namespace and files for your own runs
#
# The automated version of this is Tests/LiveTests/LiveCaptureTests.swift.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/debug/tlsdiag}
[ "$(id -u)" = 0 ] || { echo "run as root (network namespaces and capture)" >&2; exit 2; }
[ -x "$BIN" ] || { echo "$BIN not found: swift build first, or pass the binary" >&2; exit 2; }

NS=tlsdiag-demo; C=tdemo-c; S=tdemo-s; CIP=10.233.0.1; SIP=10.233.0.2
OUT=$(mktemp -d /tmp/tlsdiag-live-test.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -z "${KEEP:-}" ]; then ip netns del $NS 2>/dev/null || true; ip link del $C 2>/dev/null || true; rm -rf "$OUT"; fi
}
trap cleanup EXIT
ip netns del $NS 2>/dev/null || true; ip link del $C 2>/dev/null || true

ip netns add $NS
ip link add $C type veth peer name $S
ip link set $S netns $NS
ip link set $C up; ip netns exec $NS ip link set lo up; ip netns exec $NS ip link set $S up
if ip link add link $C name $C.77 type vlan id 77 2>/dev/null; then
  ip netns exec $NS ip link add link $S name v77 type vlan id 77
  CDEV=$C.77; SDEV=v77; VLAN="802.1Q devices"
else
  CDEV=$C; SDEV=$S; VLAN="none"
  cat > "$OUT/vlan.c" <<'EOF'
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
static long (*skb_vlan_push)(struct __sk_buff *, unsigned short, unsigned short) = (void *) BPF_FUNC_skb_vlan_push;
static long (*skb_vlan_pop)(struct __sk_buff *) = (void *) BPF_FUNC_skb_vlan_pop;
__attribute__((section("tc_push"), used)) int push(struct __sk_buff *skb) { skb_vlan_push(skb, __builtin_bswap16(0x8100), 77); return TC_ACT_OK; }
__attribute__((section("tc_pop"), used)) int pop(struct __sk_buff *skb) { if (skb->vlan_present) skb_vlan_pop(skb); return TC_ACT_OK; }
char _license[] __attribute__((section("license"), used)) = "GPL";
EOF
  if clang -O2 -target bpf -I/usr/include/"$(uname -m)"-linux-gnu -c "$OUT/vlan.c" -o "$OUT/vlan.o" 2>/dev/null; then
    for pre in "" "ip netns exec $NS"; do
      dev=$C; [ -n "$pre" ] && dev=$S
      $pre tc qdisc add dev $dev clsact
      $pre tc filter add dev $dev egress bpf da obj "$OUT/vlan.o" sec tc_push
      $pre tc filter add dev $dev ingress bpf da obj "$OUT/vlan.o" sec tc_pop
    done
    VLAN="tc eBPF (this kernel has no 802.1Q module)"
  fi
fi
ip link set $CDEV up; ip addr add $CIP/24 dev $CDEV
ip netns exec $NS ip link set $SDEV up; ip netns exec $NS ip addr add $SIP/24 dev $SDEV
echo "== wire: $C <-> $NS/$S, VLAN 77 tags: $VLAN; files in $OUT"

cd "$OUT"
for ca in rootA rootB; do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $ca.key -out $ca.pem -days 3650 -subj "/CN=demo $ca" 2>/dev/null
done
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr -subj "/CN=sip.example.test" 2>/dev/null
printf 'subjectAltName=DNS:sip.example.test,IP:%s\nextendedKeyUsage=serverAuth\n' $SIP > server.ext
openssl x509 -req -in server.csr -CA rootA.pem -CAkey rootA.key -set_serial 7 -days 365 -out server.pem -extfile server.ext 2>/dev/null
cd - >/dev/null

ip netns exec $NS openssl s_server -accept $SIP:5061 -cert "$OUT/server.pem" -key "$OUT/server.key" -tls1_2 -www -naccept 2 >/dev/null 2>&1 & pids+=($!)
(sleep 20 | ip netns exec $NS openssl s_server -accept $SIP:443 -cert "$OUT/server.pem" -key "$OUT/server.key" -naccept 1 -quiet >/dev/null 2>&1) & pids+=($!)
for port in 5061 443; do
  for _ in $(seq 100); do [ -n "$(ip netns exec $NS ss -Hltn "sport = :$port")" ] && break; sleep 0.05; done
done

echo "== $BIN live -i $C --filter 'tcp port 5061 or tcp port 443' -w $OUT/live.pcapng --ca $OUT/rootA.pem"
"$BIN" live -i $C --filter 'tcp port 5061 or tcp port 443' -w "$OUT/live.pcapng" --ca "$OUT/rootA.pem" --fail-on never & LIVE=$!
pids+=($LIVE)
sleep 1
CLIENT=(openssl s_client -servername sip.example.test -verify_return_error)
printf 'GET / HTTP/1.0\r\n\r\n' | "${CLIENT[@]}" -connect $SIP:5061 -tls1_2 -ign_eof -CAfile "$OUT/rootA.pem" >/dev/null 2>&1 || true
printf 'GET / HTTP/1.0\r\n\r\n' | "${CLIENT[@]}" -connect $SIP:5061 -tls1_2 -ign_eof -CAfile "$OUT/rootB.pem" >/dev/null 2>&1 || true
(sleep 3 | "${CLIENT[@]}" -connect $SIP:443 -CAfile "$OUT/rootA.pem" >/dev/null 2>&1) || true
sleep 1
kill -INT $LIVE; wait $LIVE || true

echo; echo "== $BIN analyze $OUT/live.pcapng --ca $OUT/rootA.pem"
"$BIN" analyze "$OUT/live.pcapng" --ca "$OUT/rootA.pem" --fail-on never
