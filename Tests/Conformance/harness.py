"""Shared pieces of the conformance scripts that run real peers on loopback.

    from harness import Harness
    h = Harness("sixray-net-")          # private temp dir, removed at exit with the peers
    h.check("name", ok, detail)          # "  ok   name" / "  FAIL name: detail"
    o = h.start_orthanc(modalities={...}, dicomweb=True)
    ...
    sys.exit(h.finish("network faults"))  # prints "network faults: N passed, N failed"

Peers started with `h.spawn` are terminated (then killed) at exit; a SIGTERM to the script
runs the same cleanup.
"""
import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ORTHANC_DICOMWEB_PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


class Tmux:
    """A detached tmux session on a private server (`-L`), to drive the workstation as a person
    would: `keys("/")`, `keys("ACC", literal=True)`, `wait_for("Retrieved ", 60)`, `pane()`."""

    def __init__(self, name, command, width=140, height=40):
        self.sock = f"{name}-{os.getpid()}"
        subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null", "new-session", "-d", "-s", "ws",
                        "-x", str(width), "-y", str(height), command], check=False)

    def pane(self):
        return subprocess.run(["tmux", "-L", self.sock, "capture-pane", "-p", "-t", "ws"],
                              capture_output=True, text=True).stdout

    def wait_for(self, text, seconds=20):
        end = time.time() + seconds
        while time.time() < end:
            if text in self.pane():
                return True
            time.sleep(0.2)
        return False

    def keys(self, *keys, literal=False):
        subprocess.run(["tmux", "-L", self.sock, "send-keys", "-t", "ws"] + (["-l"] if literal else []) + list(keys),
                       check=False)

    def close(self):
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], check=False)


class Orthanc:
    """A running Orthanc: its ports, its REST root, and its log."""

    def __init__(self, dicom_port, http_port, directory, dicomweb):
        self.dicom_port, self.http_port, self.directory = dicom_port, http_port, directory
        self.rest = f"http://127.0.0.1:{http_port}"
        self.dicomweb_url = self.rest + "/dicom-web" if dicomweb else None

    def get_json(self, path):
        with urllib.request.urlopen(self.rest + path, timeout=20) as r:
            return json.load(r)

    def get_bytes(self, path):
        with urllib.request.urlopen(self.rest + path, timeout=20) as r:
            return r.read()

    def log_tail(self, n=2000):
        try:
            return open(self.directory + "/log", errors="replace").read()[-n:]
        except OSError:
            return ""


class Harness:
    def __init__(self, prefix, keep_on_failure=False):
        self.tmp = tempfile.mkdtemp(prefix=prefix)
        os.chmod(self.tmp, 0o700)
        self.procs = []
        self.passed = self.failed = 0
        self.keep_on_failure = keep_on_failure
        atexit.register(self.cleanup)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
        if self.failed and self.keep_on_failure:
            print(f"  (kept {self.tmp})")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"  ok   {name}", flush=True)
        else:
            self.failed += 1
            print(f"  FAIL {name}: {str(detail)[:800]}", flush=True)
        return ok

    def finish(self, suite):
        print(f"{suite}: {self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0

    def spawn(self, args, log=None, **kw):
        p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(log, "w") if log else subprocess.DEVNULL, **kw)
        self.procs.append(p)
        return p

    def start_orthanc(self, name="orthanc", modalities=None, dicomweb=False, users=None, extra=None, env=None):
        """Orthanc with its own JSON config in TMP/NAME: DICOM and HTTP on free loopback ports,
        AET ORTHANC, no compression, storage in the directory. `modalities`: Orthanc's
        DicomModalities; `users`: {user: password} turns HTTP basic authentication on;
        `dicomweb`: load the DICOMweb plugin (Debian orthanc-dicomweb); `env`: added to its
        environment (e.g. DCMTK's TCP_NODELAY)."""
        d = os.path.join(self.tmp, name)
        os.makedirs(d)
        dicom, http = free_port(), free_port()
        cfg = {
            "Name": "sixray-" + name, "StorageDirectory": d + "/storage", "IndexDirectory": d + "/index",
            "DicomAet": "ORTHANC", "DicomPort": dicom, "HttpPort": http, "RemoteAccessAllowed": False,
            "AuthenticationEnabled": bool(users), "DicomCheckCalledAet": True, "DicomCheckModalityHost": False,
            "DicomAlwaysAllowEcho": True, "DicomAlwaysAllowStore": True, "StorageCompression": False,
            "DicomModalities": modalities or {}, "Plugins": [],
        }
        if users:
            cfg["RegisteredUsers"] = users
        if dicomweb:
            if not os.path.exists(ORTHANC_DICOMWEB_PLUGIN):
                raise SystemExit(f"Orthanc DICOMweb plugin not found at {ORTHANC_DICOMWEB_PLUGIN} "
                                 "(Scripts/install-deps --test installs orthanc-dicomweb)")
            cfg["Plugins"] = [ORTHANC_DICOMWEB_PLUGIN]
            cfg["DicomWeb"] = {"Enable": True, "Root": "/dicom-web/", "StudiesMetadata": "Full"}
        cfg.update(extra or {})
        with open(d + "/orthanc.json", "w") as f:
            json.dump(cfg, f)
        binary = shutil.which("Orthanc") or "/usr/sbin/Orthanc"
        self.spawn([binary, d + "/orthanc.json"], log=d + "/log", env={**os.environ, **(env or {})})
        o = Orthanc(dicom, http, d, dicomweb)
        o.started = wait_port(dicom, 30) and wait_port(http, 30)
        return o
