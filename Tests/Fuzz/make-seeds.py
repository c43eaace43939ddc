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
# dicomweb-json: QIDO-RS and metadata answers (PS3.18 F.2): PN groups, numbers, SQ, AT,
# InlineBinary, BulkDataURI, nulls.
os.makedirs(os.path.join(C, "dicomweb-json"), exist_ok=True)
open(os.path.join(C, "dicomweb-json", "qido.json"), "w").write(
    '[{"00080020":{"vr":"DA","Value":["20240101"]},"00100010":{"vr":"PN","Value":[{"Alphabetic":"Doe^Jane","Ideographic":"X"}]},'
    '"0020000D":{"vr":"UI","Value":["1.2.3"]},"00201208":{"vr":"IS","Value":[12]},"00080061":{"vr":"CS","Value":["CT","MR"]}},'
    '{"00100020":{"vr":"LO","Value":["P2"]},"00081030":{"vr":"LO"}}]')
open(os.path.join(C, "dicomweb-json", "metadata.json"), "w").write(
    '[{"00280010":{"vr":"US","Value":[512]},"00280030":{"vr":"DS","Value":[0.5,0.5]},"00181041":{"vr":"FD","Value":[1.5e3]},'
    '"00209165":{"vr":"AT","Value":["00100020"]},"00081140":{"vr":"SQ","Value":[{"00081150":{"vr":"UI","Value":["1.2"]},'
    '"00081155":{"vr":"UI","Value":["1.2.3.4"]}}]},"00091010":{"vr":"OB","InlineBinary":"AAECAw=="},'
    '"7FE00010":{"vr":"OW","BulkDataURI":"http://x/bulk"},"00200032":{"vr":"DS","Value":[null,"-1.5",2]},'
    '"00186011":{"vr":"SQ","Value":[]},"00189219":{"vr":"SV","Value":[-9007199254740991]}}]')
# multipart: byte 0 is the piece size (fuzzMultipart), then a body with boundary XyZ.
os.makedirs(os.path.join(C, "multipart"), exist_ok=True)
def mp(name, piece, body):
    open(os.path.join(C, "multipart", name), "wb").write(bytes([piece]) + body)
mp("two-parts", 3, b"preamble\r\n--XyZ\r\nContent-Type: application/dicom\r\n\r\nabc\r\n--XyZ\r\n"
   b"Content-Type: application/dicom\r\nX-A: 1\r\n\r\n\r\n--XyY-\r\r\n--XyZ--\r\nepilogue")
mp("padding-empty-headers", 1, b"--XyZ \t\r\n\r\n--XyZ\r\n\r\nx\r\n--XyZ--")
mp("cut-short", 7, b"--XyZ\r\nContent-Type: application/dicom\r\n\r\nDICM and more")
print("seeds written")
