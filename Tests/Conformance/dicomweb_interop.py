#!/usr/bin/env python3
"""DICOMweb interoperability: Sixray's QIDO-RS / WADO-RS / STOW-RS client against Orthanc.

  dicomweb_interop.py SIXRAY_BIN

Starts Orthanc 1.10 with its DICOMweb plugin (Debian orthanc-dicomweb) on loopback, HTTP
basic authentication on (user sixray), DICOM port for the DIMSE comparison. Checks: STOW-RS
send of a synthetic CT study and an MR study; QIDO-RS results equal the DIMSE C-FIND results
for the same filters (study, date range + modality, series, instances, limit/offset paging);
WADO-RS retrieve of a study and a series equal to the archive's copies (same transfer syntax,
equal data set, identical pixel bytes); an inline base URL; a bad token is a 401 in words with
the token not printed; an unknown study is a 404 naming the URL.
"""
import base64, json, os, shutil, socket, subprocess, sys, time, urllib.request

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid, CTImageStorage, MRImageStorage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Harness, ORTHANC_DICOMWEB_PLUGIN as PLUGIN, Tmux, free_port, wait_port

SIXRAY = os.path.abspath(sys.argv[1])
H = Harness("sixray-web-")
TMP = H.tmp
procs = H.procs
check = H.check


def sixray(*args, timeout=120):
    return subprocess.run([SIXRAY, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "XDG_CONFIG_HOME": TMP + "/xdg", "SIXRAY_TEST_TOKEN": "wrong-token-XYZ"})


if not os.path.exists(PLUGIN):
    print(f"  FAIL Orthanc DICOMweb plugin not found at {PLUGIN} (Scripts/install-deps --test installs orthanc-dicomweb)")
    sys.exit(1)

# ---------------------------------------------------------------- test data
src = TMP + "/src"
os.makedirs(src)
patient = "WEBTEST-1"
studies = {"ct": (generate_uid(), generate_uid(), "20240315", "CT", CTImageStorage, 20),
           "mr": (generate_uid(), generate_uid(), "20240401", "MR", MRImageStorage, 6)}
rng = np.random.default_rng(11)
for key, (st, se, date, mod, cls, n) in studies.items():
    for i in range(n):
        ds = Dataset()
        ds.SOPClassUID = cls
        ds.SOPInstanceUID = generate_uid()
        ds.PatientID, ds.PatientName = patient, "TEST^WEB"
        ds.StudyInstanceUID, ds.SeriesInstanceUID = st, se
        ds.StudyDate, ds.StudyTime, ds.AccessionNumber, ds.Modality = date, "101010", "ACC-" + key, mod
        ds.StudyDescription, ds.SeriesDescription = "WEB TEST " + mod, "AXIAL"
        ds.SeriesNumber, ds.InstanceNumber = 1, i + 1
        ds.ImagePositionPatient = [0, 0, i * 2.5]
        ds.Rows = ds.Columns = 96
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.PixelData = rng.integers(0, 4095, (96, 96), dtype=np.uint16).tobytes()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.save_as(f"{src}/{key}{i:03d}.dcm", enforce_file_format=True)
by_uid = {pydicom.dcmread(f"{src}/{f}", stop_before_pixels=True).SOPInstanceUID: f"{src}/{f}" for f in sorted(os.listdir(src))}
study_ct, series_ct = studies["ct"][0], studies["ct"][1]
study_mr = studies["mr"][0]

# ---------------------------------------------------------------- Orthanc + DICOMweb
print("== Orthanc with DICOMweb")
orthanc = H.start_orthanc(dicomweb=True, users={"sixray": "s3cret-pw"}, extra={"DicomAlwaysAllowFind": True})
o_dicom, o_http = orthanc.dicom_port, orthanc.http_port
check("Orthanc starts with the DICOMweb plugin", orthanc.started)
rest = orthanc.rest
auth_header = "Basic " + base64.b64encode(b"sixray:s3cret-pw").decode()


def get(path):
    req = urllib.request.Request(rest + path, headers={"Authorization": auth_header})
    with urllib.request.urlopen(req, timeout=20) as r:
        return r.read()


