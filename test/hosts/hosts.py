#!/usr/bin/env python3
"""Test hosts on one machine: N network namespaces on a private bridge, with per-host delay,
loss, partitions and CPU quotas, for end-to-end tests of ppp2p agents as if on N machines.

Layout of one set (prefix P = "pp2h<pid>", unique per run):

    namespace P-br   bridge "br0" and one port "h<i>" per host (nothing else lives there)
    namespace P-<i>  host i: "lo" up, "eth0" = 10.213.<S>.<i+1>/24 (the other end of h<i>)
    cgroup    P-<i>  (cgroup v2 cpu.max, or v1 cpu.cfs_quota_us) for what runs in host i

The root namespace is never touched: the veth pairs are created inside P-br with one end put
straight into the host's namespace, and the addresses exist only inside these namespaces, so
no packet of the test can reach the machine's real network (or another set: each set has its
own bridge namespace, so sets running at once cannot see each other even with equal subnets).

Delay and loss: the kernel here may lack netem (sch_netem); hosts use an NFQUEUE delayer
instead: an iptables rule in the host's namespace queues every packet it sends on eth0 to a
small process of this file (`_delay`), which accepts each packet `delay_ms` later and drops a
`loss` share of them (like netem on the host's egress). Needs iptables with the NFQUEUE target.

Partition: the bridge's port of the host goes down (eth0 loses its carrier): packets in both
directions vanish silently, as when a cable is pulled; heal() brings it back up.
block(a, b): the two hosts drop each other's packets (iptables INPUT in both namespaces), all
other paths stay up.

Teardown (Hosts.close(), also through `with`, atexit, SIGTERM/SIGINT/SIGHUP) kills every process
in the set's namespaces and cgroups, deletes the namespaces, the bridge and the cgroups; it is
idempotent. `hosts.py sweep` removes leftovers of runs whose process is gone.

As a library:
    with Hosts(4, delay_ms=2, loss=1.0, cpu_percent=[None, 50, None, None]) as h:
        p = h.run(0, ["ppp2p-runtime", "--listen", h.addr(0) + ":7000", ...])
        h.partition(1); ...; h.heal(1)
Hosts() raises Unavailable (with the reason) where namespaces cannot be made; tests exit 77.

As a command line (the set stays until `down`; state in /run/pp2h/):
    hosts.py up 4 [--delay-ms 2] [--loss 1] [--cpu 100,50,...] [--name NAME]
    hosts.py exec NAME I -- COMMAND...      run a command in host I (0-based)
    hosts.py partition NAME I | heal NAME I | block NAME I J | unblock NAME I J
    hosts.py list | down [NAME|--all] | sweep
"""

import argparse
import atexit
import ctypes
import heapq
import json
import os
import random
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

STATE_DIR = "/run/pp2h"
PREFIX = "pp2h"
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


class Unavailable(Exception):
    """Namespaces (or a feature asked for) cannot be had here; the message says why."""


def _sh(argv, check=True, quiet=False):
    r = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {r.returncode}: {r.stderr.strip()}")
    return r


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def _cgroup_root():
    """(path, is_v2) of a cgroup hierarchy with a writable cpu controller, or (None, why)."""
    v2 = "/sys/fs/cgroup"
    try:
        with open(os.path.join(v2, "cgroup.subtree_control")) as f:
            if "cpu" in f.read().split() and os.access(v2, os.W_OK):
                return v2, True
    except OSError:
        pass
    v1 = "/sys/fs/cgroup/cpu"
    if os.path.exists(os.path.join(v1, "cpu.cfs_quota_us")) and os.access(v1, os.W_OK):
        return v1, False
    return None, ("no writable cgroup cpu controller (cgroup v2 cpu.max with cpu in "
                  "/sys/fs/cgroup/cgroup.subtree_control, or v1 /sys/fs/cgroup/cpu)")


def check_available():
    """None when network namespaces can be made here, else the reason."""
    if os.geteuid() != 0:
        return "not root (network namespaces, veth and bridges need CAP_NET_ADMIN)"
    if not shutil.which("ip"):
        return "no `ip` command (install iproute2: scripts/install-deps)"
    probe = f"{PREFIX}probe{os.getpid()}"
    r = _sh(["ip", "netns", "add", probe], check=False)
    if r.returncode != 0:
        return f"`ip netns add` fails: {r.stderr.strip()}"
    try:
        r = _sh(["ip", "-n", probe, "link", "add", "br0", "type", "bridge"], check=False)
        if r.returncode != 0:
            return f"cannot create a bridge in a namespace: {r.stderr.strip()}"
        r = _sh(["ip", "-n", probe, "link", "add", "vp0", "type", "veth", "peer", "name", "vp1"],
                check=False)
        if r.returncode != 0:
            return f"cannot create a veth pair in a namespace: {r.stderr.strip()}"
    finally:
        _sh(["ip", "netns", "del", probe], check=False)
    return None


