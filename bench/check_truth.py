#!/usr/bin/env python3
"""Compare `tlsdiag analyze --format json` output with make_capture.py's --truth file.

Usage: check_truth.py TLSDIAG.json TRUTH.jsonl [--certs CERTS.pem] [--max-report N]

Every truth line is one generated connection. It is matched to the tlsdiag connection with the
same client address and port and server address, and these facts are compared:

  connection found, VLAN, client hello seen, SNI, server hello seen (or absent when the server
  refused at once), version, cipher, HelloRetryRequest, resumption, ALPN (TLS 1.2: 1.3 hides it
  in EncryptedExtensions), the server certificates (TLS 1.2 full handshakes; 1.3 encrypts them):
  their count, and with --certs (the generator's --dump-certs file for the same seed) the SHA-256
  of every certificate in chain order, client certificate requested / sent / empty (and with
  --certs each client certificate's SHA-256 is one of the generator's client certificates), the
  fatal alert (sender and description) and no other plaintext alert, and the outcome.

Truth-format differences are mapped here (version "TLS1.3" -> "TLSv1.3", cipher numbers ->
IANA names, result/alert_from -> outcome). Exit status 0 when every fact matches, 1 otherwise.
"""
import argparse
import base64
import collections
import hashlib
import ipaddress
import json
import sys

# The cipher suites make_capture.py negotiates, by IANA name.
CIPHERS = {
    0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384", 0x1303: "TLS_CHACHA20_POLY1305_SHA256",
    0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA", 0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA",
    0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256", 0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384",
    0xC00A: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", 0xC014: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    0xC028: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
}
ALERTS = {40: "handshake_failure", 45: "certificate_expired", 48: "unknown_ca", 70: "protocol_version"}
VERSIONS = {"TLS1.3": "TLSv1.3", "TLS1.2": "TLSv1.2"}


def truth_ip(s):
    # IPv4 dotted, IPv6 as 32 hex digits.
    if "." in s:
        return ipaddress.ip_address(s)
    return ipaddress.ip_address(bytes.fromhex(s))


def expected_outcome(t):
    r = t.get("result")
    if r == "tcp_refused":
        return "tcp_refused"
    if r == "alert":
        return "rejected_by_client" if t["alert_from"] == "client" else "rejected_by_server"
    return "established"


def load_certs(path):
    """The generator's --dump-certs file: '# NAME' lines, each followed by one PEM certificate.
    Returns {name: [sha256 hex, ...]} in file order (a server's chain in the order it is sent)."""
    chains = collections.defaultdict(list)
    name = None
    b64 = None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("# "):
                name = line[2:]
            elif line.startswith("-----BEGIN"):
                b64 = []
            elif line.startswith("-----END"):
                chains[name].append(hashlib.sha256(base64.b64decode("".join(b64))).hexdigest())
                b64 = None
            elif b64 is not None:
                b64.append(line)
    return chains