base = rest + "/dicom-web"
os.makedirs(TMP + "/xdg/sixray")
with open(TMP + "/xdg/sixray/config.toml", "w") as f:
    f.write(f'[sixray]\naet = "SIXRAY"\n\n'
            f'[archive.web]\nprotocol = "dicomweb"\nurl = "{base}"\nusername = "sixray"\npassword = "s3cret-pw"\n\n'
            f'[archive.badtoken]\nprotocol = "dicomweb"\nurl = "{base}"\ntoken_env = "SIXRAY_TEST_TOKEN"\n\n'
            f'[archive.dimse]\nhost = "127.0.0.1"\nport = {o_dicom}\ncalled_aet = "ORTHANC"\nretrieve = "get"\n')
# It holds a password: private to the user, as Sixray requires (a 0644 file is refused).
os.chmod(TMP + "/xdg/sixray/config.toml", 0o644)
r = sixray("echo", "web")
check("a config with a password readable by others is refused, saying how to fix it",
      r.returncode != 0 and "chmod 600" in r.stderr and "s3cret-pw" not in r.stderr, r.stderr)
os.chmod(TMP + "/xdg/sixray/config.toml", 0o600)

r = sixray("echo", "web")
check("echo over DICOMweb (QIDO-RS probe)", r.returncode == 0 and "QIDO-RS answered" in r.stdout, r.stderr + r.stdout)

r = sixray("send", "web", src)
stats = json.loads(get("/statistics"))
check(f"send {len(by_uid)} files by STOW-RS", r.returncode == 0 and stats["CountInstances"] == len(by_uid),
      f"rc {r.returncode}, Orthanc holds {stats['CountInstances']}: {r.stderr}")
orthanc_ids = {}
for iid in json.loads(get("/instances")):
    orthanc_ids[json.loads(get(f"/instances/{iid}/simplified-tags"))["SOPInstanceUID"]] = iid


def orthanc_file(uid):
    p = f"{TMP}/orthanc-copy-{uid}.dcm"
    if not os.path.exists(p):
        with open(p, "wb") as f:
            f.write(get(f"/instances/{orthanc_ids[uid]}/file"))
    return p


def same_instance(got_path, ref_path):
    """Same transfer syntax, equal data set, identical pixel bytes."""
    a, b = pydicom.dcmread(got_path), pydicom.dcmread(ref_path)
    if a.file_meta.TransferSyntaxUID != b.file_meta.TransferSyntaxUID:
        return f"transfer syntax {a.file_meta.TransferSyntaxUID} != {b.file_meta.TransferSyntaxUID}"
    if a.get("PixelData") != b.get("PixelData"):
        return "pixel data bytes differ"
    for elem in b:
        if elem.tag == 0xFFFCFFFC:
            continue
        if elem.tag not in a or a[elem.tag] != elem:
            return f"element {elem.tag} differs"
    if len(a) != len(b):
        return f"{len(a)} elements, archive copy has {len(b)}"
    return None


bad = [u for u in by_uid if u not in orthanc_ids or same_instance(orthanc_file(u), by_uid[u])]
check("STOW-RS: the archive's copies equal the sent files", not bad, bad[:3])

# ---------------------------------------------------------------- QIDO-RS = C-FIND
# Query/Retrieve Level, character set, availability and Retrieve AE Title are DIMSE-only
# bookkeeping Orthanc adds to C-FIND answers.
IGNORE = {"00080052", "00080005", "00080056", "00080054"}


def matches(node, args):
    r = sixray("query", node, *args, "--json")
    if r.returncode != 0:
        return None, r.stderr
    return json.loads(r.stdout or "[]"), r.stderr


def key_of(m):
    for t in ("00080018", "0020000E", "0020000D"):
        if t in m and m[t].get("Value"):
            return m[t]["Value"][0]
    return json.dumps(m, sort_keys=True)


