#!/usr/bin/env bash
# End-to-end: `sixray view` in real terminals.
#  1. xterm -ti vt340 under Xvfb, sixel forced: the screen shows the exported display frame
#     within 1 grey level (sixel's percent registers).
#  2. the same with --protocol auto: detection must pick sixel in that xterm.
#  3. tmux: half-blocks reach the pane (capture-pane), and `auto` inside tmux finishes promptly.
#  4. a closed pipe: one readable line and exit 1, not a SIGPIPE death.
# Usage: e2e_terminal.sh SIXRAY
set -u
bin=$(readlink -f "$1")
here=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'tmux -L sixray-e2e kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
passed=0; failed=0
check() { if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $*"; fi; }

"$bin" demo --dir "$tmp/demo" >/dev/null 2>&1
f=$tmp/demo/current/CT024.dcm
"$bin" export "$f" --out "$tmp/ref.png"

if command -v Xvfb >/dev/null && command -v xterm >/dev/null && command -v import >/dev/null; then
    check "$here/Scripts/e2e-xterm-sixel.sh" --expect "$tmp/ref.png,3,3,1" -- "$bin" view "$f" --protocol sixel --size 256x256
    check "$here/Scripts/e2e-xterm-sixel.sh" --expect "$tmp/ref.png,3,3,1" -- "$bin" view "$f" --size 256x256
else
    echo "skip: Xvfb/xterm/ImageMagick not installed (xterm checks)"
fi

if command -v tmux >/dev/null; then
    tmux -L sixray-e2e -f /dev/null new-session -d -x 100 -y 40 "'$bin' view '$f' --protocol blocks --width 60; sleep 5"
    sleep 1.5
    blocks=$(tmux -L sixray-e2e capture-pane -p | grep -o '▀' | wc -l)
    check test "$blocks" -ge 600
    start=$(date +%s%N)
    tmux -L sixray-e2e new-window -d "'$bin' view '$f' --width 40 > '$tmp/auto.out' 2>&1; echo \$? > '$tmp/auto.rc'"
    for _ in $(seq 50); do [ -s "$tmp/auto.rc" ] && break; sleep 0.1; done
    elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
    check test "$(cat "$tmp/auto.rc" 2>/dev/null)" = 0
    check test "$elapsed" -lt 5000
    tmux -L sixray-e2e kill-server 2>/dev/null
else
    echo "skip: tmux not installed"
fi

"$bin" view "$f" --protocol kitty --size 2048x2048 2>"$tmp/pipe.err" | head -c 10 >/dev/null
rc=${PIPESTATUS[0]}
check test "$rc" = 1
check grep -q "output closed" "$tmp/pipe.err"

echo "e2e terminal: $passed passed, $failed failed"
[ "$failed" = 0 ]
