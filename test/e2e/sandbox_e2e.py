#!/usr/bin/env python3
"""The executor sandbox through real agents (agent/sandbox): a worker agent runs the VTs of
sandbox_probe, each of which tries one escape; every one must be contained and the agents must
stay healthy. Also: a tampered module in the worker's cache is not executed but fetched again,
and --no-sandbox runs
executors plainly (with the agent's environment) after a loud warning.

Usage: sandbox_e2e.py --bin build/bin/ppp2p-runtime --probe build/bin/sandbox_probe CASE
Exits 77 (skipped) where bwrap cannot make a sandbox here, saying why."""

import argparse
import os
import re
import subprocess
import sys

from agent_cluster import Cluster, TestFailure, check, wait_for

CASES = {}
CANARY = "PPP2P_SANDBOX_CANARY"


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def run_probe(probe, agent, attempts, timeout=120):
    env = dict(os.environ)
    env["PPP2P_AGENT"] = agent.data_dir
    r = subprocess.run([probe] + attempts, capture_output=True, text=True, env=env,
                       timeout=timeout)
    print(r.stdout, end="")
    outcomes = {}
    for line in r.stdout.splitlines():
        spec, _, outcome = line.partition(": ")
        outcomes[spec] = outcome
    return r, outcomes


def start_pair(c, worker_extra):
    """A client agent without slots and a worker agent with one slot."""
    home = c.add("home", extra=["--slots", "0"])
    worker = c.add("worker", join=[home.address], extra=["--slots", "1"] + worker_extra)
    wait_for("2 agents to converge", lambda: c.converged([home, worker]), 30, interval=0.2)
    return home, worker


def expect(outcomes, spec, pattern):
    got = outcomes.get(spec)
    check(got is not None, f"{spec}: no outcome reported")
    check(re.fullmatch(pattern, got),
          f"{spec}: expected /{pattern}/, got '{got}'")
    return got


@case
def escapes(a):
    os.environ[CANARY] = "agent-secret"  # the agents inherit it; executors must not
    marker = f"/tmp/ppp2p-sandbox-escape-{os.getpid()}"
    with Cluster(a.bin) as c:
        home, worker = start_pair(c, ["--executor-memory", "512", "--executor-processes", "64"])
        check("executors run in a sandbox" in worker.log(),
              f"the worker does not say that it sandboxes executors:\n{worker.log()}")
        port = worker.address.rsplit(":", 1)[1]
        data = worker.data_dir
        attempts = [
            f"read={c.key_file}", f"read={data}/identity.key", f"list={data}/modules",
            f"write={data}/escaped", f"write={marker}", f"tcp={port}", "raw-socket", "ptrace",
            "fork=300", "raise-limit", "memory", f"kill={worker.pid}", f"env={CANARY}",
            "env=HOME", "processes", "square=12"]
        r, out = run_probe(a.probe, home, attempts)
        check(r.returncode == 0, f"sandbox_probe exited {r.returncode}: {r.stderr}")
        for spec in attempts[:3]:
            expect(out, spec, r"result errno ENOENT from (open|opendir)")
        expect(out, f"write={data}/escaped", r"result errno (ENOENT|EROFS|EACCES) from open")
        # /tmp is the executor's own tmpfs: writing there works and leaves nothing on the host.
        expect(out, f"write={marker}", r"result ok wrote .*")
        check(not os.path.exists(marker), f"{marker} appeared on the host")
        # Each names the call the sandbox refused.
        for spec, call in ((f"tcp={port}", "socket"), ("raw-socket", "socket"),
                           ("ptrace", "ptrace")):
            expect(out, spec,
                   rf"failure sandbox_violation: .*forbidden system call: {call} \(\d+\).*")
        forked = expect(out, "fork=300", r"result forked (\d+) of 300, errno EAGAIN from fork")
        check(int(re.search(r"forked (\d+)", forked).group(1)) < 64,
              f"more processes than --executor-processes 64: {forked}")
        expect(out, "raise-limit", r"result errno EPERM from setrlimit")
        agent_mib = int(re.fullmatch(r"result bad_alloc after (\d+) MiB", expect(
            out, "memory", r"result bad_alloc after \d+ MiB")).group(1))
        check(agent_mib <= 512, f"allocated {agent_mib} MiB with --executor-memory 512")
        expect(out, f"kill={worker.pid}", r"result errno ESRCH from kill")
        expect(out, f"env={CANARY}", r"result unset")
        expect(out, "env=HOME", r"result unset")
        seen = int(re.fullmatch(r"result ok (\d+) processes",
                                expect(out, "processes", r"result ok \d+ processes")).group(1))
        check(seen <= 3, f"the executor sees {seen} processes: not its own PID namespace")
        expect(out, "square=12", r"result ok 144")
        # A VC's own memory limit, below the agent's, applies to its executors.
        r, out = run_probe(a.probe, home, ["--memory-limit", "256", "memory"])
        mib = int(re.fullmatch(r"result bad_alloc after (\d+) MiB", expect(
            out, "memory", r"result bad_alloc after \d+ MiB")).group(1))
        r, _ = run_probe(a.probe, home, ["--memory-limit", "10", "square=2"])
        check(re.search(r"vc: failure vc_unavailable: .*memory_limit_mib must be 0 or from 64",
                        r.stdout), f"a 10 MiB limit was not refused clearly: {r.stdout}")
        check(mib <= 256 and mib < agent_mib,
              f"allocated {mib} MiB with memory_limit_mib 256 (and {agent_mib} with the agent's "
              f"512)")
        # The agents are unaffected: both running, each sees the other alive.
        check(home.running() and worker.running(), "an agent died")
        check(c.converged([home, worker]), "the agents no longer see each other alive")
    print("PASS: every escape contained; the agents healthy")