def check_shaping():
    """None when delay/loss/block can be had (iptables NFQUEUE in a namespace), else why."""
    if not shutil.which("iptables"):
        return "no `iptables` command (needed for delay, loss and block; scripts/install-deps)"
    return None


def _setns(name):
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({name}): {os.strerror(err)}")
    finally:
        os.close(fd)


class Host:
    def __init__(self, index, netns, address, cgroup):
        self.index = index
        self.netns = netns
        self.address = address
        self.cgroup = cgroup
        self.partitioned = False

    def __repr__(self):
        return f"Host({self.index}, {self.netns}, {self.address})"


class Hosts:
    def __init__(self, n, delay_ms=0.0, loss=0.0, cpu_percent=None, name=None, subnet=None,
                 detached=False, log_dir=None):
        """n hosts; delay_ms and loss (percent) apply to every host, or per host as lists;
        cpu_percent: per host a share of one core (100 = one core) or None (no limit)."""
        why = check_available()
        if why:
            raise Unavailable(why)
        self.n = n
        self.name = name or f"{PREFIX}{os.getpid()}"
        self.bridge_ns = f"{self.name}-br"
        third = subnet if subnet is not None else (os.getpid() % 250) + 1
        self.subnet = f"10.213.{third}"
        self.detached = detached
        self.log_dir = log_dir
        self.procs = []          # Popen objects started by run()
        self.cgroup_root = None
        self.cgroup_v2 = False
        self.closed = False
        self.hosts = []
        self.delay = self._per_host(delay_ms, "delay_ms")
        self.loss = self._per_host(loss, "loss")
        cpus = self._per_host(cpu_percent, "cpu_percent")
        if any(self.delay) or any(self.loss):
            why = check_shaping()
            if why:
                raise Unavailable(why)
        if any(c is not None for c in cpus):
            self.cgroup_root, why = _cgroup_root()
            if self.cgroup_root is None:
                raise Unavailable(why)
            self.cgroup_v2 = why
        self.blocked = set()
        if not detached:
            _register(self)
        try:
            self._create(cpus)
        except BaseException:
            self.close()
            raise
        self._save_state()

    def _per_host(self, value, what):
        if isinstance(value, (list, tuple)):
            if len(value) != self.n:
                raise ValueError(f"{what}: {len(value)} values for {self.n} hosts")
            return list(value)
        return [value] * self.n

    # ----- creation --------------------------------------------------------------------------

    def _create(self, cpus):
        _sh(["ip", "netns", "add", self.bridge_ns])
        br = ["ip", "-n", self.bridge_ns]
        _sh(br + ["link", "set", "lo", "up"])
        _sh(br + ["link", "add", "br0", "type", "bridge"])
        _sh(br + ["link", "set", "br0", "up"])
        for i in range(self.n):
            ns = f"{self.name}-{i}"
            host = Host(i, ns, f"{self.subnet}.{i + 1}", None)
            self.hosts.append(host)
            _sh(["ip", "netns", "add", ns])
            _sh(br + ["link", "add", f"h{i}", "type", "veth", "peer", "name", "eth0", "netns",
                      ns])
            _sh(br + ["link", "set", f"h{i}", "master", "br0", "up"])
            hn = ["ip", "-n", ns]
            _sh(hn + ["link", "set", "lo", "up"])
            _sh(hn + ["addr", "add", f"{host.address}/24", "dev", "eth0"])
            _sh(hn + ["link", "set", "eth0", "up"])
            if cpus[i] is not None:
                host.cgroup = self._make_cgroup(ns, cpus[i])
            if self.delay[i] or self.loss[i]:
                self._start_delayer(host, self.delay[i] or 0.0, self.loss[i] or 0.0)

    def _make_cgroup(self, name, percent):
        path = os.path.join(self.cgroup_root, name)
        os.makedirs(path, exist_ok=True)
        period = 10000  # µs: short periods keep a limited host's pace even
        quota = max(1000, int(period * percent / 100))
        if self.cgroup_v2:
            _write(os.path.join(path, "cpu.max"), f"{quota} {period}")
        else:
            _write(os.path.join(path, "cpu.cfs_period_us"), str(period))
            _write(os.path.join(path, "cpu.cfs_quota_us"), str(quota))
        return path

    def _start_delayer(self, host, delay_ms, loss):
        # The delayer models the network, not the host: it runs outside the host's cgroup.
        argv = [sys.executable, os.path.abspath(__file__), "_delay", "--queue", "0",
                "--delay-ms", str(delay_ms), "--loss", str(loss)]
        p = self.run(host.index, argv, cgroup=False, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE)
        line = p.stdout.readline()
        if not line.startswith("ready"):
            err = p.stderr.read() if p.poll() is not None else ""
            raise Unavailable(f"the NFQUEUE delayer did not start in {host.netns}: {line!r} "
                              f"{err.strip()}")
        p.stdout.close()
        host.delayer = p
        r = self.iptables(host.index, "-A", "OUTPUT", "-o", "eth0", "-j", "NFQUEUE",
                          "--queue-num", "0", "--queue-bypass", check=False)
        if r.returncode != 0:
            raise Unavailable(f"iptables NFQUEUE in a namespace: {r.stderr.strip()}")

    # ----- use -------------------------------------------------------------------------------

    def addr(self, i):
        return self.hosts[i].address

    def iptables(self, i, *args, check=True):
        return _sh(["ip", "netns", "exec", self.hosts[i].netns, "iptables", "-w"] + list(args),
                   check=check)

    def run(self, i, argv, cgroup=True, env=None, stdout=None, stderr=None, stdin=None,
            die_with_parent=True, text=True, **kwargs):
        """Starts argv in host i (its network namespace and, with cgroup, its CPU cgroup).
        Returns the Popen; teardown kills it (and everything else in the host)."""
        host = self.hosts[i]
        group = host.cgroup if cgroup else None
        pdeath = die_with_parent and not self.detached

        def enter():
            _setns(host.netns)
            if group:
                _write(os.path.join(group, "cgroup.procs"), str(os.getpid()))
            if pdeath:
                _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
            if self.detached:
                os.setsid()

        p = subprocess.Popen(argv, env=env, stdout=stdout, stderr=stderr,
                             stdin=subprocess.DEVNULL if stdin is None else stdin,
                             preexec_fn=enter, text=text, **kwargs)
        self.procs.append(p)
        return p

    def run_wait(self, i, argv, timeout=None, **kwargs):
        """Runs argv in host i to its end; returns CompletedProcess-like (returncode, stdout,
        stderr as text)."""
        p = self.run(i, argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            raise
        return subprocess.CompletedProcess(argv, p.returncode, out, err)

    def partition(self, i):
        """Cuts host i off: the bridge's port goes down, nothing passes either way."""
        _sh(["ip", "-n", self.bridge_ns, "link", "set", f"h{i}", "down"])
        self.hosts[i].partitioned = True

    def heal(self, i):
        _sh(["ip", "-n", self.bridge_ns, "link", "set", f"h{i}", "up"])
        self.hosts[i].partitioned = False

    def block(self, i, j):
        """Hosts i and j drop each other's packets (silently); other paths stay up."""
        why = check_shaping()
        if why:
            raise Unavailable(why)
        self.iptables(i, "-I", "INPUT", "-s", self.addr(j), "-j", "DROP")
        self.iptables(j, "-I", "INPUT", "-s", self.addr(i), "-j", "DROP")
        self.blocked.add((i, j))

    def unblock(self, i, j):
        self.iptables(i, "-D", "INPUT", "-s", self.addr(j), "-j", "DROP", check=False)
        self.iptables(j, "-D", "INPUT", "-s", self.addr(i), "-j", "DROP", check=False)
        self.blocked.discard((i, j))

    def pids(self, i):
        """Pids of every process in host i's namespace."""
        r = _sh(["ip", "netns", "pids", self.hosts[i].netns], check=False)
        return [int(x) for x in r.stdout.split()]

    # ----- teardown --------------------------------------------------------------------------

    def close(self):
        if self.closed:
            return
        self.closed = True
        teardown(self.name, [h.netns for h in self.hosts] or None)
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except Exception:
                pass
            for f in (p.stdout, p.stderr, p.stdin):
                try:
                    if f:
                        f.close()
                except Exception:
                    pass
        _unregister(self)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()
        return False

    def _save_state(self):
        try:
            os.makedirs(STATE_DIR, exist_ok=True)
            _write(os.path.join(STATE_DIR, self.name + ".json"), json.dumps({
                "name": self.name, "owner": os.getpid(), "detached": self.detached,
                "bridge_ns": self.bridge_ns,
                "hosts": [{"netns": h.netns, "address": h.address, "cgroup": h.cgroup}
                          for h in self.hosts]}))
        except OSError:
            pass


def _netns_list():
    r = _sh(["ip", "netns", "list"], check=False)
    return [line.split()[0] for line in r.stdout.splitlines() if line.strip()]


def _belongs(pid, ns_inodes, groups):
    """True if process pid is in one of the namespaces (by inode) or cgroups (by name)."""
    try:
        if os.stat(f"/proc/{pid}/ns/net").st_ino in ns_inodes:
            return True
    except OSError:
        pass
    if groups:
        try:
            with open(f"/proc/{pid}/cgroup") as f:
                text = f.read()
        except OSError:
            return False
        return any(f"/{g}\n" in text for g in groups)
    return False


def _kill_members(ns_inodes, groups):
    """SIGKILLs every process in the namespaces or cgroups; returns how many it found. Each is
    checked again through a pidfd before the signal, so a pid reused meanwhile by a process
    elsewhere on the machine is never hit."""
    found = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        pid = int(entry)
        if not _belongs(pid, ns_inodes, groups):
            continue
        found += 1
        try:
            fd = os.pidfd_open(pid)
        except OSError:
            continue
        try:
            if _belongs(pid, ns_inodes, groups):
                signal.pidfd_send_signal(fd, signal.SIGKILL)
        except OSError:
            pass
        finally:
            os.close(fd)
    return found


def teardown(name, netns=None):
    """Kills everything in set `name`'s namespaces and cgroups and deletes them. Idempotent."""
    all_ns = _netns_list()
    mine = [ns for ns in all_ns if ns.startswith(name + "-")]
    if netns:
        mine = sorted(set(mine) | (set(netns) & set(all_ns)))
    inodes = set()
    for ns in mine:
        try:
            inodes.add(os.stat(f"/run/netns/{ns}").st_ino)
        except OSError:
            pass
    groups = [os.path.basename(g) for g in _cgroups_of(name)]
    # Processes first (several rounds: a dying agent's executors, a child forked meanwhile).
    for _ in range(40):
        if not _kill_members(inodes, groups):
            break
        time.sleep(0.05)
    for ns in mine:
        _sh(["ip", "netns", "del", ns], check=False)
    for g in _cgroups_of(name):
        for _ in range(50):
            try:
                os.rmdir(g)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.05)
    try:
        os.remove(os.path.join(STATE_DIR, name + ".json"))
    except OSError:
        pass


