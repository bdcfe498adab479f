#!/usr/bin/env python3
"""Generate Sources/TLSWire/Registry/RegistryTables*.swift from the CSV files in data/.

Usage (from the repository root):
    python3 scripts/registry/generate.py           # rewrite the Swift files
    python3 scripts/registry/generate.py --check   # exit 1 if they are out of date

Python 3 standard library only. Output is deterministic (every table sorted by value).
See scripts/registry/README.md for where each data file came from.
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
ROOT = HERE.parent.parent
OUT_DIR = ROOT / "Sources" / "TLSWire" / "Registry"
OUT_TABLES = OUT_DIR / "RegistryTables.swift"
OUT_SUITES = OUT_DIR / "RegistryTables+CipherSuites.swift"
COMMAND = "python3 scripts/registry/generate.py"


class RegistryError(Exception):
    pass


# --------------------------------------------------------------------------- CSV reading


def read_rows(name: str) -> list[dict[str, str]]:
    rows = []
    with open(DATA / name, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if None in row:  # more fields than the header names: an unquoted comma
                raise RegistryError(f"{name}: row {row!r} has extra fields")
            rows.append({k: (v or "").strip() for k, v in row.items()})
    return rows


def is_placeholder(description: str) -> bool:
    """Rows that name no code point: "Unassigned", "Reserved", "Reserved for ...", "Reserved to avoid ..."."""
    d = description.strip()
    return d == "" or d == "Unassigned" or d.startswith("Reserved") or d.startswith("Unassigned")


def single_int(value: str) -> int | None:
    """`23`, `0x0804` -> int; a range such as `42-255` or `0x0710-0x07FF` -> None."""
    v = value.strip()
    if "-" in v or "*" in v or v == "":
        return None
    return int(v, 16) if v.lower().startswith("0x") else int(v)


def suite_value(value: str) -> int | None:
    """IANA cipher suite value `"0xC0,0x2F"` -> 0xc02f; ranges like `0x00,0x1C-1D` or `0x01-09,*` -> None."""
    parts = [p.strip() for p in value.split(",")]
    if len(parts) != 2 or any("-" in p or "*" in p for p in parts):
        return None
    hi, lo = (int(p, 16) for p in parts)
    if hi > 0xFF or lo > 0xFF:
        raise RegistryError(f"bad cipher suite value {value!r}")
    return hi << 8 | lo


def simple_table(name: str, width: int, *, value_parser=single_int, strip_suffixes=()) -> dict[int, str]:
    table: dict[int, str] = {}
    for row in read_rows(name):
        desc = row["Description"]
        value = value_parser(row["Value"])
        if value is None or is_placeholder(desc):
            continue
        for suffix in strip_suffixes:
            if desc.endswith(suffix):
                desc = desc[: -len(suffix)].strip()
        if not desc or any(c in desc for c in ' ,"\n'):
            raise RegistryError(f"{name}: value {value} has an unusable name {desc!r}")
        if value >= 1 << width:
            raise RegistryError(f"{name}: value {value} does not fit in {width} bits")
        if value in table:
            raise RegistryError(f"{name}: value {value} listed twice")
        table[value] = desc
    return table


def merge(base: dict[int, str], extra: dict[int, str], what: str) -> dict[int, str]:
    out = dict(base)
    for k, v in extra.items():
        if k in out:
            raise RegistryError(f"{what}: 0x{k:04x} is already {out[k]!r} in the IANA data, not adding {v!r}")
        out[k] = v
    return out


# --------------------------------------------------------------------------- cipher suites


@dataclass
class Suite:
    value: int
    name: str
    key_exchange: str
    authentication: str
    encryption: str
    mac: str
    forward_secret: bool
    weaknesses: list[str] = field(default_factory=list)
    tls13_only: bool = False


SIGNALLING = {"TLS_EMPTY_RENEGOTIATION_INFO_SCSV", "TLS_FALLBACK_SCSV"}

# The part of a TLS 1.0-1.2 name before `_WITH_` (after `TLS_` and without `_EXPORT`):
# (key exchange, authentication). Every prefix IANA uses is listed; a new one stops the generator
# so that a person decides what it means instead of a guess landing in the table.
KX_AUTH: dict[str, tuple[str, str]] = {
    "NULL": ("NULL", "NULL"),
    "RSA": ("RSA", "RSA"),
    "DH_DSS": ("DH", "DSS"),
    "DH_RSA": ("DH", "RSA"),
    "DHE_DSS": ("DHE", "DSS"),
    "DHE_RSA": ("DHE", "RSA"),
    "DH_anon": ("DH", "anon"),
    "KRB5": ("KRB5", "KRB5"),
    "PSK": ("PSK", "PSK"),
    "DHE_PSK": ("DHE_PSK", "PSK"),
    # IANA spells 0xC0AA/0xC0AB "TLS_PSK_DHE_WITH_..." (RFC 6655 says DHE_PSK); same key exchange.
    "PSK_DHE": ("DHE_PSK", "PSK"),
    # RSA_PSK: the server authenticates with an RSA certificate, the client with the PSK.
    "RSA_PSK": ("RSA_PSK", "RSA"),
    "ECDH_ECDSA": ("ECDH", "ECDSA"),
    "ECDHE_ECDSA": ("ECDHE", "ECDSA"),
    "ECDH_RSA": ("ECDH", "RSA"),
    "ECDHE_RSA": ("ECDHE", "RSA"),
    "ECDH_anon": ("ECDH", "anon"),
    "ECDHE_PSK": ("ECDHE_PSK", "PSK"),
    "SRP_SHA": ("SRP", "SRP"),
    "SRP_SHA_RSA": ("SRP", "RSA"),
    "SRP_SHA_DSS": ("SRP", "DSS"),
    "ECCPWD": ("ECCPWD", "ECCPWD"),
    # RFC 9189 (TLS 1.2): VKO GOST R 34.10-2012 key agreement, GOST R 34.11-2012 (Streebog-256) hash.
    "GOSTR341112_256": ("GOSTR341112_256", "GOSTR341112_256"),
}

FORWARD_SECRET_KX = {"DHE", "ECDHE", "DHE_PSK", "ECDHE_PSK"}
MACS = {"SHA", "SHA256", "SHA384", "MD5", "NULL", "OMAC", "IMIT", "SM3"}
WEAKNESS_ORDER = ["NULL", "EXPORT", "anon", "RC4", "RC2", "DES", "3DES", "IDEA", "MD5"]


def parse_suite(value: int, name: str) -> Suite:
    if name in SIGNALLING:
        return Suite(value, name, "", "", "", "", False, [], False)
    if not name.startswith("TLS_"):
        raise RegistryError(f"cipher suite 0x{value:04x} {name!r} does not start with TLS_")
    rest = name[len("TLS_"):]
    export = False
    tls13 = False

    if "_WITH_" in rest:
        left, right = rest.split("_WITH_", 1)
        if left.endswith("_EXPORT"):
            export, left = True, left[: -len("_EXPORT")]
        if left not in KX_AUTH:
            raise RegistryError(f"cipher suite 0x{value:04x} {name}: unknown key exchange {left!r}; add it to KX_AUTH")
        kx, auth = KX_AUTH[left]
        if left == "GOSTR341112_256" and right.split("_")[-2:-1] == ["MGM"]:
            # RFC 9367: TLS 1.3 GOST suites (..._MGM_L / _MGM_S): the name gives AEAD + key-rotation mode,
            # the hash is Streebog-256; key exchange and authentication are negotiated separately.
            kx, auth, enc, mac, tls13 = "", "", right, "GOSTR341112_256", True
        elif right.endswith("_CCM") or right.endswith("_CCM_8"):
            # RFC 6655 / RFC 7251 CCM suites carry no MAC in the name; their PRF hash is SHA-256.
            enc, mac = right, "SHA256"
        else:
            enc, _, mac = right.rpartition("_")
    else:
        # TLS 1.3 style: TLS_<AEAD>_<HASH> (RFC 8446, RFC 8998, RFC 9150, AEGIS).
        enc, _, mac = rest.rpartition("_")
        if enc == mac:  # RFC 9150 integrity-only suites: TLS_SHA256_SHA256
            enc = "NULL"
        kx, auth, tls13 = "", "", True

    if not enc or mac not in MACS | {"GOSTR341112_256"}:
        raise RegistryError(f"cipher suite 0x{value:04x} {name}: cannot split cipher {enc!r} / MAC {mac!r}")

    weak = set()
    if enc == "NULL":
        weak.add("NULL")
    if export:
        weak.add("EXPORT")
    if auth in ("anon", "NULL"):
        weak.add("anon")
    if enc.startswith("RC4"):
        weak.add("RC4")
    if enc.startswith("RC2"):
        weak.add("RC2")
    if enc.startswith("DES"):  # DES_CBC, DES40_CBC, DES_CBC_40; not 3DES
        weak.add("DES")
    if enc.startswith("3DES"):
        weak.add("3DES")
    if enc.startswith("IDEA"):
        weak.add("IDEA")
    if mac == "MD5":
        weak.add("MD5")

    return Suite(
        value=value,
        name=name,
        key_exchange=kx,
        authentication=auth,
        encryption=enc,
        mac=mac,
        forward_secret=tls13 or kx in FORWARD_SECRET_KX,
        weaknesses=[w for w in WEAKNESS_ORDER if w in weak],
        tls13_only=tls13,
    )


def cipher_suites() -> list[Suite]:
    suites: dict[int, Suite] = {}
    for row in read_rows("tls-parameters-4.csv"):
        value = suite_value(row["Value"])
        desc = row["Description"]
        if value is None or is_placeholder(desc):
            continue
        if value in suites:
            raise RegistryError(f"cipher suite 0x{value:04x} listed twice")
        suites[value] = parse_suite(value, desc)
    return [suites[k] for k in sorted(suites)]


# --------------------------------------------------------------------------- Swift output


def swift_string(s: str) -> str:
    if any(c in s for c in '"\\\n'):
        raise RegistryError(f"refusing to emit {s!r}")
    return f'"{s}"'


def header(sources: list[str]) -> str:
    lines = [
        "// GENERATED FILE, DO NOT EDIT.",
        f"// Regenerate with `{COMMAND}` from the repository root;",
        "// the inputs are in scripts/registry/data/ (provenance: scripts/registry/README.md):",
    ]
    lines += [f"//   {s}" for s in sources]
    return "\n".join(lines) + "\n"


def dict_literal(name: str, key_type: str, width: int, table: dict[int, str], doc: str) -> str:
    hex_digits = width // 4
    out = [f"    /// {doc} ({len(table)} entries)"]
    out.append(f"    static let {name}: [{key_type}: String] = [")
    for k in sorted(table):
        # One-byte registries are written in decimal, as RFCs and IANA list them (alert 116);
        # two-byte ones in hex, as they appear on the wire (0xfe0d).
        key = str(k) if width == 8 else f"0x{k:0{hex_digits}x}"
        out.append(f"        {key}: {swift_string(table[k])},")
    out.append("    ]")
    return "\n".join(out)


def render_tables(tables: list[tuple[str, str, int, dict[int, str], str]]) -> str:
    body = "\n\n".join(dict_literal(*t) for t in tables)
    sources = [
        "tls-content-types.csv, tls-handshake-types.csv, tls-alerts.csv (compiled from IANA tls-parameters 5/7/6)",
        "tls-extensiontype-values-1.csv + extensions-unregistered.csv",
        "tls-parameters-8.csv (IANA TLS Supported Groups)",
        "tls-signaturescheme.csv (IANA) + signature-legacy-pairs.csv (TLS 1.2 hash/signature pairs)",
    ]
    return (
        header(sources)
        + "\n"
        + "/// Names of TLS code points, keyed by wire value. Read through the open structs in CodePoints.swift.\n"
        + "/// Cipher suites live in RegistryTables+CipherSuites.swift.\n"
        + "enum RegistryTables {\n"
        + body
        + "\n}\n"
    )


def render_suites(suites: list[Suite]) -> str:
    # Build time: a 350-element array literal (of tuples, or of Row(...) calls) took the Swift type
    # checker 1-3 s, because the whole literal is solved as one constraint system. The rows are
    # therefore one multi-line string literal (a single trivially typed expression), read once at
    # first use by CipherSuiteInfo.table(fromRows:) in CodePoints.swift. Columns: value|name|keyExchange|authentication|encryption|mac|forwardSecret|tls13Only|weaknesses
    for s in suites:
        for f in (s.name, s.key_exchange, s.authentication, s.encryption, s.mac, *s.weaknesses):
            if any(c in f for c in "|\n\\ \""):
                raise RegistryError(f"cipher suite 0x{s.value:04x}: field {f!r} cannot be written to the row table")
    out = [header(["tls-parameters-4.csv (IANA TLS Cipher Suites)"])]
    out.append("extension RegistryTables {")
    out.append(f"    /// Every IANA-assigned cipher suite, with its parts parsed from the name ({len(suites)} entries).")
    out.append("    static let cipherSuites = CipherSuiteInfo.table(fromRows: suiteRows)")
    out.append("")
    out.append("    // value|name|keyExchange|authentication|encryption|mac|forwardSecret|tls13Only|weaknesses (space-separated)")
    out.append("    private static let suiteRows: String = \"\"\"")
    for s in suites:
        fields = [
            f"0x{s.value:04x}",
            s.name,
            s.key_exchange,
            s.authentication,
            s.encryption,
            s.mac,
            "1" if s.forward_secret else "0",
            "1" if s.tls13_only else "0",
            " ".join(s.weaknesses),
        ]
        out.append("        " + "|".join(fields))
    out.append("        \"\"\"")
    out.append("}")
    return "\n".join(out) + "\n"


def build() -> dict[Path, str]:
    content_types = simple_table("tls-content-types.csv", 8)
    handshake_types = simple_table("tls-handshake-types.csv", 8)
    alerts = simple_table("tls-alerts.csv", 8)
    extensions = merge(
        simple_table("tls-extensiontype-values-1.csv", 16),
        simple_table("extensions-unregistered.csv", 16),
        "extensions",
    )
    groups = simple_table("tls-parameters-8.csv", 16, strip_suffixes=(" (OBSOLETE)",))
    signatures = merge(
        simple_table("tls-signaturescheme.csv", 16),
        simple_table("signature-legacy-pairs.csv", 16),
        "signature schemes",
    )
    suites = cipher_suites()

    tables = [
        ("contentTypes", "UInt8", 8, content_types, "TLS ContentType (record layer)"),
        ("handshakeTypes", "UInt8", 8, handshake_types, "TLS HandshakeType"),
        ("extensions", "UInt16", 16, extensions, "TLS ExtensionType, IANA spelling, plus a few unregistered ones"),
        ("groups", "UInt16", 16, groups, "TLS Supported Groups (NamedGroup)"),
        ("signatureSchemes", "UInt16", 16, signatures, "TLS SignatureScheme, plus TLS 1.2 hash/signature pairs"),
        ("alerts", "UInt8", 8, alerts, "TLS AlertDescription"),
    ]
    return {OUT_TABLES: render_tables(tables), OUT_SUITES: render_suites(suites)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="do not write; exit 1 if a generated file differs")
    args = ap.parse_args()
    try:
        outputs = build()
    except RegistryError as e:
        print(f"generate.py: {e}", file=sys.stderr)
        return 2
    stale = []
    for path, text in outputs.items():
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    for path in stale:
        verb = "out of date" if args.check else "wrote"
        print(f"{verb}: {path.relative_to(ROOT)}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