def compare(name, args, expect_count):
    dimse, e1 = matches("dimse", args)
    web, e2 = matches("web", args)
    if dimse is None or web is None:
        check(name, False, f"dimse: {e1} web: {e2}")
        return
    d = {key_of(m): m for m in dimse}
    w = {key_of(m): m for m in web}
    diffs = []
    for k, m in d.items():
        if k not in w:
            diffs.append(f"{k} missing from QIDO")
            continue
        for tag, v in m.items():
            if tag in IGNORE or not v.get("Value"):
                continue
            if w[k].get(tag, {}).get("Value") != v["Value"]:
                diffs.append(f"{k} {tag}: C-FIND {v['Value']} QIDO {w[k].get(tag, {}).get('Value')}")
    check(f"{name}: QIDO-RS equals C-FIND ({len(d)} matches)",
          not diffs and set(d) == set(w) and len(d) == expect_count, (diffs[:4], len(d), len(w)))


compare("studies of a patient", ["--level", "study", "--patient-id", patient], 2)
compare("studies by date range and modality", ["--date", "20240301-20240331", "--modality", "CT"], 1)
compare("studies by open date range", ["--date", "20240320-"], 1)
# (A "^" must be sent as %5E (RFC 3986), and Orthanc 1.10's plugin does not decode escapes in
# query values, so the wildcard test avoids the component separator.)
compare("studies by wildcard name", ["--name", "TEST*"], 2)
compare("series of a study", ["--level", "series", "--study", study_ct], 1)
compare("instances of a series", ["--level", "image", "--study", study_ct, "--series", series_ct], 20)

r = sixray("query", "web", "--level", "image", "--study", study_ct, "--series", series_ct, "--limit", "7", "--json")
check("limit: QIDO-RS limit=7 returns 7", r.returncode == 0 and len(json.loads(r.stdout or "[]")) == 7, r.stderr)

# ---------------------------------------------------------------- WADO-RS
out = TMP + "/wado-study"
r = sixray("retrieve", "web", "--study", study_ct, "--out", out)
files = sorted(f for f in os.listdir(out) if f.endswith(".dcm")) if os.path.isdir(out) else []
ct_uids = {u for u, p in by_uid.items() if "/ct" in p}
check("WADO-RS study retrieve: every instance received", r.returncode == 0 and {f[:-4] for f in files} == ct_uids,
      r.stderr + f" got {len(files)}")
bad = [(f, why) for f in files if (why := same_instance(f"{out}/{f}", orthanc_file(f[:-4])))]
check(f"WADO-RS: {len(files)} instances equal to the archive's copies (data set, pixel bytes, syntax)", files and not bad, bad[:3])
modes = {oct(os.stat(f"{out}/{f}").st_mode & 0o777) for f in files}
check("WADO-RS: files are 0600, directory 0700", modes == {"0o600"} and os.stat(out).st_mode & 0o777 == 0o700, modes)
state = json.load(open(out + "/.sixray-retrieve.json"))
check("WADO-RS: retrieve state says complete", state["complete"] and state["missing"] == [], state)

out2 = TMP + "/wado-series"
r = sixray("retrieve", f"http://sixray:s3cret-pw@127.0.0.1:{o_http}/dicom-web", "--study", study_mr,
           "--series", studies["mr"][1], "--out", out2)
files2 = sorted(f for f in os.listdir(out2) if f.endswith(".dcm")) if os.path.isdir(out2) else []
bad = [f for f in files2 if same_instance(f"{out2}/{f}", orthanc_file(f[:-4]))]
check("WADO-RS series retrieve via an inline base URL (basic auth in the URL)",
      r.returncode == 0 and len(files2) == 6 and not bad, r.stderr)
check("inline URL: the password is never printed", "s3cret-pw" not in r.stderr + r.stdout, r.stderr)

# ---------------------------------------------------------------- parallel series, metadata, frames, rendered
# A second patient's study with three single-frame series and one multi-frame instance.
msrc = TMP + "/multi"
os.makedirs(msrc)
study_m = generate_uid()
m_series = [generate_uid() for _ in range(4)]
m_uids = []
for si, se in enumerate(m_series):
    for i in range(1 if si == 3 else 3):
        ds = Dataset()
        ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, generate_uid()
        ds.PatientID, ds.PatientName = "WEBTEST-2", "MULTI^SERIES"
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study_m, se
        ds.StudyDate, ds.Modality, ds.SeriesNumber, ds.InstanceNumber = "20240501", "CT", si + 1, i + 1
        ds.ImagePositionPatient, ds.PixelSpacing, ds.SliceThickness = [-10.5, 20, i * 1.25], [0.625, 0.625], "1.25"
        ds.Rows, ds.Columns = 40, 56
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.RescaleIntercept, ds.RescaleSlope, ds.WindowCenter, ds.WindowWidth = -1024, 1, 40, 400
        frames = 3 if si == 3 else 1
        if frames > 1:
            ds.NumberOfFrames = frames
        ds.PixelData = rng.integers(-1000, 3000, (frames, 40, 56), dtype=np.int16).tobytes()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
        ds.save_as(f"{msrc}/{si}-{i}.dcm", enforce_file_format=True)
        m_uids.append(ds.SOPInstanceUID)
        by_uid[ds.SOPInstanceUID] = f"{msrc}/{si}-{i}.dcm"
