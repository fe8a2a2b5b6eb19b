#!/usr/bin/env python3
"""End-to-end tests of ppp2p-runtime --http: /metrics, /status.json and the dashboard.

Usage: http_e2e.py --bin build/bin/ppp2p-runtime [--primes build/bin/primes]
                   [--out DIR] [--chromium PATH] CASE
Cases (one ctest test each, see CMakeLists.txt):
  metrics_and_status  a 3-agent mesh, --http on one: Prometheus text with HELP/TYPE for every
                      metric and 3 members alive; status.json with 3 members; 400, 404, 405,
                      431 and HEAD answered properly; a non-loopback --http refused.
  vt_events           a worker running primes' VTs is SIGKILLed: member_dead, vt_lost and
                      vt_resumed events in status.json, the counts in /metrics.
  dashboard           the same mesh running the primes example: headless Chromium loads /,
                      which must show the three members and the VC, without console errors;
                      a screenshot goes to DIR/dashboard.png. Exits 77 (skipped) without
                      Chromium.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from agent_cluster import Cluster, TestFailure, check, die_with_parent, wait_for

SKIP = 77
CASES = {}

METRICS = ["ppp2p_members", "ppp2p_slots_total", "ppp2p_slots_busy", "ppp2p_vts_running",
           "ppp2p_vts_queued", "ppp2p_vts_finished_total", "ppp2p_vt_resumes_total",
           "ppp2p_checkpoint_bytes_total", "ppp2p_messages_total", "ppp2p_link_rtt_seconds"]


def case(fn):
    CASES[fn.__name__] = fn
    return fn


class Skip(Exception):
    pass


def http_address(agent):
    """host, port of the agent's HTTP server, from the line it logs once it serves."""
    def logged():
        m = re.search(r"serving http://([0-9.]+):(\d+)/", agent.log())
        return (m.group(1), int(m.group(2))) if m else None
    return wait_for(f"{agent.name} to serve HTTP", logged, 15)


def get(addr, path, method="GET"):
    conn = http.client.HTTPConnection(addr[0], addr[1], timeout=10)
    try:
        conn.request(method, path)
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode()
    finally:
        conn.close()


def raw(addr, data):
    """Sends bytes as they are; the status line of the answer."""
    with socket.create_connection(addr, timeout=10) as s:
        s.sendall(data)
        answer = b""
        while True:  # the server closes after its answer
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n", 1)[0].decode(errors="replace")


def mesh(c, extra=()):
    """3 agents, the first with --http on a free loopback port; waits until all converge."""
    first = c.add(extra=["--http", "127.0.0.1:0", *extra])
    rest = [c.add(join=[first.address]) for _ in range(2)]
    agents = [first] + rest
    wait_for("3 agents to converge", lambda: c.converged(agents), 30, interval=0.2)
    return agents, http_address(first)


def check_exposition(text):
    """Every sample belongs to a family with HELP and TYPE; returns {family: type}."""
    helped, types = set(), {}
    for line in text.splitlines():
        check(line.strip() != "", "blank line in the exposition")
        if line.startswith("# HELP "):
            helped.add(line.split()[2])
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            types[name] = kind
            continue
        check(not line.startswith("#"), f"stray comment: {line}")
        name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
        family = name
        for suffix in ("_bucket", "_sum", "_count"):
            if family not in types and name.endswith(suffix):
                family = name[: -len(suffix)]
        check(family in types, f"sample without TYPE: {line}")
        check(family in helped, f"sample without HELP: {line}")
        value = line.rsplit(" ", 1)[1]
        check(re.fullmatch(r"[-+]?(\d+(\.\d*)?([eE][-+]?\d+)?|Inf|NaN)", value),
              f"bad value: {line}")
    check(helped == set(types), f"HELP and TYPE differ: {helped ^ set(types)}")
    return types


