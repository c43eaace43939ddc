#!/usr/bin/env bash
# End-to-end check that a command's sixel output really lights up pixels in a real xterm.
#
# Usage: Scripts/e2e-xterm-sixel.sh [--check X,Y,W,H,MIN,MAX]... [--expect REF.png,X,Y,MAXERR]...
#          [--geometry COLSxROWS] [--wait SECONDS] [--shot FILE.png] [--no-exit-wait]
#          [--keys "KEY KEY ..."]
#          [--] COMMAND [ARGS...]
#
# Starts Xvfb on a free display, runs `xterm -ti vt340` (sixel, 1024 colour registers) with
# COMMAND followed by a sleep, takes a screenshot of the root window with ImageMagick `import`,
# and checks that the mean grey level (0…1) of each box is within [MIN, MAX], and that the
# screen region at X,Y the size of REF.png differs from REF.png by at most MAXERR (0…255) in
# every pixel and channel. The xterm window is
# at +0+0 with no window manager, so screen coordinates equal window coordinates; a sixel image
# printed first lands with its top-left pixel at screen (3,3) (xterm 379, default border).
# Example (fixtures from `SIXRAY_E2E_DIR=/tmp swift test --filter E2EFixture`):
#   Scripts/e2e-xterm-sixel.sh --expect /tmp/greys.png,3,3,1 -- cat /tmp/greys.six
# --no-exit-wait: screenshot WAIT seconds after start while COMMAND still runs (e.g. a tmux
# client, which clears the screen when it exits); its exit status is then not checked.
# --keys: xdotool key names (Return, Down, 2, question, Escape) typed into the xterm one by one,
# 0.4 s apart, after the first WAIT seconds (implies --no-exit-wait; needs xdotool): for the
# interactive workstation.
# Prints one line (PASS/FAIL and the measured means) and exits 0 on pass, 1 on fail, 2 on
# setup errors. Needs: Xvfb, xterm (built with sixel), ImageMagick (import, convert).
set -u

checks=()
expects=()
geometry="100x40"
wait_s="2"
shot=""
exit_wait=1
keys=""
while [ $# -gt 0 ]; do
    case "$1" in
        --check) checks+=("$2"); shift 2 ;;
        --expect) expects+=("$2"); shift 2 ;;
        --geometry) geometry="$2"; shift 2 ;;
        --wait) wait_s="$2"; shift 2 ;;
        --shot) shot="$2"; shift 2 ;;
        --no-exit-wait) exit_wait=0; shift ;;
        --keys) keys="$2"; exit_wait=0; shift 2 ;;
        --) shift; break ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) break ;;
    esac
done
if [ $# -eq 0 ]; then echo "e2e-xterm-sixel: FAIL no command given (see --help)"; exit 2; fi
[ ${#checks[@]} -gt 0 ] || [ ${#expects[@]} -gt 0 ] || checks=("20,20,60,60,0.05,1.0")
for tool in Xvfb xterm import convert identify; do
    command -v "$tool" >/dev/null || { echo "e2e-xterm-sixel: FAIL missing $tool"; exit 2; }
done

display=""
for n in $(seq 90 150); do
    if [ ! -e "/tmp/.X11-unix/X$n" ] && [ ! -e "/tmp/.X$n-lock" ]; then display=":$n"; break; fi
done
[ -n "$display" ] || { echo "e2e-xterm-sixel: FAIL no free X display"; exit 2; }

work=$(mktemp -d)
xvfb_pid=""; xterm_pid=""
cleanup() {
    [ -n "$xterm_pid" ] && kill "$xterm_pid" 2>/dev/null
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

Xvfb "$display" -screen 0 1280x1024x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 1 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
[ -e "/tmp/.X11-unix/X${display#:}" ] || { echo "e2e-xterm-sixel: FAIL Xvfb did not start"; exit 2; }

# The command runs inside xterm; its exit status is recorded, then the window stays up.
printf '%q ' "$@" >"$work/cmd"
cat >"$work/run.sh" <<INNER
#!/bin/sh
sh -c "\$(cat '$work/cmd')"
echo \$? >'$work/status'
printf '\033[?25l'   # hide the text cursor so it cannot cover the image's last rows
sleep 30
INNER
chmod +x "$work/run.sh"
DISPLAY="$display" xterm -ti vt340 -xrm 'XTerm*numColorRegisters: 1024' \
    -xrm 'XTerm*maxGraphicSize: 2000x2000' -geometry "$geometry+0+0" \
    -bg black -fg white -e "$work/run.sh" >"$work/xterm.log" 2>&1 &
xterm_pid=$!

if [ "$exit_wait" = 1 ]; then
    for _ in $(seq 1 100); do [ -e "$work/status" ] && break; sleep 0.1; done
fi
sleep "$wait_s"
if [ -n "$keys" ]; then
    command -v xdotool >/dev/null || { echo "e2e-xterm-sixel: FAIL --keys needs xdotool"; exit 2; }
    # XTEST events to the focused window (xterm ignores synthetic events sent to a window).
    win=$(DISPLAY="$display" xdotool search --pid "$xterm_pid" 2>/dev/null | head -1)
    [ -n "$win" ] && DISPLAY="$display" xdotool windowfocus --sync "$win" 2>>"$work/xdotool.log"
    for k in $keys; do
        DISPLAY="$display" xdotool key "$k" 2>>"$work/xdotool.log"
        sleep 0.4
    done
    sleep "$wait_s"
fi
png="${shot:-$work/shot.png}"
DISPLAY="$display" import -window root "$png" 2>"$work/import.log" || {
    echo "e2e-xterm-sixel: FAIL screenshot failed: $(head -c 200 "$work/import.log")"; exit 2; }

status=$(cat "$work/status" 2>/dev/null || echo "?")
[ "$exit_wait" = 1 ] || status=0
result="PASS"; details=""
for c in ${checks[@]+"${checks[@]}"}; do
    IFS=, read -r x y w h lo hi <<<"$c"
    mean=$(convert "$png" -crop "${w}x${h}+${x}+${y}" +repage -colorspace Gray -format '%[fx:mean]' info: 2>/dev/null)
    ok=$(awk -v m="${mean:-nan}" -v lo="$lo" -v hi="$hi" 'BEGIN { print (m >= lo && m <= hi) ? 1 : 0 }')
    [ "$ok" = 1 ] || result="FAIL"
    details="$details box ${w}x${h}+${x}+${y} mean=${mean:-?} want [$lo,$hi];"
done
for e in ${expects[@]+"${expects[@]}"}; do
    IFS=, read -r ref x y maxerr <<<"$e"
    size=$(identify -format '%wx%h' "$ref" 2>/dev/null)
    err=$(convert "$png" -crop "${size}+${x}+${y}" +repage "$ref" -compose difference -composite \
          -separate -evaluate-sequence max -format '%[fx:round(maxima*255)]' info: 2>/dev/null)
    ok=$(awk -v e="${err:-nan}" -v m="$maxerr" 'BEGIN { print (e <= m) ? 1 : 0 }')
    [ "$ok" = 1 ] || result="FAIL"
    details="$details $(basename "$ref") ${size:-?}+${x}+${y} max|diff|=${err:-?} want <=$maxerr;"
done
[ "$status" = "0" ] || { result="FAIL"; details="$details command exit status $status;"; }
echo "e2e-xterm-sixel: $result$details"
[ "$result" = PASS ]
