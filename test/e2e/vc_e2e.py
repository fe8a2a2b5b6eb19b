#!/usr/bin/env python3
"""End-to-end tests of virtual computers through agents: real ppp2p-runtime agents on loopback
and a client that reaches its agent through PPP2P_AGENT.

Usage: vc_e2e.py --bin build/bin/ppp2p-runtime --client build/bin/vc_probe
                 [--primes build/bin/primes] [--vc-tests build/test/vc/ppp2p_vc_tests] CASE
The clients are ppp2p programs: vc_probe, whose tasks provoke every outcome on purpose (results,
throw, segfault, cancel, a task that ignores cancellation), and the primes example. Every wait
has a deadline; no timing is asserted. Agents and executors die with the test (PDEATHSIG), and
the cluster's directory is removed.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import time

from agent_cluster import Cluster, TestFailure, check, die_with_parent, wait_for

CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


class Probe:
    """Runs the client against one agent."""

    def __init__(self, binary):
        self.binary = os.path.abspath(binary) if binary else None

    def env(self, agent):
        env = dict(os.environ)
        env["PPP2P_AGENT"] = agent.data_dir
        return env

    def run(self, agent, *args, timeout=120):
        r = subprocess.run([self.binary] + list(args), env=self.env(agent), capture_output=True,
                           text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                           preexec_fn=die_with_parent)
        return r

    def start(self, agent, *args):
        return subprocess.Popen([self.binary] + list(args), env=self.env(agent),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.PIPE, text=True, preexec_fn=die_with_parent)


def vts(output):
    """{vt: {field: value}} from the probe's 'vt=N kind=... ' lines (what= is last)."""
    out = {}
    for line in output.splitlines():
        m = re.match(r"vt=(\d+) kind=(\S+)(.*?) what=(.*)$", line)
        if m:
            fields = dict(f.split("=", 1) for f in m.group(3).split())
            fields["kind"] = m.group(2)
            fields["what"] = m.group(4)
            out[int(m.group(1))] = fields
    return out


def mesh(c, workers, worker_slots=2, client_slots=0, speeds=None):
    """A client agent (by default without slots of its own) and `workers` worker agents, all
    converged. Returns (client_agent, [worker agents])."""
    home = c.add(name="home", extra=["--slots", str(client_slots)])
    others = []
    for i in range(workers):
        extra = ["--slots", str(worker_slots)]
        if speeds:
            extra = extra + ["--speed", str(speeds[i])]
        others.append(c.add(name=f"worker{i}", join=[home.address], wait=False, extra=extra))
    for a in others:
        a.wait_listening()
    wait_for("the agents to converge", lambda: c.converged([home] + others), 30, interval=0.2)
    return home, others


def executors_under(cluster):
    """Pids of the live executors of the cluster's agents: processes descended from an agent
    that run a cached module (its path under the cluster's root) or, in an agent's sandbox,
    the copy of it at /run/ppp2p/module (agent/sandbox)."""
    parent, exe = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if fields[0] == "Z":
                continue
            parent[int(entry)] = int(fields[1])
            exe[int(entry)] = os.readlink(f"/proc/{entry}/exe")
        except OSError:
            continue
    agents = {a.proc.pid for a in cluster.agents if a.proc is not None}

    def under_an_agent(pid):
        seen = 0
        while pid in parent and seen < 64:
            pid, seen = parent[pid], seen + 1
            if pid in agents:
                return True
        return False
    return sorted(pid for pid, path in exe.items()
                  if (path.startswith(cluster.root) or path.startswith("/run/ppp2p/module"))
                  and under_an_agent(pid))


def expect_ok(r, what):
    check(r.returncode == 0, f"{what}: exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")