r = sixray("send", "web", msrc)
check("STOW-RS: a four-series study sent", r.returncode == 0, r.stderr)
for iid in json.loads(get("/instances")):
    if iid not in orthanc_ids.values():
        orthanc_ids[json.loads(get(f"/instances/{iid}/simplified-tags"))["SOPInstanceUID"]] = iid
outm = TMP + "/wado-parallel"
r = sixray("retrieve", "web", "--study", study_m, "--concurrency", "3", "--out", outm)
filesm = sorted(f[:-4] for f in os.listdir(outm) if f.endswith(".dcm")) if os.path.isdir(outm) else []
bad = [u for u in filesm if same_instance(f"{outm}/{u}.dcm", orthanc_file(u))]
check("WADO-RS: a four-series study, series in parallel (--concurrency 3): every instance, equal to the archive's",
      r.returncode == 0 and filesm == sorted(m_uids) and not bad and "10 received" in r.stderr, (r.stderr, len(filesm), bad[:2]))

mf_uid, mf_series = m_uids[-1], m_series[3]
mf = pydicom.dcmread(by_uid[mf_uid])


def same_json_value(a, b):
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json_value(a[k], b[k]) for k in a)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= 1e-9 * max(1, abs(b))
    return a == b


def metadata_diffs(ours, ref_ds):
    """Every attribute of the file (bulk data aside) is in our JSON with the same VR and values."""
    ref = ref_ds.to_json_dict(bulk_data_threshold=1 << 30, bulk_data_element_handler=None)
    diffs = []
    for tag, want in ref.items():
        if want["vr"] in ("OB", "OW", "OF", "UN") or tag == "7FE00010":
            continue
        got = ours.get(tag)
        if got is None:
            diffs.append(f"{tag} missing")
        elif got["vr"] != want["vr"] or not same_json_value(got.get("Value"), want.get("Value")):
            diffs.append(f"{tag}: ours {got} file {want}")
    return diffs


r = sixray("retrieve", "web", "--study", study_m, "--series", mf_series, "--instance", mf_uid, "--metadata")
try:
    meta = json.loads(r.stdout)
except ValueError:
    meta = None
diffs = metadata_diffs(meta[0], mf) if meta and len(meta) == 1 else ["not one data set"]
check("WADO-RS metadata (--metadata): DICOM JSON equal to the file's attributes (pydicom)", r.returncode == 0 and not diffs,
      (r.stderr, diffs[:4]))
r = sixray("retrieve", "web", "--study", study_m, "--metadata")
meta = json.loads(r.stdout) if r.returncode == 0 else []
by_meta = {m["00080018"]["Value"][0]: m for m in meta if "00080018" in m}
diffs = [d for u in m_uids for d in metadata_diffs(by_meta.get(u, {}), pydicom.dcmread(by_uid[u]))]
check(f"WADO-RS study metadata: {len(meta)} data sets, each equal to its file", len(meta) == 10 and not diffs, diffs[:4])

outf = TMP + "/frames"
r = sixray("retrieve", "web", "--study", study_m, "--series", mf_series, "--instance", mf_uid, "--frames", "2,3", "--out", outf)
frame_bytes = 40 * 56 * 2
ok = r.returncode == 0
for n in (2, 3):
    p = f"{outf}/{mf_uid}.frame-{n}.raw"
    got = open(p, "rb").read() if os.path.exists(p) else b""
    ok = ok and got == mf.PixelData[(n - 1) * frame_bytes:n * frame_bytes] and oct(os.stat(p).st_mode & 0o777) == "0o600"
