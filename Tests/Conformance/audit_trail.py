#!/usr/bin/env python3
"""The audit trail and the privacy commands, end to end through the `sixray` binary.

    audit_trail.py SIXRAY_BINARY

Synthetic studies written with pydicom carry known identifying values (names, IDs, birth
date, accession, institution, physicians). With a private store and config.toml
([audit] syslog to a UDP listener in this process, [privacy] confidential_codes):

1. import, dump, view, pixel export, `export --dicom --deidentify`, evict each leave their
   record, found with `sixray audit --json --event E --study UID`.
2. The de-identified export: every file reads with pydicom; no identifying value of the source
   is left anywhere in the bytes; pixel data equal byte for byte; Study / Series / Frame of
   Reference UIDs replaced, consistent across the files and new; the File Meta group length
   matches the meta elements.
3. Confidential studies: `cache info`, `view`, `dump` and `export` of one are refused (exit 1)
   without --show-confidential and audited as access-confidential with it; the flag survives
   an index rebuild (`cache verify --repair` after the index is overwritten).
4. Send (C-STORE and STOW-RS) and retrieve (C-GET and WADO-RS) against Orthanc on loopback,
   when Orthanc is installed: records with outcome and peer (no credentials); a retrieve from a
   closed port is a failure record.
5. Two processes listing 30 confidential studies 8 times each at the same time: every line of
   the log is a whole record, none lost.
6. Every record also arrived as one RFC 5424 datagram (<85>1 or <84>1 ..., BOM, the same
   JSON); the log is 0600 and holds none of the identifying values; `sixray audit` reports a
   damaged line by number and goes on.

Prints one line per check and "N passed, N failed" last; exit 0 only when all pass.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

sixray = os.path.abspath(sys.argv[1])
work = tempfile.mkdtemp(prefix="sixray-audit-")
procs = []
passed = 0
failed = 0

SECRETS = ["AUDIT^SECRET", "SECRETID42", "19370214", "ACCSECRET7", "SECRET HOSPITAL", "DR^WHO^SECRET",
           "SECRETOTHERID", "SECRET STREET 9", "SECRETSTATION"]


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok    {name}")
    else:
        failed += 1
        print(f"FAIL  {name}: {str(detail)[:400]}")


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


env = dict(os.environ)
env["XDG_CACHE_HOME"] = os.path.join(work, "cache")
env["XDG_CONFIG_HOME"] = os.path.join(work, "config")
env["HOME"] = work
store_root = os.path.join(work, "cache", "sixray")
audit_path = os.path.join(store_root, "audit.log")


def run(*args, timeout=120):
    return subprocess.run([sixray, *args], env=env, capture_output=True, text=True, timeout=timeout)


def audit(*args):
    r = run("audit", "--json", *args)
    if r.returncode != 0:
        return None
    return json.loads(r.stdout)


# ---------------------------------------------------------------- syslog listener
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 0))
udp.settimeout(0.2)
udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
syslog_port = udp.getsockname()[1]
datagrams = []
stop = threading.Event()


def listen():
    while not stop.is_set():
        try:
            data, _ = udp.recvfrom(65536)
            datagrams.append(data)
        except socket.timeout:
            pass


listener = threading.Thread(target=listen, daemon=True)
listener.start()


def write_config(extra=""):
    os.makedirs(os.path.join(work, "config", "sixray"), exist_ok=True)
    path = os.path.join(work, "config", "sixray", "config.toml")
    with open(path, "w") as f:
        f.write(f'[audit]\nsyslog = "udp://127.0.0.1:{syslog_port}"\n\n[privacy]\nconfidential_codes = ["R"]\n\n' + extra)
    os.chmod(path, 0o600)


write_config()

# ---------------------------------------------------------------- synthetic studies
def make_study(folder, n, code="", uid_prefix=None):
    """n instances of one CT series with every identifying value of SECRETS; returns the Study UID."""
    os.makedirs(folder, exist_ok=True)
    study = generate_uid()
    series = generate_uid()
    frame = generate_uid()
    for k in range(n):
        ds = Dataset()
        ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
        ds.SOPInstanceUID = generate_uid()
        ds.StudyInstanceUID = study
        ds.SeriesInstanceUID = series
        ds.FrameOfReferenceUID = frame
        ds.PatientName = "AUDIT^SECRET"
        ds.PatientID = "SECRETID42"
        ds.PatientBirthDate = "19370214"
        ds.PatientSex = "F"
        ds.OtherPatientIDs = "SECRETOTHERID"
        ds.PatientAddress = "SECRET STREET 9"
        ds.AccessionNumber = "ACCSECRET7"
        ds.InstitutionName = "SECRET HOSPITAL"
        ds.ReferringPhysicianName = "DR^WHO^SECRET"
        ds.StationName = "SECRETSTATION"
        ds.StudyDate = "20240101"
        ds.StudyTime = "101010"
        ds.Modality = "CT"
        ds.StudyID = "1"
        ds.SeriesNumber = 1
        ds.InstanceNumber = k + 1
        if code:
            ds.ConfidentialityCode = code
        ds.ImagePositionPatient = [0, 0, float(k)]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.PixelSpacing = [1, 1]
        ds.SliceThickness = 1
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows = 16
        ds.Columns = 16
        ds.BitsAllocated = 16
        ds.BitsStored = 12
        ds.HighBit = 11
        ds.PixelRepresentation = 0
        ds.RescaleIntercept = -1024
        ds.RescaleSlope = 1
        ds.PixelData = (np.arange(256, dtype=np.uint16).reshape(16, 16) * (k + 3) % 4096).astype("<u2").tobytes()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta.SourceApplicationEntityTitle = "SECRETSTATION"
        pydicom.dcmwrite(os.path.join(folder, f"{k + 1:03d}.dcm"), ds, enforce_file_format=True)
    return study


try:
    src_a = os.path.join(work, "in", "a")
    src_b = os.path.join(work, "in", "b")
    study_a = make_study(src_a, 3)
    study_b = make_study(src_b, 2)

    # ------------------------------------------------------------ import, dump, view, export
    print("== import, dump, view, export")
    r = run("import", os.path.join(work, "in"))
    check("import of 2 studies", r.returncode == 0, r.stderr)
    recs = audit("--event", "import") or []
    check("import: one record per study", sorted(x.get("study") for x in recs) == sorted([study_a, study_b]), recs)
    check("import record: who, when, outcome", all(x["outcome"] == "success" and x["user"] and x["host"] and x["pid"] > 0
                                                   and x["time"].endswith("Z") and "T" in x["time"] for x in recs), recs)

    stored_a = sorted(os.path.join(d, f) for d, _, fs in os.walk(store_root) for f in fs
                      if f.endswith(".dcm") and study_a in d)
    check("study A stored as 3 files", len(stored_a) == 3, stored_a)
    r = run("dump", stored_a[0])
    check("dump of a stored file", r.returncode == 0, r.stderr)
    check("dump: recorded", [x["study"] for x in audit("--event", "dump") or []] == [study_a])
    r = run("dump", os.path.join(src_a, "001.dcm"))
    check("dump of a file outside the store: not recorded", r.returncode == 0 and len(audit("--event", "dump") or []) == 1)
    r = run("view", stored_a[1], "--protocol", "sixel", "--size", "32x32")
    check("view of a stored file", r.returncode == 0 and r.stdout.startswith("\x1bP"), r.stderr)
    check("view: recorded", [x["study"] for x in audit("--event", "view") or []] == [study_a])
    r = run("export", stored_a[0], "--out", os.path.join(work, "a.png"))
    check("export pixels", r.returncode == 0, r.stderr)
    ex = audit("--event", "export") or []
    check("export: recorded with the source study", len(ex) == 1 and ex[0].get("study") == study_a and "png" in ex[0].get("detail", ""), ex)

    # ------------------------------------------------------------ de-identified DICOM export
    print("== export --dicom --deidentify")
    out = os.path.join(work, "deid")
    r = run("export", study_a, "--dicom", out, "--deidentify")
    check("export STUDY --dicom DIR --deidentify", r.returncode == 0, r.stderr)
    files = sorted(os.path.join(out, f) for f in os.listdir(out)) if os.path.isdir(out) else []
    check("3 files written, 0600, folder 0700", len(files) == 3 and all(os.stat(f).st_mode & 0o777 == 0o600 for f in files)
          and os.stat(out).st_mode & 0o777 == 0o700, files)
    source = {pydicom.dcmread(p).InstanceNumber: pydicom.dcmread(p) for p in stored_a}
    exported = []
    for f in files:
        try:
            exported.append(pydicom.dcmread(f))
        except Exception as e:  # noqa: BLE001
            check(f"pydicom reads {os.path.basename(f)}", False, e)
    check("pydicom reads every exported file", len(exported) == 3)
    leaks = []
    for f in files:
        raw = open(f, "rb").read()
        leaks += [(os.path.basename(f), s) for s in SECRETS if s.encode() in raw or s.replace("^", " ").encode() in raw]
    check("no identifying value of the source left in any byte", not leaks, leaks)
    src_uids = {study_a, source[1].SeriesInstanceUID, source[1].FrameOfReferenceUID} | {s.SOPInstanceUID for s in source.values()}
    leaked_uids = [(os.path.basename(f), u) for f in files for u in src_uids if u.encode() in open(f, "rb").read()]
    check("no source UID left (study, series, frame of reference, instances)", not leaked_uids, leaked_uids)
    if exported:
        check("Study Instance UID: one for all files, new", len({d.StudyInstanceUID for d in exported}) == 1
              and exported[0].StudyInstanceUID != study_a)
        check("Series Instance UID: one for the series, new", len({d.SeriesInstanceUID for d in exported}) == 1
              and exported[0].SeriesInstanceUID != source[1].SeriesInstanceUID)
        check("Frame of Reference UID: consistent and new", len({d.FrameOfReferenceUID for d in exported}) == 1
              and exported[0].FrameOfReferenceUID != source[1].FrameOfReferenceUID)
        check("SOP Instance UID = Media Storage SOP Instance UID, file named after it",
              all(d.SOPInstanceUID == d.file_meta.MediaStorageSOPInstanceUID and d.filename.endswith(d.SOPInstanceUID + ".dcm")
                  for d in exported))
        check("Patient Identity Removed YES, method given (an LO of at most 64 characters)",
              all(d.PatientIdentityRemoved == "YES" and "PS3.15" in d.DeidentificationMethod and len(d.DeidentificationMethod) <= 64
                  for d in exported))
        same = [d.PixelData == source[d.InstanceNumber].PixelData for d in exported]
        check("pixel data byte for byte equal to the source's", same == [True] * 3, same)
        check("pixel arrays equal (pydicom decode)", all(np.array_equal(d.pixel_array, source[d.InstanceNumber].pixel_array) for d in exported))
        gl_ok = []
        for f in files:
            raw = open(f, "rb").read()
            glen = int.from_bytes(raw[140:144], "little")
            end = 144 + glen
            gl_ok.append(raw[128:132] == b"DICM" and raw[132:134] == b"\x02\x00" and raw[end:end + 2] != b"\x02\x00"
                         and raw[end - 200:end].count(b"\x02\x00") > 0 and pydicom.dcmread(f).file_meta.FileMetaInformationGroupLength == glen)
        check("(0002,0000) group length covers exactly the meta elements", all(gl_ok), gl_ok)
        check("no Source AE Title from the source's meta", all("SourceApplicationEntityTitle" not in d.file_meta for d in exported))
    ex = [x for x in audit("--event", "export", "--study", study_a) or [] if "dicom" in x.get("detail", "")]
    check("de-identified export: recorded (source study, 3 instances, 'deidentified')",
          len(ex) == 1 and ex[0].get("instances") == 3 and "deidentified" in ex[0]["detail"], ex)
    out2 = os.path.join(work, "deid2")
    r = run("export", os.path.join(src_a, "001.dcm"), os.path.join(src_a, "002.dcm"), "--dicom", out2, "--deidentify")
    again = [pydicom.dcmread(os.path.join(out2, f)) for f in sorted(os.listdir(out2))] if r.returncode == 0 else []
    check("a second run gives new UIDs (one profile per run)", len(again) == 2 and exported
          and again[0].StudyInstanceUID not in {exported[0].StudyInstanceUID, study_a}
          and len({d.StudyInstanceUID for d in again}) == 1, r.stderr)

    # An encapsulated transfer syntax keeps its fragments as they are.
    rle_dir = os.path.join(work, "rle")
    make_study(rle_dir, 1)
    rle_src = os.path.join(rle_dir, "001.dcm")
    ds = pydicom.dcmread(rle_src)
    ds.compress(pydicom.uid.RLELossless)
    ds.save_as(rle_src, enforce_file_format=True)
    r = run("export", rle_src, "--dicom", os.path.join(work, "rle-out"), "--deidentify")
    outs = os.listdir(os.path.join(work, "rle-out")) if r.returncode == 0 else []
    got = pydicom.dcmread(os.path.join(work, "rle-out", outs[0])) if len(outs) == 1 else None
    check("RLE Lossless source: exported in RLE, fragments byte for byte, decodes equal",
          got is not None and got.file_meta.TransferSyntaxUID == pydicom.uid.RLELossless and got.PixelData == ds.PixelData
          and np.array_equal(got.pixel_array, ds.pixel_array), r.stderr)

    # ------------------------------------------------------------ confidential studies
    print("== confidential studies")
    r = run("cache", "mark", study_b, "--confidential")
    check("mark B confidential", r.returncode == 0, r.stderr)
    check("mark: recorded", [(x["study"], x.get("detail")) for x in audit("--event", "mark") or []] == [(study_b, "confidential")])
    r = run("cache", "info", study_b)
    check("cache info of a confidential study: refused, exit 1, says --show-confidential",
          r.returncode == 1 and "--show-confidential" in r.stderr and "AUDIT" not in r.stdout, (r.returncode, r.stderr))
    check("refusal: nothing recorded as an access", not audit("--event", "access-confidential"))
    r = run("cache", "info", study_b, "--show-confidential")
    acc = audit("--event", "access-confidential") or []
    check("cache info --show-confidential: shown and recorded", r.returncode == 0 and study_b in r.stdout
          and [x["study"] for x in acc] == [study_b], (r.stderr, acc))
    stored_b = sorted(os.path.join(d, f) for d, _, fs in os.walk(store_root) for f in fs if f.endswith(".dcm") and study_b in d)
    r = run("view", stored_b[0], "--protocol", "sixel", "--size", "32x32")
    check("view of a confidential stored file: refused", r.returncode == 1 and r.stdout == "" and "confidential" in r.stderr, r.stderr)
    r = run("dump", stored_b[0])
    check("dump of a confidential stored file: refused", r.returncode == 1 and "AUDIT" not in r.stdout, r.stderr)
    r = run("export", study_b, "--dicom", os.path.join(work, "conf"))
    check("export --dicom of a confidential study: refused", r.returncode == 1 and not os.path.exists(os.path.join(work, "conf")), r.stderr)
    r = run("view", stored_b[0], "--protocol", "sixel", "--size", "32x32", "--show-confidential")
    acc = audit("--event", "access-confidential", "--study", study_b) or []
    check("view --show-confidential: shown, access-confidential and view recorded",
          r.returncode == 0 and len(acc) == 2 and acc[-1].get("detail") == "view"
          and study_b in [x["study"] for x in audit("--event", "view") or []], (r.stderr, acc))

    r = run("export", study_b, "--dicom", os.path.join(work, "conf2"), "--show-confidential")
    acc = audit("--event", "access-confidential", "--study", study_b) or []
    check("export --dicom --show-confidential: written, one more access-confidential record",
          r.returncode == 0 and len(os.listdir(os.path.join(work, "conf2"))) == 2 and len(acc) == 3, (r.stderr, acc))

    # Rebuild the index from the files: the flag comes back from study.json.
    with open(os.path.join(store_root, "index.sqlite"), "r+b") as f:
        f.write(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(os.path.join(store_root, "index.sqlite" + suffix)):
            os.remove(os.path.join(store_root, "index.sqlite" + suffix))
    r = run("cache", "verify", "--repair")
    check("cache verify --repair rebuilds a damaged index", r.returncode == 0, r.stdout + r.stderr)
    r = run("cache", "ls", "--json")
    shown = [s["studyInstanceUID"] for s in json.loads(r.stdout)] if r.returncode == 0 else None
    check("after the rebuild the confidential study is still hidden", shown == [study_a], shown)
    r = run("cache", "ls", "--json", "--show-confidential")
    rows = {s["studyInstanceUID"]: s for s in json.loads(r.stdout)} if r.returncode == 0 else {}
    check("and listed with --show-confidential, flagged", set(rows) == {study_a, study_b} and rows[study_b]["confidential"]
          and not rows[study_a]["confidential"], rows.keys())

    # ------------------------------------------------------------ network: Orthanc
    orthanc_bin = shutil.which("Orthanc") or ("/usr/sbin/Orthanc" if os.path.exists("/usr/sbin/Orthanc") else None)
    plugin = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"
    if orthanc_bin:
        print("== send and retrieve (Orthanc on loopback)")
        o_dicom, o_http = free_port(), free_port()
        cfg = {
            "Name": "sixray-audit", "StorageDirectory": work + "/orthanc/storage", "IndexDirectory": work + "/orthanc/index",
            "DicomAet": "ORTHANC", "DicomPort": o_dicom, "HttpPort": o_http, "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False, "DicomCheckCalledAet": True, "DicomCheckModalityHost": False,
            "DicomAlwaysAllowEcho": True, "DicomAlwaysAllowStore": True, "StorageCompression": False,
            "DicomModalities": {"sixray": {"AET": "SIXRAY", "Host": "127.0.0.1", "Port": free_port(), "AllowGet": True}},
            "Plugins": [plugin] if os.path.exists(plugin) else [],
            "DicomWeb": {"Enable": True, "Root": "/dicom-web/"},
        }
        os.makedirs(work + "/orthanc")
        with open(work + "/orthanc/orthanc.json", "w") as f:
            json.dump(cfg, f)
        procs.append(subprocess.Popen([orthanc_bin, work + "/orthanc/orthanc.json"], stdout=subprocess.DEVNULL,
                                      stderr=open(work + "/orthanc/log", "w")))
        check("Orthanc starts", wait_port(o_dicom) and wait_port(o_http))
        write_config(f'[archive.pacs]\nhost = "127.0.0.1"\nport = {o_dicom}\ncalled_aet = "ORTHANC"\nretrieve = "get"\n\n'
                     f'[archive.web]\nprotocol = "dicomweb"\nurl = "http://127.0.0.1:{o_http}/dicom-web"\n'
                     f'username = "auditor"\npassword = "hunter2secret"\n')
        r = run("send", "pacs", src_a)
        sends = audit("--event", "send") or []
        check("send (C-STORE): 3 files", r.returncode == 0, r.stderr)
        check("send: recorded per study with the peer", len(sends) == 1 and sends[0]["study"] == study_a and sends[0]["instances"] == 3
              and sends[0]["outcome"] == "success" and sends[0]["peer"] == f"pacs ORTHANC@127.0.0.1:{o_dicom}", sends)
        r = run("cache", "evict", study_a)
        ev = audit("--event", "evict", "--study", study_a) or []
        check("cache evict: recorded", r.returncode == 0 and len(ev) == 1 and ev[0].get("detail") == "by request", (r.stderr, ev))
        r = run("retrieve", "pacs", "--study", study_a, "--via", "get")
        rt = audit("--event", "retrieve") or []
        check("retrieve (C-GET) into the store: recorded, success, 3 instances, peer",
              r.returncode == 0 and len(rt) == 1 and rt[0]["study"] == study_a and rt[0]["outcome"] == "success"
              and rt[0]["instances"] == 3 and "ORTHANC@127.0.0.1" in rt[0]["peer"], (r.stderr, rt))
        if os.path.exists(plugin):
            r = run("send", "web", src_b)
            sends = [x for x in audit("--event", "send") or [] if x["study"] == study_b]
            check("send (STOW-RS): recorded, peer URL without credentials",
                  r.returncode == 0 and len(sends) == 1 and sends[0]["peer"].endswith(f"http://127.0.0.1:{o_http}/dicom-web")
                  and "hunter2" not in sends[0]["peer"] and "auditor" not in sends[0]["peer"], (r.stderr, sends))
            r = run("retrieve", "web", "--study", study_a, "--out", os.path.join(work, "wado"))
            rt = [x for x in audit("--event", "retrieve") or [] if "wado-rs" in x.get("detail", "")]
            check("retrieve (WADO-RS) to a folder: recorded", r.returncode == 0 and len(rt) == 1 and rt[0]["instances"] == 3
                  and rt[0]["outcome"] == "success", (r.stderr, rt))
        closed = free_port()
        r = run("retrieve", f"NOBODY@127.0.0.1:{closed}", "--study", study_a, "--via", "get", "--timeout", "3")
        bad = [x for x in audit("--event", "retrieve") or [] if x["outcome"] == "failure"]
        check("retrieve from a closed port: fails (exit 1 or 2), a failure record naming the peer",
              r.returncode in (1, 2) and len(bad) == 1 and bad[0]["peer"] == f"NOBODY@127.0.0.1:{closed}", (r.returncode, bad))
        log_text = open(audit_path).read()
        check("no password or user name of the archive in the log", "hunter2" not in log_text and "auditor" not in log_text)
    else:
        print("skip  send/retrieve: Orthanc not installed (Scripts/install-deps --test)")

    # ------------------------------------------------------------ two processes at once
    print("== two processes appending at once")
    conf = os.path.join(work, "in", "conf")
    for k in range(30):
        make_study(os.path.join(conf, str(k)), 1, code="R")
    r = run("import", conf)
    check("import 30 studies coded confidential", r.returncode == 0, r.stderr)
    before = len(audit() or [])
    script = f'for i in 1 2 3 4 5 6 7 8; do "{sixray}" cache ls --show-confidential --limit 100 >/dev/null || exit 1; done'
    ps = [subprocess.Popen(["bash", "-c", script], env=env) for _ in range(2)]
    rcs = [p.wait(timeout=300) for p in ps]
    r = run("audit", "--json")
    recs = json.loads(r.stdout) if r.returncode == 0 else []
    lc = [x for x in recs if x["event"] == "list-confidential"]
    check("2 × 8 listings of 31 confidential studies: every record whole, none lost",
          rcs == [0, 0] and r.stderr == "" and len(recs) - before == 2 * 8 * 31 and len({x["pid"] for x in lc}) >= 16,
          (rcs, len(recs) - before, r.stderr[:200]))

    # ------------------------------------------------------------ syslog, file, reader
    print("== syslog, the file, sixray audit")
    time.sleep(0.5)
    recs = audit() or []
    parsed = []
    for d in datagrams:
        head, _, body = d.partition(b"\xef\xbb\xbf")
        parsed.append((head.decode(), json.loads(body.decode())))
    check(f"one RFC 5424 datagram per record ({len(datagrams)} for {len(recs)})", len(datagrams) == len(recs))
    check("datagrams: <85>1 (notice) or <84>1 (failure), APP-NAME sixray, MSGID sixray-audit, SD audit@32473",
          all(h.startswith(("<85>1 ", "<84>1 ")) and " sixray " in h and " sixray-audit [audit@32473 event=" in h for h, _ in parsed)
          and all(h.startswith("<84>") == (j["outcome"] == "failure") for h, j in parsed))
    check("datagrams carry the same records as the file", sorted(json.dumps(j, sort_keys=True) for _, j in parsed)
          == sorted(json.dumps(x, sort_keys=True) for x in recs))
    check("audit.log is 0600", os.stat(audit_path).st_mode & 0o777 == 0o600, oct(os.stat(audit_path).st_mode))
    text = open(audit_path).read()
    check("audit.log holds none of the identifying values", not [s for s in SECRETS if s in text or s.replace("^", " ") in text])
    events = {x["event"] for x in recs}
    check("events seen: import, dump, view, export, mark, access-confidential, list-confidential",
          {"import", "dump", "view", "export", "mark", "access-confidential", "list-confidential"} <= events, events)
    with open(audit_path, "a") as f:
        f.write('{"time":"2026-01-01T00:00:00.000Z","event":\n')
    nlines = len(open(audit_path).read().splitlines())
    r = run("audit", "--json")
    check("a damaged line: reported with its number, the rest still read", r.returncode == 0
          and f"audit.log:{nlines}:" in r.stderr and len(json.loads(r.stdout)) == len(recs), r.stderr)
    r = run("audit", "--event", "view")
    check("table output", r.returncode == 0 and r.stdout.startswith("TIME (UTC)") and study_a in r.stdout, r.stdout[:300])
    r = run("audit", "--json", "--since", "2999-01-01")
    check("--since in the future: nothing", r.returncode == 0 and json.loads(r.stdout) == [])
    r = run("audit", "--since", "yesterday")
    check("--since with a bad date: usage error 64", r.returncode == 64, r.returncode)
    r = run("audit", "--event", "peek")
    check("--event unknown: usage error 64", r.returncode == 64, r.returncode)
finally:
    stop.set()
    for p in procs:
        p.terminate()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
    shutil.rmtree(work, ignore_errors=True)

print(f"{passed} passed, {failed} failed")
sys.exit(0 if failed == 0 else 1)
