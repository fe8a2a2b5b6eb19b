#!/usr/bin/env python3
"""Differential oracle for one program built with the ppp2p plugin.

1. run it plainly; 2. record, capturing at every checkpoint(): same result;
3. resume every snapshot in a fresh process: same result;
4. record again from some snapshots (second hop) and resume each of those: same result;
5. truncated, random and bit-flipped snapshots: a clean snapshot_error (exit 3), never a crash;
6. with --memcheck: record, and resume the middle snapshot, under valgrind: no use of
   uninitialised memory, no invalid access (a capture of an object not yet constructed, or
   a restore that leaves one half-built, shows here first).
"""
import os
import random
import subprocess
import sys
import tempfile


def run(args, expect_ok=True):
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300)
    if expect_ok and proc.returncode != 0:
        sys.exit(f"FAIL: {' '.join(args)} exited {proc.returncode}\n{proc.stdout}{proc.stderr}")
    return proc


def result_of(output, what):
    for line in output.splitlines():
        if line.startswith("result "):
            return line[len("result "):]
    sys.exit(f"FAIL: no result from {what}:\n{output}")


def snapshot_files(directory):
    return sorted(os.path.join(directory, f) for f in os.listdir(directory) if f.endswith(".snap"))


def memcheck(program, args):
    supp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "valgrind.supp")
    # Frames of megabytes (megabyte_arrays) would look like a switch of stacks to memcheck.
    run(["valgrind", "-q", "--error-exitcode=99", "--max-stackframe=16000000",
         f"--suppressions={supp}", program] + args)


def main():
    program = sys.argv[1]
    with_memcheck = "--memcheck" in sys.argv[2:]
    name = os.path.basename(program)
    rng = random.Random(name)
    plain = result_of(run([program, "plain"]).stdout, "plain run")
    with tempfile.TemporaryDirectory() as tmp:
        first = os.path.join(tmp, "first")
        os.mkdir(first)
        recorded = result_of(run([program, "record", first]).stdout, "record")
        if recorded != plain:
            sys.exit(f"FAIL: recording changed the result: {recorded} != {plain}")
        snaps = snapshot_files(first)
        if not snaps:
            sys.exit("FAIL: no snapshot was captured")
        for snap in snaps:
            got = result_of(run([program, "resume", snap]).stdout, f"resume {snap}")
            if got != plain:
                sys.exit(f"FAIL: resuming {os.path.basename(snap)} gave {got}, expected {plain}")

        hops = sorted(set(snaps[i] for i in (0, len(snaps) // 3, len(snaps) // 2, len(snaps) - 1)))
        second_total = 0
        for index, snap in enumerate(hops):
            second = os.path.join(tmp, f"second{index}")
            os.mkdir(second)
            got = result_of(run([program, "record-resume", snap, second]).stdout, "record-resume")
            if got != plain:
                sys.exit(f"FAIL: record-resume of {os.path.basename(snap)} gave {got}")
            for snap2 in snapshot_files(second):
                second_total += 1
                got = result_of(run([program, "resume", snap2]).stdout, f"resume {snap2}")
                if got != plain:
                    sys.exit(f"FAIL: second-hop snapshot {snap2} gave {got}, expected {plain}")

        data = open(snaps[len(snaps) // 2], "rb").read()
        bad = []
        for cut in sorted(set([0, 1, 7, 8, 15, 16, 40, len(data) // 2, len(data) - 17, len(data) - 1])):
            if 0 <= cut < len(data):
                bad.append(("truncated", data[:cut]))
        for _ in range(8):
            flipped = bytearray(data)
            pos = rng.randrange(len(flipped))
            flipped[pos] ^= 1 << rng.randrange(8)
            bad.append(("bit-flipped", bytes(flipped)))
        bad.append(("random", bytes(rng.randrange(256) for _ in range(len(data)))))
        bad.append(("extended", data + b"\0"))
        for kind, blob in bad:
            path = os.path.join(tmp, "bad.snap")
            with open(path, "wb") as out:
                out.write(blob)
            proc = run([program, "resume", path], expect_ok=False)
            if proc.returncode != 3 or "snapshot_error" not in proc.stdout:
                sys.exit(f"FAIL: {kind} snapshot: exit {proc.returncode}\n{proc.stdout}{proc.stderr}")
        if with_memcheck:
            checked = os.path.join(tmp, "memcheck")
            os.mkdir(checked)
            memcheck(program, ["record", checked])
            memcheck(program, ["resume", snaps[len(snaps) // 2]])
    print(f"PASS {name}: {len(snaps)} snapshots resumed, {len(hops)} second hops "
          f"({second_total} snapshots resumed), {len(bad)} damaged snapshots refused"
          + (", clean under memcheck" if with_memcheck else ""))


if __name__ == "__main__":
    main()
