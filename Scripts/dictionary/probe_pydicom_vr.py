#!/usr/bin/env python3
"""Probe how pydicom 3.0.2 resolves VRs on read (implicit VR, explicit UN, ambiguous VRs).

Builds small Part 10 files in memory and prints to_json_dict() VRs. Needs pydicom 3.0.2:
    /tmp/pv/bin/python Scripts/dictionary/probe_pydicom_vr.py
Findings are summarised in README.md of this directory.
"""
import struct, io, json, warnings
warnings.simplefilter("ignore")
import pydicom
from pydicom import dcmread

def el_impl(tag, value):
    return struct.pack('<HHI', tag >> 16, tag & 0xffff, len(value)) + value
def el_impl_undef(tag, value):
    return struct.pack('<HHI', tag >> 16, tag & 0xffff, 0xFFFFFFFF) + value
def el_expl(tag, vr, value):
    if vr in ('OB','OW','UN','SQ','UT','UC','UR','OF','OD','OL','OV','SV','UV'):
        return struct.pack('<HH2sHI', tag >> 16, tag & 0xffff, vr.encode(), 0, len(value)) + value
    return struct.pack('<HH2sH', tag >> 16, tag & 0xffff, vr.encode(), len(value)) + value
def item(body): return struct.pack('<HHI', 0xFFFE, 0xE000, len(body)) + body
def sq(tag, items, implicit=True):
    body = b''.join(item(i) for i in items)
    return el_impl(tag, body) if implicit else el_expl(tag, 'SQ', body)
def f(ts, body):
    meta = el_expl(0x00020001, 'OB', b'\0\1') + el_expl(0x00020010, 'UI', (ts + ('\0' if len(ts) % 2 else '')).encode())
    meta = el_expl(0x00020000, 'UL', struct.pack('<I', len(meta))) + meta
    return b'\0' * 128 + b'DICM' + meta + body
IMPL = '1.2.840.10008.1.2'; EXPL = '1.2.840.10008.1.2.1'
us = lambda *v: struct.pack('<%dH' % len(v), *v)
def show(title, data):
    try:
        ds = dcmread(io.BytesIO(data))
        j = ds.to_json_dict()
        def walk(j, ind=''):
            out = []
            for k, v in j.items():
                vals = v.get('Value', v.get('InlineBinary', ''))
                if v['vr'] == 'SQ':
                    out.append(f"{ind}{k} SQ")
                    for it in v.get('Value', []): out += walk(it, ind + '  ')
                else:
                    out.append(f"{ind}{k} {v['vr']} {str(vals)[:40]}")
            return out
        print(f"--- {title}\n" + "\n".join(walk(j)))
    except Exception as e:
        print(f"--- {title}\n  EXCEPTION {type(e).__name__}: {e}")

# 1. US or SS with PixelRepresentation at root
show("impl: (0028,0106) with PixelRepresentation=1 + (0028,0120)", f(IMPL, el_impl(0x00280103, us(1)) + el_impl(0x00280106, us(0xFFFE)) + el_impl(0x00280120, us(0x8000))))
show("impl: (0028,0106) with PixelRepresentation=0", f(IMPL, el_impl(0x00280103, us(0)) + el_impl(0x00280106, us(0xFFFE))))
show("impl: (0028,0106) no PixelRepresentation, no PixelData", f(IMPL, el_impl(0x00280106, us(0xFFFE))))
show("impl: (0028,0106) no PixelRepresentation, PixelData present", f(IMPL, el_impl(0x00280106, us(0xFFFE)) + el_impl(0x7FE00010, b'\0\0')))
# 2. in a sequence item, PixelRepresentation only at root (sequence before and after (0028,0103))
show("impl: item (0008,9999?) SQ before PR: (0028,3002) LUTDescriptor in item, PR=1 at root",
     f(IMPL, sq(0x00283010, [el_impl(0x00283002, us(256, 0xFFF0, 16)) + el_impl(0x00283006, us(*range(4)))]) + el_impl(0x00280103, us(1))))
show("impl: item PR overrides: root PR=1, item PR=0",
     f(IMPL, el_impl(0x00280103, us(1)) + sq(0x00283010, [el_impl(0x00280103, us(0)) + el_impl(0x00283002, us(256, 0xFFF0, 16))])))
show("impl: nested 2 levels, PR=1 at root", f(IMPL, el_impl(0x00280103, us(1)) + sq(0x00400260, [sq(0x00283010, [el_impl(0x00283002, us(256, 0xFFF0, 16))])])))
show("impl: item without PR, no PR anywhere", f(IMPL, sq(0x00283010, [el_impl(0x00283002, us(256, 0xFFF0, 16))])))
# LUT Data
show("impl: LUTData with LUTDescriptor[0]==1", f(IMPL, sq(0x00283010, [el_impl(0x00283002, us(1, 0, 16)) + el_impl(0x00283006, us(7))])))
show("impl: LUTData without LUTDescriptor", f(IMPL, sq(0x00283010, [el_impl(0x00283006, us(7, 8))])))
# Pixel data
show("impl: PixelData defined length", f(IMPL, el_impl(0x00280100, us(8)) + el_impl(0x7FE00010, b'\1\2')))
show("impl: OverlayData 6000,3000 / 6002,3000 / 601E,3000", f(IMPL, el_impl(0x60003000, b'\1\2') + el_impl(0x60023000, b'\1\2') + el_impl(0x601E3000, b'\1\2')))
# uncorrected ambiguous
show("impl: uncorrected: 0014,3050 / 0028,0071 / 0028,1100 / 0028,1200 / 5000,200C / 5000,3000 / 7F00,0010 / 5400,1010 no WBA",
     f(IMPL, el_impl(0x00143050, b'\1\2') + el_impl(0x00280071, us(5)) + el_impl(0x00281100, us(1,2,3)) + el_impl(0x00281200, us(1,2)) + el_impl(0x5000200C, b'\1\2') + el_impl(0x50003000, b'\1\2') + el_impl(0x7F000010, b'\1\2')))
