#!/usr/bin/env python3
"""Fault drills for retrieves into the local study store, against a real Orthanc on loopback.

  network_faults.py SIXRAY_BIN

Orthanc (DIMSE and its DICOMweb plugin) holds one synthetic CT study. Every drill retrieves
it into a fresh store (`sixray retrieve NODE --study UID --root STORE`, no --out) and then
checks the store: `cache verify` exits 0, no temporary file is left, every indexed instance
is whole on disk (pixel bytes equal the archive's), the index counts exactly the files on
disk, the study is partial while instances are missing, and a plain retrieve afterwards
completes it (complete, all instances, verify clean).

1. SIGKILL of `sixray retrieve` (C-GET, C-MOVE, WADO-RS) at several moments.
2. Disk full: the store on a small tmpfs (when this process may mount one).
3. The archive aborting or stalling mid-transfer: a TCP proxy between Sixray and Orthanc
   forwards the transfer's first N bytes, then closes, resets (RST), or stalls forever.
   Sixray must exit non-zero within its --timeout with one line naming the peer.
4. Two processes on one store: two retrieves of the same study at once, and an import
   during a retrieve.

Prints one line per check and "network faults: N passed, N failed" last.
"""
import json, os, random, select, signal, socket, struct, subprocess, sys, threading, time

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid, CTImageStorage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Harness, free_port

SIXRAY = os.path.abspath(sys.argv[1])
H = Harness("sixray-netfault-", keep_on_failure=os.environ.get("SIXRAY_KEEP") == "1")
TMP = H.tmp
check = H.check
COUNT = 80          # instances in the study
SIDE = 256          # rows = columns; 128 KiB of pixels per instance
TIMEOUT = 3         # sixray --timeout (seconds) in the abort/stall drills


def sixray(*args, timeout=180):
    return subprocess.run([SIXRAY, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "XDG_CONFIG_HOME": TMP + "/xdg", "XDG_CACHE_HOME": TMP + "/cache"})


def sixray_popen(*args):
    return subprocess.Popen([SIXRAY, *map(str, args)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "XDG_CONFIG_HOME": TMP + "/xdg", "XDG_CACHE_HOME": TMP + "/cache"})


# ---------------------------------------------------------------- test data
src = TMP + "/src"
os.makedirs(src)
study = generate_uid()
series = generate_uid()
rng = np.random.default_rng(12)
pixels = {}
for i in range(COUNT):
    ds = Dataset()
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = generate_uid()
    ds.PatientID, ds.PatientName = "FAULTS-1", "TEST^FAULTS"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
    ds.StudyDate, ds.StudyTime, ds.AccessionNumber, ds.Modality = "20240315", "101010", "ACC-FAULT", "CT"
    ds.SeriesNumber, ds.InstanceNumber = 1, i + 1
    ds.ImagePositionPatient = [0, 0, i * 2.5]
    ds.Rows = ds.Columns = SIDE
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.PixelData = rng.integers(0, 4095, (SIDE, SIDE), dtype=np.uint16).tobytes()
    pixels[ds.SOPInstanceUID] = ds.PixelData
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.save_as(f"{src}/ct{i:03d}.dcm", enforce_file_format=True)

# ---------------------------------------------------------------- Orthanc
print("== Orthanc (DIMSE + DICOMweb)")
move_port = free_port()
orthanc = H.start_orthanc(dicomweb=True, modalities={"sixray": {
    "AET": "SIXRAY", "Host": "127.0.0.1", "Port": move_port,
    "AllowGet": True, "AllowMove": True, "AllowFind": True, "AllowEcho": True, "AllowStore": True}})
if not check("Orthanc starts with the DICOMweb plugin", orthanc.started, orthanc.log_tail()):
    sys.exit(H.finish("network faults"))
r = sixray("send", f"ORTHANC@127.0.0.1:{orthanc.dicom_port}", src)
held = orthanc.get_json("/statistics")["CountInstances"]
if not check(f"Orthanc holds the {COUNT}-instance study", r.returncode == 0 and held == COUNT, r.stderr):
    sys.exit(H.finish("network faults"))


def write_config(dimse_port, http_port):
    """config.toml naming the archive (possibly behind a proxy) as `pacs` (DIMSE) and `web`."""
    os.makedirs(TMP + "/xdg/sixray", exist_ok=True)
    with open(TMP + "/xdg/sixray/config.toml", "w") as f:
        f.write(f'[sixray]\naet = "SIXRAY"\nport = {move_port}\n\n'
                f'[archive.pacs]\nhost = "127.0.0.1"\nport = {dimse_port}\ncalled_aet = "ORTHANC"\nretrieve = "get"\n'
                f'dimse_timeout = 30\n\n'
                f'[archive.web]\nprotocol = "dicomweb"\nurl = "http://127.0.0.1:{http_port}/dicom-web"\n')


