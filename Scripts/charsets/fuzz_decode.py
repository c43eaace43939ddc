"""Random decoding cases compared with pydicom; run through Scripts/charsets/fuzz.sh."""
import os, random, sys, warnings
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_fixtures as g
from pydicom import charset
from pydicom.valuerep import TEXT_VR_DELIMS
warnings.simplefilter("ignore")
rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
extra = [["ISO 2022 IR 13"], ["", "ISO 2022 IR 13", "ISO 2022 IR 87", "ISO 2022 IR 159"], ["ISO 2022 IR 100", "ISO 2022 IR 101", "ISO 2022 IR 109", "ISO 2022 IR 110", "ISO 2022 IR 148"],
         ["", "ISO 2022 IR 58"], ["koi8-r"], ["cp037"], ["ascii"]]
with open("fuzz.tsv", "w") as f:
    for terms in g.CHARSETS + extra:
        encodings = charset.convert_encodings(terms if len(terms) > 1 else terms[0])
        for _ in range(800):
            v = g.random_value(rng, encodings)
            if rng.random() < 0.3:
                v = bytes(rng.randrange(256) for _ in range(rng.randint(1, 24)))
            f.write("%s\t%s\t%s\n" % ("\\".join(terms), v.hex(), charset.decode_bytes(v, encodings, TEXT_VR_DELIMS).encode("utf-8", "surrogatepass").hex()))