show("impl: WaveformData 5400,1010 in item with WaveformBitsAllocated 8", f(IMPL, sq(0x54000100, [el_impl(0x5400100A, b'\0\0')+ el_impl(0x54001004, us(8)) + el_impl(0x54001010, b'\1\2')])))
# group lengths, odd groups
show("impl: group lengths (0008,0000), (0009,0000), (1010,0000), (0001,0010)?", f(IMPL, el_impl(0x00080000, struct.pack('<I', 0)) + el_impl(0x00090000, struct.pack('<I', 0)) + el_impl(0x10100000, us(1))))
# private creators
csa = el_impl(0x00290010, b'SIEMENS CSA HEADER') + el_impl(0x00291010, b'\1\2') + el_impl(0x00291008, b'IMAGE NUM 4 ')
show("impl: SIEMENS CSA HEADER", f(IMPL, csa))
show("impl: creator trailing space 'SIEMENS CSA HEADER '", f(IMPL, el_impl(0x00290010, b'SIEMENS CSA HEADER  ') + el_impl(0x00291008, b'AB')))
show("impl: creator leading space", f(IMPL, el_impl(0x00290010, b' SIEMENS CSA HEADER ') + el_impl(0x00291008, b'AB')))
show("impl: creator trailing NUL", f(IMPL, el_impl(0x00290010, b'SIEMENS CSA HEADER\0\0') + el_impl(0x00291008, b'AB')))
show("impl: creator VM 2", f(IMPL, el_impl(0x00290010, b'SIEMENS CSA HEADER\\X ') + el_impl(0x00291008, b'AB')))
show("impl: creator empty", f(IMPL, el_impl(0x00290010, b'') + el_impl(0x00291008, b'AB')))
show("impl: no creator / element 0x0001 / (0029,0000)", f(IMPL, el_impl(0x00290000, struct.pack('<I', 4)) + el_impl(0x00290001, b'AB') + el_impl(0x00291008, b'AB')))
show("impl: creator in root, element in item (creator not in item)", f(IMPL, el_impl(0x00290010, b'SIEMENS CSA HEADER') + sq(0x00081140, [el_impl(0x00291008, b'AB')])))
show("impl: FDMS 'US or SS' private (0027,10A3), PR=1", f(IMPL, el_impl(0x00270010, b'FDMS 1.0') + el_impl(0x002710A3, us(1, 2)) + el_impl(0x00280103, us(1))))
show("impl: TOSHIBA 'OB_OW' private (7019,1080)", f(IMPL, el_impl(0x70190010, b'TOSHIBA_MEC_OT3 ') + el_impl(0x70191080, b'\1\2')))
show("impl: PAPYRUS 3.0 (6001,1010) via 60xxxx10", f(IMPL, el_impl(0x60010010, b'PAPYRUS 3.0 ') + el_impl(0x60011010, us(5))))
show("impl: odd group 0003 / FFFF? unknown public even (0008,0002)", f(IMPL, el_impl(0x00080002, b'AB')))
# explicit VR with UN
show("expl: UN for public (0028,0010) Rows and (0028,0106) with PR=1", f(EXPL, el_expl(0x00280010, 'UN', us(5)) + el_expl(0x00280103, 'US', us(1)) + el_expl(0x00280106, 'UN', us(0xFFFE))))
show("expl: UN for known private CSA (0029,1008) CS", f(EXPL, el_expl(0x00290010, 'LO', b'SIEMENS CSA HEADER') + el_expl(0x00291008, 'UN', b'AB')))
show("expl: UN for private creator (0029,0010)", f(EXPL, el_expl(0x00290010, 'UN', b'SIEMENS CSA HEADER') + el_expl(0x00291008, 'UN', b'AB')))
show("expl: UN for public SQ (0008,1140) defined-length implicit contents", f(EXPL, el_expl(0x00081140, 'UN', item(el_impl(0x00081150, b'1.2\0')))))
print("=========== individual uncorrected")
for t, v in [(0x00143050, b'\1\2'), (0x00280071, us(5)), (0x00281100, us(1,2,3)), (0x00281200, us(1,2)), (0x5000200C, b'\1\2'), (0x50003000, b'\1\2'), (0x7F000010, b'\1\2'), (0x54001010, b'\1\2')]:
    show(f"impl: {t:08X} alone", f(IMPL, el_impl(t, v)))
    show(f"impl: {t:08X} odd length 3", f(IMPL, el_impl(t, b'\1\2\3')))
    show(f"impl: {t:08X} empty", f(IMPL, el_impl(t, b'')))
show("impl: PixelData undefined length (encapsulated) in implicit", f(IMPL, el_impl_undef(0x7FE00010, item(b'') + item(b'\1\2') + struct.pack('<HHI', 0xFFFE, 0xE0DD, 0))))
show("expl: (0028,0106) explicit US with PR=1 (no correction)", f(EXPL, el_expl(0x00280103, 'US', us(1)) + el_expl(0x00280106, 'US', us(0xFFFE))))
print("=========== raw json")
for t, v in [(0x00143050, b'\1\2'), (0x00281200, us(1,2)), (0x00280071, b'')]:
    print(dcmread(io.BytesIO(f(IMPL, el_impl(t, v)))).to_json_dict())
