#!/usr/bin/env python3
"""MPR conformance: `sixray export --mpr` against numpy/scipy references built from pydicom.

    mpr_conformance.py SIXRAY_BIN DATA_DIR...

For synthetic series written here with pydicom (shuffled files, an oblique acquisition, a
gantry-tilted stack) and for every multi-slice series found in DATA_DIRs (pydicom's test data,
pydicom-data), this script:

  * builds the volume independently: slices sorted by Image Position (Patient) projected on
    the normal of Image Orientation (Patient), stacked with pydicom's pixel_array, and the
    voxel -> patient affine from IOP, Pixel Spacing and the first/last positions;
  * `--no-resample --stage stored` planes (axial, coronal, sagittal): every pixel's patient
    position from the JSON sidecar is mapped back to voxel indices, which must be integers, and
    the plane must equal numpy index slicing vol[k, j, i] bit for bit; the display conventions
    are checked (patient left on screen right, anterior / superior at the top);
  * resampled planes and oblique planes (`--stage stored`, float32): equal to
    scipy.ndimage.map_coordinates(order=1) at the sidecar's positions within 1e-3 relative;
    pixels outside the volume equal the sidecar's outsideValue;
  * `--stage modality` equals stored * RescaleSlope + RescaleIntercept;
  * bad input: mixed orientations, a sagittal of one slice, a zero-length normal, a position
    outside the volume each exit 1 with one line naming the series; `inspect` reports a
    corrupt file and carries on.
Prints "N passed, N failed"; exits 1 on any failure.
"""
import json, os, random, subprocess, sys, tempfile, warnings
from collections import defaultdict

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from scipy.ndimage import map_coordinates

warnings.filterwarnings("ignore")
BIN = sys.argv[1]
DATA = sys.argv[2:]
passed = failed = 0
tmp = tempfile.mkdtemp(prefix="sixray-mpr-")


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL", what)


def run(args):
    return subprocess.run([BIN] + args, capture_output=True, text=True)


class Volume:
    """The independent reference: sorted slices, stacked, with the voxel <-> patient affine."""

    def __init__(self, frames):
        # frames: list of (pixels 2-D, IPP, IOP, pixel spacing, slope, intercept)
        iop = np.array(frames[0][2], float)
        self.u, self.v = iop[:3], iop[3:]
        self.n = np.cross(self.u, self.v)
        frames = sorted(frames, key=lambda f: float(np.dot(f[1], self.n)))
        self.vol = np.stack([f[0] for f in frames])  # (k, j, i)
        ps = frames[0][3]
        first, last = np.array(frames[0][1], float), np.array(frames[-1][1], float)
        nk = len(frames)
        step = (last - first) / (nk - 1) if nk > 1 else self.n
        self.origin = first
        self.M = np.column_stack([self.u * ps[1], self.v * ps[0], step])  # columns: i, j, k steps
        self.slope, self.intercept = frames[0][4], frames[0][5]
        pos = np.array([np.dot(f[1], self.n) for f in frames])
        gaps = np.diff(pos)
        self.regular = nk < 3 or (np.all(gaps > 0) and np.ptp(gaps) <= 0.01 * np.median(gaps))

    def voxels(self, sidecar):
        """Voxel coordinates (k, j, i) of every pixel of a plane, from its sidecar."""
        h, w = sidecar["rows"], sidecar["columns"]
        o = np.array(sidecar["origin"])
        rd, cd = np.array(sidecar["rowDirection"]), np.array(sidecar["columnDirection"])
        rs, cs = sidecar["pixelSpacing"]
        r, c = np.mgrid[0:h, 0:w]
        P = o + c[..., None] * cs * rd + r[..., None] * rs * cd
        ijk = np.linalg.solve(self.M, (P - self.origin).reshape(-1, 3).T)  # (3, h*w): i, j, k
        return np.stack([ijk[2], ijk[1], ijk[0]]).reshape(3, h, w)


def export(inputs, out, *args):
    p = run(["export"] + inputs + ["--out", out] + list(args))
    if p.returncode != 0:
        return None, None, p.stderr.strip()
    with open(os.path.splitext(out)[0] + ".json") as f:
        return np.load(out), json.load(f), None