check("WADO-RS frames (--frames 2,3): each file equals that frame's pixel bytes, 0600", ok, r.stderr + r.stdout)
one = m_uids[0]
r = sixray("retrieve", "web", "--study", study_m, "--series", m_series[0], "--instance", one, "--rendered", "jpeg", "--out", outf)
p = f"{outf}/{one}.rendered.jpg"
try:
    from PIL import Image
    img = Image.open(p)
    rendered_ok = open(p, "rb").read(3) == b"\xff\xd8\xff" and img.format == "JPEG" and img.size == (56, 40)
except Exception as e:  # noqa: BLE001 - the check reports it
    rendered_ok = f"{e}"
check("WADO-RS rendered (--rendered jpeg): a JPEG of the instance's 56x40 size", rendered_ok is True, (rendered_ok, r.stderr))
r = sixray("retrieve", "web", "--study", study_m, "--series", m_series[0], "--instance", one, "--rendered", "png", "--out", outf)
p = f"{outf}/{one}.rendered.png"
check("WADO-RS rendered (--rendered png): PNG magic", r.returncode == 0 and os.path.exists(p)
      and open(p, "rb").read(8) == b"\x89PNG\r\n\x1a\n", r.stderr)
r = sixray("retrieve", "dimse", "--study", study_m, "--metadata")
check("--metadata on a DIMSE archive: a usage error in words", r.returncode != 0 and "DICOMweb" in r.stderr, r.stderr)

# The workstation on the DICOMweb archive, in tmux: QIDO-RS fills the worklist, Enter on the
# CT study retrieves it by WADO-RS into the store and opens its series.
if shutil.which("tmux"):
    env_prefix = f"XDG_CONFIG_HOME={TMP}/xdg XDG_CACHE_HOME={TMP}/tui-cache TERM=xterm-256color"
    tui = Tmux("sixray-web", f"{env_prefix} {SIXRAY} --protocol blocks --archive web --root {TMP}/tui-store; echo EXIT=$?; sleep 30")
    check("workstation on DICOMweb: QIDO-RS fills the worklist", tui.wait_for("web: "), tui.pane())
    acc = pydicom.dcmread(orthanc_file(sorted(ct_uids)[0]), stop_before_pixels=True).AccessionNumber
    tui.keys("/")
    tui.keys(str(acc), literal=True)
    tui.keys("Enter", "Enter")
    check("workstation on DICOMweb: Enter retrieves by WADO-RS and opens the series", tui.wait_for("Retrieved ", 60), tui.pane())
    tui.keys("C-c")
    check("workstation on DICOMweb: Ctrl-C quits cleanly", tui.wait_for("EXIT=0", 10), tui.pane())
    tui.close()
else:
    print("skip: tmux not installed (workstation on DICOMweb)")

# ---------------------------------------------------------------- faults
r = sixray("query", "badtoken", "--patient-id", patient)
check("bad token: exit 1 with HTTP 401 in words", r.returncode == 1 and "HTTP 401 Unauthorized" in r.stderr, r.stderr)
check("bad token: the token is never printed", "wrong-token-XYZ" not in r.stderr + r.stdout, r.stderr)
r = sixray("retrieve", "web", "--study", "1.2.3.4.5.6.7.8.9", "--out", TMP + "/none")
check("unknown study: a retrieve fails naming the URL and status", r.returncode != 0 and "/studies/1.2.3.4.5.6.7.8.9" in r.stderr
      and ("404" in r.stderr or "missing" in r.stderr or "no boundary" in r.stderr), r.stderr)
r = sixray("query", f"http://127.0.0.1:{free_port()}/dicom-web")
check("nothing listening: exit 1 with the URL", r.returncode == 1 and "127.0.0.1" in r.stderr, r.stderr)

with open(TMP + "/xdg/sixray/config.toml", "a") as f:
    f.write(f'\n[archive.cmdtoken]\nprotocol = "dicomweb"\nurl = "{base}"\ntoken_command = "echo cmd-token-QQQ"\n'
            f'\n[archive.cfgtoken]\nprotocol = "dicomweb"\nurl = "{base}"\ntoken = "cfg-token-RRR"\n')
