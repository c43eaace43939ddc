#!/usr/bin/env python3
"""DICOM networking interoperability: Sixray against real peers on loopback.

  network_interop.py SIXRAY_BIN DATA_DIR...

Starts Orthanc (its own JSON config in a temp dir: DICOM port on a free port, AET ORTHANC,
SIXRAY registered as a modality with the move port, no HTTP auth, storage in the temp dir),
DCMTK's dcmqrscp (an archive) and wlmscpfs (a worklist), and `sixray listen`, and checks:
echo, find at every level (Patient Root, Study Root, Modality Worklist), C-GET, C-MOVE,
C-STORE, resume, rejection in words, unknown move destination, silent peer timeout,
malformed PDUs against the listener, and DCMTK's storescu/echoscu/findscu against
`sixray listen`. Every retrieved instance is compared with the archive's copy: same
transfer syntax, equal data set (pydicom), identical pixel bytes. Peers are stopped at exit.
"""
import json, os, shutil, socket, subprocess, sys, time, urllib.request

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid, CTImageStorage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Harness, Tmux, free_port, wait_port

SIXRAY = os.path.abspath(sys.argv[1])
DATA = sys.argv[2:]
H = Harness("sixray-net-")
TMP = H.tmp
procs = H.procs
check = H.check


def sixray(*args, timeout=120):
    r = subprocess.run([SIXRAY, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                       env={**os.environ, "XDG_CONFIG_HOME": TMP + "/xdg"})
    return r


def find_data(name):
    for d in DATA:
        for root, _, files in os.walk(d):
            if name in files:
                return os.path.join(root, name)
    return None


# ---------------------------------------------------------------- test data
src = TMP + "/src"
os.makedirs(src)
patient = "NETTEST-1"
study_ct = generate_uid()
series_ct = generate_uid()
rng = np.random.default_rng(7)
for i in range(24):
    ds = Dataset()
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = generate_uid()
    ds.PatientID, ds.PatientName = patient, "TEST^NETWORK"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study_ct, series_ct
    ds.StudyDate, ds.StudyTime, ds.AccessionNumber, ds.Modality = "20240315", "101010", "ACC-NET-1", "CT"
    ds.StudyDescription, ds.SeriesDescription = "NET TEST CT", "AXIAL"
    ds.SeriesNumber, ds.InstanceNumber = 1, i + 1
    ds.ImagePositionPatient = [0, 0, i * 2.5]
    ds.Rows = ds.Columns = 128
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
    ds.PixelData = rng.integers(0, 4095, (128, 128), dtype=np.uint16).tobytes()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.save_as(f"{src}/ct{i:03d}.dcm", enforce_file_format=True)

# A second study of other SOP classes and compressed transfer syntaxes (re-identified so
# every instance is unique): a C-GET that offers compressed syntaxes receives them as stored.
study_mix = generate_uid()
# (files with odd-length fragments, which DCMTK pads in transit, are left out)
mixed = ["CT_small.dcm", "JPEG2000.dcm", "MR_small_RLE.dcm", "JPEGLSNearLossless_16.dcm", "JPGExtended.dcm",
         "SC_rgb_jpeg_dcmtk.dcm", "rtplan.dcm"]
mixed_ts = set()
for n, name in enumerate(mixed):
    p = find_data(name)
    if not p:
        print(f"  (test file {name} not found; skipped)")
        continue
    ds = pydicom.dcmread(p)
    ds.PatientID, ds.PatientName = patient, "TEST^NETWORK"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study_mix, generate_uid()
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.StudyDate, ds.AccessionNumber = "20240401", "ACC-NET-2"
    mixed_ts.add(str(ds.file_meta.TransferSyntaxUID))
    ds.save_as(f"{src}/mix{n}.dcm", enforce_file_format=True)
all_src = sorted(os.listdir(src))
by_uid = {pydicom.dcmread(f"{src}/{f}", stop_before_pixels=True).SOPInstanceUID: f"{src}/{f}" for f in all_src}


def same_instance(got_path, ref_path):
    """Same transfer syntax, equal data set, identical pixel bytes."""
    a, b = pydicom.dcmread(got_path), pydicom.dcmread(ref_path)
    if a.file_meta.TransferSyntaxUID != b.file_meta.TransferSyntaxUID:
        return f"transfer syntax {a.file_meta.TransferSyntaxUID} != {b.file_meta.TransferSyntaxUID}"
    pa, pb = a.get("PixelData"), b.get("PixelData")
    if pa != pb:
        return "pixel data bytes differ"
    # Data Set Trailing Padding (FFFC,FFFC) has no meaning (PS3.5 §7.2); DCMTK drops it when sending.
    for elem in b:
        if elem.tag == 0xFFFCFFFC:
            continue
        if elem.tag not in a or a[elem.tag] != elem:
            return f"element {elem.tag} differs"
    if len([e for e in a if e.tag != 0xFFFCFFFC]) != len([e for e in b if e.tag != 0xFFFCFFFC]):
        return f"{len(a)} elements, archive copy has {len(b)}"
    return None


def check_retrieved(name, out, expected_uids, reference):
    files = sorted(f for f in os.listdir(out) if f.endswith(".dcm"))
    got = {f[:-4] for f in files}
    check(f"{name}: every instance received", got == set(expected_uids),
          f"missing {len(set(expected_uids) - got)}, extra {len(got - set(expected_uids))}")
    bad = [(u, why) for u in sorted(got & set(expected_uids)) if (why := same_instance(f"{out}/{u}.dcm", reference(u)))]
    check(f"{name}: {len(got)} instances equal to the archive's copy (data set, pixel bytes, syntax)", not bad, bad[:3])
    modes = {oct(os.stat(f"{out}/{f}").st_mode & 0o777) for f in files}
    check(f"{name}: files are 0600", modes <= {"0o600"}, modes)
    check(f"{name}: no partial files left", not [f for f in os.listdir(out) if f.startswith(".partial")])


# ---------------------------------------------------------------- Orthanc
print("== Orthanc")
move_port = free_port()
orthanc = H.start_orthanc(modalities={"sixray": {"AET": "SIXRAY", "Host": "127.0.0.1", "Port": move_port, "AllowGet": True,
                                                 "AllowMove": True, "AllowFind": True, "AllowEcho": True, "AllowStore": True}})
o_dicom, o_http = orthanc.dicom_port, orthanc.http_port
check("Orthanc starts", orthanc.started)
rest = orthanc.rest


def get_json(path):
    with urllib.request.urlopen(rest + path, timeout=10) as r:
        return json.load(r)


# Configuration file with a named archive (the rest use inline AET@host:port).
os.makedirs(TMP + "/xdg/sixray")
with open(TMP + "/xdg/sixray/config.toml", "w") as f:
    f.write(f'[sixray]\naet = "SIXRAY"\nport = {move_port}\n\n[archive.orthanc]\nhost = "127.0.0.1"\nport = {o_dicom}\n'
            f'called_aet = "ORTHANC"\nretrieve = "get"\ndimse_timeout = 30\n')
node = "orthanc"
inline = f"ORTHANC@127.0.0.1:{o_dicom}"

r = sixray("echo", node)
check("echo (named archive from config.toml)", r.returncode == 0 and "0x0000 (success)" in r.stdout, r.stderr + r.stdout)

r = sixray("send", inline, src)
stats = get_json("/statistics")
check(f"send {len(all_src)} files (C-STORE)", r.returncode == 0 and stats["CountInstances"] == len(all_src),
      f"rc {r.returncode}, Orthanc holds {stats['CountInstances']}: {r.stderr}")
# The archive holds exactly what was sent.
orthanc_ids = {}
for iid in get_json("/instances"):
    tags = get_json(f"/instances/{iid}/simplified-tags")
    orthanc_ids[tags["SOPInstanceUID"]] = iid


def orthanc_file(uid):
    p = f"{TMP}/orthanc-copy-{uid}.dcm"
    if not os.path.exists(p):
        with urllib.request.urlopen(f"{rest}/instances/{orthanc_ids[uid]}/file", timeout=10) as r, open(p, "wb") as f:
            f.write(r.read())
    return p


bad = [(u, by_uid[u].split("/")[-1], "not in Orthanc" if u not in orthanc_ids else why) for u in by_uid
       if u not in orthanc_ids or (why := same_instance(orthanc_file(u), by_uid[u]))]
check("stored instances equal the sent files", not bad, bad[:3])

r = sixray("query", node, "--level", "patient", "--json")
pats = json.loads(r.stdout or "[]")
check("find PATIENT level (Patient Root)", r.returncode == 0 and [p["00100020"]["Value"][0] for p in pats] == [patient], r.stderr)
r = sixray("query", node, "--level", "study", "--patient-id", patient, "--json")
studies = {s["0020000D"]["Value"][0]: s for s in json.loads(r.stdout or "[]")}
check("find STUDY level (Study Root): both studies with their image counts",
      set(studies) == {study_ct, study_mix} and studies[study_ct]["00201208"]["Value"][0] == 24, r.stderr + r.stdout[:300])
r = sixray("query", node, "--date", "20240301-20240331", "--modality", "CT", "--json")
ds = json.loads(r.stdout or "[]")
check("find with a date range and modality matches only the CT study", [s["0020000D"]["Value"][0] for s in ds] == [study_ct], r.stdout[:300])
r = sixray("query", node, "--accession", "ACC-NET-2")
check("find by accession number (table output)", r.returncode == 0 and study_mix in r.stdout and study_ct not in r.stdout, r.stdout)
r = sixray("query", node, "--level", "series", "--study", study_mix, "--json")
check("find SERIES level", r.returncode == 0 and len(json.loads(r.stdout or "[]")) == len(mixed), r.stderr)
r = sixray("query", node, "--level", "image", "--study", study_ct, "--series", series_ct, "--json")
imgs = json.loads(r.stdout or "[]")
check("find IMAGE level lists all 24 instances", len(imgs) == 24, r.stderr)
r = sixray("query", node, "--level", "patient", "--model", "patient", "--name", "TEST^*", "--json")
check("find with a wildcard name", r.returncode == 0 and len(json.loads(r.stdout or "[]")) == 1, r.stderr)
r = sixray("query", node, "--level", "image", "--study", study_ct, "--series", series_ct, "--limit", "3", "--json")
n = len(json.loads(r.stdout or "[]"))
check("C-CANCEL after --limit 3 stops the matches", r.returncode == 0 and 3 <= n < 24, f"{n} matches, {r.stderr}")

out_get = TMP + "/get"
r = sixray("retrieve", node, "--study", study_mix, "--via", "get", "--out", out_get)
check("retrieve mixed study via C-GET (compressed syntaxes offered)", r.returncode == 0, r.stderr)
check_retrieved("C-GET", out_get, [u for u, p in by_uid.items() if "/mix" in p], orthanc_file)

out_move = TMP + "/move"
r = sixray("retrieve", inline, "--study", study_ct, "--via", "move", "--port", move_port, "--out", out_move)
check("retrieve CT study via C-MOVE to the in-process storage SCP", r.returncode == 0, r.stderr)
ct_uids = [u for u, p in by_uid.items() if "/ct" in p]
check_retrieved("C-MOVE", out_move, ct_uids, orthanc_file)

out_series = TMP + "/series"
r = sixray("retrieve", inline, "--study", study_ct, "--series", series_ct, "--via", "get", "--out", out_series)
check("retrieve one series via C-GET", r.returncode == 0 and len([f for f in os.listdir(out_series) if f.endswith(".dcm")]) == 24, r.stderr)

# Into the local study store (no --out): every instance indexed, the store's copy equal to
# the archive's, verify clean, and a second retrieve fetches nothing.
store_root = TMP + "/store"
r = sixray("retrieve", node, "--study", study_ct, "--via", "get", "--root", store_root)
check("retrieve into the local study store", r.returncode == 0 and "24 received" in r.stderr, r.stderr)
r = sixray("cache", "ls", "--json", "--root", store_root)
listed = json.loads(r.stdout or "[]") if r.returncode == 0 else []
check("the store lists the retrieved study with its 24 instances",
      any(st.get("studyInstanceUID") == study_ct and st.get("instances") == 24 and st.get("state") == "complete" for st in listed), r.stdout[:300] + r.stderr)
stored = {}
for dirpath, _, names in os.walk(store_root + "/objects"):
    for n in names:
        if n.endswith(".dcm"):
            stored[n[:-4]] = os.path.join(dirpath, n)
same = [u for u in ct_uids if u in stored and open(stored[u], "rb").read().endswith(open(orthanc_file(u), "rb").read()[-4096:])] if stored else []
check("the store's files carry the archive's pixel bytes", len(same) == len(ct_uids), f"{len(same)} of {len(ct_uids)}")
r = sixray("cache", "verify", "--root", store_root)
check("cache verify is clean after a retrieve", r.returncode == 0, r.stdout[-300:] + r.stderr)
r = sixray("retrieve", node, "--study", study_ct, "--via", "get", "--root", store_root)
check("a second retrieve into the store skips everything", r.returncode == 0 and "24 already held" in r.stderr, r.stderr)

# The workstation against the archive, in tmux: the worklist lists Orthanc's studies as
# remote, Enter retrieves one into the store (progress in the status line) and the series
# browser shows it; the store then holds it complete.
if shutil.which("tmux"):
    tui_store = TMP + "/tui-store"
    env_prefix = f"XDG_CONFIG_HOME={TMP}/xdg XDG_CACHE_HOME={TMP}/tui-cache TERM=xterm-256color"
    tui = Tmux("sixray-net", f"{env_prefix} {SIXRAY} --protocol blocks --root {tui_store}; echo EXIT=$?; sleep 30")
    check("workstation: the worklist lists the archive's studies", tui.wait_for("orthanc: 2 studies"), tui.pane())
    check("workstation: archive studies show as remote", "remote" in tui.pane(), tui.pane())
    tui.keys("/")
    tui.keys("ACC-NET-1", literal=True)
    tui.keys("Enter", "Enter")
    check("workstation: Enter retrieves the study and opens its series", tui.wait_for("Retrieved ", 60), tui.pane())
    check("workstation: the series browser shows the retrieved series", "24/24" in tui.pane() and "local" in tui.pane(), tui.pane())
    tui.keys("C-c")
    check("workstation: Ctrl-C quits cleanly", tui.wait_for("EXIT=0", 10), tui.pane())
    tui.close()
    r = sixray("cache", "ls", "--json", "--root", tui_store)
    listed = json.loads(r.stdout or "[]") if r.returncode == 0 else []
    check("workstation: the retrieved study is complete in the store",
          any(st.get("studyInstanceUID") == study_ct and st.get("state") == "complete" for st in listed), r.stdout[:300])
else:
    print("skip: tmux not installed (workstation against the archive)")

# Resume: two instances gone, the retrieve fetches exactly those.
for u in ct_uids[:2]:
    os.unlink(f"{out_move}/{u}.dcm")
r = sixray("retrieve", inline, "--study", study_ct, "--via", "move", "--port", move_port, "--out", out_move)
check("resume fetches only the 2 missing instances", r.returncode == 0 and "2 received, 22 already held" in r.stderr, r.stderr)
check_retrieved("resumed C-MOVE", out_move, ct_uids, orthanc_file)

r = sixray("echo", f"WRONGAET@127.0.0.1:{o_dicom}")
check("rejected association is reported in words", r.returncode == 1 and "rejected-permanent" in r.stderr
      and "called-AE-title-not-recognized" in r.stderr, r.stderr)
r = sixray("retrieve", inline, "--study", study_ct, "--via", "move", "--aet", "NOSUCHAE", "--port", move_port, "--out", TMP + "/nomove")
check("C-MOVE to an unknown destination: clear failure, exit non-zero", r.returncode != 0 and "retrieve incomplete" in r.stderr, r.stderr)
state = json.load(open(TMP + "/nomove/.sixray-retrieve.json"))
check("incomplete retrieve is marked incomplete on disk", state["complete"] is False and state["received"] == 0, state)

# ---------------------------------------------------------------- DCMTK dcmqrscp as archive
print("== DCMTK dcmqrscp")
qr_port, qr_move = free_port(), free_port()
os.makedirs(TMP + "/qr/DCMQR")
with open(TMP + "/qr/dcmqrscp.cfg", "w") as f:
    f.write(f"""NetworkTCPPort = {qr_port}
MaxPDUSize = 16384
MaxAssociations = 16
HostTable BEGIN
sixray = (SIXRAY, 127.0.0.1, {qr_move})
storescu = (STORESCU, 127.0.0.1, 0)
HostTable END
VendorTable BEGIN
VendorTable END
AETable BEGIN
DCMQR {TMP}/qr/DCMQR RW (200, 1024mb) ANY
AETable END
""")
procs.append(subprocess.Popen(["dcmqrscp", "-c", TMP + "/qr/dcmqrscp.cfg", "--disable-host-lookup"],
                              stdout=subprocess.DEVNULL, stderr=open(TMP + "/qr/log", "w")))
check("dcmqrscp starts", wait_port(qr_port))
qr = f"DCMQR@127.0.0.1:{qr_port}"
ct_files = sorted(p for p in by_uid.values() if "/ct" in p)
r = sixray("send", qr, *ct_files)
check("send to dcmqrscp", r.returncode == 0, r.stderr)
r = sixray("echo", qr)
check("echo dcmqrscp", r.returncode == 0, r.stderr)
r = sixray("query", qr, "--level", "study", "--json")
check("find STUDY on dcmqrscp", r.returncode == 0 and [s["0020000D"]["Value"][0] for s in json.loads(r.stdout or "[]")] == [study_ct], r.stderr)
r = sixray("query", qr, "--level", "patient", "--model", "patient", "--json")
check("find PATIENT (Patient Root) on dcmqrscp", r.returncode == 0 and len(json.loads(r.stdout or "[]")) == 1, r.stderr)
r = sixray("query", qr, "--level", "series", "--study", study_ct, "--json")
check("find SERIES on dcmqrscp", r.returncode == 0 and len(json.loads(r.stdout or "[]")) == 1, r.stderr)
r = sixray("retrieve", qr, "--study", study_ct, "--via", "get", "--out", TMP + "/qrget")
check("C-GET from dcmqrscp", r.returncode == 0, r.stderr)
check_retrieved("dcmqrscp C-GET", TMP + "/qrget", ct_uids, lambda u: by_uid[u])
r = sixray("retrieve", qr, "--study", study_ct, "--via", "move", "--port", qr_move, "--out", TMP + "/qrmove")
check("C-MOVE from dcmqrscp", r.returncode == 0, r.stderr)
check_retrieved("dcmqrscp C-MOVE", TMP + "/qrmove", ct_uids, lambda u: by_uid[u])

# ---------------------------------------------------------------- DCMTK wlmscpfs (worklist)
print("== DCMTK wlmscpfs (Modality Worklist)")
wl_port = free_port()
wl_dir = TMP + "/wl/WORKLIST"
os.makedirs(wl_dir)
open(wl_dir + "/lockfile", "w").close()
examples = "/usr/share/doc/dcmtk/examples/wlistdb/OFFIS"
made = 0
for name in sorted(os.listdir(examples)) if os.path.isdir(examples) else []:
    if name.endswith(".dump"):
        if subprocess.run(["dump2dcm", f"{examples}/{name}", f"{wl_dir}/{name[:-5]}.wl"], capture_output=True).returncode == 0:
            made += 1
if made:
    procs.append(subprocess.Popen(["wlmscpfs", "-dfp", TMP + "/wl", str(wl_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    wait_port(wl_port)
    r = sixray("query", f"WORKLIST@127.0.0.1:{wl_port}", "--model", "worklist", "--json")
    items = json.loads(r.stdout or "[]")
    check(f"Modality Worklist C-FIND returns the {made} scheduled items", r.returncode == 0 and len(items) == made, r.stderr)
    r = sixray("query", f"WORKLIST@127.0.0.1:{wl_port}", "--model", "worklist", "--modality", "MR", "--json")
    mr = json.loads(r.stdout or "[]")
    check("worklist filtered by modality", r.returncode == 0 and 0 < len(mr) < made, f"{len(mr)} of {made}")
else:
    check("worklist examples available", False, examples)

# ---------------------------------------------------------------- sixray listen ← DCMTK
print("== sixray listen with DCMTK storescu/echoscu/findscu")
ls_port = free_port()
ls_out = TMP + "/listen"
listen_log = open(TMP + "/listen.log", "w")
listen = subprocess.Popen([SIXRAY, "listen", "--port", str(ls_port), "--aet", "SIXRAY", "--out", ls_out],
                          stdout=subprocess.DEVNULL, stderr=listen_log)
procs.append(listen)
check("sixray listen starts", wait_port(ls_port))
r = subprocess.run(["echoscu", "-aec", "SIXRAY", "127.0.0.1", str(ls_port)], capture_output=True, text=True)
check("echoscu → sixray listen", r.returncode == 0, r.stderr)
files = sorted(by_uid.values())
# storescu proposes uncompressed syntaxes unless told which compressed one to offer.
flags = {"1.2.840.10008.1.2.4.91": "-xw", "1.2.840.10008.1.2.4.81": "-xu", "1.2.840.10008.1.2.4.51": "-xx", "1.2.840.10008.1.2.4.90": "-xv", "1.2.840.10008.1.2.5": "-xr", "1.2.840.10008.1.2.4.80": "-xt",
         "1.2.840.10008.1.2.4.50": "-xy", "1.2.840.10008.1.2.4.70": "-xs"}
groups = {}
for p in files:
    ts = str(pydicom.dcmread(p, stop_before_pixels=True).file_meta.TransferSyntaxUID)
    groups.setdefault(flags.get(ts, ""), []).append(p)
errs = ""
for flag, group in groups.items():
    r = subprocess.run(["storescu", *([flag] if flag else []), "-aec", "SIXRAY", "127.0.0.1", str(ls_port), *group],
                       capture_output=True, text=True)
    if r.returncode:
        errs += r.stderr
check(f"storescu → sixray listen ({len(groups) - 1} compressed syntaxes)", not errs, errs)
check_retrieved("listen", ls_out, list(by_uid), lambda u: by_uid[u])
r = subprocess.run(["findscu", "-aec", "SIXRAY", "-S", "-k", "QueryRetrieveLevel=STUDY", "127.0.0.1", str(ls_port)],
                   capture_output=True, text=True)
check("findscu → sixray listen: Query/Retrieve is not offered, refused cleanly", r.returncode != 0 and "No Acceptable Presentation Contexts" in r.stderr, r.stderr)
r = subprocess.run(["echoscu", "-aec", "NOTSIXRAY", "127.0.0.1", str(ls_port)], capture_output=True, text=True)
check("echoscu with a wrong called AE is rejected", r.returncode != 0 and "Called AE Title Not Recognized" in r.stderr, r.stderr)

# Unknown SOP class: storescu proposes it, the listener refuses the context, nothing is written.
odd = Dataset()
odd.SOPClassUID, odd.SOPInstanceUID, odd.PatientID = "1.2.3.999.1", generate_uid(), "X"
odd.file_meta = FileMetaDataset()
odd.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
odd.file_meta.MediaStorageSOPClassUID, odd.file_meta.MediaStorageSOPInstanceUID = odd.SOPClassUID, odd.SOPInstanceUID
odd.save_as(TMP + "/odd.dcm", enforce_file_format=True)
r = subprocess.run(["storescu", "-aec", "SIXRAY", "127.0.0.1", str(ls_port), TMP + "/odd.dcm"], capture_output=True, text=True)
check("C-STORE of an unknown SOP class is refused, no file written",
      r.returncode != 0 and not os.path.exists(f"{ls_out}/{odd.SOPInstanceUID}.dcm"), r.stderr)


# Malformed PDUs: the listener answers with A-ABORT and keeps serving.
def raw_exchange(payload):
    s = socket.create_connection(("127.0.0.1", ls_port), 5)
    s.sendall(payload)
    s.settimeout(5)
    try:
        return s.recv(64)
    except OSError:
        return b""
    finally:
        s.close()


ans = raw_exchange(bytes([0x09, 0, 0, 0, 0, 4, 0, 0, 0, 0]))
# In Sta2 an invalid PDU is AA-1 (PS3.8 Table 9-10): A-ABORT, then the transport closes.
check("unknown PDU type → A-ABORT", ans[:1] == b"\x07", ans)
ans = raw_exchange(bytes([0x01, 0, 0, 0, 0, 10]) + bytes(10))
check("truncated A-ASSOCIATE-RQ → A-ABORT", ans[:1] == b"\x07", ans)
ans = raw_exchange(bytes([0x04, 0, 0, 0, 0, 6, 0, 0, 0, 2, 1, 3]))
check("P-DATA before association → A-ABORT", ans[:1] == b"\x07", ans)
r = subprocess.run(["echoscu", "-aec", "SIXRAY", "127.0.0.1", str(ls_port)], capture_output=True, text=True)
check("listener still serves after malformed input", r.returncode == 0 and listen.poll() is None, r.stderr)

# ---------------------------------------------------------------- TLS
print("== TLS (PS3.15 B.1): sixray listen ↔ sixray and DCMTK echoscu/storescu +tls")
pki = TMP + "/pki"
os.makedirs(pki)


def ssl(*args):
    subprocess.run(["openssl", *args], cwd=pki, check=True, capture_output=True)


ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Sixray Test CA", "-keyout", "ca.key", "-out", "ca.pem")
ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Other CA", "-keyout", "other.key", "-out", "other.pem")
with open(pki + "/ext.cnf", "w") as f:
    f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n")
for who in ("server", "client"):
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={who}", "-keyout", f"{who}.key", "-out", f"{who}.csr")
    ssl("x509", "-req", "-in", f"{who}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
        "-extfile", "ext.cnf", "-out", f"{who}.pem")
tls_port = free_port()
tls_out = TMP + "/tls-in"
tls_listen = subprocess.Popen([SIXRAY, "listen", "--port", str(tls_port), "--out", tls_out, "--tls-cert", pki + "/server.pem",
                               "--tls-key", pki + "/server.key", "--tls-ca", pki + "/ca.pem"],
                              stdout=subprocess.DEVNULL, stderr=open(TMP + "/tls-listen.log", "w"))
procs.append(tls_listen)
wait_port(tls_port)
tnode = f"SIXRAY@127.0.0.1:{tls_port}"
client_cert = ["--tls-ca", pki + "/ca.pem", "--tls-cert", pki + "/client.pem", "--tls-key", pki + "/client.key"]
r = sixray("echo", tnode, *client_cert)
check("TLS echo with a client certificate, server verified", r.returncode == 0 and "success" in r.stdout, r.stderr)
ct_one = sorted(p for p in by_uid.values() if "/ct" in p)[:3]
r = sixray("send", tnode, *client_cert, *ct_one)
got = [f for f in os.listdir(tls_out) if f.endswith(".dcm")] if os.path.isdir(tls_out) else []
check("TLS C-STORE: 3 instances stored, equal to the sent files",
      r.returncode == 0 and len(got) == 3 and not any(same_instance(f"{tls_out}/{f}", by_uid[f[:-4]]) for f in got), r.stderr)
r = sixray("echo", tnode, "--tls-ca", pki + "/other.pem", "--tls-cert", pki + "/client.pem", "--tls-key", pki + "/client.key", "--timeout", "5")
check("server certificate from an untrusted CA is refused (verification on by default)", r.returncode == 1 and "TLS handshake failed: certificate verify failed" in r.stderr, r.stderr)
r = sixray("echo", tnode, "--tls-ca", pki + "/ca.pem", "--timeout", "5")
check("listener requires a client certificate", r.returncode == 1, r.stderr + r.stdout)
r = sixray("echo", tnode, "--timeout", "3")
check("plain TCP to a TLS listener fails cleanly", r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr)
r = subprocess.run(["echoscu", "-aec", "SIXRAY", "+tls", pki + "/client.key", pki + "/client.pem", "+cf", pki + "/ca.pem",
                    "127.0.0.1", str(tls_port)], capture_output=True, text=True)
check("DCMTK echoscu +tls → sixray listen (TLS)", r.returncode == 0, r.stderr)
check("TLS listener still running", tls_listen.poll() is None)

# ---------------------------------------------------------------- silent peer
print("== faults")
silent = socket.socket()
silent.bind(("127.0.0.1", 0))
silent.listen(4)
t0 = time.time()
r = sixray("echo", f"SILENT@127.0.0.1:{silent.getsockname()[1]}", "--timeout", "1")
check("silent peer: timeout error within the limit", r.returncode == 1 and "timed out" in r.stderr and time.time() - t0 < 10, r.stderr)
silent.close()
r = sixray("echo", f"NOBODY@127.0.0.1:{free_port()}")
check("connection refused: one-line error", r.returncode == 1 and "Connection refused" in r.stderr and r.stderr.count("\n") == 1, r.stderr)
r = sixray("retrieve", "nosuchnode", "--study", "1.2.3")
check("unknown node name: clear configuration error", r.returncode == 1 and "unknown node 'nosuchnode'" in r.stderr, r.stderr)

sys.exit(H.finish("network interop"))