write_config(orthanc.dicom_port, orthanc.http_port)
VIA = {"get": ["pacs", "--via", "get"], "move": ["pacs", "--via", "move"], "wado": ["web"]}


# ---------------------------------------------------------------- store inspection
def disk_instances(root):
    found = {}
    for d, _, names in os.walk(os.path.join(root, "objects")):
        for n in names:
            if n.endswith(".dcm"):
                found[n[:-4]] = os.path.join(d, n)
    return found


def temporaries(root):
    d = os.path.join(root, "tmp")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def listed_study(root):
    r = sixray("cache", "ls", "--json", "--root", root)
    rows = json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else []
    return next((s for s in rows if s.get("studyInstanceUID") == study), None)


def not_whole(files):
    """Instances on disk whose pixel bytes differ from the archive's (or that do not parse)."""
    bad = []
    for uid, path in files.items():
        try:
            if pydicom.dcmread(path).PixelData != pixels.get(uid):
                bad.append(uid)
        except Exception as e:  # noqa: BLE001 - any parse failure is a damaged instance
            bad.append(f"{uid}: {e}")
    return bad


def check_store(label, root, expect_partial=True, expect_some=False):
    """After a fault: verify clean, no temporaries, index == disk, files whole, study partial."""
    v = sixray("cache", "verify", "--root", root)
    check(f"{label}: cache verify exits 0", v.returncode == 0, v.stdout[-400:] + v.stderr)
    check(f"{label}: no temporary file left", temporaries(root) == [], temporaries(root)[:3])
    files = disk_instances(root)
    st = listed_study(root)
    indexed = st["instances"] if st else 0
    check(f"{label}: the index counts exactly the {len(files)} instance files on disk", indexed == len(files),
          f"index {indexed}, disk {len(files)}")
    bad = not_whole(files)
    check(f"{label}: every stored instance is whole (pixel bytes equal the archive's)", not bad, bad[:3])
    if expect_some:
        check(f"{label}: the instances received before the fault are kept", len(files) > 0, "none kept")
    if expect_partial and 0 < len(files) < COUNT:
        check(f"{label}: the study is marked partial ({len(files)} of {COUNT})", st and st.get("state") == "partial",
              st and st.get("state"))
    return len(files)


def complete_it(label, root, node):
    r = sixray("retrieve", *VIA[node], "--study", study, "--root", root)
    st = listed_study(root)
    check(f"{label}: a second retrieve completes the study", r.returncode == 0 and st is not None
          and st.get("instances") == COUNT and st.get("state") == "complete", r.stderr + str(st)[:200])
    v = sixray("cache", "verify", "--root", root)
    files = disk_instances(root)
    check(f"{label}: afterwards verify is clean and all {COUNT} instances are whole",
          v.returncode == 0 and len(files) == COUNT and not not_whole(files), v.stdout[-300:] + v.stderr)