def _cgroups_of(name):
    out = []
    for root in ("/sys/fs/cgroup", "/sys/fs/cgroup/cpu"):
        try:
            for entry in os.listdir(root):
                if entry.startswith(name + "-"):
                    out.append(os.path.join(root, entry))
        except OSError:
            pass
    return out


# ----- teardown on exit and on signals --------------------------------------------------------

_live = []
_hooked = False


def _register(h):
    global _hooked
    _live.append(h)
    if not _hooked:
        _hooked = True
        atexit.register(_close_all)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            prev = signal.getsignal(sig)
            if prev in (signal.SIG_DFL, signal.default_int_handler, None):
                signal.signal(sig, _on_signal)


def _unregister(h):
    if h in _live:
        _live.remove(h)


def _close_all():
    for h in list(_live):
        try:
            h.close()
        except Exception as e:  # teardown must go on for the other sets
            print(f"hosts: teardown of {h.name}: {e}", file=sys.stderr)


def _on_signal(sig, frame):
    _close_all()
    signal.signal(sig, signal.SIG_DFL)
    os.kill(os.getpid(), sig)


def sweep():
    """Removes sets whose owning process is gone (and that were not made by `up`)."""
    names = set()
    for ns in _netns_list():
        if ns.startswith(PREFIX) and "-" in ns:
            names.add(ns.rsplit("-", 1)[0])
    for g in _cgroups_of(PREFIX):
        names.add(os.path.basename(g).rsplit("-", 1)[0])
    removed = []
    for name in sorted(names):
        state = _load_state(name)
        if state and state.get("detached"):
            continue
        owner = state.get("owner") if state else None
        if owner is None and name[len(PREFIX):].isdigit():
            owner = int(name[len(PREFIX):])
        if owner is not None and os.path.exists(f"/proc/{owner}"):
            continue
        teardown(name)
        removed.append(name)
    return removed


