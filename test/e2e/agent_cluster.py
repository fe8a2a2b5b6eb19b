"""Starts, watches and stops real ppp2p-runtime agents on loopback, for the e2e tests.

Every agent gets its own data dir under one temporary directory, listens on 127.0.0.1:0 and
is found through the address file it writes. Agents die with the test process (PDEATHSIG), and
Cluster.close() kills whatever is still running and removes the directory, so a test leaves
no process, socket or file behind even when it fails.
"""

import ctypes
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def die_with_parent():
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class TestFailure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise TestFailure(message)


def wait_for(what, predicate, timeout, interval=0.05):
    """Polls predicate() until it returns a true value (returned) or timeout seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TestFailure(f"timed out after {timeout:.1f} s waiting for {what}")
        time.sleep(interval)


class Agent:
    def __init__(self, cluster, name, data_dir, args):
        self.cluster = cluster
        self.name = name
        self.data_dir = data_dir
        self.log_path = os.path.join(cluster.root, name + ".log")
        self.args = args
        self.proc = None
        self.address = None

    def start(self):
        # A killed agent leaves its address file behind: wait for the new one.
        try:
            os.remove(os.path.join(self.data_dir, "address"))
        except FileNotFoundError:
            pass
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.cluster.binary] + self.args, stdout=log, stderr=log,
                                     stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
        log.close()
        return self

    def wait_listening(self, timeout=15):
        path = os.path.join(self.data_dir, "address")

        def ready():
            if self.proc.poll() is not None:
                raise TestFailure(f"{self.name} exited with {self.proc.returncode} before "
                                  f"listening:\n{self.log()}")
            if os.path.exists(path):
                with open(path) as f:
                    text = f.read().strip()
                return text or None
            return None

        self.address = wait_for(f"{self.name} to listen", ready, timeout)
        return self.address

    @property
    def pid(self):
        return self.proc.pid

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TestFailure(f"{self.name} did not exit within {timeout} s")

    def status(self, timeout=10):
        """The agent's status as a dict, or None when it does not answer."""
        try:
            r = subprocess.run([self.cluster.binary, "status", "--data-dir", self.data_dir,
                                "--json"], capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        if r.returncode != 0:
            return None
        return json.loads(r.stdout)

    def view(self):
        """{address: state} of every member the agent knows, or None."""
        s = self.status()
        if s is None:
            return None
        return {p["address"]: p["state"] for p in s["peers"]}

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


class Cluster:
    def __init__(self, binary, key=None):
        self.binary = os.path.abspath(binary)
        # Short paths: Unix socket names are limited to 107 bytes.
        self.root = tempfile.mkdtemp(prefix="ppp2p-e2e-", dir="/tmp")
        self.agents = []
        self.key_file = self.write_key("cluster.key", key or os.urandom(32))

    def write_key(self, name, secret, mode=0o600):
        """A key file as `ppp2p-runtime keygen` makes them: 32 random bytes, mode 0600 (agents
        refuse anything else; tests of that refusal pass other secrets or modes)."""
        path = os.path.join(self.root, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secret)
        os.chmod(path, mode)
        return path

    def add(self, name=None, join=(), key_file=None, extra=(), wait=True):
        name = name or f"agent{len(self.agents)}"
        data_dir = os.path.join(self.root, name)
        args = ["--listen", "127.0.0.1:0", "--data-dir", data_dir,
                "--cluster-key-file", key_file or self.key_file, "--speed", "100"]
        for j in join:
            args += ["--join", j]
        args += list(extra)
        agent = Agent(self, name, data_dir, args).start()
        self.agents.append(agent)
        if wait:
            agent.wait_listening()
        return agent

    def start(self, n, **kwargs):
        """Starts n agents, each joining through the first one."""
        first = self.add(**kwargs)
        rest = [self.add(join=[first.address], wait=False, **kwargs) for _ in range(n - 1)]
        for a in rest:
            a.wait_listening()
        return [first] + rest

    def start_converged(self, n, timeout=30):
        """Starts n agents and waits until each lists all of them alive."""
        agents = self.start(n)
        wait_for(f"{n} agents to converge", lambda: self.converged(agents), timeout,
                 interval=0.2)
        return agents

    def converged(self, agents, expect_states=None):
        """True when every running agent in `agents` sees exactly the expected states."""
        expect = expect_states or {a.address: "alive" for a in agents}
        for a in agents:
            view = a.view()
            if view is None:
                return False
            if {addr: view.get(addr) for addr in expect} != expect:
                return False
        return True

    def dump_logs(self):
        out = []
        for a in self.agents:
            tail = "\n".join(a.log().splitlines()[-40:])
            out.append(f"----- {a.name} ({a.address}) -----\n{tail}")
        return "\n".join(out)

    def close(self):
        for a in self.agents:
            if a.proc is not None and a.proc.poll() is None:
                a.proc.kill()
        for a in self.agents:
            if a.proc is not None:
                try:
                    a.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is not None:
            print(self.dump_logs())
        self.close()
        return False