# ---------------------------------------------------------------- 1. SIGKILL during retrieve
print("== SIGKILL during retrieve into the store")
for node in ("get", "move", "wado"):
    root = f"{TMP}/kill-{node}"
    kills = []
    # Moments: during the archive query (before any instance), and after a few and after
    # half of the instances are in place (each a little later, at random).
    for moment in (0, 8, COUNT // 2):
        p = sixray_popen("retrieve", *VIA[node], "--study", study, "--root", root)
        deadline = time.time() + 60
        if moment == 0:
            time.sleep(0.05 + random.random() * 0.1)
        else:
            # Earlier kills left instances that this retrieve skips: aim inside what remains
            # (a faster retrieve otherwise finished before "+40" could be reached).
            base = len(disk_instances(root))
            target = base + max(1, min(moment, (COUNT - base) // 2))
            while time.time() < deadline and p.poll() is None and len(disk_instances(root)) < target:
                time.sleep(0.003)
            time.sleep(random.random() * 0.005)
        running = p.poll() is None
        p.send_signal(signal.SIGKILL)
        p.wait()
        kills.append(running)
        label = f"{node}: SIGKILL at +{moment}"
        check(f"{label}: killed while retrieving", running, "the retrieve finished first")
        check_store(label, root)
    complete_it(f"{node} after {len(kills)} kills", root, node)

# ---------------------------------------------------------------- 2. disk full
print("== disk full during retrieve (store on a small tmpfs)")
mnt = TMP + "/tmpfs"
os.makedirs(mnt)
if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs", mnt], capture_output=True).returncode == 0:
    try:
        for node in ("get", "move", "wado"):
            root = f"{mnt}/{node}"
            r = sixray("retrieve", *VIA[node], "--study", study, "--root", root)
            label = f"{node}: disk full"
            lines = [l for l in r.stderr.splitlines() if l.strip()]
            print(f"       sixray said: {lines[-1][:300] if lines else '(nothing)'}")
            check(f"{label}: exits non-zero", r.returncode != 0, f"rc {r.returncode}")
            check(f"{label}: says no space left", "no space left" in r.stderr.lower(), r.stderr[-600:])
            check(f"{label}: the error is short (at most 3 lines)", len(lines) <= 3, r.stderr[-800:])
            if node == "get":
                # Orthanc's pending C-GET-RSP after a failed sub-operation carries (0008,0058) in
                # its command set; the retrieve must run to the archive's final response.
                check(f"{label}: the C-GET runs to its final response (no DIMSE error)",
                      "DIMSE" not in r.stderr and "final status" in r.stderr and "sub-operations failed" in r.stderr, r.stderr[-600:])
            kept = check_store(label, root, expect_some=True)
            subprocess.run(["rm", "-rf", root])
    finally:
        subprocess.run(["umount", mnt])
else:
    print("  skip disk full (cannot mount a tmpfs here)")


# ---------------------------------------------------------------- 3. abort / stall
class FaultProxy:
    """TCP proxy to 127.0.0.1:UPSTREAM. On a connection whose client bytes contain `match`,
    it forwards `after` bytes of the server's answer (counted from the match), then:
    'close' (FIN both ways), 'reset' (RST to the client) or 'stall' (forwards nothing more,
    keeps both sockets open). Other connections pass untouched. One thread per connection
    with select(), so a close happens at once (no other thread holds the socket)."""

    def __init__(self, upstream, mode, after, match):
        self.upstream, self.mode, self.after, self.match = upstream, mode, after, match
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        self.stalled = []
        self.faults = 0
        self.closed = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while not self.closed:
            try:
                c, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    def serve(self, c):
        try:
            u = socket.create_connection(("127.0.0.1", self.upstream))
        except OSError:
            c.close()
            return
        armed, sent, tail = False, 0, b""
        ends = {c: u, u: c}
        while not self.closed:
            ready, _, _ = select.select(list(ends), [], [], 0.5)
            for src in ready:
                try:
                    data = src.recv(65536)
                except OSError:
                    data = b""
                dst = ends[src]
                if not data:
                    for x in (c, u):
                        x.close()
                    return
                if src is c and not armed:
                    window = tail + data
                    armed = self.match in window
                    tail = window[-len(self.match):]
                if src is u and armed and sent + len(data) >= self.after:
                    try:
                        c.sendall(data[:self.after - sent])
                    except OSError:
                        pass
                    self.faults += 1
                    if self.mode == "stall":
                        self.stalled += [c, u]   # never read or written again; closed by close()
                        return
                    if self.mode == "reset":
                        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    else:
                        c.shutdown(socket.SHUT_RDWR)
                    c.close()
                    u.close()
                    return
                if src is u and armed:
                    sent += len(data)
                try:
                    dst.sendall(data)
                except OSError:
                    for x in (c, u):
                        x.close()
                    return

    def close(self):
        self.closed = True
        for s in [self.server] + self.stalled:
            try:
                s.close()
            except OSError:
                pass


print(f"== the archive aborting or stalling mid-transfer (TCP proxy, sixray --timeout {TIMEOUT})")
# What marks the transfer's connection, and how much of the answer gets through: C-GET's and
# C-MOVE's SOP class in the association request (PS3.4 C.4.2/C.4.3, Study Root), and the
# WADO-RS study request line (PS3.18 10.4). C-MOVE answers are only pending responses: cut
# after the association accept and a few of them.
GET_UID, MOVE_UID = b"1.2.840.10008.5.1.4.1.2.2.3", b"1.2.840.10008.5.1.4.1.2.2.2"
cases = {"get": (GET_UID, 1_500_000), "move": (MOVE_UID, 1_200), "wado": (f"/studies/{study} HTTP".encode(), 1_500_000)}
for node in ("get", "move", "wado"):
    match, after = cases[node]
    for mode in ("close", "reset", "stall"):
        label = f"{node}: archive {mode}s after {after:,} bytes"
        root = f"{TMP}/proxy-{node}-{mode}"
        upstream = orthanc.http_port if node == "wado" else orthanc.dicom_port
        proxy = FaultProxy(upstream, mode, after, match)
        write_config(proxy.port if node != "wado" else orthanc.dicom_port, proxy.port if node == "wado" else orthanc.http_port)
        t0 = time.time()
        try:
            r = sixray("retrieve", *VIA[node], "--study", study, "--root", root, "--timeout", TIMEOUT, timeout=120)
        except subprocess.TimeoutExpired:
            r = None
        elapsed = time.time() - t0
        proxy.close()
        write_config(orthanc.dicom_port, orthanc.http_port)
        if r is None:
            check(f"{label}: sixray ends (no hang)", False, "still running after 120 s")
            continue
        check(f"{label}: the proxy injected the fault", proxy.faults >= 1, f"{proxy.faults} faults")
        check(f"{label}: exits non-zero", r.returncode != 0, f"rc {r.returncode}: {r.stderr[-300:]}")
        check(f"{label}: ends within the timeout ({elapsed:.1f} s)", elapsed < TIMEOUT * 4 + 12, f"{elapsed:.1f} s")
        errors = [l for l in r.stderr.splitlines() if l.startswith("sixray: ")]
        print(f"       sixray said: {errors[0][:300] if errors else r.stderr[-200:]}")
        peer = [f"127.0.0.1:{proxy.port}", f"ORTHANC@127.0.0.1:{proxy.port}"]
        check(f"{label}: one error line naming the peer",
              len(errors) == 1 and any(p in errors[0] for p in peer) and len(r.stderr.splitlines()) <= 3,
              r.stderr[-600:])
        if mode != "stall" and errors:
            check(f"{label}: the error says the connection ended (not a timeout)",
                  "timed out" not in errors[0] and "stalled" not in errors[0], errors[0])
        if mode == "reset" and errors:
            check(f"{label}: the error says the connection was reset, in words",
                  "reset" in errors[0].lower() and "descriptor" not in errors[0] and "errno" not in errors[0], errors[0])
        # A reset makes the kernel drop what the client had not read yet, so nothing may be kept.
        check_store(label, root, expect_some=node != "move" and mode != "reset")
        complete_it(label, root, node)

# ---------------------------------------------------------------- 4. two processes, one store
print("== two Sixray processes sharing one store")
root = TMP + "/shared"
a = sixray_popen("retrieve", *VIA["get"], "--study", study, "--root", root)
b = sixray_popen("retrieve", *VIA["wado"], "--study", study, "--root", root)
ea, eb = a.communicate(timeout=180)[1], b.communicate(timeout=180)[1]
check("two retrieves of the same study at once (C-GET and WADO-RS) both succeed", a.returncode == 0 and b.returncode == 0,
      f"rc {a.returncode}/{b.returncode}: {ea[-300:]} {eb[-300:]}")
st = listed_study(root)
files = disk_instances(root)
check(f"two retrieves at once: {COUNT} instances, none lost or doubled, complete",
      st and st["instances"] == COUNT == len(files) and st["state"] == "complete", str(st)[:200])
v = sixray("cache", "verify", "--root", root)
check("two retrieves at once: verify clean", v.returncode == 0, v.stdout[-300:] + v.stderr)

corpus = TMP + "/corpus"
r = subprocess.run([SIXRAY, "bench", "corpus", corpus, "--instances", "600", "--studies", "6", "--patients", "2",
                    "--uid-root", "2.25.4711"], capture_output=True, text=True)
root = TMP + "/shared2"
a = sixray_popen("retrieve", *VIA["move"], "--study", study, "--root", root)
time.sleep(0.2)
b = sixray_popen("import", corpus, "--root", root)
ea, eb = a.communicate(timeout=180)[1], b.communicate(timeout=180)[1]
check("an import during a C-MOVE retrieve: both succeed", a.returncode == 0 and b.returncode == 0,
      f"rc {a.returncode}/{b.returncode}: {ea[-300:]} {eb[-300:]}")
r = sixray("cache", "stats", "--json", "--root", root)
s = json.loads(r.stdout) if r.returncode == 0 else {}
files = disk_instances(root)
check(f"import during a retrieve: {COUNT} + 600 instances indexed and on disk",
      s.get("instances") == COUNT + 600 == len(files), f"{s.get('instances')} indexed, {len(files)} on disk")
st = listed_study(root)
check("import during a retrieve: the retrieved study is complete", st and st["state"] == "complete", str(st)[:200])
v = sixray("cache", "verify", "--root", root)
check("import during a retrieve: verify clean", v.returncode == 0, v.stdout[-300:] + v.stderr)

sys.exit(H.finish("network faults"))