@case
def metrics_and_status(bins):
    with Cluster(bins.runtime) as c:
        agents, addr = mesh(c)
        # The first probe round trips arrive within a few probe intervals.
        def metrics_with_rtt():
            status, headers, text = get(addr, "/metrics")
            check(status == 200, f"/metrics answered {status}")
            m = re.search(r"^ppp2p_link_rtt_seconds_count (\d+)$", text, re.M)
            return (headers, text) if m and int(m.group(1)) > 0 else None
        headers, text = wait_for("probe round trips in /metrics", metrics_with_rtt, 15)
        check(headers["Content-Type"].startswith("text/plain; version=0.0.4"),
              f"content type {headers['Content-Type']}")
        types = check_exposition(text)
        for name in METRICS:
            check(name in types, f"/metrics lacks {name}")
        check(types["ppp2p_link_rtt_seconds"] == "histogram", "rtt must be a histogram")
        check(types["ppp2p_vts_finished_total"] == "counter", "finished must be a counter")
        check('ppp2p_members{state="alive"} 3\n' in text, f"3 members alive expected:\n{text}")
        check(re.search(r"^ppp2p_slots_total \d+$", text, re.M), "slots_total")

        status, headers, body = get(addr, "/status.json")
        check(status == 200 and headers["Content-Type"] == "application/json", "status.json")
        data = json.loads(body)
        peers = data["status"]["peers"]
        check(len(peers) == 3, f"3 members expected, got {peers}")
        check({p["address"] for p in peers} == {a.address for a in agents}, "member addresses")
        for p in peers:
            for key in ("state", "address", "speed", "slots", "free_slots", "load"):
                check(key in p, f"member lacks {key}: {p}")
        kinds = [e["kind"] for e in data["events"]]
        check(kinds.count("member_joined") >= 2, f"joins expected in the events: {kinds}")
        check(all(isinstance(e["unix_ms"], int) for e in data["events"]), "timestamps")

        status, headers, page = get(addr, "/")
        check(status == 200 and headers["Content-Type"].startswith("text/html"), "dashboard")
        check("/status.json" in page and "<script" in page, "the page polls /status.json")
        check(not re.search(r"""(src|href)=["']?(https?:)?//""", page), "no external resource")

        status, headers, body = get(addr, "/metrics", method="HEAD")
        check(status == 200 and body == "" and int(headers["Content-Length"]) > 0, "HEAD")
        check(get(addr, "/nope")[0] == 404, "unknown path: 404")
        status, headers, _ = get(addr, "/metrics", method="POST")
        check(status == 405 and headers.get("Allow") == "GET, HEAD", "POST: 405 with Allow")
        check(raw(addr, b"\x16\x03\x01\x02\x00garbage\r\n\r\n").startswith("HTTP/1.1 400"),
              "garbage: 400")
        check(raw(addr, b"GET / HTTP/9\r\n\r\n").startswith("HTTP/1.1 400"), "bad version: 400")
        huge = b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n"
        check(raw(addr, huge).startswith("HTTP/1.1 431"), "oversized head: 431")
        # Many idle connections do not stop the server; they are cut at the request timeout.
        idle = [socket.create_connection(addr, timeout=10) for _ in range(40)]
        try:
            busy = raw(addr, b"GET /metrics HTTP/1.1\r\n\r\n")
            check(busy.startswith("HTTP/1.1 503") or busy.startswith("HTTP/1.1 200"), busy)
        finally:
            for s in idle:
                s.close()
        wait_for("the server to answer again",
                 lambda: raw(addr, b"GET /metrics HTTP/1.1\r\n\r\n").startswith("HTTP/1.1 200"),
                 10, interval=0.2)

    # A non-loopback address is refused without --http-public, saying why.
    r = subprocess.run([bins.runtime, "--listen", "127.0.0.1:0", "--data-dir", "/tmp/x",
                        "--cluster-key-file", "/tmp/k", "--http", "0.0.0.0:9100"],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 2 and "not a loopback address" in r.stderr and
          "--http-public" in r.stderr, f"non-loopback --http: {r.returncode} {r.stderr}")