def check_series(name, inputs, ref):
    shape = ref.vol.shape
    # Raw grid: index slicing, bit for bit.
    for orientation in ("axial", "coronal", "sagittal"):
        if shape[0] < 2 and orientation != "axial":
            continue
        for index in sorted({0, 1, 7}):
            out = f"{tmp}/{name}-{orientation}-{index}.npy"
            plane, side, err = export(inputs, out, "--mpr", orientation, "--index", str(index),
                                      "--no-resample", "--stage", "stored")
            if err and "outside the volume" in err:
                continue
            if plane is None:
                check(False, f"{name} {orientation} --index {index}: {err}")
                continue
            kji = ref.voxels(side)
            idx = np.rint(kji).astype(int)
            on_grid = np.abs(kji - idx).max() < 1e-3
            inside = all((idx[a] >= 0).all() and (idx[a] < shape[a]).all() for a in range(3))
            check(on_grid and inside, f"{name} {orientation} {index}: pixels are voxels of the volume")
            if on_grid and inside:
                expected = ref.vol[idx[0], idx[1], idx[2]]
                check(plane.dtype == ref.vol.dtype and np.array_equal(plane, expected),
                      f"{name} {orientation} {index}: equals vol[k, j, i] bit for bit ({plane.dtype} vs {ref.vol.dtype})")
            rd, cd = np.array(side["rowDirection"]), np.array(side["columnDirection"])
            if orientation == "axial":
                conv = rd[0] > 0.5 and cd[1] > 0.5
            elif orientation == "coronal":
                conv = rd[0] > 0.5 and cd[2] < -0.5
            else:
                conv = rd[1] > 0.5 and cd[2] < -0.5
            if abs(ref.n[2]) > 0.9 or orientation == "axial":
                check(conv, f"{name} {orientation}: radiological orientation ({side['labels']})")
    # Resampled coronal and oblique planes: trilinear, against map_coordinates(order=1).
    vol = ref.vol.astype(np.float64)
    center = ref.origin + ref.M @ (np.array(shape[::-1], float) - 1) / 2
    cases = [("coronal", []), ("sagittal", []), ("axial", []),
             ("oblique", ["--normal", "0.3,-0.5,0.81", "--center", ",".join(map(str, center))]),
             ("oblique", ["--normal", "1,1,0.2", "--center", ",".join(map(str, center))])]
    for orientation, extra in cases:
        if shape[0] < 2 and orientation != "axial" and orientation != "oblique":
            continue
        out = f"{tmp}/{name}-r-{orientation}-{len(extra)}.npy"
        plane, side, err = export(inputs, out, "--mpr", orientation, "--stage", "stored", *extra)
        if plane is None:
            check(False, f"{name} resampled {orientation} {extra}: {err}")
            continue
        kji = ref.voxels(side)
        eps = 1e-6
        inside = np.ones(plane.shape, bool)
        for a in range(3):
            inside &= (kji[a] >= -eps) & (kji[a] <= shape[a] - 1 + eps)
        coords = np.stack([np.clip(kji[a], 0, shape[a] - 1) for a in range(3)])
        expected = map_coordinates(vol, coords.reshape(3, -1), order=1, mode="nearest").reshape(plane.shape)
        p = plane.astype(np.float64)
        err_rel = np.abs(p - expected) / np.maximum(1.0, np.abs(expected))
        worst = float(err_rel[inside].max()) if inside.any() else 0.0
        check(inside.sum() > 0 and worst <= 1e-3,
              f"{name} {orientation} {extra}: trilinear within 1e-3 relative of map_coordinates (worst {worst:.2e}, {int(inside.sum())} px)")
        # Pixels clearly outside (by more than a voxel) hold the outside value.
        far = np.zeros(plane.shape, bool)
        for a in range(3):
            far |= (kji[a] < -1) | (kji[a] > shape[a])
        check(not far.any() or np.all(p[far] == side["outsideValue"]), f"{name} {orientation}: outside pixels = outsideValue")
    # Modality stage.
    out = f"{tmp}/{name}-mod.npy"
    stored, _, err = export(inputs, f"{tmp}/{name}-st.npy", "--mpr", "axial", "--index", "0", "--no-resample", "--stage", "stored")
    mod, _, err2 = export(inputs, out, "--mpr", "axial", "--index", "0", "--no-resample", "--stage", "modality")
    if stored is not None and mod is not None:
        check(np.allclose(mod, stored.astype(np.float64) * ref.slope + ref.intercept, rtol=0, atol=1e-9),
              f"{name}: modality stage = stored * slope + intercept")
    else:
        check(False, f"{name}: modality export: {err or err2}")


