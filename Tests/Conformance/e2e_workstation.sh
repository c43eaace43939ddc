#!/usr/bin/env bash
# End-to-end: the reading workstation used as a person would, in tmux and in a real xterm.
#  1. tmux, half-blocks: open the demo's current study, scroll 10 slices, change the window
#     preset, switch to sagittal, measure a distance; capture-pane and check the status line
#     and overlays say so. Then the vim keymap (gg, G), the help overlay, a too-small terminal,
#     and that Esc…, q and Ctrl-C leave with exit status 0 and the terminal restored.
#  2. xterm -ti vt340 under Xvfb with sixel, keys typed with xdotool: the screenshot shows the
#     slice in the viewport (a grey image, not black) and the overlay text.
# Usage: e2e_workstation.sh SIXRAY
set -u
bin=$(readlink -f "$1")
here=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
sock=sixray-ws-$$-0
n=0
trap 'tmux -L $sock kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
passed=0; failed=0
check() { if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $*"; fi; }
export XDG_CACHE_HOME=$tmp/cache XDG_CONFIG_HOME=$tmp/config
"$bin" demo --dir "$tmp/demo" --no-open >/dev/null 2>&1

if ! command -v tmux >/dev/null; then echo "skip: tmux not installed"; exit 0; fi
pane() { tmux -L $sock capture-pane -p -t ws; }
keys() { for k in "$@"; do tmux -L $sock send-keys -t ws "$k"; sleep 0.15; done; sleep 0.6; }
has() { pane | grep -qF -- "$1" || { echo "--- screen:"; pane; echo "--- wanted: $1"; return 1; }; }
status_has() { pane | tail -1 | grep -qF -- "$1" || { echo "--- status: $(pane | tail -1)"; echo "--- wanted: $1"; return 1; }; }
start() { # start ARGS...: a fresh session running sixray, 120×40
    tmux -L $sock kill-server 2>/dev/null
    n=$((n + 1)); sock=sixray-ws-$$-$n   # a fresh server each time (a killed one lingers briefly)
    tmux -L $sock -f /dev/null new-session -d -s ws -x 120 -y 40 \
        "TERM=xterm-256color '$bin' $*; echo EXIT=\$?; sleep 60"
    for _ in $(seq 50); do pane | grep -q "Worklist" && break; sleep 0.1; done
}

# 1. A reading session with the default keymap.
start open "'$tmp/demo'" --protocol blocks
check has "3 of 3 studies"
keys Enter
check has "CT ABDOMEN (current) · 2026-11-20"
keys Enter
check has "Im 1/48 · -60 mm · th 2.5"
for _ in $(seq 10); do tmux -L $sock send-keys -t ws Down; done; sleep 0.8
check status_has "11/48"
check has "Im 11/48 · -35 mm"
keys 1
check status_has "Window: Brain"
check has "W 80 L 40 Brain"
keys d Enter Right Right Right Right Right Right Right Right Enter
check status_has "Distance placed"
check bash -c "tmux -L $sock capture-pane -p -t ws | grep -Eq '[0-9.]+ mm'"
check has "HU "
keys z
check has "Sagittal"
keys x
check has "Axial"
keys '?'
check has "Help — keymap default"
check has "Next slice"
keys Escape Escape Escape
check has "Worklist"
keys q
sleep 0.5
check has "EXIT=0"
# The alternate screen was left: the workstation's text is gone from the pane.
check bash -c "! tmux -L $sock capture-pane -p -t ws | grep -q 'Worklist ·'"

# 1b. The demo through the local study store (what Scripts/sixray opens).
start demo --dir "'$tmp/demo'" --protocol blocks
check has "3 of 3 studies"
keys v
sleep 1
check status_has "▶1/48 · 1/30"

# 2. The vim keymap: j scrolls, G jumps to the end, gg back to the start.
start open "'$tmp/demo'" --protocol blocks --keymap vim
keys Enter Enter j j j
check status_has "4/48"
keys G
check status_has "48/48"
keys g g
check status_has "1/48"

# 2b. Comparison: c on the worklist opens the current CT beside its prior (another Frame of
#     Reference, 35 mm further along the table, 4 mm slices against 2.5 mm); both scroll in sync.
start open "'$tmp/demo'" --protocol blocks
keys c
sleep 1
check status_has "Registered the exams along the patient axis: 35 mm"
for _ in $(seq 20); do tmux -L $sock send-keys -t ws Down; done; sleep 1
check status_has "▶21/48 · 13/30"
check status_has "· sync"
check has "(prior)"
keys l Down
check status_has "▶22/48 · 13/30"

# 3. Ctrl-C quits cleanly from anywhere, exit status 0.
keys C-c
sleep 0.5
check has "EXIT=0"

# 4. A terminal too small for the screens: a message, no crash; growing it brings the worklist back.
start open "'$tmp/demo'" --protocol blocks
tmux -L $sock resize-window -t ws -x 40 -y 10; sleep 0.6
check has "too small"
tmux -L $sock resize-window -t ws -x 120 -y 40; sleep 0.6
check has "Worklist"

# 5. A broken keymap file: a message naming file, line and key; the defaults work.
mkdir -p "$tmp/config/sixray/keymaps"
printf '[viewer]\nnext_slice = ["Dwn"]\n' >"$tmp/config/sixray/keymaps/default.toml"
start open "'$tmp/demo'" --protocol blocks
check has "keymaps/default.toml:2: key 'viewer.next_slice': unknown key name 'Dwn'"
keys Enter Enter Down
check status_has "2/48"
rm -rf "$tmp/config/sixray"
tmux -L $sock kill-server 2>/dev/null

# 6. The real thing: sixel in xterm, keys typed by xdotool.
if command -v Xvfb >/dev/null && command -v xterm >/dev/null && command -v xdotool >/dev/null; then
    shot=$tmp/ws.png
    check "$here/Scripts/e2e-xterm-sixel.sh" --geometry 100x36 --wait 2 --shot "$shot" \
        --keys "Return Return Down Down Down" --check 200,150,200,150,0.08,0.9 -- "$bin" open "$tmp/demo" --protocol sixel
    # The overlay text (yellow on black) sits in the top-left corner above the image.
    check test -s "$shot"
else
    echo "skip: Xvfb/xterm/xdotool not installed (sixel screenshot)"
fi

echo "e2e workstation: $passed passed, $failed failed"
[ "$failed" = 0 ]