r = sixray("query", "cmdtoken", "--patient-id", patient)
check("token_command: its token is sent (401 here) and never printed",
      r.returncode == 1 and "HTTP 401" in r.stderr and "cmd-token-QQQ" not in r.stderr + r.stdout, r.stderr)
r = sixray("query", "cfgtoken", "--patient-id", patient)
check("token in the config: 401 in words, never printed", r.returncode == 1 and "HTTP 401" in r.stderr and "RRR" not in r.stderr, r.stderr)

# ---------------------------------------------------------------- HTTPS with verification
# (Debian's Orthanc 1.10 resets TLS connections with this certificate, curl's included, so the
# HTTPS peer is Python's ssl module serving an empty QIDO-RS answer.)
print("== HTTPS (a loopback server with a self-signed certificate)")
import http.server, ssl, threading
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", TMP + "/key.pem", "-out", TMP + "/ca.pem",
                "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], capture_output=True, check=True)


class Empty(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/dicom+json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"[]")


s_http = free_port()
tls_srv = http.server.ThreadingHTTPServer(("127.0.0.1", s_http), Empty)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(TMP + "/ca.pem", TMP + "/key.pem")
tls_srv.socket = ctx.wrap_socket(tls_srv.socket, server_side=True)
threading.Thread(target=tls_srv.serve_forever, daemon=True).start()
surl = f"https://127.0.0.1:{s_http}/dicom-web"
r = sixray("echo", surl)
check("HTTPS: an untrusted certificate is refused (verification on)",
      r.returncode == 1 and surl in r.stderr and "certificate verification failed" in r.stderr, r.stderr + r.stdout)
r = sixray("echo", surl, "--tls-ca", TMP + "/ca.pem")
check("HTTPS: trusted with --tls-ca, QIDO-RS answers", r.returncode == 0 and "QIDO-RS answered" in r.stdout, r.stderr + r.stdout)
r = sixray("echo", surl, "--tls", "--tls-no-verify")
check("HTTPS: --tls-no-verify connects to the untrusted server", r.returncode == 0, r.stderr)
tls_srv.shutdown()


