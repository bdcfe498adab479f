#!/usr/bin/env python3
"""Benchmark `tlsdiag analyze` against the libpcap floor, tshark and ssldump on one
generated capture, in the same run. Called by bench/run.sh (see bench/README.md).

Sizes (generated once with ../shared/bench/make_capture.py, cached in bench/out/):
  small  ~50 MB   --connections 2000  --app-bytes-per-conn 20000 --seed 1
  big    ~1.0 GB  --connections 20000 --app-bytes-per-conn 46500 --seed 2
  huge   ~2.0 GB  --connections 40000 --app-bytes-per-conn 46500 --seed 3 (same mix, twice as long)

Each timed run is preceded by `cat F > /dev/null` (this machine drops rarely read pages).
tlsdiag and the floor run in pairs (floor, tlsdiag, floor, tlsdiag, ...); the ratio is the
median of the per-pair ratios, so drift on a shared machine cancels out. Peak memory is
/usr/bin/time -v's maximum resident set size.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")
SHARED = os.environ.get("SHARED_BENCH", os.path.normpath(os.path.join(REPO, "..", "shared", "bench")))
# CI clones only this repository: a copy of the shared generator is kept in bench/vendor (the shared
# one wins when present; bench/vendor/README.md says how to refresh the copy).
VENDOR = os.path.join(HERE, "vendor")

SIZES = {
    "small": ["--connections", "2000", "--app-bytes-per-conn", "20000", "--seed", "1"],
    "big": ["--connections", "20000", "--app-bytes-per-conn", "46500", "--seed", "2"],
    "huge": ["--connections", "40000", "--app-bytes-per-conn", "46500", "--seed", "3"],
    # For CI and quick checks: a few seconds to generate.
    "tiny": ["--connections", "200", "--app-bytes-per-conn", "5000", "--seed", "4"],
}

# The yardstick's tshark command: the handshake fields of every ClientHello, ServerHello and alert.
TSHARK_FILTER = "tls.handshake.type==1 || tls.handshake.type==2 || tls.alert_message"
TSHARK_FIELDS = ["frame.number", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport",
                 "tls.handshake.type", "tls.handshake.version", "tls.handshake.extensions_server_name",
                 "tls.handshake.ciphersuite", "tls.alert_message.level", "tls.alert_message.desc"]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    log("+ " + " ".join(cmd))
    subprocess.run(cmd, check=True, **kw)


def generate(size):
    """The capture, its truth file and the generator's certificates (PEM), made once and cached."""
    os.makedirs(OUT, exist_ok=True)
    pcap = os.path.join(OUT, size + ".pcap")
    truth = os.path.join(OUT, size + ".truth.jsonl")
    certs = os.path.join(OUT, size + ".certs.pem")
    gen = os.path.join(SHARED, "make_capture.py")
    if not os.path.exists(gen):
        gen = os.path.join(VENDOR, "make_capture.py")
    have = os.path.exists(pcap) and os.path.exists(truth) and os.path.getsize(pcap) > 0
    if have and os.path.exists(certs):
        return pcap, truth, certs
    try:
        import cryptography  # noqa: F401
    except ImportError:
        run([sys.executable, "-m", "pip", "install", "--quiet", "cryptography"])
    if have:
        # Cached capture from before certificates were kept: the PKI depends only on the seed.
        empty = os.path.join(OUT, size + ".empty.pcap")
        run([sys.executable, gen] + SIZES[size] + ["--connections", "0", "--out", empty, "--dump-certs", certs + ".part"])
        os.remove(empty)
    else:
        tmp_pcap, tmp_truth = pcap + ".part", truth + ".part"
        run([sys.executable, gen] + SIZES[size] + ["--out", tmp_pcap, "--truth", tmp_truth, "--dump-certs", certs + ".part"])
        os.replace(tmp_truth, truth)
        os.replace(tmp_pcap, pcap)
    os.replace(certs + ".part", certs)
    return pcap, truth, certs


def build(args):
    if args.binary:
        return os.path.abspath(args.binary)
    if not args.no_build:
        # The Swift runtime linked in (as scripts/demo.sh builds it): no dynamic linking of libswiftCore and
        # Foundation at start, and direct calls to swift_retain/release. Measured: a one-connection run
        # 97.7 -> 78.8 M instructions, the 1 GB run -33 M.
        run(["swift", "build", "-c", "release", "--static-swift-stdlib", "--scratch-path", ".build-release"], cwd=REPO)
    return os.path.join(REPO, ".build-release", "release", "tlsdiag")


