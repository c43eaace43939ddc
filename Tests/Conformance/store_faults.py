#!/usr/bin/env python3
"""Process-level fault drills for the study store (`sixray import`, `sixray cache`).

    store_faults.py SIXRAY_BINARY

1. SIGKILL in the middle of `sixray import` (several times, at different moments): the next
   `sixray cache verify` finds index and files in agreement, no temporary file is left, and
   a second import completes the set.
2. Readers while a writer imports: `cache ls --json` and `cache stats --json` in a loop
   succeed, parse, and never see the instance count go down.
3. A damaged index: every command fails with one clear line and exit 3; `cache verify
   --repair` rebuilds it from the files with the same instances and the pinned study pinned.
4. Disk full: the import stops with "no space left" and exit 3, what it stored before stays
   indexed, `cache verify` is clean. Run with RLIMIT_FSIZE (always) and on a small tmpfs
   (when this process may mount one).
5. Permissions: the store folder 0700, files 0600.
6. SIGKILL in the middle of `sixray cache evict` (three rounds): verify clean, index and files
   agree, no study left half removed.
7. Two processes on one store: two imports of overlapping sets at once (each instance
   imported once), evictions while `cache ls`/`info`/`stats` loop (every read succeeds,
   no study is seen half evicted), and an eviction while the workstation (in tmux) has a
   study open (that study is kept until the viewer quits).

Prints one line per check and "N passed, N failed" last; exit 0 only when all pass.
"""
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sixray = os.path.abspath(sys.argv[1])
work = tempfile.mkdtemp(prefix="sixray-store-faults-")
passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok    {name}")
    else:
        failed += 1
        print(f"FAIL  {name}: {detail}")


def env_for(root):
    e = dict(os.environ)
    e["XDG_CACHE_HOME"] = root
    e["XDG_CONFIG_HOME"] = os.path.join(work, "config")
    return e


def run(root, *args, preexec=None):
    return subprocess.run([sixray, *args], env=env_for(root), capture_output=True, text=True, preexec_fn=preexec)


def store_files(root):
    """(instance files, temporary files) under a store."""
    base = os.path.join(root, "sixray")
    dcm = []
    for d, _, names in os.walk(os.path.join(base, "objects")):
        dcm += [os.path.join(d, n) for n in names if n.endswith(".dcm")]
    tmp = os.listdir(os.path.join(base, "tmp")) if os.path.isdir(os.path.join(base, "tmp")) else []
    return dcm, tmp


def stats(root):
    r = run(root, "cache", "stats", "--json")
    return json.loads(r.stdout) if r.returncode == 0 else None


uid_roots = iter(range(100, 200))