def check(c, t, chains=None, server_names=None):
    """Yields (fact, expected, got) for every mismatch."""
    tls = c.get("tls") or {}
    vlan = [t["vlan"]] if t.get("vlan") else []
    if c.get("vlan") != vlan:
        yield "vlan", vlan, c.get("vlan")
    result = t.get("result")
    if c.get("outcome") != expected_outcome(t):
        yield "outcome", expected_outcome(t), c.get("outcome")
    if result == "tcp_refused":
        if tls.get("client_hello") is not None:
            yield "client_hello", None, "present"
        return
    ch = tls.get("client_hello")
    if ch is None:
        yield "client_hello", "present", None
        return
    if ch.get("server_name") != t.get("sni"):
        yield "client_hello.server_name", t.get("sni"), ch.get("server_name")
    if tls.get("server_name") != t.get("sni"):
        yield "server_name", t.get("sni"), tls.get("server_name")

    server_refused = result == "alert" and t.get("alert_from") == "server" and "version" not in t
    sh = tls.get("server_hello")
    if server_refused:
        if sh is not None:
            yield "server_hello", None, "present"
    else:
        if sh is None:
            yield "server_hello", "present", None
        want_v = VERSIONS.get(t.get("version"), t.get("version"))
        if tls.get("version") != want_v:
            yield "version", want_v, tls.get("version")
        if sh is not None and sh.get("version") != want_v:
            yield "server_hello.version", want_v, sh.get("version")
        want_c = CIPHERS.get(t.get("cipher"), "0x%04X" % t.get("cipher", 0))
        if tls.get("cipher") != want_c:
            yield "cipher", want_c, tls.get("cipher")
        want_hrr = bool(t.get("hrr"))
        if ("hello_retry_request" in tls) != want_hrr:
            yield "hello_retry_request", want_hrr, "hello_retry_request" in tls
        if "resumed" in t and tls.get("resumed") != t["resumed"]:
            yield "resumed", t["resumed"], tls.get("resumed")
        tls12 = t.get("version") == "TLS1.2"
        if tls12 and tls.get("alpn") != t.get("alpn"):
            yield "alpn", t.get("alpn"), tls.get("alpn")
        if tls12 and "chain_len" in t:
            certs = tls.get("server_certificates")
            n = len(certs) if certs else 0
            if n != t["chain_len"]:
                yield "server_certificates.count", t["chain_len"], n
            name = (server_names or {}).get(t["server"])
            if chains and name in chains and t["chain_len"] > 0:
                got = [x.get("sha256") for x in certs or []]
                if got != chains[name]:
                    yield "server_certificates.sha256", chains[name], got
        if tls12 and not t.get("resumed"):
            want_req = bool(t.get("mtls")) or t.get("client_cert") == "empty"
            if tls.get("client_certificate_requested") != want_req:
                yield "client_certificate_requested", want_req, tls.get("client_certificate_requested")
            want_sent = "empty" if t.get("client_cert") == "empty" else ("present" if t.get("mtls") else "none")
            if tls.get("client_certificate_sent") != want_sent:
                yield "client_certificate_sent", want_sent, tls.get("client_certificate_sent")
            if chains and "client" in chains and want_sent == "present":
                got = [x.get("sha256") for x in tls.get("client_certificates") or []]
                if not got or any(h not in chains["client"] for h in got):
                    yield "client_certificates.sha256", "generator client certificates", got

    plain = [a for a in tls.get("alerts") or [] if not a.get("encrypted")]
    if result == "alert":
        want = (t["alert_from"], ALERTS.get(t["alert"], str(t["alert"])))
        got = [(a.get("sender"), a.get("description")) for a in plain]
        if got != [want] or plain[0].get("level") != "fatal":
            yield "alerts", [want], got
    elif plain:
        yield "alerts", [], [(a.get("sender"), a.get("description")) for a in plain]
    if tls.get("established") != (result == "ok"):
        yield "tls.established", result == "ok", tls.get("established")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("json")
    ap.add_argument("truth")
    ap.add_argument("--certs", help="the generator's --dump-certs file (same seed): check certificate SHA-256s")
    ap.add_argument("--max-report", type=int, default=20)
    a = ap.parse_args()

    with open(a.json) as f:
        report = json.load(f)
    by_key = collections.defaultdict(list)
    for c in report["connections"]:
        key = (ipaddress.ip_address(c["client"]["ip"]), c["client"]["port"], ipaddress.ip_address(c["server"]["ip"]))
        by_key[key].append(c)
    for v in by_key.values():
        v.sort(key=lambda c: c["first_frame"])

    truths = []
    with open(a.truth) as f:
        for line in f:
            if line.strip():
                truths.append(json.loads(line))
    truths.sort(key=lambda t: t["id"])  # connections start in id order, as tlsdiag's first frames do
    chains = load_certs(a.certs) if a.certs else None
    # Server address -> server name, learnt from the connections that sent SNI (a few connect by IP).
    server_names = {t["server"]: t["sni"] for t in truths if t.get("sni")}

    mismatches = collections.Counter()
    examples = []
    matched = 0
    for t in truths:
        key = (truth_ip(t["client"]), t["cport"], truth_ip(t["server"]))
        cands = by_key.get(key)
        if not cands:
            mismatches["connection missing"] += 1
            if len(examples) < a.max_report:
                examples.append("truth id %d (%s) %s:%d -> %s: no such connection in the report"
                                % (t["id"], t["scenario"], t["client"], t["cport"], t["server"]))
            continue
        c = cands.pop(0)
        matched += 1
        for fact, want, got in check(c, t, chains, server_names):
            mismatches[fact] += 1
            if len(examples) < a.max_report:
                examples.append("truth id %d (%s) = report id %d (frame %d): %s: expected %r, got %r"
                                % (t["id"], t["scenario"], c["id"], c["first_frame"], fact, want, got))
    extra = sum(len(v) for v in by_key.values())

    scen = collections.Counter(t["scenario"] for t in truths)
    print("truth check: %d truth connections, %d matched, %d report connections without a truth line"
          % (len(truths), matched, extra))
    print("  scenarios: " + ", ".join("%s=%d" % kv for kv in sorted(scen.items())))
    if extra:
        mismatches["connection not in truth"] += extra
    if not mismatches:
        print("truth check: PASS (every handshake agrees with the generator's truth)")
        return 0
    print("truth check: FAIL")
    for fact, n in mismatches.most_common():
        print("  %6d  %s" % (n, fact))
    for e in examples:
        print("  " + e)
    return 1


if __name__ == "__main__":
    sys.exit(main())