@case
def squares_through_mesh(bins):
    """A client's VC of 3 workers on 3 other agents computes 300 VTs right, on all of them."""
    with Cluster(bins.runtime) as c:
        home, workers = mesh(c, 3)
        r = bins.probe.run(home, "squares", "300", "--workers", "3", "--slots", "2")
        expect_ok(r, "squares")
        check("created workers=3" in r.stdout, f"3 workers expected:\n{r.stdout}")
        check("done ok=300 of=300" in r.stdout, f"every result right:\n{r.stdout}")
        ran = {w.name: w.status()["vts_finished"] for w in workers}
        check(sum(ran.values()) == 300 and all(ran.values()), f"VTs ran on every worker: {ran}")


@case
def module_fetched_once(bins):
    """Two VCs in a row: each worker fetches the module once and keeps it in its cache."""
    with Cluster(bins.runtime) as c:
        home, workers = mesh(c, 2)
        for _ in range(2):
            r = bins.probe.run(home, "squares", "20", "--workers", "2")
            expect_ok(r, "squares")
        size = os.path.getsize(bins.probe.binary)
        for w in workers:
            s = w.status()
            check(s["modules"]["fetched"] == 1, f"{w.name} fetched {s['modules']}")
            check(s["modules"]["bytes_fetched"] == size, f"{w.name}: {s['modules']} for {size}")
            files = os.listdir(os.path.join(w.data_dir, "modules"))
            check(len(files) == 1 and re.fullmatch(r"[0-9a-f]{64}", files[0]),
                  f"{w.name} cache holds {files}")
            check(os.path.getsize(os.path.join(w.data_dir, "modules", files[0])) == size,
                  "the cached module is the client's executable")
        s = home.status()
        check(s["modules"]["cached"] == 1 and s["modules"]["fetched"] == 0,
              f"the client's agent caches the module it offers, fetching nothing: {s['modules']}")


@case
def throwing_vt(bins):
    """A VT that throws fails with the exception's type and message, naming its peer."""
    with Cluster(bins.runtime) as c:
        home, workers = mesh(c, 1)
        r = bins.probe.run(home, "throw")
        expect_ok(r, "throw")
        v = vts(r.stdout).get(0)
        check(v and v["kind"] == "failure" and v["failure"] == "remote_exception", r.stdout)
        check("runtime_error" in v["type"] and v["what"] == "boom 7", r.stdout)
        check(v["peer"] == workers[0].address, r.stdout)


@case
def segfault_vt(bins):
    """A VT that segfaults fails naming the signal; its worker and the next VT carry on."""
    with Cluster(bins.runtime) as c:
        home, workers = mesh(c, 1)
        r = bins.probe.run(home, "segfault")
        expect_ok(r, "segfault")
        got = vts(r.stdout)
        check(got.get(0, {}).get("failure") == "executor_crashed", r.stdout)
        check(got[0]["what"].startswith("executor killed by signal 11 (Segmentation fault); it "
                                        "crashed 3 times since it started, so it is not resumed"),
              r.stdout)
        check(got.get(1, {}).get("kind") == "result" and got[1]["value"] == "81", r.stdout)
        check(workers[0].running(), "the worker agent survives")
        s = workers[0].status()
        check(s["enrolments"] == [], f"released afterwards: {s['enrolments']}")


@case
def cancel_vt(bins):
    """Cancelling a running VT stops it; the client hears 'cancelled'."""
    with Cluster(bins.runtime) as c:
        home, workers = mesh(c, 1)
        r = bins.probe.run(home, "cancel")
        expect_ok(r, "cancel")
        v = vts(r.stdout).get(0)
        check(v and v["kind"] == "failure" and v["failure"] == "vt_cancelled", r.stdout)


@case
def partials_in_order(bins):
    """Partial results of a VT on another agent arrive, all and in order, before its result."""
    with Cluster(bins.runtime) as c:
        home, workers = mesh(c, 1)
        r = bins.probe.run(home, "partials", "500")
        expect_ok(r, "partials")
        check(vts(r.stdout).get(0, {}).get("value") == "500", r.stdout)
        check("partials=500 in_order=1" in r.stdout, r.stdout)


