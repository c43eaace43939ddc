"""Random encoding cases compared with pydicom; run through Scripts/charsets/fuzz.sh."""
import os, random, sys, warnings
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_fixtures as g
from pydicom import charset
from pydicom.valuerep import _encode_personname
rng = random.Random(3)
chars = [c for c in g.SAMPLES if c not in "\\=^"] + list("abc XYZ 123")
with open("enc.tsv", "w") as f:
    for terms in g.ENCODE_CHARSETS + [["", "ISO 2022 IR 13", "ISO 2022 IR 87", "ISO 2022 IR 159"], ["ISO 2022 IR 100", "ISO 2022 IR 101", "ISO 2022 IR 148"]]:
        encodings = charset.convert_encodings(terms if len(terms) > 1 else terms[0])
        ok = []
        for c in set(chars):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                charset.encode_string(c, encodings)
            if not caught: ok.append(c)
        ok.sort()
        for _ in range(500):
            vr = rng.choice(["LO", "PN"])
            text = "".join(rng.choice(ok) for _ in range(rng.randint(1, 10)))
            if vr == "PN":
                text = "=".join("^".join(text[i:i+2] for i in range(0, len(text), 2)) for _ in range(rng.randint(1, 3)))
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                out = _encode_personname(text.split("="), encodings) if vr == "PN" else charset.encode_string(text, encodings)
            f.write("%s\t%s\t%s\t%s\n" % ("\\".join(terms), vr, text.encode().hex(), "nil" if caught else out.hex()))
