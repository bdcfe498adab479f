#!/usr/bin/env bash
# Fixture captures for transport problems, link-layer variety and capture quality.
#
#   scripts/captures/make_variants.sh [OUTDIR=captures] [NAME...]
#
# Run as root from anywhere. With NAME arguments only those captures are (re)made.
# Two ways of making a capture, and captures/README.md says which one each file used:
#   real       real traffic from real stacks (openssl, sipp, curl, python sockets) between
#              two network namespaces, captured by tcpdump on the device's veth
#              (device 10.0.0.20 MAC 00:22:ee:09:00:45, server 10.0.0.5 MAC 00:50:56:a1:00:05);
#   transform  scripts/captures/transform.py over a real capture, for what a mirror port or
#              capture tool does to packets (VLAN tags this kernel cannot add, loss, reorder,
#              one direction only, started late, other link types / file formats).
# Inputs of the transforms are the other generator's captures/tls12_ok.pcap (and friends) when
# they exist, otherwise a TLS 1.2 handshake made here (work/base_tls12.pcap).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUTDIR="${1:-captures}"
shift || true
case "$OUTDIR" in /*) ;; *) OUTDIR="$ROOT/$OUTDIR" ;; esac
ONLY=("$@")
VAR="$HERE/variants"
PY="${PYTHON:-/usr/bin/python3}"
TRANSFORM="$PY $HERE/transform.py"
WORK="$OUTDIR/work/variants"          # scratch (captures/work/ is git-ignored)
LOGS="$WORK/logs"
PKI="$VAR/pki"                        # committed, made once
mkdir -p "$OUTDIR" "$OUTDIR/tshark" "$WORK" "$LOGS"

[ "$(id -u)" = 0 ] || { echo "make_variants.sh: must run as root (namespaces, tcpdump)" >&2; exit 2; }

# ---------------------------------------------------------------- tools
need=()
command -v tcpdump >/dev/null || need+=(tcpdump)
command -v tshark  >/dev/null || need+=(tshark)
command -v editcap >/dev/null || need+=(tshark)
command -v sipp    >/dev/null || need+=(sip-tester)
command -v socat   >/dev/null || need+=(socat)
command -v ip      >/dev/null || need+=(iproute2)
command -v nft     >/dev/null || need+=(nftables)
command -v ethtool >/dev/null || need+=(ethtool)
command -v curl    >/dev/null || need+=(curl)
command -v openssl >/dev/null || need+=(openssl)
[ -x "$PY" ] || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}" >/dev/null
fi

want() {  # want NAME: true when NAME was asked for (or nothing was)
    [ ${#ONLY[@]} -eq 0 ] && return 0
    local n; for n in "${ONLY[@]}"; do [ "$n" = "$1" ] && return 0; done; return 1
}

# ---------------------------------------------------------------- PKI (own, small, committed)
# root (RSA 2048) -> issuing CA (RSA 4096) -> server leaf sip.example.com (RSA 2048). The server
# sends leaf + issuing CA + root, so its Certificate message is about 3.2 KB and at MTU 1500 one
# full-size server segment lies wholly inside it (what gap_in_server_flight needs).
# other_root is a root that signed nothing the server sends: a device that trusts only it
# rejects the server (unknown_ca).
make_pki() {
    [ -f "$PKI/server.pem" ] && return 0
    mkdir -p "$PKI"
    ( cd "$PKI"
      cat > ext.cnf <<'EOF'
[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[issuing]
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[server]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:sip.example.com,DNS:prov.example.com,IP:10.0.0.5
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
      openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 7300 -sha256 \
          -subj "/O=tlsdiag variants/CN=tlsdiag Variants Root CA" -set_serial 0x7d01 \
          -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
      openssl req -newkey rsa:4096 -nodes -keyout issuing.key -out issuing.csr \
          -subj "/O=tlsdiag variants/CN=tlsdiag Variants Issuing CA" 2>/dev/null
      openssl x509 -req -in issuing.csr -CA root.pem -CAkey root.key -set_serial 0x7d02 -days 5000 \
          -sha256 -extfile ext.cnf -extensions issuing -out issuing.pem 2>/dev/null
      openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
          -subj "/O=tlsdiag variants/CN=sip.example.com" 2>/dev/null
      openssl x509 -req -in server.csr -CA issuing.pem -CAkey issuing.key -set_serial 0x7d03 -days 3650 \
          -sha256 -extfile ext.cnf -extensions server -out server.pem 2>/dev/null
      openssl req -x509 -newkey rsa:2048 -nodes -keyout other_root.key -out other_root.pem -days 7300 -sha256 \
          -subj "/O=Other Org/CN=Other Root CA" -set_serial 0x7d09 \
          -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
      cat issuing.pem root.pem > chain.pem
      rm -f ./*.csr )
}

# ---------------------------------------------------------------- namespaces
DEV_NS=tdvar-dev
SRV_NS=tdvar-srv
RTR_NS=tdvar-rtr
DEV_MAC=00:22:ee:09:00:45
SRV_MAC=00:50:56:a1:00:05   # same addresses as make_captures.sh
DEV_IP=10.0.0.20
SRV_IP=10.0.0.5
BG_PIDS=()

dx() { ip netns exec "$DEV_NS" "$@"; }
sx() { ip netns exec "$SRV_NS" "$@"; }

quiet_ns() {  # no IPv6 chatter (RS/ND/MLD) in IPv4 fixtures; valid checksums; no GSO/GRO super-segments
    local ns=$1 ifc=$2
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6="${3:-1}" net.ipv6.conf.default.disable_ipv6="${3:-1}"
    ip netns exec "$ns" ethtool -K "$ifc" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
}

ns_down() {
    local p n
    for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    BG_PIDS=()
    for n in "$DEV_NS" "$SRV_NS" "$RTR_NS"; do ip netns del "$n" 2>/dev/null || true; done
    ip link del tdvar-d0 2>/dev/null || true
}

ns_up() {  # ns_up [ipv6|arp]: device <-veth-> server, MTU 1500; static neighbours unless "arp"
    ns_down
    ip netns add "$DEV_NS"; ip netns add "$SRV_NS"
    ip link add tdvar-d0 type veth peer name tdvar-s0
    ip link set tdvar-d0 netns "$DEV_NS"; ip link set tdvar-s0 netns "$SRV_NS"
    dx ip link set tdvar-d0 name eth0; sx ip link set tdvar-s0 name eth0
    dx ip link set eth0 address "$DEV_MAC"; sx ip link set eth0 address "$SRV_MAC"
    local v6=1; [ "${1:-}" = ipv6 ] && v6=0
    quiet_ns "$DEV_NS" eth0 $v6; quiet_ns "$SRV_NS" eth0 $v6
    if [ $v6 = 0 ]; then
        dx sysctl -qw net.ipv6.conf.eth0.accept_dad=0 net.ipv6.conf.eth0.router_solicitations=0
        sx sysctl -qw net.ipv6.conf.eth0.accept_dad=0 net.ipv6.conf.eth0.router_solicitations=0
    fi
    dx ip addr add "$DEV_IP/24" dev eth0; sx ip addr add "$SRV_IP/24" dev eth0
    if [ $v6 = 0 ]; then
        dx ip -6 addr add fd00::20/64 dev eth0 nodad; sx ip -6 addr add fd00::5/64 dev eth0 nodad
    fi
    dx ip link set lo up; sx ip link set lo up
    dx ip link set eth0 up; sx ip link set eth0 up
    if [ "${1:-}" != arp ]; then
        dx ip neigh replace "$SRV_IP" lladdr "$SRV_MAC" dev eth0 nud permanent
        sx ip neigh replace "$DEV_IP" lladdr "$DEV_MAC" dev eth0 nud permanent
        if [ $v6 = 0 ]; then
            dx ip neigh replace fd00::5 lladdr "$SRV_MAC" dev eth0 nud permanent
            sx ip neigh replace fd00::20 lladdr "$DEV_MAC" dev eth0 nud permanent
        fi
    fi
}

trap 'ns_down' EXIT

CAP_PIDS=()
cap_start() {  # cap_start FILE NS IFACE [tcpdump args...]; several may run at once
    local f=$1 ns=$2 ifc=$3; shift 3
    rm -f "$f" "$f.log"   # an old log already says "listening on": never wait on it
    ip netns exec "$ns" tcpdump -i "$ifc" --immediate-mode -U -Z root -w "$f" "$@" 2>"$f.log" &
    CAP_PIDS+=($!)
    local i; for i in $(seq 100); do grep -q "listening on" "$f.log" 2>/dev/null && { sleep 0.1; return 0; }; sleep 0.05; done
    echo "tcpdump did not start: $(cat "$f.log")" >&2; return 1
}
cap_stop() {  # stop every running capture
    sleep 0.3
    local p
    for p in "${CAP_PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    CAP_PIDS=()
}

wait_listen() {  # wait_listen NS PORT [t|u]
    local ns=$1 port=$2 proto=${3:-t} i
    for i in $(seq 100); do
        ip netns exec "$ns" ss -Hl${proto}n "sport = :$port" | grep -q . && return 0
        sleep 0.05
    done
    echo "nothing listening on $port in $ns" >&2; return 1
}

bg() {  # bg LOG CMD...: start a background process, remember its PID
    local log=$1; shift
    "$@" >"$log" 2>&1 &
    BG_PIDS+=($!)
    LAST_PID=$!
}
stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

s_server12() {  # s_server12 PORT [extra]: TLS 1.2 server with the 3-cert chain, answers one GET
    local port=$1; shift
    bg "$LOGS/s_server_$port.log" sx openssl s_server -accept "$SRV_IP:$port" -naccept 1 -www \
        -cert "$PKI/server.pem" -key "$PKI/server.key" -cert_chain "$PKI/chain.pem" "$@"
}
s_client_get() {  # s_client_get PORT [extra]: one HTTPS-ish GET, then close
    local port=$1; shift
    printf 'GET / HTTP/1.0\r\nHost: sip.example.com\r\n\r\n' | \
        timeout 5 ip netns exec "$DEV_NS" openssl s_client -connect "$SRV_IP:$port" -servername sip.example.com \
        -CAfile "$PKI/root.pem" -ign_eof "$@" >"$LOGS/s_client_$port.log" 2>&1 || true
}

# ---------------------------------------------------------------- real-traffic scenarios

real_tcp_refused() {
    ns_up
    cap_start "$WORK/tcp_refused.pcap" "$DEV_NS" eth0
    # nothing listens on 10.0.0.5:5061: the server's kernel answers the SYN with RST,ACK
    timeout 5 ip netns exec "$DEV_NS" openssl s_client -connect "$SRV_IP:5061" -servername sip.example.com \
        </dev/null >"$LOGS/tcp_refused.log" 2>&1 || true
    cap_stop; ns_down
}

real_tcp_no_answer() {
    ns_up
    sx nft -f - <<'EOF'
table inet tdvar {
    chain in {
        type filter hook input priority 0;
        tcp dport 5061 drop
    }
}
EOF
    s_server12 5061
    wait_listen "$SRV_NS" 5061
    cap_start "$WORK/tcp_no_answer.pcap" "$DEV_NS" eth0
    # a firewall in front of a real listener drops the SYN: SYN at 0 s, retransmits at 1 s and 3 s,
    # the client gives up at 4.5 s
    timeout 4.5 ip netns exec "$DEV_NS" openssl s_client -connect "$SRV_IP:5061" -servername sip.example.com \
        </dev/null >"$LOGS/tcp_no_answer.log" 2>&1 || true
    cap_stop; ns_down
}

real_reset_after_hello() {
    ns_up
    bg "$LOGS/reset_server.log" sx "$PY" "$VAR/reset_server.py" "$SRV_IP" 5061
    wait_listen "$SRV_NS" 5061
    cap_start "$WORK/reset_after_hello.pcap" "$DEV_NS" eth0
    timeout 5 ip netns exec "$DEV_NS" openssl s_client -connect "$SRV_IP:5061" -servername sip.example.com \
        -CAfile "$PKI/root.pem" </dev/null >"$LOGS/reset_after_hello.log" 2>&1 || true
    cap_stop; ns_down
}

real_plaintext_sip_to_tls() {
    ns_up
    # the SIP server expects TLS on 5061 (openssl s_server); the device's transport is set to TCP
    s_server12 5061
    wait_listen "$SRV_NS" 5061
    cap_start "$WORK/plaintext_sip_to_tls.pcap" "$DEV_NS" eth0
    timeout 8 ip netns exec "$DEV_NS" sipp -sf "$VAR/register_tcp.xml" -t t1 -m 1 \
        -i "$DEV_IP" -p 5062 -max_reconnect 0 -timeout 5s -nostdin \
        "$SRV_IP:5061" >"$LOGS/plaintext_sip_to_tls.log" 2>&1 || true
    cap_stop; ns_down
}

real_tls_to_plaintext_port() {
    ns_up
    # a plaintext SIP server on TCP 5060 (sipp uas) and a plaintext HTTP server on 80;
    # the device speaks TLS to both (transport set to TLS but port left at 5060 / http URL port)
    bg "$LOGS/sipp_uas_tcp.log" sx sipp -sn uas -t t1 -i "$SRV_IP" -p 5060 -nostdin -timeout 10s
    bg "$LOGS/http_server.log" sx "$PY" -m http.server 80 --bind "$SRV_IP" --directory "$VAR"
    wait_listen "$SRV_NS" 5060; wait_listen "$SRV_NS" 80
    cap_start "$WORK/tls_to_plaintext_port.pcap" "$DEV_NS" eth0
    timeout 3 ip netns exec "$DEV_NS" openssl s_client -connect "$SRV_IP:5060" -servername sip.example.com \
        -CAfile "$PKI/root.pem" </dev/null >"$LOGS/tls_to_5060.log" 2>&1 || true
    sleep 0.3
    timeout 3 ip netns exec "$DEV_NS" openssl s_client -connect "$SRV_IP:80" -servername prov.example.com \
        -CAfile "$PKI/root.pem" </dev/null >"$LOGS/tls_to_80.log" 2>&1 || true
    cap_stop; ns_down
}

real_no_tls() {
    ns_up arp   # ARP left in: "say what was there"
    bg "$LOGS/sipp_uas_udp.log" sx sipp -sn uas -t u1 -i "$SRV_IP" -p 5060 -nostdin -timeout 10s
    bg "$LOGS/http_server2.log" sx "$PY" -m http.server 80 --bind "$SRV_IP" --directory "$VAR"
    wait_listen "$SRV_NS" 5060 u; wait_listen "$SRV_NS" 80
    cap_start "$WORK/no_tls.pcap" "$DEV_NS" eth0
    timeout 8 ip netns exec "$DEV_NS" sipp -sn uac -t u1 -m 1 -i "$DEV_IP" -p 5060 -nostdin \
        -timeout 6s "$SRV_IP:5060" >"$LOGS/no_tls_uac.log" 2>&1 || true
    timeout 5 ip netns exec "$DEV_NS" curl -s -o /dev/null "http://$SRV_IP/register_tcp.xml" \
        -A "PagingAdapter/4.0" >"$LOGS/no_tls_curl.log" 2>&1 || true
    cap_stop; ns_down
}

real_sslv2_hello() {
    ns_up
    # OpenSSL 3 still parses an SSLv2-format ClientHello that offers TLS. Three connections:
    # 1) to 5061, version 0x0301 (TLS 1.0, the usual old-stack case) and
    # 2) to 5061, version 0x0303: a default OpenSSL 3 server refuses both, because a v2-format hello
    #    has no extensions, so no signature_algorithms, and the SHA-1 default is below security
    #    level 1 ("no suitable signature algorithm"): alert internal_error (1) / handshake_failure (2);
    # 3) to 5063, version 0x0301, a legacy server (SECLEVEL=0, TLS 1.0 allowed) that accepts it and
    #    answers a TLS 1.0 ServerHello, Certificate, ServerHelloDone; the client then hangs up.
    bg "$LOGS/s_server_v2.log" sx openssl s_server -accept "$SRV_IP:5061" -naccept 2 -www \
        -cert "$PKI/server.pem" -key "$PKI/server.key" -cert_chain "$PKI/chain.pem"
    bg "$LOGS/s_server_v2_legacy.log" sx openssl s_server -accept "$SRV_IP:5063" -naccept 1 -www \
        -cert "$PKI/server.pem" -key "$PKI/server.key" -cert_chain "$PKI/chain.pem" \
        -cipher 'DEFAULT:@SECLEVEL=0' -min_protocol TLSv1
    wait_listen "$SRV_NS" 5061; wait_listen "$SRV_NS" 5063
    cap_start "$WORK/sslv2_hello.pcap" "$DEV_NS" eth0
    dx "$PY" "$VAR/sslv2_client.py" "$SRV_IP" 5061 0301 >"$LOGS/sslv2_0301.log" 2>&1 || true
    sleep 0.3
    dx "$PY" "$VAR/sslv2_client.py" "$SRV_IP" 5061 0303 >"$LOGS/sslv2_0303.log" 2>&1 || true
    sleep 0.3
    dx "$PY" "$VAR/sslv2_client.py" "$SRV_IP" 5063 0301 >"$LOGS/sslv2_legacy.log" 2>&1 || true
    cap_stop; ns_down
}

real_snaplen_truncated() {
    ns_up
    s_server12 5061 -tls1_2
    wait_listen "$SRV_NS" 5061
    # a real capture with a 200-byte snapshot length: full-size server segments are cut
    cap_start "$WORK/snaplen_truncated.pcap" "$DEV_NS" eth0 -s 200
    s_client_get 5061 -tls1_2
    cap_stop; ns_down
}

real_sll2_tls12_ok() {
    ns_up
    s_server12 5061 -tls1_2
    wait_listen "$SRV_NS" 5061
    # "tcpdump -i any" on Linux writes LINUX_SLL2 (link type 276): interface index, packet type, ...
    cap_start "$WORK/sll2_tls12_ok.pcap" "$DEV_NS" any "tcp port 5061"
    s_client_get 5061 -tls1_2
    cap_stop; ns_down
}

real_sll_tls12_ok() {
    ns_up
    s_server12 5061 -tls1_2
    wait_listen "$SRV_NS" 5061
    cap_start "$WORK/sll_tls12_ok.pcap" "$DEV_NS" any -y LINUX_SLL "tcp port 5061"
    s_client_get 5061 -tls1_2
    cap_stop; ns_down
}

real_one_sided() {  # one_sided_client.pcap + one_sided_server.pcap, one real connection
    ns_up
    s_server12 5061 -tls1_2
    wait_listen "$SRV_NS" 5061
    # two captures at once on the device's port, one per direction (a mirror that copies only
    # egress or only ingress): -Q out = what the device sent, -Q in = what it received
    cap_start "$WORK/one_sided_client.pcap" "$DEV_NS" eth0 -Q out
    cap_start "$WORK/one_sided_server.pcap" "$DEV_NS" eth0 -Q in
    # the device trusts another root: it rejects the server's chain with unknown_ca
    printf '' | timeout 5 ip netns exec "$DEV_NS" openssl s_client -connect "$SRV_IP:5061" \
        -servername sip.example.com -CAfile "$PKI/other_root.pem" -verify_return_error -tls1_2 \
        >"$LOGS/one_sided.log" 2>&1 || true
    cap_stop; ns_down
}

real_base_ipv6() {  # IPv6 TLS 1.2 handshake, input of ipv6_exthdr when captures/ipv6_ok.pcap is absent
    ns_up ipv6
    bg "$LOGS/s_server_v6.log" sx openssl s_server -accept "[fd00::5]:5061" -naccept 1 -www -tls1_2 \
        -cert "$PKI/server.pem" -key "$PKI/server.key" -cert_chain "$PKI/chain.pem"
    wait_listen "$SRV_NS" 5061
    cap_start "$WORK/base_ipv6.pcap" "$DEV_NS" eth0 "tcp port 5061"
    printf 'GET / HTTP/1.0\r\n\r\n' | timeout 5 ip netns exec "$DEV_NS" openssl s_client -connect "[fd00::5]:5061" \
        -servername sip.example.com -CAfile "$PKI/root.pem" -ign_eof -tls1_2 >"$LOGS/s_client_v6.log" 2>&1 || true
    cap_stop; ns_down
}

real_ip_fragments() {
    # device -> router -> server, the router's link to the server has MTU 256. The device sends
    # without DF (net.ipv4.ip_no_pmtu_disc=1, as some embedded stacks do) and the server advertises
    # MSS 1460 (route advmss), so the device's 300-odd-byte ClientHello leaves in one TCP segment
    # and the router fragments it; captured on the server's port, where the fragments arrive.
    ns_down
    ip netns add "$DEV_NS"; ip netns add "$SRV_NS"; ip netns add "$RTR_NS"
    ip link add tdvar-d0 type veth peer name tdvar-r0
    ip link add tdvar-s0 type veth peer name tdvar-r1
    ip link set tdvar-d0 netns "$DEV_NS"; ip link set tdvar-r0 netns "$RTR_NS"
    ip link set tdvar-s0 netns "$SRV_NS"; ip link set tdvar-r1 netns "$RTR_NS"
    rx() { ip netns exec "$RTR_NS" "$@"; }
    dx ip link set tdvar-d0 name eth0; sx ip link set tdvar-s0 name eth0
    rx ip link set tdvar-r0 name eth0; rx ip link set tdvar-r1 name eth1
    dx ip link set eth0 address "$DEV_MAC"; sx ip link set eth0 address "$SRV_MAC"
    rx ip link set eth0 address 00:1b:21:0a:00:01; rx ip link set eth1 address 00:1b:21:0a:01:01
    quiet_ns "$DEV_NS" eth0; quiet_ns "$SRV_NS" eth0; quiet_ns "$RTR_NS" eth0; quiet_ns "$RTR_NS" eth1
    rx ip link set eth1 mtu 256; sx ip link set eth0 mtu 256
    dx sysctl -qw net.ipv4.ip_no_pmtu_disc=1
    rx sysctl -qw net.ipv4.ip_forward=1
    local n; for n in "$DEV_NS" "$SRV_NS" "$RTR_NS"; do ip netns exec "$n" ip link set lo up; done
    dx ip link set eth0 up; sx ip link set eth0 up; rx ip link set eth0 up; rx ip link set eth1 up
    dx ip addr add "$DEV_IP/32" dev eth0; sx ip addr add "$SRV_IP/32" dev eth0
    rx ip addr add 10.0.0.1/32 dev eth0; rx ip addr add 10.0.0.1/32 dev eth1
    rx ip route add "$DEV_IP/32" dev eth0; rx ip route add "$SRV_IP/32" dev eth1
    dx ip route add 10.0.0.1/32 dev eth0; dx ip route add default via 10.0.0.1 dev eth0
    sx ip route add 10.0.0.1/32 dev eth0; sx ip route add default via 10.0.0.1 dev eth0 advmss 1460
    dx ip neigh replace 10.0.0.1 lladdr 00:1b:21:0a:00:01 dev eth0 nud permanent
    sx ip neigh replace 10.0.0.1 lladdr 00:1b:21:0a:01:01 dev eth0 nud permanent
    rx ip neigh replace "$DEV_IP" lladdr "$DEV_MAC" dev eth0 nud permanent
    rx ip neigh replace "$SRV_IP" lladdr "$SRV_MAC" dev eth1 nud permanent
    s_server12 5061 -tls1_2
    wait_listen "$SRV_NS" 5061
    cap_start "$WORK/ip_fragments.pcap" "$SRV_NS" eth0
    s_client_get 5061 -tls1_2
    cap_stop; ns_down
}

NFT_LOSS='
table inet tdvar {
    chain in {
        type filter hook input priority 0;
        tcp dport 5061 tcp flags & syn == 0 numgen random mod 100 < 25 drop
    }
    chain out {
        type filter hook output priority 0;
        tcp sport 5061 tcp flags & syn == 0 numgen random mod 100 < 25 drop
    }
}'
real_loss_retransmit() {  # loss_retransmit.pcap: real loss (nftables), real TCP retransmissions
    local try c2s s2c
    for try in 1 2 3 4 5 6 7 8; do
        ns_up
        # the server's port drops a quarter of the packets (not SYNs) both ways, at random:
        # device->server losses show as retransmitted copies in the device-side capture,
        # server->device losses as holes that retransmissions fill later
        echo "$NFT_LOSS" | sx nft -f -
        s_server12 5061 -tls1_2
        wait_listen "$SRV_NS" 5061
        cap_start "$WORK/loss_retransmit.pcap" "$DEV_NS" eth0
        printf 'GET / HTTP/1.0\r\n\r\n' | timeout 15 ip netns exec "$DEV_NS" openssl s_client \
            -connect "$SRV_IP:5061" -servername sip.example.com -CAfile "$PKI/root.pem" \
            -verify_return_error -ign_eof -tls1_2 >"$LOGS/loss.log" 2>&1 || true
        cap_stop; ns_down
        # keep a run where the handshake completed and both directions lost something
        c2s=$(tshark -r "$WORK/loss_retransmit.pcap" -Y "tcp.analysis.retransmission && ip.src == $DEV_IP" 2>/dev/null | wc -l)
        s2c=$(tshark -r "$WORK/loss_retransmit.pcap" \
              -Y "(tcp.analysis.retransmission || tcp.analysis.out_of_order) && ip.src == $SRV_IP" 2>/dev/null | wc -l)
        if grep -q "Verify return code: 0" "$LOGS/loss.log" && grep -q "HTTP/1.0 200" "$LOGS/loss.log" \
            && [ "$c2s" -gt 0 ] && [ "$s2c" -gt 0 ]; then
            echo "  try $try: handshake completed; retransmitted device->server $c2s, server->device $s2c" \
                | tee "$WORK/loss_retransmit.notes"
            return 0
        fi
    done
    echo "  no run with losses both ways in 8 tries; keeping the last" >&2
}

real_base_tls12() {  # development input for transforms when captures/tls12_ok.pcap is absent
    ns_up
    s_server12 5061 -tls1_2
    wait_listen "$SRV_NS" 5061
    cap_start "$WORK/base_tls12.pcap" "$DEV_NS" eth0
    s_client_get 5061 -tls1_2
    cap_stop; ns_down
}

# ---------------------------------------------------------------- output + checks

publish() {  # publish NAME [ext]: copy from WORK to OUTDIR, write the tshark dump
    local name=$1 ext=${2:-pcap}
    cp "$WORK/$name.$ext" "$OUTDIR/$name.$ext"
    chmod 644 "$OUTDIR/$name.$ext"
    local dump="$name.txt"; [ "$ext" = pcap ] || dump="$name.$ext.txt"   # tls12_ok.txt is make_captures.sh's
    tshark_dump "$OUTDIR/$name.$ext" "$OUTDIR/tshark/$dump"
}

# Columns 1-13 are make_captures.sh's (TS_FIELDS); then transport columns, because most of
# these captures are about TCP, not TLS.
TS_FIELDS=(-e frame.number -e ip.src -e ipv6.src -e tcp.srcport -e tls.record.version -e tls.handshake.type
           -e tls.handshake.version -e tls.handshake.extensions.supported_version -e tls.handshake.ciphersuite
           -e tls.handshake.extensions_server_name -e tls.alert_message.level -e tls.alert_message.desc
           -e tls.handshake.certificate_length
           -e tcp.dstport -e tcp.flags.str -e tcp.len -e ip.flags.mf -e ip.frag_offset -e frame.len -e frame.cap_len
           -e _ws.col.Info)
tshark_dump() {  # tshark_dump FILE OUT
    local f=$1 out=$2
    tshark -r "$f" -d tcp.port==5061,tls -o tcp.reassemble_out_of_order:TRUE -T fields -E header=y -E separator=/t -E occurrence=a -E aggregator=, \
        "${TS_FIELDS[@]}" -Y "tcp or udp or ip.flags.mf == 1 or ip.frag_offset > 0" >"$out" 2>/dev/null || true
    if tshark -r "$f" -d tcp.port==5061,tls -Y "_ws.malformed || _ws.expert.severity == error" 2>/dev/null | grep -q .; then
        echo "  note: $(basename "$f"): tshark reports malformed/error frames" >&2
    fi
}

# What each capture must show, as tshark display filters that must each match a frame. A real
# scenario that misses one is run again (up to 3 times), then the script fails.
declare -A EXPECT=(
  [tcp_refused]='tcp.flags.syn==1 && tcp.flags.ack==0|tcp.flags.reset==1'
  [tcp_no_answer]='tcp.flags.syn==1 && tcp.analysis.retransmission'
  [reset_after_hello]='tls.handshake.type==1|tcp.flags.reset==1 && ip.src==10.0.0.5'
  [plaintext_sip_to_tls]='tcp.dstport==5061 && tcp.len>0 && frame contains "REGISTER sip:"|tcp.flags.fin==1 && ip.src==10.0.0.5'
  [tls_to_plaintext_port]='tcp.dstport==5060 && tcp.len>0|tcp.dstport==80 && tcp.len>0|tcp.srcport==80 && frame contains "Error code: 400"'
  [no_tls]='sip.Method=="INVITE"|http.request|sip.Status-Code==200'
  [sslv2_hello]='tls.record.version==0x0002|tls.alert_message.desc==80|tls.alert_message.desc==40|tls.handshake.type==2'
  [snaplen_truncated]='tcp.dstport==5061 && tcp.len>0|frame.cap_len < frame.len && tcp.srcport==5061'
  [sll2_tls12_ok]='sll.pkttype|tls.handshake.type==16|tcp.flags.fin==1'
  [sll_tls12_ok]='sll.pkttype|tls.handshake.type==16|tcp.flags.fin==1'
  [one_sided_client]='tls.handshake.type==1|tls.alert_message.desc==48'
  [one_sided_server]='tls.handshake.type==2|tls.handshake.type==11'
  [base_tls12]='tcp.flags.syn==1 && tcp.flags.ack==0|tls.handshake.type==11|tls.handshake.type==16|tls.record.content_type==23|tcp.flags.fin==1'
  [base_ipv6]='tcp.flags.syn==1 && tcp.flags.ack==0|tls.handshake.type==11|tls.handshake.type==16|tcp.flags.fin==1'
  [ip_fragments]='ip.flags.mf==1|tls.handshake.type==1|tls.handshake.type==16'
  [loss_retransmit]='tcp.flags.syn==1 && tcp.flags.ack==0|tcp.analysis.retransmission|tls.handshake.type==16'
)
expect_ok() {  # expect_ok NAME FILE
    local name=$1 f=$2 flt rest
    rest=${EXPECT[$name]:-}
    [ -n "$rest" ] || return 0
    while [ -n "$rest" ]; do
        flt=${rest%%|*}; [ "$rest" = "$flt" ] && rest= || rest=${rest#*|}
        if ! tshark -r "$f" -d tcp.port==5061,tls -o tcp.reassemble_out_of_order:TRUE -Y "$flt" 2>/dev/null | grep -q .; then
            echo "  $name: no frame matches '$flt'" >&2; return 1
        fi
    done
}
run_real() {  # run_real NAME [FILES...]: run real_NAME until its captures show what they must
    local name=$1 try f ok; shift
    local files=("$@"); [ ${#files[@]} -gt 0 ] || files=("$name")
    for try in 1 2 3; do
        "real_$name"
        ok=1; for f in "${files[@]}"; do expect_ok "$f" "$WORK/$f.pcap" || ok=0; done
        [ $ok = 1 ] && return 0
        echo "  $name: try $try did not show what it must, again" >&2
    done
    echo "make_variants.sh: $name failed" >&2; exit 1
}

make_pki
cd "$WORK"   # sipp writes its own files into the current directory
REAL=(tcp_refused tcp_no_answer reset_after_hello plaintext_sip_to_tls tls_to_plaintext_port no_tls
      sslv2_hello snaplen_truncated sll2_tls12_ok sll_tls12_ok)
for n in "${REAL[@]}"; do
    if want "$n"; then
        echo "real: $n"
        run_real "$n"
        publish "$n"
    fi
done
if want one_sided_client || want one_sided_server; then
    echo "real: one_sided_client + one_sided_server"
    run_real one_sided one_sided_client one_sided_server
    publish one_sided_client; publish one_sided_server
fi

# ---------------------------------------------------------------- transforms
T() {  # T NAME OP INPUT [options]: transform.py OP INPUT -> OUTDIR/NAME.pcap, notes kept for the README
    local name=$1 op=$2 in=$3; shift 3
    { echo "transform.py $op ${in#$ROOT/} $*"; $TRANSFORM "$op" "$in" "$WORK/$name.pcap" "$@"; } \
        | tee "$WORK/$name.notes" | sed "s/^/  /"
    publish "$name"
}
if [ "${BASE_ONLY:-0}" = 1 ]; then run_real base_tls12; exit 0; fi

# Inputs: the other generator's captures when present, else a handshake made here.
BASE="$WORK/base_tls12.pcap"
TRANSFORMS=(vlan_tls12_ok qinq_tls12_ok null_tls12_ok raw_tls12_ok tls12_ok_nanosec tls12_ok.pcapng
            ipv4_options_tls12_ok gap_in_server_flight reordered_retransmitted midstream midstream_appdata
            vlan_mtls_device_ok)
need_base=0; for n in "${TRANSFORMS[@]}"; do want "$n" && need_base=1; done
if [ $need_base = 1 ]; then
    # base_tls12 (own 3-cert chain) is always made: gap_in_server_flight may need it
    [ -f "$BASE" ] && [ "${REUSE_BASE:-1}" = 1 ] || run_real base_tls12
    if [ -f "$OUTDIR/tls12_ok.pcap" ]; then
        TLS12="$OUTDIR/tls12_ok.pcap"
    else
        echo "input: $OUTDIR/tls12_ok.pcap not there yet, using work/base_tls12.pcap"
        TLS12="$BASE"
    fi
    echo "input: TLS 1.2 = ${TLS12#$ROOT/}"
fi

want vlan_tls12_ok  && { echo "transform: vlan_tls12_ok";  T vlan_tls12_ok  vlan "$TLS12" --tag 0x8100:77:5; }
want qinq_tls12_ok  && { echo "transform: qinq_tls12_ok";  T qinq_tls12_ok  vlan "$TLS12" --tag 0x88a8:100 --tag 0x8100:77:5; }
want null_tls12_ok  && { echo "transform: null_tls12_ok";  T null_tls12_ok  linktype "$TLS12" --to null; }
want raw_tls12_ok   && { echo "transform: raw_tls12_ok";   T raw_tls12_ok   linktype "$TLS12" --to raw; }
want tls12_ok_nanosec && { echo "transform: tls12_ok_nanosec"; T tls12_ok_nanosec nanosec "$TLS12" --add-ns 321; }
if want tls12_ok.pcapng; then
    echo "convert: tls12_ok.pcapng"
    editcap -F pcapng "$TLS12" "$WORK/tls12_ok.pcapng"
    echo "editcap -F pcapng ${TLS12#$ROOT/}" >"$WORK/tls12_ok.notes"
    publish tls12_ok pcapng
fi
want ipv4_options_tls12_ok && { echo "transform: ipv4_options_tls12_ok"; T ipv4_options_tls12_ok ipv4-options "$TLS12"; }
if want gap_in_server_flight; then
    echo "transform: gap_in_server_flight"
    # needs a server segment wholly inside the Certificate message: the input's chain may be too short
    if ! $TRANSFORM gap "$TLS12" "$WORK/gap_in_server_flight.pcap" >/dev/null 2>&1; then
        echo "  ${TLS12#$ROOT/}: no server segment lies wholly inside its Certificate; using work/base_tls12.pcap"
        T gap_in_server_flight gap "$BASE"
    else
        T gap_in_server_flight gap "$TLS12"
    fi
fi
want reordered_retransmitted && { echo "transform: reordered_retransmitted"; T reordered_retransmitted reorder "$TLS12"; }
if want vlan_mtls_device_ok && [ -f "$OUTDIR/mtls_device_ok.pcap" ]; then
    # the device MAC (and the certificate CN that must match it) behind a voice-VLAN tag
    echo "transform: vlan_mtls_device_ok"; T vlan_mtls_device_ok vlan "$OUTDIR/mtls_device_ok.pcap" --tag 0x8100:77:5
fi
want midstream          && { echo "transform: midstream";          T midstream midstream "$TLS12" --start hello; }
want midstream_appdata  && { echo "transform: midstream_appdata";  T midstream_appdata midstream "$TLS12" --start appdata; }

if want ipv6_exthdr_tls12_ok; then
    echo "transform: ipv6_exthdr_tls12_ok"
    if [ -f "$OUTDIR/ipv6_ok.pcap" ]; then V6="$OUTDIR/ipv6_ok.pcap"; else run_real base_ipv6; V6="$WORK/base_ipv6.pcap"; fi
    T ipv6_exthdr_tls12_ok ipv6-exthdr "$V6"
fi
for n in ip_fragments loss_retransmit; do
    if want "$n"; then
        echo "real: $n"
        run_real "$n"
        publish "$n"
    fi
done

echo "done: $OUTDIR"
