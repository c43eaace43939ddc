#!/usr/bin/env python3
"""Conformance of `sixray dump --json` with pydicom's Dataset.to_json_dict() on real files.

For every DICOM file of pydicom's test files and the pydicom-data package:
  * both read it  -> the JSON must be equal after the normalisation below;
  * both reject it -> pass (Sixray must have exited 1 with one error line, not crashed);
  * otherwise     -> fail, unless listed in KNOWN_DIFFERENCES with the reason.

Normalisation (only what PS3.18 Annex F lets differ, or where pydicom is not conformant):
  * BulkDataURI: Sixray gives a file://PATH?offset=N&length=M URI for binary values over
    1024 bytes; the bytes at that range must equal pydicom's InlineBinary (checked here).
  * An empty string and null are the same empty value (PS3.18 F.2.5 says null; pydicom
    writes ""); "Value": [] and no "Value" are the same empty element; trailing empty PN
    component groups are dropped.
  * Numbers compare as numbers (1 == 1.0): PS3.18 does not fix their text form.
Usage: json_conformance.py SIXRAY_BINARY DIR...
"""
import base64, json, os, subprocess, sys, urllib.parse, warnings

warnings.filterwarnings("ignore")
import pydicom
from pydicom.errors import InvalidDicomError

# file name -> reason; these are compared but a difference is reported, not failed.
KNOWN_DIFFERENCES = {
    "MR_truncated.dcm": "pixel data value runs past the end of the file: pydicom silently keeps "
                        "the short value; Sixray reports it (a length past end of file is an error)",
    "rtplan_truncated.dcm": "a value runs past the end of the file: pydicom silently keeps the "
                            "short value; Sixray reports it",
    "emri_small_jpeg_2k_lossless_too_short.dcm": "the pixel data has no sequence delimiter before "
        "the end of the file: pydicom returns an empty data set; Sixray lists every element and warns",
    "badVR.dcm": "an IS value '1A' is not a number: pydicom's to_json_dict raises; Sixray warns and "
        "gives the text as a string",
}


def norm_value(v):
    if v == "":
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, dict):  # PN
        out = {k: x for k, x in v.items() if x not in ("", None)}
        return out or None
    return v


def norm_element(e, path):
    out = {"vr": e.get("vr")}
    if "Value" in e:
        vals = e["Value"]
        if e.get("vr") == "SQ":
            items = [norm_dataset(it, path) for it in vals]
            if items:
                out["Value"] = items
        else:
            vals = [norm_value(v) for v in vals]
            if any(v is not None for v in vals):
                out["Value"] = vals
    if "InlineBinary" in e:
        out["Binary"] = base64.b64decode(e["InlineBinary"])
    if "BulkDataURI" in e:
        u = urllib.parse.urlparse(e["BulkDataURI"])
        q = urllib.parse.parse_qs(u.query)
        off, ln = int(q["offset"][0]), int(q["length"][0])
        with open(urllib.parse.unquote(u.path), "rb") as f:
            f.seek(off)
            out["Binary"] = f.read(ln)
    return out


def norm_dataset(d, path=""):
    return {k: norm_element(v, path + k) for k, v in d.items()}


def diff(a, b, path=""):
    if type(a) != type(b):
        return f"{path}: {short(a)} != {short(b)}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a:
                return f"{path}/{k}: missing in sixray (pydicom: {short(b[k])})"
            if k not in b:
                return f"{path}/{k}: extra in sixray ({short(a[k])})"
            d = diff(a[k], b[k], f"{path}/{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} values != {len(b)}: {short(a)} vs {short(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = diff(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    if a != b:
        return f"{path}: {short(a)} != {short(b)}"
    return None


def short(x):
    s = repr(x)
    return s if len(s) < 120 else s[:117] + "..."


SWAP_SIZE = {"OW": 2, "OF": 4, "OL": 4, "OD": 8, "OV": 8}


def swap_binary(d):
    """Explicit VR big endian: PS3.18 binary values are little endian; pydicom keeps the
    big-endian octets of OW/OF/OL/OD/OV, so swap them before comparing."""
    for e in d.values():
        n = SWAP_SIZE.get(e.get("vr"))
        if n and "InlineBinary" in e:
            b = bytearray(base64.b64decode(e["InlineBinary"]))
            for i in range(0, len(b) - len(b) % n, n):
                b[i:i + n] = b[i:i + n][::-1]
            e["InlineBinary"] = base64.b64encode(bytes(b)).decode()
        if e.get("vr") == "SQ":
            for item in e.get("Value", []):
                swap_binary(item)


def pydicom_json(path, sixray_accepted):
    try:
        try:
            ds = pydicom.dcmread(path)
        except InvalidDicomError:
            # A raw data set without preamble and meta header: pydicom needs force=True,
            # which also "reads" any non-DICOM file, so only when Sixray accepted it.
            if not sixray_accepted:
                raise
            ds = pydicom.dcmread(path, force=True)
        d = json.loads(json.dumps(ds.to_json_dict(bulk_data_threshold=1 << 40)))
        if not ds.original_encoding[1]:
            swap_binary(d)
        return d, None
    except Exception as exc:  # pydicom rejects the file
        return None, f"{type(exc).__name__}: {str(exc)[:100]}"


def sixray_json(binary, path):
    p = subprocess.run([binary, "dump", "--json", "--quiet", path], capture_output=True, timeout=60)
    if p.returncode not in (0, 1):
        return None, f"CRASH (exit {p.returncode}): {p.stderr.decode(errors='replace')[-300:]}", True
    if p.returncode == 1:
        err = p.stderr.decode(errors="replace").strip().splitlines()
        return None, err[-1] if err else "exit 1 without a message", False
    return json.loads(p.stdout), None, False


def is_dicom_candidate(path):
    name = os.path.basename(path)
    if name.endswith((".py", ".pyc", ".txt", ".json", ".gz", ".bz2", ".zip", ".xml", ".md", ".j2k", ".jpg", ".png", ".npy", ".bin", ".jls", ".jp2")):
        return False
    return os.path.isfile(path)


def main():
    binary = sys.argv[1]
    files = []
    for d in sys.argv[2:]:
        for root, _, names in os.walk(d):
            for n in sorted(names):
                p = os.path.join(root, n)
                if is_dicom_candidate(p):
                    files.append(p)
    passed = failed = 0
    verbose = os.environ.get("VERBOSE")
    for path in sorted(files):
        name = os.path.relpath(path)
        sj, serr, crashed = sixray_json(binary, path)
        pj, perr = pydicom_json(path, sj is not None)
        if crashed:
            failed += 1
            print(f"FAIL {name}: sixray crashed: {serr}")
            continue
        if pj is None and sj is None:
            passed += 1
            if verbose:
                print(f"ok   {name}: both reject (sixray: {serr})")
            continue
        if pj is None:
            msg = f"sixray reads it, pydicom rejects: {perr}"
        elif sj is None:
            msg = f"pydicom reads it, sixray rejects: {serr}"
        else:
            msg = diff(norm_dataset(sj), norm_dataset(pj))
            if msg is None:
                passed += 1
                if verbose:
                    print(f"ok   {name}")
                continue
        base = os.path.basename(path)
        if base in KNOWN_DIFFERENCES:
            passed += 1
            print(f"known {name}: {msg} ({KNOWN_DIFFERENCES[base]})")
        else:
            failed += 1
            print(f"FAIL {name}: {msg}")
    print(f"json conformance: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