def metric(text, sample):
    """The value of one sample line (name with its labels), or None."""
    m = re.search("^" + re.escape(sample) + r" (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


@case
def vt_events(bins):
    check(bins.primes, "vt_events needs --primes")
    with Cluster(bins.runtime) as c:
        # The deployer lends no slot: the VTs run on the two others, and one of them dies.
        agents, addr = mesh(c, extra=["--slots", "0"])
        env = dict(os.environ, PPP2P_AGENT=agents[0].data_dir)
        client = subprocess.Popen([bins.primes, "--workers", "2", "--to", "400000000",
                                   "--chunk", "2000000", "--quiet"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  preexec_fn=die_with_parent)
        try:
            def both_busy():
                return all(any(e["running"] > 0 for e in (a.status() or {}).get("enrolments", []))
                           for a in agents[1:])
            wait_for("both workers to run VTs", both_busy, 30, interval=0.2)
            victim = agents[2]
            victim.signal(signal.SIGKILL)
            victim.wait_exit(5)

            def events():
                data = json.loads(get(addr, "/status.json")[2])
                kinds = {(e["kind"], e["subject"]) for e in data["events"]}
                vc = data["status"]["vcs"][0]["id"]
                want = {("member_dead", victim.address), ("vt_lost", vc), ("vt_resumed", vc)}
                return data if want <= kinds else None
            data = wait_for("member_dead, vt_lost and vt_resumed events", events, 30, 0.2)
            vc = data["status"]["vcs"][0]
            print("events: " + "; ".join(f"{e['kind']} {e['subject']} {e['detail']}"
                                         for e in data["events"]))
            check(vc["lost"] >= 1 and vc["resumed"] >= 1, f"VC counts: {vc}")
            text = get(addr, "/metrics")[2]
            check(metric(text, 'ppp2p_members{state="dead"}') == 1, "1 dead member")
            check(metric(text, 'ppp2p_members{state="alive"}') == 2, "2 alive members")
            check(metric(text, "ppp2p_vt_resumes_total") >= 1, "resumes counted")
            check(metric(text, "ppp2p_slots_total") == 0, "--slots 0")
            check(metric(text, 'ppp2p_messages_total{channel="reliable",direction="sent"}') > 0,
                  "deploy messages counted")
        finally:
            client.kill()
            client.wait(timeout=10)


def find_chromium(given):
    for name in ([given] if given else []) + ["chromium", "chromium-browser", "google-chrome"]:
        path = shutil.which(name) if name else None
        if path:
            return path
    return None


def chromium(binary, url, *args):
    """Runs headless Chromium on url; (stdout, stderr)."""
    profile = tempfile.mkdtemp(prefix="ppp2p-chromium-", dir="/tmp")
    try:
        r = subprocess.run([binary, "--headless", "--no-sandbox", "--disable-gpu",
                            "--enable-logging=stderr", "--v=0", f"--user-data-dir={profile}",
                            "--virtual-time-budget=3000", *args, url],
                           capture_output=True, text=True, timeout=90,
                           preexec_fn=die_with_parent)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return r.stdout, r.stderr


def console_errors(stderr):
    # The page logs nothing: any console line, or an uncaught exception, is a fault.
    return [line for line in stderr.splitlines() if "Uncaught" in line or "CONSOLE" in line]


@case
def dashboard(bins):
    browser = find_chromium(bins.chromium)
    if not browser:
        raise Skip("Chromium is not installed (Debian package 'chromium'; scripts/install-deps "
                   "installs it)")
    with Cluster(bins.runtime) as c:
        agents, addr = mesh(c)
        client = None
        if bins.primes:
            # A VC that runs for a while, deployed by the agent that serves the dashboard.
            env = dict(os.environ, PPP2P_AGENT=agents[0].data_dir)
            client = subprocess.Popen([bins.primes, "--workers", "2", "--to", "400000000",
                                       "--chunk", "2000000", "--quiet"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      preexec_fn=die_with_parent)
        try:
            if client:
                def vc_running():
                    vcs = json.loads(get(addr, "/status.json")[2])["status"]["vcs"]
                    return vcs if vcs and vcs[0]["placed"] > 0 else None
                vcs = wait_for("status.json to show the running VC", vc_running, 30, 0.2)
                vc_id = vcs[0]["id"]
                time.sleep(1.5)  # a few polls' worth of progress and events
            url = f"http://{addr[0]}:{addr[1]}/"
            dom, err = chromium(browser, url, "--dump-dom")
            check(not console_errors(err), "console errors:\n" + "\n".join(console_errors(err)))
            for a in agents:
                check(a.address in dom, f"the dashboard does not show member {a.address}")
            check("live" in dom, "the dashboard did not reach /status.json")
            if client:
                check(vc_id in dom, f"the dashboard does not show VC {vc_id}")
            os.makedirs(bins.out, exist_ok=True)
            shot = os.path.join(bins.out, "dashboard.png")
            if os.path.exists(shot):
                os.remove(shot)
            _, err = chromium(browser, url, f"--screenshot={shot}", "--window-size=1200,800",
                              "--hide-scrollbars")
            check(os.path.exists(shot) and os.path.getsize(shot) > 10000,
                  f"no screenshot at {shot}:\n{err[-2000:]}")
            print(f"screenshot: {shot}")
        finally:
            if client:
                client.kill()
                client.wait(timeout=10)


class Bins:
    def __init__(self, args):
        self.runtime = args.bin
        self.primes = args.primes
        self.out = args.out or os.getcwd()
        self.chromium = args.chromium


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="path to ppp2p-runtime")
    parser.add_argument("--primes", help="path to the primes example (runs a VC)")
    parser.add_argument("--out", help="where the screenshot goes (default: cwd)")
    parser.add_argument("--chromium", help="the browser (default: chromium on PATH)")
    parser.add_argument("case", choices=sorted(CASES))
    args = parser.parse_args()
    start = time.monotonic()
    try:
        CASES[args.case](Bins(args))
    except Skip as e:
        print(f"SKIP {args.case}: {e}")
        return SKIP
    except TestFailure as e:
        print(f"FAIL {args.case}: {e}", file=sys.stderr)
        return 1
    print(f"PASS {args.case} in {time.monotonic() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