def _load_state(name):
    try:
        with open(os.path.join(STATE_DIR, name + ".json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


# ----- the NFQUEUE delayer ---------------------------------------------------------------------

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG = 0, 1, 2
NFQA_PACKET_HDR, NFQA_VERDICT_HDR = 1, 2
NFQA_CFG_CMD, NFQA_CFG_PARAMS = 1, 2
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
NF_DROP, NF_ACCEPT = 0, 1


def _nla(kind, data):
    length = 4 + len(data)
    return struct.pack("=HH", length, kind) + data + b"\0" * (-length % 4)


def _nfmsg(msg, flags, seq, res_id, attrs, family=socket.AF_UNSPEC):
    body = struct.pack("!BBH", family, 0, res_id) + attrs
    return struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg, flags, seq,
                       0) + body


def delayer(queue, delay_ms, loss, seed=None):
    """Accepts each packet of NFQUEUE `queue` delay_ms after it arrived, drops loss % of them."""
    rng = random.Random(seed)
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind((0, 0))

    def request(msg, attrs, seq):
        sock.send(_nfmsg(msg, NLM_F_REQUEST | NLM_F_ACK, seq, queue, attrs))
        data = sock.recv(65536)
        length, kind = struct.unpack_from("=IH", data)
        if kind == NLMSG_ERROR:
            err = struct.unpack_from("=i", data, 16)[0]
            if err != 0:
                raise OSError(-err, f"nfqueue config: {os.strerror(-err)}")

    request(NFQNL_MSG_CONFIG, _nla(NFQA_CFG_CMD, struct.pack("!BxH", NFQNL_CFG_CMD_BIND,
                                                              socket.AF_INET)), 1)
    request(NFQNL_MSG_CONFIG, _nla(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META)), 2)
    print("ready", flush=True)
    delay = delay_ms / 1000.0
    pending = []  # (due, id)
    seq = 10

    def verdict(pid, v):
        nonlocal seq
        seq += 1
        try:
            sock.send(_nfmsg(NFQNL_MSG_VERDICT, NLM_F_REQUEST, seq, queue,
                             _nla(NFQA_VERDICT_HDR, struct.pack("!II", v, pid))))
        except OSError:
            pass

    while True:
        now = time.monotonic()
        timeout = max(0.0, pending[0][0] - now) if pending else None
        ready, _, _ = select.select([sock], [], [], timeout)
        if ready:
            try:
                data = sock.recv(1 << 16)
            except OSError:  # ENOBUFS: the kernel dropped some (fail-open is not set)
                continue
            now = time.monotonic()
            off = 0
            while off + 16 <= len(data):
                length, kind = struct.unpack_from("=IH", data, off)
                if length < 16:
                    break
                if kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                    a = off + 20
                    while a + 4 <= off + length:
                        alen, atype = struct.unpack_from("=HH", data, a)
                        if alen < 4:
                            break
                        if (atype & 0x7fff) == NFQA_PACKET_HDR:
                            pid = struct.unpack_from("!I", data, a + 4)[0]
                            if loss and rng.random() * 100.0 < loss:
                                verdict(pid, NF_DROP)
                            elif delay <= 0:
                                verdict(pid, NF_ACCEPT)
                            else:
                                heapq.heappush(pending, (now + delay, pid))
                            break
                        a += (alen + 3) & ~3
                off += (length + 3) & ~3
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            verdict(heapq.heappop(pending)[1], NF_ACCEPT)


