#!/usr/bin/env python3
"""End-to-end tests of ppp2p agents on test hosts: each agent in its own network namespace
(test/hosts/hosts.py) with its own address, as on separate machines, joined by a private
bridge with per-host delay and loss, partitions and blocked paths.

Usage: hosts_e2e.py --bin ppp2p-runtime --client vc_probe --primes primes --tsp tsp_ga CASE
Exits 77 (skipped) where namespaces cannot be made (not root, no `ip`, no iptables for delay
and loss), saying why. Agents listen on 0.0.0.0:PORT and advertise HOST_ADDRESS:PORT, as the
README's "Running on several machines" says; the cluster key is made by `ppp2p-runtime keygen`.
Clients run inside their agent's host (PPP2P_AGENT = that agent's data dir: the Unix socket is
reachable from the namespace, the filesystem being shared). Every wait has a deadline; the
timings printed are for the record, none is asserted except the deadlines.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

from hosts import (Hosts, Unavailable, _cgroup_root, check_available, check_shaping,  # noqa: E402
                   sweep)
from agent_cluster import TestFailure, check, wait_for  # noqa: E402

PORT = 20001
SKIP = 77
CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


class HostAgent:
    def __init__(self, cluster, index):
        self.cluster = cluster
        self.index = index
        self.name = f"host{index}"
        self.data_dir = os.path.join(cluster.root, self.name)
        self.log_path = os.path.join(cluster.root, self.name + ".log")
        self.address = f"{cluster.hosts.addr(index)}:{PORT}"
        self.proc = None

    def start(self, join, slots):
        try:
            os.remove(os.path.join(self.data_dir, "address"))
        except FileNotFoundError:
            pass
        argv = [self.cluster.bins.runtime, "run", "--listen", f"0.0.0.0:{PORT}", "--advertise",
                self.address, "--data-dir", self.data_dir, "--cluster-key-file",
                self.cluster.key_file, "--slots", str(slots), "--speed", "100"]
        for j in join:
            argv += ["--join", j]
        log = open(self.log_path, "ab")
        self.proc = self.cluster.hosts.run(self.index, argv, stdout=log, stderr=log, text=False)
        log.close()
        return self

    def wait_listening(self, timeout=15):
        path = os.path.join(self.data_dir, "address")

        def ready():
            if self.proc.poll() is not None:
                raise TestFailure(f"{self.name} exited with {self.proc.returncode}:\n{self.log()}")
            return os.path.exists(path)
        wait_for(f"{self.name} to listen", ready, timeout)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def status(self, timeout=10):
        # The status socket is a Unix socket in the data dir: reachable from any namespace.
        try:
            r = subprocess.run([self.cluster.bins.runtime, "status", "--data-dir", self.data_dir,
                                "--json"], capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        return json.loads(r.stdout) if r.returncode == 0 else None

    def view(self):
        s = self.status()
        return None if s is None else {p["address"]: p["state"] for p in s["peers"]}

    def state_of(self, other):
        v = self.view()
        return v.get(other.address) if v else None

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


class HostCluster:
    """n test hosts, one agent each; agent 0 (the client's, the 'home') is joined by the others."""

    def __init__(self, bins, n, slots=1, home_slots=1, **host_options):
        self.bins = bins
        self.hosts = Hosts(n, **host_options)
        self.root = tempfile.mkdtemp(prefix="ppp2p-hosts-", dir="/tmp")
        self.key_file = os.path.join(self.root, "cluster.key")
        r = subprocess.run([bins.runtime, "keygen", self.key_file], capture_output=True,
                           text=True)
        check(r.returncode == 0, f"keygen: {r.stderr}")
        self.agents = [HostAgent(self, i) for i in range(n)]
        self.slots = [home_slots] + [slots] * (n - 1)

    def start(self, timeout=30):
        t0 = time.monotonic()
        home = self.agents[0].start([], self.slots[0])
        home.wait_listening()
        for a in self.agents[1:]:
            a.start([home.address], self.slots[a.index])
        for a in self.agents[1:]:
            a.wait_listening()
        wait_for(f"{len(self.agents)} agents on {len(self.agents)} hosts to converge",
                 lambda: self.converged(self.agents), timeout, interval=0.2)
        print(f"{len(self.agents)} hosts converged in {time.monotonic() - t0:.1f} s")
        return self.agents

    def restart(self, a):
        a.start([self.agents[0].address if a.index else self.agents[1].address],
                self.slots[a.index])
        a.wait_listening()

    def converged(self, agents, among=None):
        expect = {a.address: "alive" for a in agents}
        for a in among or agents:
            if not a.running():
                return False
            v = a.view()
            if v is None or {k: v.get(k) for k in expect} != expect:
                return False
        return True

    def client(self, i, argv, timeout=180):
        """Runs a client program in host i against host i's agent, to its end."""
        env = dict(os.environ)
        env["PPP2P_AGENT"] = self.agents[i].data_dir
        t0 = time.monotonic()
        r = self.hosts.run_wait(i, argv, timeout=timeout, env=env)
        r.seconds = time.monotonic() - t0
        return r

    def start_client(self, i, argv):
        env = dict(os.environ)
        env["PPP2P_AGENT"] = self.agents[i].data_dir
        return self.hosts.run(i, argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def dump_logs(self):
        out = []
        for a in self.agents:
            tail = "\n".join(a.log().splitlines()[-40:])
            out.append(f"----- {a.name} ({a.address}) -----\n{tail}")
        return "\n".join(out)

    def close(self):
        self.hosts.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is not None:
            print(self.dump_logs())
        self.close()
        return False


def expect_ok(r, what):
    check(r.returncode == 0,
          f"{what}: exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")


def vts_finished(c):
    return {a.name: (a.status() or {}).get("vts_finished") for a in c.agents}


RING = re.compile(r"ring results_match=1 sum_match=1 .* resumes=(\S+) resumed_at=(\S+)")


# ----- a. a VC over 4 hosts with 2 ms delay and 1 % loss ----------------------------------------

LOSSY = dict(delay_ms=2.0, loss=1.0)


@case
def primes_lossy_4_hosts(bins):
    """primes in [1, 2000000] on 4 hosts (2 ms egress delay, 1 % loss each; host3 limited to
    half a core where a cgroup CPU controller is writable): 148933, and every host's agent
    ran VTs."""
    cgroups, why = _cgroup_root()
    cpu = [None, None, None, 50] if cgroups else None
    if not cgroups:
        print(f"no CPU quota for host3: {why}")
    with HostCluster(bins, 4, cpu_percent=cpu, **LOSSY) as c:
        c.start()
        if cpu:
            with open(f"/proc/{c.agents[3].proc.pid}/cgroup") as f:
                check(c.hosts.hosts[3].netns in f.read(), "host3's agent runs in its cgroup")
        r = c.client(0, [bins.primes, "--workers", "4", "--to", "2000000", "--quiet"])
        expect_ok(r, "primes")
        last = r.stdout.strip().splitlines()[-1]
        print(f"{last} in {r.seconds:.1f} s")
        check(last.endswith(": 148933"), f"primes in [1, 2000000] are 148933, got {last!r}")
        ran = vts_finished(c)
        check(all(ran.values()), f"VTs ran on every host: {ran}")
        print(f"VTs per host: {ran}")


@case
def ring_lossy_4_hosts(bins):
    """The probe's ring (8 VTs passing tokens, a global sum updated every round) on 4 hosts
    with 2 ms delay and 1 % loss: results and global equal the sequential computation."""
    with HostCluster(bins, 4, **LOSSY) as c:
        c.start()
        r = c.client(0, [bins.probe, "ring", "8", "200", "--workers", "4", "--slots", "1",
                         "--checkpoint-ms", "0", "--pause-us", "0"])
        expect_ok(r, "ring")
        check(r.stdout.startswith("created workers=4"), f"4 workers:\n{r.stdout}")
        m = RING.search(r.stdout)
        check(m, f"results and the global equal the fault-free computation:\n{r.stdout}")
        print(f"{m.group(0)} in {r.seconds:.1f} s")
        ran = vts_finished(c)
        check(all(ran.values()), f"VTs ran on every host: {ran}")


@case
def tsp_lossy_4_hosts(bins):
    """tsp_ga, small, on 4 hosts with 2 ms delay and 1 % loss: exits 0 and prints a tour."""
    instance = bins.tsp_instance
    with HostCluster(bins, 4, **LOSSY) as c:
        c.start()
        argv = [bins.tsp, "--workers", "4", "--generations", "150", "--population", "30",
                "--migrate-every", "10", "--checkpoint-every", "1000", "--quiet"]
        if instance:
            argv += ["--instance", instance]
        r = c.client(0, argv)
        expect_ok(r, "tsp_ga")
        m = re.search(r"best tour (\d+) from island", r.stdout)
        check(m, f"a tour printed:\n{r.stdout}")
        print(f"{r.stdout.strip()} ({os.path.basename(instance) if instance else 'random 60'};"
              f" {r.seconds:.1f} s)")


# ----- b. a partition of 5 s, healed ------------------------------------------------------------

@case
def partition_heals(bins):
    """Host 3 cut off for 5 s: the others declare it dead; after the heal every host lists every
    host alive again, and a VC created afterwards uses host3."""
    with HostCluster(bins, 4, slots=1, home_slots=0) as c:
        home, _, _, victim = c.start()
        others = c.agents[:3]
        t0 = time.monotonic()
        c.hosts.partition(3)
        wait_for("the others to declare host3 dead",
                 lambda: all(a.state_of(victim) == "dead" for a in others), 15, interval=0.1)
        dead_after = time.monotonic() - t0
        print(f"host3 declared dead by every other host {dead_after:.1f} s after the cut")
        time.sleep(max(0.0, 5.0 - (time.monotonic() - t0)))
        inside = victim.view()
        t1 = time.monotonic()
        c.hosts.heal(3)
        print(f"partition of {t1 - t0:.1f} s; host3's own view at the heal: "
              f"{ {k: v for k, v in (inside or {}).items() if k != victim.address} }")
        wait_for("every host to list every host alive after the heal",
                 lambda: c.converged(c.agents), 30, interval=0.2)
        print(f"all alive again in every view {time.monotonic() - t1:.1f} s after the heal")
        # Observation, not asserted: host3's accusations made during the partition may reach
        # the others after the heal and make healthy members dead for an instant.
        for a in others:
            spurious = [l for l in a.log().splitlines()
                        if " is dead" in l and victim.address not in l]
            if spurious:
                print(f"NOTE {a.name} declared a healthy member dead around the heal: "
                      f"{spurious}")
        r = c.client(0, [bins.probe, "squares", "60", "--workers", "3", "--slots", "1"])
        expect_ok(r, "squares after the heal")
        check("created workers=3" in r.stdout and "done ok=60 of=60" in r.stdout, r.stdout)
        ran = vts_finished(c)
        check(ran["host3"], f"the healed host ran VTs of the new VC: {ran}")
        print(f"VTs per host after the heal: {ran}")


@case
def bystander_partition(bins):
    """A ring of 4 VTs on hosts 1 and 2 (host 0 the client's agent; host 3 lends no slots) while
    host 3 is cut off until it has declared every other member dead, then healed. The ring
    must equal the fault-free computation; ideally no VT is disturbed by a partition of a host
    the VC does not use (resumes all 0). Known issue, observed: after the heal host3's stale
    accusations make healthy members dead for an instant (README, "Running on several
    machines"), which may cost resumes; this case prints them and asserts only the results."""
    with HostCluster(bins, 4, slots=2, home_slots=0) as c:
        c.slots[3] = 0
        home, _, _, victim = c.start()
        others = c.agents[:3]
        p = c.start_client(0, [bins.probe, "ring", "4", "5000", "--workers", "2", "--slots",
                               "2", "--checkpoint-ms", "100", "--pause-us", "2000"])
        try:
            line = p.stdout.readline()
            check(line.startswith("created workers=2"), f"probe said {line!r}")
            time.sleep(0.5)
            t0 = time.monotonic()
            c.hosts.partition(3)
            wait_for("host3 to declare every other member dead",
                     lambda: all(victim.state_of(a) == "dead" for a in others), 30,
                     interval=0.1)
            c.hosts.heal(3)
            print(f"host3 cut off for {time.monotonic() - t0:.1f} s, then healed")
            out, err = p.communicate(timeout=100)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        flaps = {a.name: [l[11:] for l in a.log().splitlines()
                          if " is dead" in l and victim.address not in l] for a in others}
        print(f"healthy members declared dead after the heal: {flaps}")
        check(p.returncode == 0, f"exit {p.returncode}\n{out}\n{err}")
        m = RING.search(out)
        check(m, f"results and the global equal the fault-free computation:\n{out}\n{err}")
        print(m.group(0))
        if any(int(x) for x in m.group(1).split(",")):
            print("NOTE VTs resumed although their hosts were never cut off: " + m.group(1))


# ----- c. a host's agent SIGKILLed under a running ring ------------------------------------------

@case
def sigkill_under_ring(bins):
    """A ring of 4 VTs on hosts 1 and 2 (2 slots each), host 3 standing by, 2 ms delay: the
    busiest worker host's agent is SIGKILLed; its VTs resume on another host from their
    checkpoints, and results and global equal the fault-free computation."""
    with HostCluster(bins, 4, slots=2, home_slots=0, delay_ms=2.0) as c:
        home = c.start()[0]
        workers = c.agents[1:]
        p = c.start_client(0, [bins.probe, "ring", "4", "600", "--workers", "2", "--slots", "2",
                               "--checkpoint-ms", "100", "--pause-us", "2000"])
        try:
            line = p.stdout.readline()
            check(line.startswith("created workers=2"), f"probe said {line!r}")

            def running(a):
                s = a.status()
                return sum(e["running"] for e in s["enrolments"]) if s else 0
            wait_for("the ring to run", lambda: sum(running(a) for a in workers) == 4, 20,
                     interval=0.1)
            time.sleep(1.0)
            victim = max(workers, key=running)
            moved = running(victim)
            t0 = time.monotonic()
            victim.proc.send_signal(signal.SIGKILL)
            victim.proc.wait(5)
            wait_for("the deployer to declare the victim dead",
                     lambda: home.state_of(victim) in ("dead", "left"), 15, interval=0.05)
            print(f"{victim.name} (running {moved} VTs) SIGKILLed; declared dead after "
                  f"{time.monotonic() - t0:.2f} s")
            out, err = p.communicate(timeout=120)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        check(p.returncode == 0, f"exit {p.returncode}\n{out}\n{err}")
        m = RING.search(out)
        check(m, f"results and the global equal the fault-free computation:\n{out}\n{err}")
        print(m.group(0))
        resumes = [int(x) for x in m.group(1).split(",")]
        check(sum(1 for x in resumes if x >= 1) == moved,
              f"the {moved} VTs of the killed host resumed, the others did not: {resumes}")


# ----- d. a worker the client's agent can reach only through others ----------------------------

@case
def indirect_worker(bins):
    """Hosts 0 (the client's agent, no slots) and 3 drop each other's packets; 1 and 2 reach
    both. Membership keeps host3 alive in host0's view (indirect probes through 1 and 2 ack it),
    but the deployer's messages to it cannot arrive: the agents do not relay. Observed: the VC
    asks for 3 workers and is created within the enrolment timeout with hosts 1 and 2 only;
    every VT's result is right; host3 runs nothing."""
    with HostCluster(bins, 4, slots=1, home_slots=0) as c:
        home, _, _, far = c.start()
        c.hosts.block(0, 3)
        # Let membership settle after the block: host3 must not be declared dead by anyone.
        time.sleep(6.0)
        views = {a.name: a.state_of(far) for a in c.agents[:3]}
        print(f"host3 as seen 6 s after the block: {views}; "
              f"host3 sees host0 as {far.state_of(home)}")
        check(views["host0"] in ("alive", "suspect"),
              f"host0 still lists host3 (indirect probes): {views}")
        r = c.client(0, [bins.probe, "squares", "40", "--workers", "3", "--slots", "1",
                         "--enrol-timeout-ms", "5000"], timeout=120)
        print(f"client exit {r.returncode} after {r.seconds:.1f} s: "
              f"{r.stdout.strip().splitlines()[:1]}")
        ran = vts_finished(c)
        print(f"VTs per host: {ran}")
        s = home.status()
        print(f"host0's log about host3: "
              f"{[l for l in home.log().splitlines() if far.address in l][-5:]}")
        expect_ok(r, "squares with host3 unreachable from the client's agent")
        m = re.search(r"created workers=(\d+)", r.stdout)
        check(m and m.group(1) == "2", f"the VC has the 2 reachable workers:\n{r.stdout}")
        check("done ok=40 of=40" in r.stdout, r.stdout)
        check(r.seconds < 60, f"created within the enrolment timeout, not hung: {r.seconds:.1f}")
        check(not ran["host3"], f"the unreachable host ran nothing: {ran}")
        check(s is not None, "host0 answers status")


class Bins:
    def __init__(self, a):
        self.runtime = os.path.abspath(a.bin)
        self.probe = os.path.abspath(a.client) if a.client else None
        self.primes = os.path.abspath(a.primes) if a.primes else None
        self.tsp = os.path.abspath(a.tsp) if a.tsp else None
        self.tsp_instance = a.instance if a.instance and os.path.exists(a.instance) else None


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="path to ppp2p-runtime")
    parser.add_argument("--client", help="path to vc_probe")
    parser.add_argument("--primes", help="path to the primes example")
    parser.add_argument("--tsp", help="path to the tsp_ga example")
    parser.add_argument("--instance", default=os.path.join(HERE, "..", "..", "..", "shared",
                                                           "data", "tsplib", "berlin52.tsp"),
                        help="TSPLIB instance for tsp_ga (if missing: its 60 random cities)")
    parser.add_argument("case", choices=sorted(CASES))
    args = parser.parse_args()
    why = check_available()
    if why is None and args.case in ("primes_lossy_4_hosts", "ring_lossy_4_hosts",
                                     "tsp_lossy_4_hosts", "sigkill_under_ring",
                                     "indirect_worker"):
        why = check_shaping()
    if why:
        print(f"SKIP {args.case}: test hosts unavailable: {why}")
        return SKIP
    # A run killed with SIGKILL (a ctest timeout) cannot tear down: remove such leftovers.
    for name in sweep():
        print(f"removed the test hosts of a run that is gone: {name}")
    start = time.monotonic()
    try:
        CASES[args.case](Bins(args))
    except Unavailable as e:
        print(f"SKIP {args.case}: test hosts unavailable: {e}")
        return SKIP
    except (TestFailure, subprocess.TimeoutExpired) as e:
        print(f"FAIL {args.case}: {e}", file=sys.stderr)
        return 1
    print(f"PASS {args.case} in {time.monotonic() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
