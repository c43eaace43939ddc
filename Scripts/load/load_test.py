#!/usr/bin/env python3
"""Load figures for issue #12: a large study retrieved from Orthanc and scrolled, and a large
index queried, each with wall time and peak memory (`/usr/bin/time -v`, maximum RSS).

  load_test.py SIXRAY_BIN [--quick] [--slices N] [--index-instances N] [--index-studies N]

Full run (Scripts/load-test): a 5,000-slice CT study (64×64, 16-bit, made with pydicom) is
sent to Orthanc (C-STORE), retrieved into a fresh store by C-GET, C-MOVE and WADO-RS, each
store verified, then scrolled slice by slice in the workstation (`sixray bench tui --root`:
every slice read, decoded, rendered and written once, then p50/p99 per key press); and a
100,000-instance index (5,000 studies) is built and queried (`sixray bench worklist`, then
`cache ls`, `cache stats` and the workstation's worklist on it). --quick: 150 slices and a
3,000-instance index, with checks, for the test suite (under a minute with a debug build).

Orthanc runs with TCP_NODELAY=1 in its environment (DCMTK's switch): without it, each small
C-STORE sub-operation waits on Nagle's algorithm against delayed ACKs (~58 ms per 8 KiB
instance on loopback, 12× slower), which would measure Orthanc's socket setting, not Sixray.

Every figure line names the exact command. Exit 0 only if every check passed.
"""
import argparse, json, os, re, shlex, subprocess, sys, time

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid, CTImageStorage

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Conformance"))
from harness import Harness, free_port  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("sixray")
ap.add_argument("--quick", action="store_true")
ap.add_argument("--slices", type=int)
ap.add_argument("--index-instances", type=int)
ap.add_argument("--index-studies", type=int)
ap.add_argument("--frames", type=int)
args = ap.parse_args()
SIXRAY = os.path.abspath(args.sixray)
SLICES = args.slices or (150 if args.quick else 5000)
INDEX = args.index_instances or (3_000 if args.quick else 100_000)
INDEX_STUDIES = args.index_studies or max(1, INDEX // 20)
FRAMES = args.frames or (50 if args.quick else 300)
PROTOCOLS = "blocks" if args.quick else "blocks,sixel"
H = Harness("sixray-load-")
TMP = H.tmp
ENV = {**os.environ, "XDG_CONFIG_HOME": TMP + "/xdg", "XDG_CACHE_HOME": TMP + "/cache", "TMPDIR": TMP}
figures = []


def timed(label, argv, timeout=3600):
    """Run under /usr/bin/time -v; print and keep (label, seconds, max RSS MiB, command)."""
    r = subprocess.run(["/usr/bin/time", "-v", *map(str, argv)], capture_output=True, text=True, env=ENV, timeout=timeout)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", r.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    secs = 0.0
    if wall:
        for part in wall.group(1).split(":"):
            secs = secs * 60 + float(part)
    mib = int(rss.group(1)) / 1024 if rss else float("nan")
    cmd = " ".join(shlex.quote(str(a)) for a in argv).replace(TMP, "$W").replace(SIXRAY, "sixray")
    print(f"  {label:<46} {secs:8.2f} s   peak RSS {mib:7.1f} MiB   rc {r.returncode}   $ {cmd}", flush=True)
    figures.append({"figure": label, "seconds": secs, "maxRSSMiB": round(mib, 1), "rc": r.returncode, "command": cmd})
    r.stderr = "\n".join(l for l in r.stderr.splitlines() if not l.startswith("\t"))
    return r


def sixray(*a):
    return subprocess.run([SIXRAY, *map(str, a)], capture_output=True, text=True, env=ENV)


# ---------------------------------------------------------------- the large study
print(f"== a {SLICES:,}-slice study (64×64) through Orthanc into the store, then scrolled")
src = TMP + "/src"
os.makedirs(src)
study, series = generate_uid(), generate_uid()
rng = np.random.default_rng(5)
base = rng.integers(0, 3000, (64, 64), dtype=np.uint16)
t0 = time.time()
for i in range(SLICES):
    ds = Dataset()
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, generate_uid()
    ds.PatientID, ds.PatientName = "LOAD-1", "TEST^LOAD"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
    ds.StudyDate, ds.StudyTime, ds.AccessionNumber, ds.Modality = "20240601", "080000", "ACC-LOAD", "CT"
    ds.StudyDescription, ds.SeriesDescription = "LOAD TEST", f"AXIAL {SLICES}"
    ds.SeriesNumber, ds.InstanceNumber = 1, i + 1
    ds.ImagePositionPatient, ds.ImageOrientationPatient = [0, 0, i * 0.5], [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing, ds.SliceThickness = [0.5, 0.5], 0.5
    ds.Rows = ds.Columns = 64
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.RescaleIntercept, ds.RescaleSlope, ds.WindowCenter, ds.WindowWidth = -1024, 1, 40, 400
    ds.PixelData = ((base + i) % 4096).astype(np.uint16).tobytes()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    ds.save_as(f"{src}/{i:05d}.dcm", enforce_file_format=True)
print(f"  (wrote {SLICES} files with pydicom in {time.time() - t0:.1f} s)")

move_port = free_port()
orthanc = H.start_orthanc(dicomweb=True, env={"TCP_NODELAY": "1"}, modalities={"sixray": {
    "AET": "SIXRAY", "Host": "127.0.0.1", "Port": move_port, "AllowGet": True, "AllowMove": True, "AllowFind": True,
    "AllowEcho": True, "AllowStore": True}})
H.check("Orthanc starts", orthanc.started, orthanc.log_tail())
os.makedirs(TMP + "/xdg/sixray")
with open(TMP + "/xdg/sixray/config.toml", "w") as f:
    f.write(f'[sixray]\naet = "SIXRAY"\nport = {move_port}\n\n[archive.pacs]\nhost = "127.0.0.1"\nport = {orthanc.dicom_port}\n'
            f'called_aet = "ORTHANC"\n\n[archive.web]\nprotocol = "dicomweb"\nurl = "{orthanc.dicomweb_url}"\n')

r = timed(f"send {SLICES} instances to Orthanc (C-STORE)", [SIXRAY, "send", "pacs", src])
H.check(f"Orthanc holds the {SLICES} instances", orthanc.get_json("/statistics")["CountInstances"] == SLICES, r.stderr[-300:])
stores = {}
for via, node in (("get", ["pacs", "--via", "get"]), ("move", ["pacs", "--via", "move"]), ("wado", ["web"])):
    root = f"{TMP}/store-{via}"
    stores[via] = root
    r = timed(f"retrieve {SLICES} into the store ({via})", [SIXRAY, "retrieve", *node, "--study", study, "--root", root])
    ls = sixray("cache", "ls", "--json", "--root", root)
    rows = json.loads(ls.stdout or "[]") if ls.returncode == 0 else []
    H.check(f"{via}: exit 0, the study complete with {SLICES} instances",
            r.returncode == 0 and len(rows) == 1 and rows[0]["instances"] == SLICES and rows[0]["state"] == "complete",
            r.stderr[-300:] + str(rows)[:200])
r = timed(f"cache verify (re-reads {SLICES} files)", [SIXRAY, "cache", "verify", "--root", stores["get"]])
H.check("verify is clean", r.returncode == 0, r.stdout[-300:])
r = timed(f"cache ls (store of {SLICES} instances)", [SIXRAY, "cache", "ls", "--root", stores["get"]])
r = timed(f"scroll all {SLICES} slices, then {FRAMES} key presses (bench tui)",
          [SIXRAY, "bench", "tui", "--root", stores["get"], "--protocols", PROTOCOLS, "--frames", FRAMES, "--viewport", "640x640"])
print("\n".join("      " + l for l in r.stdout.splitlines()))
rows = [l.split() for l in r.stdout.splitlines() if l.split() and l.split()[0] in ("blocks", "sixel")]
H.check(f"the workstation scrolled through all {SLICES} slices", r.returncode == 0 and rows and all(int(x[1]) == SLICES for x in rows),
        r.stdout[-400:] + r.stderr[-400:])

# ---------------------------------------------------------------- the large index
print(f"== an index of {INDEX:,} instances in {INDEX_STUDIES:,} studies")
work = TMP + "/index"
r = timed(f"build ({INDEX} instances) + worklist queries (bench worklist)",
          [SIXRAY, "bench", "worklist", "--instances", INDEX, "--studies", INDEX_STUDIES,
           "--queries", 10 if args.quick else 300, "--work", work, "--keep"])
print("\n".join("      " + l for l in r.stdout.splitlines()))
H.check("bench worklist ran and queried the whole index", r.returncode == 0 and f"{INDEX} instances" in r.stdout, r.stderr[-400:])
idx = work + "/store"
r = timed(f"cache ls, first page (index of {INDEX})", [SIXRAY, "cache", "ls", "--root", idx])
H.check("cache ls lists the first page (100 rows)", r.returncode == 0 and len(r.stdout.splitlines()) >= 100, r.stderr[-300:])
r = timed(f"cache ls --json --limit 5000 (index of {INDEX})", [SIXRAY, "cache", "ls", "--json", "--limit", 5000, "--root", idx])
H.check(f"cache ls --json --limit 5000 returns {min(5000, INDEX_STUDIES)} studies",
        r.returncode == 0 and len(json.loads(r.stdout or "[]")) == min(5000, INDEX_STUDIES), r.stderr[-300:])
r = timed(f"cache ls --name '*PATIENT1*' (index of {INDEX})", [SIXRAY, "cache", "ls", "--name", "*PATIENT1*", "--root", idx])
r = timed(f"cache stats (index of {INDEX})", [SIXRAY, "cache", "stats", "--json", "--root", idx])
s = json.loads(r.stdout or "{}")
H.check(f"cache stats counts {INDEX} instances", s.get("instances") == INDEX, r.stdout[:300])
r = timed(f"workstation worklist of {INDEX} + open the first study (bench tui)",
          [SIXRAY, "bench", "tui", "--root", idx, "--protocols", "blocks", "--frames", 20, "--viewport", "640x640"])
H.check("the workstation opened the large index", r.returncode == 0, r.stderr[-400:])

if os.environ.get("SIXRAY_LOAD_JSON"):
    with open(os.environ["SIXRAY_LOAD_JSON"], "w") as f:
        json.dump(figures, f, indent=1)
sys.exit(H.finish("load test" + (" (quick)" if args.quick else "")))