# ----- command line ----------------------------------------------------------------------------

def _attach(name):
    """A Hosts object for an existing set made by `up` (for exec, partition, ...)."""
    state = _load_state(name)
    if not state:
        sys.exit(f"hosts: no set named {name} (see `hosts.py list`)")
    h = Hosts.__new__(Hosts)
    h.name, h.bridge_ns, h.detached, h.procs, h.closed = name, state["bridge_ns"], True, [], False
    h.blocked = set()
    h.hosts = [Host(i, x["netns"], x["address"], x["cgroup"])
               for i, x in enumerate(state["hosts"])]
    h.n = len(h.hosts)
    return h


def _floats(text, n, what):
    if text is None:
        return 0.0
    parts = text.split(",")
    if len(parts) == 1:
        return float(parts[0])
    if len(parts) != n:
        sys.exit(f"hosts: --{what} lists {len(parts)} values for {n} hosts")
    return [float(p) for p in parts]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="create N hosts (they stay until `down`)")
    up.add_argument("n", type=int)
    up.add_argument("--delay-ms", help="per-host egress delay (one value, or one per host)")
    up.add_argument("--loss", help="per-host egress loss in percent (one, or one per host)")
    up.add_argument("--cpu", help="per-host CPU quota in percent of a core, e.g. 100,50,- ")
    up.add_argument("--name", help="set name (default pp2hc<pid>)")
    ex = sub.add_parser("exec", help="run a command in a host")
    ex.add_argument("name")
    ex.add_argument("host", type=int)
    ex.add_argument("argv", nargs=argparse.REMAINDER)
    for cmd in ("partition", "heal"):
        p = sub.add_parser(cmd)
        p.add_argument("name")
        p.add_argument("host", type=int)
    for cmd in ("block", "unblock"):
        p = sub.add_parser(cmd)
        p.add_argument("name")
        p.add_argument("a", type=int)
        p.add_argument("b", type=int)
    sub.add_parser("list")
    down = sub.add_parser("down", help="tear a set down (default: every set made by `up`)")
    down.add_argument("name", nargs="?")
    down.add_argument("--all", action="store_true", help="every pp2h* set, running or not")
    sub.add_parser("sweep", help="remove sets whose owning process is gone")
    sub.add_parser("check", help="exit 0 if namespaces work here, 77 with the reason if not")
    d = sub.add_parser("_delay")
    d.add_argument("--queue", type=int, default=0)
    d.add_argument("--delay-ms", type=float, default=0.0)
    d.add_argument("--loss", type=float, default=0.0)
    d.add_argument("--seed", type=int)
    a = ap.parse_args()

    if a.cmd == "_delay":
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        delayer(a.queue, a.delay_ms, a.loss, a.seed)
        return 0
    if a.cmd == "check":
        why = check_available()
        print(why or "network namespaces: available")
        return 77 if why else 0
    if a.cmd == "up":
        cpus = None
        if a.cpu:
            cpus = [None if c in ("-", "") else float(c) for c in a.cpu.split(",")]
            if len(cpus) == 1:
                cpus = cpus * a.n
        try:
            h = Hosts(a.n, delay_ms=_floats(a.delay_ms, a.n, "delay-ms"),
                      loss=_floats(a.loss, a.n, "loss"), cpu_percent=cpus,
                      name=a.name or f"{PREFIX}c{os.getpid()}", detached=True)
        except Unavailable as e:
            print(f"hosts: unavailable: {e}", file=sys.stderr)
            return 77
        print(f"set {h.name}: bridge namespace {h.bridge_ns}")
        for host in h.hosts:
            print(f"  host {host.index}: namespace {host.netns} address {host.address}"
                  + (f" cgroup {host.cgroup}" if host.cgroup else ""))
        print(f"run in host 0: {sys.argv[0]} exec {h.name} 0 -- COMMAND; "
              f"tear down: {sys.argv[0]} down {h.name}")
        return 0
    if a.cmd == "exec":
        h = _attach(a.name)
        argv = a.argv[1:] if a.argv and a.argv[0] == "--" else a.argv
        if not argv:
            sys.exit("hosts: exec needs a command")
        host = h.hosts[a.host]
        _setns(host.netns)
        if host.cgroup:
            _write(os.path.join(host.cgroup, "cgroup.procs"), str(os.getpid()))
        os.execvp(argv[0], argv)
    if a.cmd in ("partition", "heal"):
        getattr(_attach(a.name), a.cmd)(a.host)
        return 0
    if a.cmd in ("block", "unblock"):
        getattr(_attach(a.name), a.cmd)(a.a, a.b)
        return 0
    if a.cmd == "list":
        for ns in _netns_list():
            if ns.startswith(PREFIX):
                print(ns)
        return 0
    if a.cmd == "down":
        if a.name:
            names = [a.name]
        else:
            names = set()
            for ns in _netns_list():
                if ns.startswith(PREFIX) and "-" in ns:
                    n = ns.rsplit("-", 1)[0]
                    st = _load_state(n)
                    if a.all or (st and st.get("detached")):
                        names.add(n)
            names = sorted(names)
        for n in names:
            teardown(n)
            print(f"removed {n}")
        return 0
    if a.cmd == "sweep":
        for n in sweep():
            print(f"removed {n}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