def write_series(directory, shape=(24, 32, 40), spacing=(0.8, 0.7), slice_step=(0, 0, 1.5),
                 iop=(1, 0, 0, 0, 1, 0), origin=(-14, -12.8, -18), shuffle=True, uid=None, skip=(), extra=None,
                 description="MPR PHANTOM"):
    """A series written by pydicom (not by Sixray): smooth pattern + bright ball, Int16."""
    os.makedirs(directory, exist_ok=True)
    nk, nj, ni = shape
    k, j, i = np.mgrid[0:nk, 0:nj, 0:ni].astype(float)
    vol = (200 * np.sin(i / 3.1) * np.cos(j / 4.3) + 30 * k + 5 * i - 7 * j).astype(np.int16)
    vol[(k - nk / 2) ** 2 + (j - nj / 2) ** 2 + (i - ni / 3) ** 2 < 16] = 1500
    uid = uid or generate_uid()
    order = list(range(nk))
    if shuffle:
        random.Random(7).shuffle(order)
    step = np.array(slice_step, float)
    for n, kk in enumerate(order):
        if kk in skip:
            continue
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
        ds.Modality = "CT"
        ds.StudyInstanceUID = "2.25.77"
        ds.SeriesInstanceUID = uid
        ds.SeriesNumber = 3
        ds.SeriesDescription = description
        ds.InstanceNumber = (kk * 13) % 97
        ipp = np.array(origin, float) + kk * step
        ds.ImagePositionPatient = [f"{x:.6f}" for x in ipp]
        ds.ImageOrientationPatient = list(iop)
        ds.PixelSpacing = list(spacing)
        ds.Rows, ds.Columns = nj, ni
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleSlope, ds.RescaleIntercept = 1, -1024
        if extra:
            extra(ds, kk)
        ds.PixelData = vol[kk].tobytes()
        ds.save_as(f"{directory}/f{n:03d}", enforce_file_format=True)
    return vol


def frames_of(paths):
    out = []
    for p in paths:
        ds = pydicom.dcmread(p)
        arr = ds.pixel_array
        slope, intercept = float(getattr(ds, "RescaleSlope", 1) or 1), float(getattr(ds, "RescaleIntercept", 0) or 0)
        out.append((arr, [float(x) for x in ds.ImagePositionPatient], [float(x) for x in ds.ImageOrientationPatient],
                    [float(x) for x in ds.PixelSpacing], slope, intercept))
    return out


# 1. Synthetic series written by pydicom.
syn = {
    "shuffled": dict(),
    "oblique-acquisition": dict(iop=(1, 0, 0, 0, 0.9396926, -0.3420201), slice_step=(0, 0.5130302, 1.4095389)),
    "tilted": dict(slice_step=(0, 1.5 * np.tan(np.radians(12)), 1.5)),
    "sagittal-acquisition": dict(iop=(0, 1, 0, 0, 0, -1), slice_step=(1.2, 0, 0), shape=(20, 30, 28)),
}
for name, kw in syn.items():
    d = f"{tmp}/{name}"
    write_series(d, **kw)
    files = sorted(os.path.join(d, f) for f in os.listdir(d))
    ref = Volume(frames_of(files))
    check_series(name, [d], ref)
    if name == "tilted":
        p = run(["inspect", d])
        check(p.returncode == 0 and "gantry tilt" in p.stdout and "12°" in p.stdout, f"inspect reports the 12° tilt: {p.stdout.strip()[-200:]}")

# 2. Real multi-slice series in the test data.
series = defaultdict(list)
for root in DATA:
    for dirpath, _, names in os.walk(root):
        for n in names:
            p = os.path.join(dirpath, n)
            try:
                ds = pydicom.dcmread(p, stop_before_pixels=True)
                if (getattr(ds, "SamplesPerPixel", 1) != 1 or "ImagePositionPatient" not in ds
                        or "ImageOrientationPatient" not in ds or "PixelSpacing" not in ds
                        or int(getattr(ds, "NumberOfFrames", 1) or 1) != 1):
                    continue
                key = (ds.SeriesInstanceUID, ds.Rows, ds.Columns, tuple(round(float(x), 3) for x in ds.ImageOrientationPatient))
                series[key].append(p)
            except Exception:
                continue