@case
def primes_through_mesh(bins):
    """The primes example through an agent mesh: the right count."""
    with Cluster(bins.runtime) as c:
        home, workers = mesh(c, 3)
        r = subprocess.run([bins.primes, "--workers", "3", "--to", "300000", "--quiet"],
                           env=bins.probe.env(home), capture_output=True, text=True,
                           timeout=120, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
        expect_ok(r, "primes")
        last = r.stdout.strip().splitlines()[-1]
        check(last.endswith(": 25997"), f"primes in [1, 300000] are 25997, got {last!r}")
        check(all(w.status()["vts_finished"] > 0 for w in workers), "every worker took part")


@case
def client_dies(bins):
    """A client killed with SIGKILL: its VTs are cancelled and its executors stopped."""
    with Cluster(bins.runtime) as c:
        home, workers = mesh(c, 2)
        p = bins.probe.start(home, "hang", "4", "--workers", "2", "--slots", "2")
        try:
            line = p.stdout.readline()
            check(line.startswith("created workers=2"), f"probe said {line!r}")

            def all_running():
                return all(sum(e["running"] for e in w.status()["enrolments"]) == 2
                           for w in workers)
            wait_for("4 VTs to run on the 2 workers", all_running, 15, interval=0.1)
            check(len(executors_under(c)) == 2, "one executor per worker")
        finally:
            p.kill()
            p.wait()

        def cleaned():
            return (executors_under(c) == [] and
                    all(w.status()["enrolments"] == [] and w.status()["free_slots"] == 2
                        for w in workers))
        wait_for("the workers to stop the dead client's executors", cleaned, 15, interval=0.1)
        wait_for("its agent to forget the VC", lambda: home.status()["vcs"] == [], 5)


@case
def idle_worker_sigkilled(bins):
    """A worker agent SIGKILLed while idle is replaced: the quota is restored by re-enrolment
    and the VC goes on computing."""
    with Cluster(bins.runtime) as c:
        home, workers = mesh(c, 3, worker_slots=1)
        p = bins.probe.start(home, "wait-then-squares", "60", "--workers", "2")
        try:
            line = p.stdout.readline()
            check(line.startswith("created workers=2"), f"probe said {line!r}")
            enrolled = [w for w in workers if w.status()["enrolments"]]
            check(len(enrolled) == 2, f"2 of 3 agents enrolled, not {[w.name for w in enrolled]}")
            spare = next(w for w in workers if w not in enrolled)
            victim = enrolled[0]
            victim.signal(signal.SIGKILL)
            victim.wait_exit(5)

            # The deployer must first see the death (its worker count is stale until then), and
            # the spare's enrolment must be complete, not merely asked for.
            wait_for("the deployer to declare the victim dead",
                     lambda: any(m["address"] == victim.address and m["state"] in ("dead", "left")
                                 for m in home.status()["peers"]), 10, interval=0.05)

            def restored():
                vcs = home.status()["vcs"]
                enrolments = spare.status()["enrolments"]
                return (len(vcs) == 1 and vcs[0]["workers"] == 2 and len(enrolments) == 1 and
                        enrolments[0]["state"] == "ready")
            wait_for("the quota to be restored on the spare agent", restored, 20, interval=0.2)
            out, err = p.communicate("go\n", timeout=60)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        check(p.returncode == 0, f"exit {p.returncode}\n{out}\n{err}")
        check("done ok=60 of=60" in out, out)
        check(spare.status()["vts_finished"] > 0, "the replacement worked")


def start_ring(bins, home, rounds=1500, checkpoint_ms=100, workers=2, n=4, slots=2,
               pause_us=2000):
    """Starts the probe's ring of n VTs (`workers` workers of `slots` slots, a pause per round)
    through `home`; returns the process once the VC is created."""
    p = bins.probe.start(home, "ring", str(n), str(rounds), "--workers", str(workers), "--slots",
                         str(slots), "--checkpoint-ms", str(checkpoint_ms), "--pause-us",
                         str(pause_us))
    line = p.stdout.readline()
    if not line.startswith(f"created workers={workers}"):
        p.kill()
        p.wait()
        raise TestFailure(f"probe said {line!r}")
    return p


def ring_result(p, out, err):
    """The resumes of the ring's VTs, after checking that it equals the fault-free run."""
    check(p.returncode == 0, f"exit {p.returncode}\n{out}\n{err}")
    m = re.search(r"ring results_match=1 sum_match=1 .* resumes=(\S+) resumed_at=(\S+)", out)
    check(m, f"results and the global equal the fault-free computation:\n{out}\n{err}")
    print(m.group(0))
    return [int(x) for x in m.group(1).split(",")], [int(x) for x in m.group(2).split(",")]


def ring_survives(bins, spares, kills, come_back=False, sig=signal.SIGKILL, checkpoint_ms=100,
                  workers=2, before_kill=None, n=4, worker_slots=2, rounds=1500):
    """A ring of 4 VTs on `workers` worker agents (2 slots each) exchanges messages and updates a
    global every round, checkpointing every 100 ms; `kills` of its busiest hosts are SIGKILLed at
    once (and, with come_back, restarted on their data dirs), `spares` more agents stand by;
    before_kill(workers) runs first. The VTs of the killed hosts resume elsewhere from their
    checkpoints; the results and the global equal the sequential computation (nothing lost,
    nothing applied twice); exactly the moved VTs report resumes >= 1."""
    with Cluster(bins.runtime) as c:
        home, agents = mesh(c, workers + spares, worker_slots=worker_slots)
        p = start_ring(bins, home, rounds=rounds, checkpoint_ms=checkpoint_ms, workers=workers,
                       n=n, slots=worker_slots)
        try:
            def running(w):
                return sum(e["running"] for e in w.status()["enrolments"])
            wait_for("the ring to run", lambda: sum(running(w) for w in agents) == n, 15,
                     interval=0.1)
            time.sleep(1.0)  # a few hundred rounds, several checkpoints
            if before_kill:
                before_kill(agents)
            victims = sorted((w for w in agents if running(w) > 0), key=running,
                             reverse=True)[:kills]
            moved = sum(running(v) for v in victims)
            for v in victims:
                v.signal(sig)
            for v in victims:
                v.wait_exit(5)
            if come_back:
                for v in victims:
                    c.add(v.name, join=[home.address], extra=["--slots", str(worker_slots)])
            out, err = p.communicate(timeout=90)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        resumes, resumed_at = ring_result(p, out, err)
        check(sum(1 for r in resumes if r >= 1) == moved,
              f"the {moved} VTs of the killed workers resumed, the others did not: {resumes}")
        return resumed_at


@case
def ring_more_vts_than_slots(bins):
    """A ring of 1,000 VTs on 2 worker agents of 1 slot each: a VT blocked in receive holds no
    slot (its executor lends it; worker and deployer count it out), so every VT runs, and the
    results and the global equal the sequential computation."""
    with Cluster(bins.runtime) as c:
        home, _ = mesh(c, 2, worker_slots=1)
        p = start_ring(bins, home, rounds=3, checkpoint_ms=0, workers=2, n=1000, slots=1,
                       pause_us=0)
        try:
            out, err = p.communicate(timeout=240)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        resumes, _ = ring_result(p, out, err)
        check(len(resumes) == 1000 and not any(resumes), f"no resumes: {resumes[:20]}")


@case
def ring_more_vts_than_slots_two_workers_sigkilled(bins):
    """40 ring VTs on 4 worker agents of 1 slot (a spare stands by); the two busiest are
    SIGKILLed: their VTs resume without waiting for free slots, nothing is lost or doubled."""
    ring_survives(bins, spares=1, kills=2, workers=4, n=40, worker_slots=1, rounds=300)


@case
def busy_worker_sigkilled(bins):
    """A worker running half of a ring is SIGKILLed; a spare agent takes its VTs."""
    ring_survives(bins, spares=1, kills=1)


@case
def two_busy_workers_sigkilled(bins):
    """Both workers of a ring are SIGKILLed at once; two spare agents take every VT."""
    ring_survives(bins, spares=2, kills=2)


@case
def worker_killed_while_capturing(bins):
    """Checkpoints every 5 ms: when the worker is SIGKILLed, captures are in flight (being taken
    in the executor, on the links, at the deployer); the VTs resume from the newest one that
    arrived whole."""
    ring_survives(bins, spares=1, kills=1, checkpoint_ms=5)


@case
def killed_worker_comes_back(bins):
    """No spare: the SIGKILLed worker is restarted on its data dir (a new incarnation) and is
    enrolled again; its VTs wait in the deployer until it has free slots, then resume there."""
    ring_survives(bins, spares=0, kills=1, come_back=True)


@case
def resume_from_a_replica(bins):
    """Three workers of 2 slots run a ring of 4 VTs, so one has free slots; every checkpoint is
    also kept by 2 other workers of the VC (replicas, the default), as their status shows. The
    busiest worker is SIGKILLed: its VTs resume (on a holder of their checkpoints where one has
    a free slot) and the ring still equals the fault-free computation."""
    def replicas_kept(agents):
        wait_for("workers to keep replicas of each other's checkpoints",
                 lambda: sum(w.status()["replicas_kept"] for w in agents) >= 4, 10, interval=0.1)
    ring_survives(bins, spares=0, kills=1, workers=3, before_kill=replicas_kept)


@case
def sigterm_migrates_vts(bins):
    """SIGTERM to a worker running half of a ring, with no periodic checkpoints: before it
    leaves, it captures its VTs where they are, and they resume on a spare agent from there (a
    resume from the start would report no resume round)."""
    resumed_at = ring_survives(bins, spares=1, kills=1, sig=signal.SIGTERM, checkpoint_ms=0)
    moved = [r for r in resumed_at if r >= 0]
    check(len(moved) >= 1 and all(r > 0 for r in moved),
          f"the moved VTs resumed mid-run, from the capture taken at SIGTERM: {resumed_at}")


@case
def deployer_agent_sigkilled(bins):
    """The client's own agent (the deployer) is SIGKILLed under a running ring: today the
    client's VTs fail with a clear error naming the lost connection (nothing hangs), and the
    workers stop the orphaned executors once membership declares the deployer dead."""
    with Cluster(bins.runtime) as c:
        home, workers = mesh(c, 2, worker_slots=2)
        p = start_ring(bins, home, rounds=100000)
        try:
            wait_for("the ring to run", lambda: len(executors_under(c)) == 2, 15,
                     interval=0.1)
            time.sleep(0.5)
            home.signal(signal.SIGKILL)
            home.wait_exit(5)
            out, err = p.communicate(timeout=60)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        check(p.returncode == 1, f"the ring fails: exit {p.returncode}\n{out}\n{err}")
        failures = [l for l in out.splitlines() if "kind=failure" in l]
        check(len(failures) == 4 and all("lost the connection to the agent" in l
                                         for l in failures),
              f"every VT fails naming the lost agent:\n{out}")
        wait_for("the workers to stop the orphaned executors",
                 lambda: executors_under(c) == [], 20, interval=0.2)


@case
def deployer_agent_restarts(bins):
    """The client's own agent is SIGKILLed under a running ring and restarted on its data dir
    (as a service manager would): the client creates the VC there again and resumes every VT
    from its checkpoint; the results and the global equal the fault-free computation."""
    with Cluster(bins.runtime) as c:
        home, workers = mesh(c, 2, worker_slots=2)
        p = start_ring(bins, home)
        try:
            wait_for("the ring to run", lambda: len(executors_under(c)) == 2, 15,
                     interval=0.1)
            time.sleep(1.0)
            home.signal(signal.SIGKILL)
            home.wait_exit(5)
            c.add(home.name, join=[workers[0].address], extra=["--slots", "0"])
            out, err = p.communicate(timeout=90)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        resumes, _ = ring_result(p, out, err)
        check(all(r >= 1 for r in resumes), f"every VT resumed: {resumes}")


@case
def no_agent(bins):
    """PPP2P_AGENT naming a data dir where no agent runs: a clear error, at once."""
    with Cluster(bins.runtime) as c:
        class Nowhere:
            data_dir = os.path.join(c.root, "nobody")
        r = bins.probe.run(Nowhere, "squares", "1", timeout=20)
        check(r.returncode == 3, f"exit {r.returncode}: {r.stdout} {r.stderr}")
        check("code=vc_unavailable" in r.stdout and "no agent is running" in r.stdout,
              r.stdout)


@case
def refused_min_speed(bins):
    """Nobody fast enough: the VC is refused, saying why."""
    with Cluster(bins.runtime) as c:
        home, workers = mesh(c, 2)
        r = bins.probe.run(home, "squares", "1", "--min-speed", "1000",
                           "--enrol-timeout-ms", "1000", timeout=30)
        check(r.returncode == 3, f"exit {r.returncode}: {r.stdout} {r.stderr}")
        check("code=vc_unavailable" in r.stdout, r.stdout)
        check("slower than min_speed 1000.0" in r.stdout, r.stdout)
        check(home.status()["vcs"] == [], "nothing left behind")


@case
def messages_through_mesh(bins):
    """The messages, globals and exactly-once tests of the embedded peer (test/vc), run through a
    3-agent mesh: a ring with a global sum, 100k ordered messages, back-pressure, linearizable
    updates, restarts from older checkpoints applying nothing twice, migrations to another worker
    and to a chosen one."""
    check(bins.vc_tests, "--vc-tests is required for this case")
    with Cluster(bins.runtime) as c:
        home, workers = mesh(c, 3)
        env = dict(os.environ)
        env["PPP2P_AGENT"] = home.data_dir
        tests = "--gtest_filter=Messages.*:Globals.*:ExactlyOnce.*:Migration.*"
        r = subprocess.run([bins.vc_tests, tests, "--gtest_brief=1"], env=env,
                           capture_output=True, text=True, timeout=240,
                           stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
        expect_ok(r, "the messages tests through agents")
        passed = re.search(r"\[  PASSED  \] (\d+) tests?", r.stdout)
        check(passed and int(passed.group(1)) >= 12, f"every test ran and passed:\n{r.stdout}")
        ran = {w.name: w.status()["vts_finished"] for w in workers}
        check(sum(ran.values()) >= 20 and sum(1 for v in ran.values() if v) >= 2,
              f"the VTs ran on the workers: {ran}")
        wait_for("the VCs to be released", lambda: home.status()["vcs"] == [], 10)


class Bins:
    def __init__(self, runtime, client, primes, vc_tests=None):
        self.runtime = runtime
        self.probe = Probe(client)
        self.primes = primes
        self.vc_tests = os.path.abspath(vc_tests) if vc_tests else None


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bin", required=True, help="path to ppp2p-runtime")
    parser.add_argument("--client", required=True, help="path to vc_probe")
    parser.add_argument("--primes", help="path to the primes example")
    parser.add_argument("--vc-tests", help="path to ppp2p_vc_tests (the embedded peer's tests)")
    parser.add_argument("case", choices=sorted(CASES))
    args = parser.parse_args()
    start = time.monotonic()
    try:
        CASES[args.case](Bins(args.bin, args.client, args.primes, args.vc_tests))
    except (TestFailure, subprocess.TimeoutExpired) as e:
        print(f"FAIL {args.case}: {e}", file=sys.stderr)
        return 1
    print(f"PASS {args.case} in {time.monotonic() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
