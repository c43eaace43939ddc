#!/usr/bin/env python3
"""Bad input never crashes Sixray: truncated and corrupted copies of real files go through
`dump`, `dump --json`, `export` (stored and display) and `view --protocol sixel`; each must
exit 0 or 1 (1 with a one-line error on stderr), never die on a signal, never hang (30 s).

Deterministic (fixed seed). Usage: robustness.py SIXRAY DIR... [--cases N]"""
import os, random, subprocess, sys, tempfile

def main():
    args = sys.argv[1:]
    cases = 400
    if "--cases" in args:
        i = args.index("--cases"); cases = int(args[i + 1]); del args[i:i + 2]
    binary, dirs = args[0], args[1:]
    files = []
    for d in dirs:
        for root, _, names in os.walk(d):
            files += [os.path.join(root, n) for n in names if n.endswith(".dcm")]
    files.sort()
    rng = random.Random(1729)
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(cases):
            src = rng.choice(files)
            data = bytearray(open(src, "rb").read())
            kind = rng.choice(["truncate", "flip", "flip-header", "zero-run", "length"])
            if kind == "truncate" and len(data) > 1:
                data = data[: rng.randrange(0, len(data))]
            elif kind == "flip":
                for _ in range(rng.randint(1, 20)):
                    i = rng.randrange(len(data)); data[i] ^= 1 << rng.randrange(8)
            elif kind == "flip-header":
                for _ in range(rng.randint(1, 8)):
                    i = rng.randrange(min(len(data), 2048)); data[i] = rng.randrange(256)
            elif kind == "zero-run":
                i = rng.randrange(len(data)); n = rng.randint(1, 4096); data[i:i + n] = bytes(min(n, len(data) - i))
            else:  # overwrite some 4 bytes in the header region with a huge length
                i = rng.randrange(min(len(data), 4096) - 4 or 1)
                data[i:i + 4] = rng.choice([b"\xff\xff\xff\xff", b"\xf0\xff\xff\x7f", b"\xfe\xff\x00\x00"])
            path = os.path.join(tmp, f"case{k}.dcm")
            open(path, "wb").write(data)
            cmd = rng.choice([
                ["dump", path], ["dump", "--json", path],
                ["export", path, "--out", os.path.join(tmp, "o.npy"), "--stage", "stored"],
                ["export", path, "--out", os.path.join(tmp, "o.png")],
                ["view", path, "--protocol", "sixel"],
            ])
            try:
                p = subprocess.run([binary] + cmd, capture_output=True, timeout=30)
                rc = p.returncode
                err = p.stderr.decode(errors="replace").strip().splitlines()
            except subprocess.TimeoutExpired:
                rc, err = "timeout", []
            if rc in (0, 1) and (rc == 0 or err):
                passed += 1
            else:
                failed += 1
                keep = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"sixray-robustness-{k}.dcm")
                open(keep, "wb").write(data)
                print(f"FAIL case {k} ({kind} of {os.path.basename(src)}) {' '.join(cmd[:1])}: exit {rc}; kept as {keep}")
                print("   ", "\n    ".join(err[-3:]))
    print(f"robustness: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)

main()