real = 0
for key, files in sorted(series.items(), key=lambda kv: kv[1][0]):
    if len(files) < 3:
        continue
    try:
        frames = frames_of(files)
    except Exception as e:  # pixel data pydicom cannot decode here
        continue
    positions = {tuple(np.round(f[1], 3)) for f in frames}
    if len(positions) != len(frames):
        continue
    ref = Volume(frames)
    if not ref.regular:
        continue
    # Give the series as files (its directory holds other series too).
    uids = set()
    for f in files:
        uids.add(pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID)
    name = "real-" + os.path.basename(files[0])
    real += 1
    check_series(name, files, ref)
# Enhanced multi-frame CT/MR: frames placed by their Per-Frame Functional Groups.
for root in DATA:
    for dirpath, _, names in os.walk(root):
        for n in sorted(names):
            p = os.path.join(dirpath, n)
            try:
                ds = pydicom.dcmread(p)
                if ds.Modality not in ("CT", "MR") or int(ds.get("NumberOfFrames", 1) or 1) < 2 \
                        or "PerFrameFunctionalGroupsSequence" not in ds:
                    continue
                shared = ds.SharedFunctionalGroupsSequence[0] if "SharedFunctionalGroupsSequence" in ds else Dataset()
                arr = ds.pixel_array
                frames = []
                for f, item in enumerate(ds.PerFrameFunctionalGroupsSequence):
                    def get(seq, attr):
                        for scope in (item, shared):
                            if seq in scope and attr in scope[seq][0]:
                                return [float(x) for x in scope[seq][0][attr].value]
                        return [float(x) for x in ds[attr].value]
                    ipp = get("PlanePositionSequence", "ImagePositionPatient")
                    iop = get("PlaneOrientationSequence", "ImageOrientationPatient")
                    ps = get("PixelMeasuresSequence", "PixelSpacing")
                    slope = intercept = None
                    for scope in (item, shared):
                        if "PixelValueTransformationSequence" in scope:
                            t = scope.PixelValueTransformationSequence[0]
                            slope, intercept = float(t.RescaleSlope), float(t.RescaleIntercept)
                            break
                    frames.append((arr[f], ipp, iop, ps, slope if slope is not None else 1.0,
                                   intercept if intercept is not None else 0.0))
            except Exception:
                continue
            if len({tuple(np.round(f[1], 3)) for f in frames}) != len(frames):
                continue
            ref = Volume(frames)
            if not ref.regular:
                continue
            real += 1
            check_series("enhanced-" + n, [p], ref)
print(f"real multi-slice series checked: {real}")
check(real >= 1, "at least one real multi-slice series in the test data")

# 3. Bad input.
mixed = f"{tmp}/mixed"
write_series(mixed, shape=(6, 16, 16), description="MIXED",
             extra=lambda ds, k: setattr(ds, "ImageOrientationPatient", [0, 1, 0, 0, 0, -1]) if k == 2 else None)
p = run(["export", mixed, "--mpr", "coronal", "--out", f"{tmp}/x.npy"])
check(p.returncode == 1 and 'series 3 "MIXED"' in p.stderr and "slices disagree" in p.stderr and p.stderr.count("\n") == 1,
      f"mixed orientation: exit 1, one line naming the series: {p.stderr.strip()}")
single = f"{tmp}/single"
write_series(single, shape=(1, 16, 16), description="ONE")
p = run(["export", single, "--mpr", "sagittal", "--out", f"{tmp}/x.npy"])
check(p.returncode == 1 and 'series 3 "ONE"' in p.stderr and "single slice" in p.stderr, f"single slice sagittal: {p.stderr.strip()}")
d = f"{tmp}/shuffled"
p = run(["export", d, "--mpr", "oblique", "--normal", "0,0,0", "--out", f"{tmp}/x.npy"])
check(p.returncode == 1 and "zero length" in p.stderr and "MPR PHANTOM" in p.stderr, f"zero normal: {p.stderr.strip()}")
p = run(["export", d, "--mpr", "axial", "--position=500", "--out", f"{tmp}/x.npy"])
check(p.returncode == 1 and "outside the volume" in p.stderr and "MPR PHANTOM" in p.stderr, f"position outside: {p.stderr.strip()}")
p = run(["export", d, "--mpr", "axial", "--index", "99", "--no-resample", "--out", f"{tmp}/x.npy"])
check(p.returncode == 1 and "outside the volume" in p.stderr, f"index outside: {p.stderr.strip()}")
corrupt = f"{tmp}/withcorrupt"
write_series(corrupt, shape=(5, 16, 16), description="CARRY ON")
with open(f"{corrupt}/broken.dcm", "wb") as f:
    f.write(b"\0" * 128 + b"DICM" + b"\x02\x00\x10\x00UI\xff\x7f")