# A whole WADO-RS study retrieve over TLS, from the real archive: a TLS-terminating proxy
# (Python's ssl module, OpenSSL) in front of Orthanc's HTTP port, as hospitals put one in
# front of a PACS. The body streams through NIOSSL and the multipart parser.
def tls_proxy(target_port, close_notify=True):
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)

    # One thread per connection and one request per connection (Connection: close): an
    # SSL socket must not be read and written from two threads at once.
    def handle(raw):
        conn = up = None
        try:
            conn = ctx.wrap_socket(raw, server_side=True)
            req = b""
            while b"\r\n\r\n" not in req:
                d = conn.recv(1 << 16)
                if not d:
                    return
                req += d
            head, _, rest = req.partition(b"\r\n\r\n")
            lines = [ln for ln in head.split(b"\r\n") if not ln.lower().startswith(b"connection:")]
            up = socket.create_connection(("127.0.0.1", target_port))
            up.sendall(b"\r\n".join(lines) + b"\r\nConnection: close\r\n\r\n" + rest)
            resp = b""
            while b"\r\n\r\n" not in resp and (d := up.recv(1 << 16)):
                resp += d
            rhead, _, rbody = resp.partition(b"\r\n\r\n")
            if not close_notify:
                # A body that only the end of the connection delimits (no Content-Length):
                # the HTTP layer cannot tell a cut from the end, the multipart framing can.
                rhead = b"\r\n".join(ln for ln in rhead.split(b"\r\n") if not ln.lower().startswith(b"content-length:"))
            conn.sendall(rhead + b"\r\n\r\n" + rbody)
            while d := up.recv(1 << 16):
                conn.sendall(d)
            if close_notify:
                conn = conn.unwrap()  # TLS close_notify, as a TLS terminator sends
        except (OSError, ValueError):
            pass
        finally:
            for s_ in (conn, up, raw):
                try:
                    s_ and s_.close()
                except OSError:
                    pass

    def serve():
        while True:
            try:
                raw, _ = lsock.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(raw,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return lsock.getsockname()[1]


tport = tls_proxy(o_http)
outt = TMP + "/wado-tls"
r = sixray("retrieve", f"https://sixray:s3cret-pw@127.0.0.1:{tport}/dicom-web", "--study", study_ct, "--tls-ca", TMP + "/ca.pem", "--out", outt)
files_t = sorted(f for f in os.listdir(outt) if f.endswith(".dcm")) if os.path.isdir(outt) else []
bad = [f for f in files_t if same_instance(f"{outt}/{f}", orthanc_file(f[:-4]))]
check(f"HTTPS: WADO-RS study retrieve through a TLS proxy in front of Orthanc, {len(files_t)} instances equal to the archive's",
      r.returncode == 0 and {f[:-4] for f in files_t} == ct_uids and not bad, (r.stderr, len(files_t), bad[:3]))
# The same through a proxy that sends the body without Content-Length and drops the
# connection without TLS close_notify once Orthanc is done (NIOSSL: uncleanShutdown): after
# the closing boundary delimiter nothing is lost, so nothing is reported.
uport = tls_proxy(o_http, close_notify=False)
outu = TMP + "/wado-tls-unclean"
r = sixray("retrieve", f"https://sixray:s3cret-pw@127.0.0.1:{uport}/dicom-web", "--study", study_ct, "--tls-ca", TMP + "/ca.pem", "--out", outu)
files_u = sorted(f for f in os.listdir(outu) if f.endswith(".dcm")) if os.path.isdir(outu) else []
check("HTTPS: a TLS close without close_notify after the closing boundary: complete, exit 0",
      r.returncode == 0 and {f[:-4] for f in files_u} == ct_uids, (r.returncode, r.stderr, len(files_u)))
r = sixray("retrieve", f"https://sixray:s3cret-pw@127.0.0.1:{tport}/dicom-web", "--study", study_ct, "--out", TMP + "/wado-tls-untrusted")
check("HTTPS: the same retrieve without the CA is refused, in words, nothing written",
      r.returncode == 1 and "certificate verification failed" in r.stderr
      and not [f for f in os.listdir(TMP + "/wado-tls-untrusted") if f.endswith(".dcm")] if os.path.isdir(TMP + "/wado-tls-untrusted") else r.returncode == 1,
      r.stderr)

# ---------------------------------------------------------------- a misbehaving server
print("== faults (a small HTTP server on loopback that misbehaves on purpose)")

ct_files = sorted(p for p in by_uid.values() if "/ct" in p)[:3]
cut_uids = [pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID for p in ct_files]
hits = {"flaky": 0}


def two_of_three():
    """A well-formed WADO-RS body with the first two of the three CT instances."""
    return b"".join(b"--BND\r\nContent-Type: application/dicom\r\n\r\n" + open(f, "rb").read() + b"\r\n"
                    for f in ct_files[:2]) + b"--BND--\r\n"


class Faulty(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, body=b"", ctype="application/dicom+json", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        p = self.path
        if p.startswith("/flaky/"):
            hits["flaky"] += 1
            if hits["flaky"] <= 2:
                return self.send(503, b"busy", "text/plain", [("Retry-After", "0")])
            return self.send(200, b"[]")
        if p.startswith("/stall/"):
            time.sleep(6)
            return self.send(200, b"[]")
        if p.startswith("/html/"):
            return self.send(200, b"<html>login page</html>", "application/dicom+json")
        if p.startswith("/forbidden/"):
            return self.send(403, b"no access", "text/plain")
        if p.startswith("/silent/") and p.split("?")[0].endswith("/studies"):
            return self.send(200, json.dumps([{"0020000D": {"vr": "UI", "Value": [study_ct]},
                                               "00201208": {"vr": "IS", "Value": [3]}}]).encode())
        if p.startswith("/silent/") and p.split("?")[0].endswith("/instances"):
            return self.send(200, json.dumps([{"00080018": {"vr": "UI", "Value": [u]}} for u in cut_uids]).encode())
        if p.startswith("/silent/"):
            # 200 OK and a well-formed body, but only two of the three instances the archive counts.
            return self.send(200, two_of_three(), 'multipart/related; type="application/dicom"; boundary=BND')
        if p.startswith("/partial/") and p.split("?")[0].endswith("/instances"):
            return self.send(200, json.dumps([{"00080018": {"vr": "UI", "Value": [u]}} for u in cut_uids]).encode())
        if p.startswith("/partial/"):
            # PS3.18 10.4.3: 206 Partial Content, a well-formed body with two of the three.
            return self.send(206, two_of_three(), 'multipart/related; type="application/dicom"; boundary=BND',
                             [("Warning", '299 sixray-test "1 instance could not be read"')])
        if p.startswith("/cut/") and p.split("?")[0].endswith("/instances"):
            return self.send(200, json.dumps([{"00080018": {"vr": "UI", "Value": [u]}} for u in cut_uids]).encode())
        if p.startswith("/cut/"):
            # Two whole parts, then the third cut off in the middle and the connection closed.
            parts = [open(f, "rb").read() for f in ct_files]
            body = b""
            for i, data in enumerate(parts):
                chunk = b"--BND\r\nContent-Type: application/dicom\r\n\r\n" + data + b"\r\n"
                body += chunk if i < 2 else chunk[: len(chunk) // 2]
            self.send_response(200)
            self.send_header("Content-Type", 'multipart/related; type="application/dicom"; boundary=BND')
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
            return
        self.send(404, b"")


fport = free_port()
srv = http.server.ThreadingHTTPServer(("127.0.0.1", fport), Faulty)
threading.Thread(target=srv.serve_forever, daemon=True).start()
fb = f"http://127.0.0.1:{fport}"

r = sixray("echo", fb + "/flaky")
check("503 twice then 200: retried with back-off and succeeds", r.returncode == 0 and hits["flaky"] == 3, (r.stderr, hits))
t0 = time.time()
r = sixray("query", fb + "/stall", "--timeout", "1")
check("a stalled server: exit 1 within the timeout, said in words",
      r.returncode == 1 and time.time() - t0 < 5 and ("stalled" in r.stderr or "timeout" in r.stderr or "timed out" in r.stderr), r.stderr)
r = sixray("query", fb + "/html")
check("non-JSON answer: exit 1, 'not JSON' with the URL", r.returncode == 1 and "not JSON" in r.stderr and "/html/studies" in r.stderr, r.stderr)
r = sixray("query", fb + "/forbidden")
check("403: exit 1 with the status in words", r.returncode == 1 and "HTTP 403 Forbidden" in r.stderr, r.stderr)
def retrieve_from(path):
    """`sixray retrieve` of the CT study from the misbehaving server into TMP/path: the
    result, the instances kept and the retrieve state file."""
    out = TMP + "/" + path
    r = sixray("retrieve", fb + "/" + path, "--study", study_ct, "--out", out)
    kept = sorted(f[:-4] for f in os.listdir(out) if f.endswith(".dcm")) if os.path.isdir(out) else []
    state = json.load(open(out + "/.sixray-retrieve.json")) if os.path.exists(out + "/.sixray-retrieve.json") else {}
    return r, kept, state, out


r, kept, state, outc = retrieve_from("cut")
check("body cut short: exit 2, the two complete instances kept, the third marked missing",
      r.returncode == 2 and kept == sorted(cut_uids[:2]) and state.get("missing") == [cut_uids[2]]
      and not [f for f in os.listdir(outc) if f.startswith(".partial")], (r.returncode, r.stderr, kept, state))
bad = [u for u in kept if same_instance(f"{outc}/{u}.dcm", by_uid[u])]
check("body cut short: the kept instances are whole", kept and not bad, bad)
r, kept, state, _ = retrieve_from("partial")
check("206 Partial Content: exit 2, the two sent kept, the third listed as missing, the Warning shown",
      r.returncode == 2 and kept == sorted(cut_uids[:2]) and state.get("missing") == [cut_uids[2]]
      and "206 Partial Content" in r.stderr and "could not be read" in r.stderr, (r.returncode, r.stderr, kept, state))
r, kept, state, _ = retrieve_from("silent")
check("200 with an instance silently left out (QIDO-RS counts 3): exit 2, the third listed as missing",
      r.returncode == 2 and kept == sorted(cut_uids[:2]) and state.get("missing") == [cut_uids[2]]
      and "counts 3 instances but sent 2" in r.stderr, (r.returncode, r.stderr, kept, state))
srv.shutdown()

sys.exit(H.finish("DICOMweb interop"))
