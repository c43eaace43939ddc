#!/usr/bin/env python3
"""Write the committed seed corpus of Scripts/fuzz (run with the test venv: pydicom, Pillow, numpy).
part10: small Part 10 files in several transfer syntaxes; codecs: 4-byte header + codestream
(see fuzzCodecs in Sources/SixrayFuzz); toml: config, theme and keymap snippets."""
import io, os, struct
import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, RLELossless, DeflatedExplicitVRLittleEndian
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
C = os.path.join(HERE, "corpus")

def part10(name, ts, seq=False):
    ds = Dataset()
    ds.PatientName = "Doe^Jane"; ds.PatientID = "P1"; ds.StudyInstanceUID = "1.2.3"; ds.SeriesInstanceUID = "1.2.3.4"
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"; ds.SOPInstanceUID = "1.2.3.4.5"; ds.Modality = "OT"
    ds.Rows = 4; ds.Columns = 4; ds.SamplesPerPixel = 1; ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 8; ds.BitsStored = 8; ds.HighBit = 7; ds.PixelRepresentation = 0
    if seq:
        item = Dataset(); item.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"; item.ReferencedSOPInstanceUID = "1.2.3.9"
        ds.ReferencedImageSequence = [item]
    arr = np.arange(16, dtype=np.uint8).reshape(4, 4)
    ds.file_meta = FileMetaDataset(); ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID; ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PixelData = arr.tobytes()
    if ts == RLELossless:
        ds.compress(RLELossless, arr, encoding_plugin="pydicom")
    else:
        ds.file_meta.TransferSyntaxUID = ts
    b = io.BytesIO()
    ds.save_as(b, enforce_file_format=True, implicit_vr=(ts == ImplicitVRLittleEndian), little_endian=True)
    open(os.path.join(C, "part10", name), "wb").write(b.getvalue())

part10("explicit-le.dcm", ExplicitVRLittleEndian, seq=True)
part10("implicit-le.dcm", ImplicitVRLittleEndian)
part10("rle.dcm", RLELossless)
part10("deflated.dcm", DeflatedExplicitVRLittleEndian)

def codec(name, index, rows, cols, header3, stream):
    open(os.path.join(C, "codecs", name), "wb").write(bytes([index, rows - 1, cols - 1, header3]) + stream)

# RLE: header with one segment, a literal run of 16 bytes (4×4, 8-bit grey).
rle = struct.pack("<16I", 1, 64, *([0] * 14)) + bytes([15]) + bytes(range(16))
codec("rle", 0, 4, 4, 0, rle)
img = Image.fromarray(np.arange(64, dtype=np.uint8).reshape(8, 8) * 4)
b = io.BytesIO(); img.save(b, format="JPEG", quality=90)
codec("jpeg-baseline", 1, 8, 8, 0, b.getvalue())
b = io.BytesIO(); img.save(b, format="JPEG2000", irreversible=False)
codec("j2k", 5, 8, 8, 0, b.getvalue())
codec("native", 6, 4, 4, 0, bytes(range(16)))

open(os.path.join(C, "toml", "config.toml"), "w").write('[cache]\nmax_size = "20 GB"\npath = "/data/sixray"\n\n[archives.pacs]\nhost = "pacs"\nport = 104\naet = "PACS"\n\n[ui]\ntheme = "dark"\n[profile.night]\nkeymap = "vim"\npresets = ["ct-brain", "ct-lung"]\n')
open(os.path.join(C, "toml", "inline.toml"), "w").write('a = { b = 1, c = [1, 2.5, "x", true] }\n[[t]]\nd = 1979-05-27T07:32:00Z\n"quoted key" = \'\'\'multi\nline\'\'\'\n')
print("seeds written")