p = run(["inspect", "--json", corrupt, mixed])
try:
    j = json.loads(p.stdout)
    names = [s["name"] for st in j["studies"] for s in st["series"]]
    check(p.returncode == 1 and any(f["path"].endswith("broken.dcm") for f in j["failures"])
          and 'series 3 "CARRY ON"' in names and 'series 3 "MIXED"' in names,
          f"inspect reports the broken file and carries on: {names}")
    mixed_findings = [f["kind"] for st in j["studies"] for s in st["series"] if s["name"] == 'series 3 "MIXED"' for f in s["findings"]]
    check("mixed-orientation" in mixed_findings and "multiple-stacks" in mixed_findings, f"inspect: mixed orientation found: {mixed_findings}")
except json.JSONDecodeError as e:
    check(False, f"inspect --json: {e}: {p.stdout[:200]} {p.stderr[:200]}")
missing = f"{tmp}/missing"
write_series(missing, shape=(10, 16, 16), description="GAP", skip=(4,))
p = run(["inspect", missing])
check("missing slices" in p.stdout and "1 between" in p.stdout, f"inspect reports the missing slice: {p.stdout.strip()}")

# Absurd header values: refused with an error, never a crash (exit 1, not a signal).
absurd = {
    "huge positions": dict(slice_step=(0, 0, 1e200)),
    "tiny spacing": dict(spacing=(1e-200, 1e-200)),
    "huge spacing": dict(spacing=(1e200, 0.5)),
}
for what, kw in absurd.items():
    d = f"{tmp}/absurd-{what.replace(' ', '-')}"
    write_series(d, shape=(4, 8, 8), description="ABSURD", **kw)
    for orientation in ("coronal", "sagittal", "axial"):
        p = run(["export", d, "--mpr", orientation, "--out", f"{tmp}/x.npy", "--stage", "stored"])
        check(p.returncode in (0, 1) and (p.returncode == 0 or "ABSURD" in p.stderr.strip().splitlines()[-1]),
              f"{what} {orientation}: exit {p.returncode}, {p.stderr.strip()[:200]}")
    p = run(["inspect", d])
    check(p.returncode == 0, f"{what}: inspect exit {p.returncode}: {p.stderr.strip()[:200]}")
    p = run(["inspect", "--json", d])
    check(p.returncode == 0 and json.loads(p.stdout)["studies"], f"{what}: inspect --json exit {p.returncode}: {p.stderr.strip()[:200]}")

# Mutated series: random bytes of random files overwritten; inspect and export must end with
# status 0 or 1, never a signal.
rng = random.Random(11)
src = f"{tmp}/shuffled"
names = sorted(os.listdir(src))
crashes = []
for case in range(60):
    d = f"{tmp}/mutated-{case}"
    os.makedirs(d, exist_ok=True)
    for n in names[:8]:
        with open(f"{src}/{n}", "rb") as f:
            b = bytearray(f.read())
        if rng.random() < 0.5:
            for _ in range(rng.randint(1, 6)):
                i = rng.randrange(132, min(len(b), 1200))
                b[i] = rng.randrange(256)
        with open(f"{d}/{n}", "wb") as f:
            f.write(bytes(b))
    for args in (["inspect", d], ["export", d, "--mpr", rng.choice(["coronal", "sagittal", "oblique"]),
                                  "--normal", "0,1,1", "--out", f"{tmp}/m.npy"]):
        if args[0] == "export" and args[2] != "oblique":
            args = args[:4] + args[6:]
        p = run(args)
        if p.returncode not in (0, 1):
            crashes.append((case, args[0], p.returncode, p.stderr.strip()[-200:]))
check(not crashes, f"mutated series: no crashes ({crashes[:3]})")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
