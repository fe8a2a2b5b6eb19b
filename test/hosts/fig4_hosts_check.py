#!/usr/bin/env python3
"""bench-fig4 --hosts, small, as a test: Figure 4 through agents on test hosts must produce a
row for 2, 3 and 4 peers with positive rates and efficiencies, leave no test hosts behind, and
take its hosts down when interrupted (SIGTERM while its agents run).

Usage: fig4_hosts_check.py BENCH_FIG4 HOSTS_PY. Exits 77 where test hosts are unavailable."""

import os
import re
import signal
import subprocess
import sys
import time


def fail(why):
    print("FAIL:", why)
    sys.exit(1)


def leftovers(pid):
    """Namespaces and cgroups of the run whose process was pid."""
    prefix = f"pp2hb{pid}-"
    found = [ns for ns in subprocess.run(["ip", "netns", "list"], capture_output=True,
                                         text=True).stdout.split() if ns.startswith(prefix)]
    for root in ("/sys/fs/cgroup", "/sys/fs/cgroup/cpu"):
        try:
            found += [os.path.join(root, g) for g in os.listdir(root) if g.startswith(prefix)]
        except OSError:
            pass
    return found


def main():
    bench, hosts_py = sys.argv[1], sys.argv[2]
    why = subprocess.run([sys.executable, hosts_py, "check"], capture_output=True, text=True)
    if why.returncode != 0:
        print(why.stdout.strip() or why.stderr.strip())
        return 77
    argv = [bench, "--hosts", "--hosts-script", hosts_py, "--sizes", "40", "--seconds", "1",
            "--repeat", "1"]
    run = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out, _ = run.communicate(timeout=240)
    print(out)
    if run.returncode == 77:
        return 77
    if run.returncode != 0:
        fail(f"bench-fig4 --hosts exited {run.returncode}")
    rows = re.findall(r"^\|\s+(\d)\s+\|\s+([\d.]+)\s+\|.*?\|\s+([\d.]+) % \(([\d.]+)-([\d.]+)\)"
                      r"\s+\|\s+([\d.]+)\s+\|\s+([\d.]+) %\s+\|\s+([\d.]+) %", out, re.M)
    if [r[0] for r in rows] != ["2", "3", "4"]:
        fail(f"expected the rows of 2, 3 and 4 peers, found {[r[0] for r in rows]}")
    for r in rows:
        r_h, eta, plain, ratio = float(r[1]), float(r[2]), float(r[5]), float(r[7])
        if not (r_h > 0 and plain > 0 and 0 < eta < 200 and 0 < ratio < 200):
            fail(f"implausible row for {r[0]} peers: {r}")
    quotas = re.findall(r"^  (P\d): host (\d) \([\d.]+\), agent with 1 slot, CPU quota (\d+) %",
                        out, re.M)
    shares = dict(re.findall(r"(P\d) (\d+) %", out.split("received alone (median):")[-1]))
    for name, _, quota in quotas:
        # The quota is what makes the hosts heterogeneous: a plain island alone must get it.
        if name not in shares or abs(int(shares[name]) - int(quota)) > 10:
            fail(f"{name} has a quota of {quota} % but received {shares.get(name)} %")
    if len(quotas) != 4:
        fail(f"expected 4 peers with quotas, found {quotas}")
    left = leftovers(run.pid)
    if left:
        fail(f"test hosts left behind: {left}")

    # Interrupted while its agents run: the hosts must go with it.
    run = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = ""
    deadline = time.monotonic() + 60
    while "P4: host 4" not in seen and time.monotonic() < deadline:
        line = run.stdout.readline()
        if not line:
            break
        seen += line
    if "P4: host 4" not in seen:
        run.kill()
        fail(f"the second run did not start its hosts:\n{seen}")
    time.sleep(1)
    run.send_signal(signal.SIGTERM)
    try:
        run.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        run.kill()
        fail("bench-fig4 did not end within 60 s of SIGTERM")
    left = leftovers(run.pid)
    if left:
        fail(f"test hosts left behind after SIGTERM: {left}")
    print("PASS: 3 setups measured through agents; hosts removed at the end and on SIGTERM")
    return 0


if __name__ == "__main__":
    sys.exit(main())