@case
def tampered_module(a):
    with Cluster(a.bin) as c:
        home, worker = start_pair(c, [])
        r, out = run_probe(a.probe, home, ["square=7"])
        expect(out, "square=7", r"result ok 49")
        modules = os.path.join(worker.data_dir, "modules")
        files = [f for f in os.listdir(modules) if re.fullmatch(r"[0-9a-f]{64}", f)]
        check(len(files) == 1, f"expected one cached module, found {files}")
        path = os.path.join(modules, files[0])
        os.chmod(path, 0o700)
        with open(path, "r+b") as f:  # same size, one byte changed deep inside
            f.seek(os.path.getsize(path) // 2)
            byte = f.read(1)
            f.seek(-1, os.SEEK_CUR)
            f.write(bytes([byte[0] ^ 0xFF]))
        # The worker finds the damage before executing, drops its copy and fetches it again.
        r, out = run_probe(a.probe, home, ["square=8"], timeout=60)
        expect(out, "square=8", r"result ok 64")
        with open(path, "rb") as f:
            f.seek(os.path.getsize(path) // 2)
            check(f.read(1) == byte, "the cached module was not replaced by a good copy")
        check(worker.status()["modules"]["fetched"] == 2,
              f"expected the module fetched once more: {worker.status()['modules']}")
        check(worker.running(), "the worker died")
    print("PASS: a tampered module is not executed; the worker fetches it again")


@case
def no_sandbox(a):
    os.environ[CANARY] = "agent-secret"
    with Cluster(a.bin) as c:
        home, worker = start_pair(c, ["--no-sandbox"])
        check("--no-sandbox: executors run with this agent's user" in worker.log(),
              f"no warning for --no-sandbox:\n{worker.log()}")
        r, out = run_probe(a.probe, home, [f"env={CANARY}"])
        expect(out, f"env={CANARY}", r"result ok PPP2P_SANDBOX_CANARY=agent-secret")
    print("PASS: --no-sandbox runs executors plainly, after a warning")


def sandbox_unavailable(binary):
    """Why agents cannot sandbox here (their own start-up check), or None."""
    with Cluster(binary) as c:
        agent = c.add("probe", wait=False)
        try:
            agent.wait_listening()
            return None
        except TestFailure:
            log = agent.log()
            if "cannot sandbox executors" in log:
                return log.strip().splitlines()[-1]
            raise


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--probe", required=True)
    p.add_argument("case", choices=sorted(CASES))
    a = p.parse_args()
    a.probe = os.path.abspath(a.probe)
    why = sandbox_unavailable(a.bin)
    if why:
        print(f"SKIP: {why}")
        return 77
    try:
        CASES[a.case](a)
    except TestFailure as e:
        print(f"FAIL: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
