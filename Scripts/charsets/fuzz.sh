#!/bin/sh
# Compare Sixray's Specific Character Set decoder/encoder with pydicom on random values, and
# time the decoder. Needs pydicom 3.0.2 (PYTHON, default /tmp/pv/bin/python) and swiftc.
#   Scripts/charsets/fuzz.sh [seed]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
py=${PYTHON:-/tmp/pv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sources="$root/Sources/DICOMCore/VR.swift $root/Sources/DICOMCore/CharacterSets/*.swift"
cd "$work"
"$py" "$here/fuzz_decode.py" "${1:-1}"
"$py" "$here/fuzz_encode.py"
for tool in FuzzDecode FuzzEncode Bench; do
    # shellcheck disable=SC2086
    swiftc -O -parse-as-library -module-name "$tool" "$here/$tool.swift" $sources -o "$tool" 2>&1 | grep -v warning || true
    ./"$tool"
done