def corpus(name, instances, studies, padding=0):
    path = os.path.join(work, name)
    r = subprocess.run([sixray, "bench", "corpus", path, "--instances", str(instances), "--studies", str(studies),
                        "--patients", str(max(1, studies // 3)), "--padding", str(padding),
                        "--uid-root", f"2.25.{next(uid_roots)}0"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"bench corpus failed: {r.stderr}")
    return path


# 1. SIGKILL during import --------------------------------------------------------------
big = corpus("big", 3000, 30, padding=4000)
root = os.path.join(work, "kill")
for round_, delay in enumerate([0.0, 0.15, 0.4]):
    p = subprocess.Popen([sixray, "import", big], env=env_for(root), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Wait for the first instances to land, then kill at a varying moment after.
    deadline = time.time() + 60
    while time.time() < deadline and p.poll() is None:
        dcm, _ = store_files(root) if os.path.isdir(os.path.join(root, "sixray", "objects")) else ([], [])
        if len(dcm) > 200 * (round_ + 1):
            break
        time.sleep(0.01)
    time.sleep(delay + random.random() * 0.05)
    still_running = p.poll() is None
    p.send_signal(signal.SIGKILL)
    p.wait()
    check(f"SIGKILL round {round_ + 1}: killed mid-import", still_running, "import finished before the kill")
    v = run(root, "cache", "verify")
    check(f"SIGKILL round {round_ + 1}: cache verify exits 0 after reopening", v.returncode == 0, v.stdout[-400:] + v.stderr)
    s = stats(root)
    dcm, tmp = store_files(root)
    check(f"SIGKILL round {round_ + 1}: index instances == files on disk",
          s is not None and s["instances"] == len(dcm), f"index {s and s['instances']}, disk {len(dcm)}")
    check(f"SIGKILL round {round_ + 1}: no temporary file left", tmp == [], str(tmp[:3]))
r = run(root, "import", "--json", big)
summary = json.loads(r.stdout) if r.stdout else {}
check("after the kills, a second import completes the set",
      r.returncode == 0 and summary.get("imported", 0) + summary.get("duplicates", 0) == 3000 and stats(root)["instances"] == 3000,
      r.stderr + str({k: summary.get(k) for k in ("imported", "duplicates")}))
check("after the kills, cache verify is clean", run(root, "cache", "verify").returncode == 0)

# 5. Permissions (on the store the kills left) ----------------------------------------------
base = os.path.join(root, "sixray")
modes = {oct(os.stat(os.path.join(d, n)).st_mode & 0o777) for d, _, ns in os.walk(base) for n in ns}
check("store folder is 0700", os.stat(base).st_mode & 0o777 == 0o700, oct(os.stat(base).st_mode))
check("every file in the store is 0600", modes == {"0o600"}, str(modes))

# Exit codes of the command line ------------------------------------------------------------
junk = os.path.join(work, "junk.txt")
with open(junk, "w") as f:
    f.write("not DICOM\n")
r = run(root, "import", junk)
check("import of a non-DICOM file exits 1 and names it", r.returncode == 1 and "rejected " + junk in r.stdout, r.stdout + r.stderr)
r = run(root, "cache", "info", "1.2.3.4.5.6.7.404")
check("cache info of an unknown study exits 1 with one line", r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r.stderr)
r = run(root, "cache", "evict")
check("cache evict without a target is a usage error (64)", r.returncode == 64, f"rc {r.returncode}")

# 2. Readers during an import ----------------------------------------------------------------
root2 = os.path.join(work, "readers")
writer = subprocess.Popen([sixray, "import", big], env=env_for(root2), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
reads, bad, last, went_down = 0, [], -1, False
while writer.poll() is None or reads < 5:
    ls = run(root2, "cache", "ls", "--json", "--limit", "5")
    st = run(root2, "cache", "stats", "--json")
    for x in (ls, st):
        if x.returncode != 0:
            bad.append(x.stderr.strip())
    try:
        json.loads(ls.stdout)
        n = json.loads(st.stdout)["instances"]
        went_down |= n < last
        last = n
    except (ValueError, KeyError) as e:
        bad.append(f"unparsable output: {e}")
    reads += 1
writer_err = writer.communicate()[1]
check(f"{reads} reader rounds during an import all succeeded", not bad, "; ".join(bad[:3]))
check("readers never saw the instance count go down", not went_down)
check("the import beside the readers completed", writer.returncode == 0 and stats(root2)["instances"] == 3000,
      f"rc {writer.returncode}: {writer_err}")

# 6. SIGKILL during eviction ----------------------------------------------------------------------
def per_study_files(root):
    """{study folder: number of .dcm files} under a store."""
    out = {}
    for d, _, names in os.walk(os.path.join(root, "sixray", "objects")):
        n = sum(1 for x in names if x.endswith(".dcm"))
        if n:
            out[os.path.basename(d)] = n
    return out


root6 = os.path.join(work, "evict")
r = run(root6, "import", big)
full = stats(root6) or {}
check("eviction drill: the store holds the 3000 instances", r.returncode == 0 and full.get("instances") == 3000, r.stderr)
total_bytes = full.get("sizeBytes", 0)
for round_, fraction in enumerate([0.7, 0.35, 0.0]):
    before = len(store_files(root6)[0])
    p = subprocess.Popen([sixray, "cache", "evict", "--to-size", str(int(total_bytes * fraction))], env=env_for(root6),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    # Kill once the folders are going (the index rows go first, in one transaction).
    while time.time() < deadline and p.poll() is None and len(store_files(root6)[0]) > before - 60 * (round_ + 1):
        time.sleep(0.002)
    still_running = p.poll() is None
    p.send_signal(signal.SIGKILL)
    p.wait()
    check(f"eviction SIGKILL round {round_ + 1}: killed while removing files", still_running, "eviction finished first")
    v = run(root6, "cache", "verify")
    check(f"eviction SIGKILL round {round_ + 1}: cache verify exits 0 after reopening", v.returncode == 0, v.stdout[-400:] + v.stderr)
    s = stats(root6)
    dcm, tmp = store_files(root6)
    check(f"eviction SIGKILL round {round_ + 1}: index instances == files on disk",
          s is not None and s["instances"] == len(dcm), f"index {s and s['instances']}, disk {len(dcm)}")
    listed = json.loads(run(root6, "cache", "ls", "--json", "--limit", "1000").stdout or "[]")
    counts = per_study_files(root6)
    wrong = [st["studyInstanceUID"] for st in listed if st["instances"] != 100]
    check(f"eviction SIGKILL round {round_ + 1}: every study left is whole (100 instances) and no folder is half gone",
          not wrong and len(counts) == len(listed) and set(counts.values()) <= {100}, f"{wrong[:3]} {sorted(set(counts.values()))}")
    check(f"eviction SIGKILL round {round_ + 1}: the eviction went on where it was killed (fewer files)", len(dcm) < before,
          f"{before} → {len(dcm)}")

# 7. Two Sixray processes on one store ----------------------------------------------------------------
files_big = sorted(os.path.join(d, n) for d, _, ns in os.walk(big) for n in ns)
root7 = os.path.join(work, "shared")
a = subprocess.Popen([sixray, "import", "--json", *files_big[:2000]], env=env_for(root7), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
b = subprocess.Popen([sixray, "import", "--json", *files_big[1000:]], env=env_for(root7), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
(oa, ea), (ob, eb) = a.communicate(), b.communicate()
ja = json.loads(oa) if oa.strip().startswith("{") else {}
jb = json.loads(ob) if ob.strip().startswith("{") else {}
check("two imports of overlapping sets at once both succeed", a.returncode == 0 and b.returncode == 0,
      f"rc {a.returncode}/{b.returncode}: {ea[-200:]} {eb[-200:]}")
check("two overlapping imports: each instance imported exactly once (3000), the overlap counted as duplicates (1000)",
      ja.get("imported", 0) + jb.get("imported", 0) == 3000 and ja.get("duplicates", 0) + jb.get("duplicates", 0) == 1000,
      f"imported {ja.get('imported')}+{jb.get('imported')}, duplicates {ja.get('duplicates')}+{jb.get('duplicates')}")
s = stats(root7)
dcm, tmp = store_files(root7)
check("two overlapping imports: 3000 instances indexed and on disk, no temporary left",
      s is not None and s["instances"] == 3000 == len(dcm) and tmp == [], f"{s and s['instances']} indexed, {len(dcm)} on disk, tmp {tmp[:2]}")
v = run(root7, "cache", "verify")
check("two overlapping imports: cache verify is clean", v.returncode == 0, v.stdout[-300:] + v.stderr)

# Eviction while readers (cache ls, cache info, cache stats) loop: every read succeeds and a
# study is either listed whole or not at all.
listed = json.loads(run(root7, "cache", "ls", "--json", "--limit", "1000").stdout or "[]")
uids = [st["studyInstanceUID"] for st in listed]
stop = time.time() + 60
evictor = subprocess.Popen(["bash", "-c", " && ".join(f"{sixray} cache evict {u}" for u in uids[:20])],
                           env=env_for(root7), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
bad, rounds, partial_seen = [], 0, []
while (evictor.poll() is None or rounds < 3) and time.time() < stop:
    ls = run(root7, "cache", "ls", "--json", "--limit", "1000")
    info = run(root7, "cache", "info", "--json", uids[-1])
    st = run(root7, "cache", "stats", "--json")
    for x in (ls, info, st):
        if x.returncode != 0:
            bad.append(x.stderr.strip()[:200])
    try:
        partial_seen += [r["studyInstanceUID"] for r in json.loads(ls.stdout) if r["instances"] != 100]
        json.loads(info.stdout)
        json.loads(st.stdout)
    except (ValueError, KeyError) as e:
        bad.append(f"unparsable output: {e}")
    rounds += 1
evictor.communicate()
check(f"eviction of 20 studies beside {rounds} reader rounds: every read succeeded", not bad and evictor.returncode == 0,
      "; ".join(bad[:3]) + f" evict rc {evictor.returncode}")
check("readers never saw a study half evicted", not partial_seen, partial_seen[:3])
s = stats(root7)
check("after the evictions: 10 studies, 1000 instances, verify clean",
      s is not None and s["studies"] == 10 and s["instances"] == 1000 and run(root7, "cache", "verify").returncode == 0, str(s))

# A viewer holding a study open (the workstation in tmux) while another process evicts
# everything: the open study is kept ("in use"), the rest goes; once the viewer quits, it goes too.
if shutil.which("tmux"):
    sock = f"sixray-faults-{os.getpid()}"
    env_prefix = f"XDG_CACHE_HOME={root7} XDG_CONFIG_HOME={work}/config TERM=xterm-256color"
    subprocess.run(["tmux", "-L", sock, "-f", "/dev/null", "new-session", "-d", "-s", "ws", "-x", "140", "-y", "40",
                    f"{env_prefix} {sixray} --protocol blocks; echo EXIT=$?; sleep 30"], check=False)

    def pane():
        return subprocess.run(["tmux", "-L", sock, "capture-pane", "-p", "-t", "ws"], capture_output=True, text=True).stdout

    def settle(cond, seconds=20):
        end = time.time() + seconds
        while time.time() < end:
            if cond():
                return True
            time.sleep(0.2)
        return False

    check("viewer: the workstation lists the store", settle(lambda: "SYNTH" in pane() or "10 studies" in pane()), pane()[-600:])
    subprocess.run(["tmux", "-L", sock, "send-keys", "-t", "ws", "Enter"], check=False)
    time.sleep(1)
    subprocess.run(["tmux", "-L", sock, "send-keys", "-t", "ws", "Enter"], check=False)
    in_use = settle(lambda: (stats(root7) or {}).get("studiesInUse") == 1)
    check("viewer: opening a study leases it (studiesInUse 1)", in_use, str(stats(root7)) + pane()[-400:])
    ev = run(root7, "cache", "evict", "--to-size", "0")
    s = stats(root7)
    check("viewer: eviction of everything keeps the study open in the viewer, removes the other 9",
          ev.returncode == 0 and s is not None and s["studies"] == 1 and s["instances"] == 100, ev.stdout + ev.stderr + str(s))
    check("viewer: verify clean beside the open viewer", run(root7, "cache", "verify").returncode == 0)
    subprocess.run(["tmux", "-L", sock, "send-keys", "-t", "ws", "C-c"], check=False)
    check("viewer: quits cleanly", settle(lambda: "EXIT=0" in pane(), 10), pane()[-400:])
    subprocess.run(["tmux", "-L", sock, "kill-server"], check=False)
    ev = run(root7, "cache", "evict", "--to-size", "0")
    s = stats(root7)
    check("viewer gone: the study it held is evicted now", s is not None and s["studies"] == 0 and s["studiesInUse"] == 0,
          ev.stdout + str(s))
else:
    print("skip  viewer during eviction (tmux not installed)")

# 3. Damaged index -----------------------------------------------------------------------------
run(root2, "cache", "pin", "A0")
idx = os.path.join(root2, "sixray", "index.sqlite")
for suffix in ("-wal", "-shm"):
    if os.path.exists(idx + suffix):
        os.remove(idx + suffix)
with open(idx, "r+b") as f:
    f.write(os.urandom(4096))
ls = run(root2, "cache", "ls")
lines = [l for l in ls.stderr.splitlines() if l.strip()]
check("damaged index: cache ls exits 3", ls.returncode == 3, f"rc {ls.returncode}")
check("damaged index: one stderr line naming the index and the repair",
      len(lines) == 1 and "index.sqlite" in lines[0] and "verify --repair" in lines[0], ls.stderr)
check("damaged index: import refuses with exit 3", run(root2, "import", big).returncode == 3)
rep = run(root2, "cache", "verify", "--repair")
check("cache verify --repair rebuilds and exits 0", rep.returncode == 0, rep.stdout[-300:] + rep.stderr)
s = stats(root2)
check("rebuilt index has every instance", s is not None and s["instances"] == 3000, str(s))
pinned = json.loads(run(root2, "cache", "ls", "--json", "--accession", "A0").stdout)
check("rebuilt index keeps the pin (from study.json)", len(pinned) == 1 and pinned[0]["pinned"] is True, str(pinned)[:200])
check("after the rebuild, cache verify is clean", run(root2, "cache", "verify").returncode == 0)

# 4. Disk full -----------------------------------------------------------------------------------
small = corpus("full/a_small", 40, 2)
large = corpus("full/b_large", 1, 1, padding=400_000)


def limit_file_size():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # get EFBIG instead of being killed
    resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, 300_000))


root3 = os.path.join(work, "fsize")
r = run(root3, "import", "--json", small, large, preexec=limit_file_size)
out = json.loads(r.stdout) if r.stdout.strip().startswith("{") else {}
check("RLIMIT_FSIZE: import exits 3", r.returncode == 3, f"rc {r.returncode} {r.stderr}")
check("RLIMIT_FSIZE: the error says no space left", "no space left" in r.stderr, r.stderr)
s = stats(root3)
check("RLIMIT_FSIZE: what was stored before stays indexed", s is not None and s["instances"] == out.get("imported", -1) == 40,
      f"{s and s['instances']} vs {out.get('imported')}")
check("RLIMIT_FSIZE: cache verify is clean", run(root3, "cache", "verify").returncode == 0)

mnt = os.path.join(work, "tmpfs")
os.makedirs(mnt)
mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", mnt], capture_output=True).returncode == 0
if mounted:
    try:
        filler = corpus("filler", 2000, 10, padding=2000)
        r = run(mnt, "import", "--json", filler)
        out = json.loads(r.stdout) if r.stdout.strip().startswith("{") else {}
        check("full tmpfs: import exits 3 with 'no space left'", r.returncode == 3 and "no space left" in r.stderr,
              f"rc {r.returncode}: {r.stderr}")
        s = stats(mnt)
        check("full tmpfs: stored instances stay indexed", s is not None and s["instances"] == out.get("imported", -1) > 0,
              f"{s} vs {out.get('imported')}")
        v = run(mnt, "cache", "verify")
        check("full tmpfs: cache verify is clean", v.returncode == 0, v.stdout[-300:] + v.stderr)
    finally:
        subprocess.run(["umount", mnt])
else:
    print("skip  full tmpfs (cannot mount here; the RLIMIT_FSIZE drill covers ENOSPC-like failures)")

if not failed:
    shutil.rmtree(work, ignore_errors=True)
else:
    print(f"kept {work}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