def allocator(binary):
    """Which malloc the binary uses: release builds link jemalloc when libjemalloc-dev is installed
    (Package.swift); without it they fall back to glibc's, which is markedly slower here (the render
    thread's frees of the packet thread's allocations wait on glibc's arena lock)."""
    try:
        out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    except OSError:
        return "unknown (no ldd)"
    if "libjemalloc" in out:
        return "jemalloc"
    return "glibc malloc (libjemalloc-dev was missing at build time: slower; scripts/setup.sh installs it)"


def build_floor():
    src = os.path.join(SHARED, "pcap_floor.c")
    exe = os.path.join(OUT, "pcap_floor")
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        os.makedirs(OUT, exist_ok=True)
        run(["gcc", "-O2", "-o", exe, src, "-lpcap"])
    return exe


def warm(path):
    with open(path, "rb", buffering=0) as f:
        while f.read(16 << 20):
            pass


def timed(cmd, path, stdout=subprocess.DEVNULL):
    """One warm run: wall seconds (perf_counter), peak RSS in MiB (/usr/bin/time -v), and CPU
    seconds (user+sys, from wait4's rusage: microsecond resolution, and on this shared 2-core
    machine far steadier than wall time, which includes waiting for a core)."""
    warm(path)
    tv = os.path.join(OUT, ".time-v")
    full = ["/usr/bin/time", "-v", "-o", tv] + cmd
    t0 = time.perf_counter()
    p = subprocess.Popen(full, stdout=stdout, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode not in (0, 1):  # tlsdiag exits 1 when it found errors: that is its verdict, not a failure
        log(err.decode(errors="replace")[-2000:])
        raise SystemExit("command failed (%d): %s" % (p.returncode, " ".join(cmd)))
    rss = 0.0
    with open(tv) as f:
        for line in f:
            line = line.strip()
            if line.startswith("Maximum resident set size"):
                rss = int(line.split(":")[1]) / 1024.0
    return {"wall": wall, "rss": rss, "cpu": ru.ru_utime + ru.ru_stime}


def med(runs, key):
    return statistics.median(r[key] for r in runs)


def main():
    ap = argparse.ArgumentParser(description="tlsdiag benchmark (see bench/README.md)")
    ap.add_argument("size", nargs="?", default="small", choices=sorted(SIZES))
    ap.add_argument("--runs", type=int, default=5, help="timed runs of tlsdiag and of the floor (median)")
    ap.add_argument("--no-tshark", action="store_true", help="skip tshark (about 60 s on the 1 GB file)")
    ap.add_argument("--tshark-runs", type=int, default=0, help="tshark runs (default: 3 on small/tiny, 1 otherwise)")
    ap.add_argument("--no-ssldump", action="store_true")
    ap.add_argument("--no-build", action="store_true", help="use the existing .build-release binary")
    ap.add_argument("--binary", help="benchmark this tlsdiag binary instead of building one")
    ap.add_argument("--jobs", type=int, default=1, help="pass --jobs N to tlsdiag")
    ap.add_argument("--no-check", action="store_true", help="skip the truth check of tlsdiag's JSON")
    ap.add_argument("--truth-only", action="store_true",
                    help="no timing: generate the capture, analyse it once, check it against the truth file")
    args = ap.parse_args()

    pcap, truth, certs = generate(args.size)
    tlsdiag = build(args)
    if args.truth_only:
        out_json = os.path.join(OUT, args.size + ".json")
        cmd = [tlsdiag, "analyze", pcap, "--format", "json", "-o", out_json]
        if args.jobs != 1:
            cmd += ["--jobs", str(args.jobs)]
        rc = subprocess.run(cmd).returncode
        if rc not in (0, 1):
            raise SystemExit("tlsdiag failed (%d)" % rc)
        raise SystemExit(subprocess.run([sys.executable, os.path.join(HERE, "check_truth.py"), out_json, truth,
                                         "--certs", certs]).returncode)
    floor = build_floor()
    mb = os.path.getsize(pcap) / 1e6
    out_json = os.path.join(OUT, args.size + ".json")
    tl_cmd = [tlsdiag, "analyze", pcap, "--format", "json", "-o", out_json]
    if args.jobs != 1:
        tl_cmd += ["--jobs", str(args.jobs)]

    log("benchmark: %s (%.1f MB), %d paired runs" % (pcap, mb, args.runs))
    log("allocator: %s" % allocator(tlsdiag))
    floor_runs, tl_runs, ratios, cpu_ratios = [], [], [], []
    timed(tl_cmd, pcap)  # one untimed run: page in the binary and its libraries
    for i in range(args.runs):
        f = timed([floor, pcap], pcap)
        t = timed(tl_cmd, pcap)
        floor_runs.append(f)
        tl_runs.append(t)
        ratios.append(t["wall"] / f["wall"])
        cpu_ratios.append(t["cpu"] / max(f["cpu"], 1e-6))
        log("  pair %d: floor %.3f s (cpu %.3f), tlsdiag %.3f s (cpu %.3f): %.2fx wall, %.2fx cpu, peak %.1f MiB"
            % (i + 1, f["wall"], f["cpu"], t["wall"], t["cpu"], ratios[-1], cpu_ratios[-1], t["rss"]))

    rows = []
    fw, fc = med(floor_runs, "wall"), med(floor_runs, "cpu")
    rows.append(("libpcap floor", len(floor_runs), fw, med(floor_runs, "rss"), fc, 1.0, 1.0))
    tw = med(tl_runs, "wall")
    rows.append(("tlsdiag analyze --format json" + (" --jobs %d" % args.jobs if args.jobs != 1 else ""),
                 len(tl_runs), tw, max(r["rss"] for r in tl_runs),
                 med(tl_runs, "cpu"), statistics.median(ratios), statistics.median(cpu_ratios)))

    tshark = shutil.which("tshark")
    ts_w = None
    if tshark and not args.no_tshark:
        n = args.tshark_runs or (3 if args.size in ("small", "tiny") else 1)
        cmd = [tshark, "-r", pcap, "-n", "-Y", TSHARK_FILTER, "-T", "fields"]
        for fld in TSHARK_FIELDS:
            cmd += ["-e", fld]
        runs = []
        with open(os.path.join(OUT, args.size + ".tshark.tsv"), "wb") as o:
            for _ in range(n):
                o.seek(0)
                o.truncate()
                runs.append(timed(cmd, pcap, stdout=o))
        ts_w = med(runs, "wall")
        rows.append(("tshark, handshake fields", n, ts_w, max(r["rss"] for r in runs), med(runs, "cpu"), ts_w / fw,
                     med(runs, "cpu") / fc))
    ssldump = shutil.which("ssldump")
    if ssldump and not args.no_ssldump:
        n = 1 if args.size in ("big", "huge") else 3
        runs = [timed([ssldump, "-r", pcap, "-n"], pcap) for _ in range(n)]
        w = med(runs, "wall")
        rows.append(("ssldump -r F -n", n, w, max(r["rss"] for r in runs), med(runs, "cpu"), w / fw,
                     med(runs, "cpu") / fc))

    print()
    print("capture: %s, %.1f MB, %s" % (os.path.relpath(pcap, REPO), mb, time.strftime("%Y-%m-%d %H:%M")))
    print("| command | runs | wall (median) | MB/s | peak RSS | CPU user+sys (median) | × floor (wall) | × floor (CPU) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, n, w, rss, cpu, ratio, cratio in rows:
        print("| %s | %d | %.3f s | %s | %.1f MiB | %.3f s | %.2f | %.2f |"
              % (name, n, w, format(int(mb / w), ","), rss, cpu, ratio, cratio))
    if ts_w:
        print("tlsdiag is %.0f× faster than tshark (wall, medians)" % (ts_w / tw))
    print("tlsdiag/floor per pair, wall: " + ", ".join("%.2f" % r for r in ratios))
    print("tlsdiag/floor per pair, CPU:  " + ", ".join("%.2f" % r for r in cpu_ratios))
    try:
        print("load average at the end: %.2f %.2f %.2f (2 cores: above 2 the wall times include waiting)" % os.getloadavg())
    except OSError:
        pass
    summary = {"size": args.size, "mb": mb, "floor_wall": fw, "floor_cpu": fc, "tlsdiag_wall": tw,
               "tlsdiag_cpu": rows[1][4], "ratio_to_floor": statistics.median(ratios),
               "cpu_ratio_to_floor": statistics.median(cpu_ratios), "tlsdiag_peak_mib": rows[1][3],
               "tshark_wall": ts_w, "speedup_vs_tshark": (ts_w / tw) if ts_w else None}
    with open(os.path.join(OUT, args.size + ".results.json"), "w") as f:
        json.dump(summary, f, indent=1)

    if not args.no_check:
        print()
        rc = subprocess.run([sys.executable, os.path.join(HERE, "check_truth.py"), out_json, truth,
                             "--certs", certs]).returncode
        if rc != 0:
            raise SystemExit(rc)


if __name__ == "__main__":
    main()
