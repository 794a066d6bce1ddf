"""`make lab`: the Makefile's JupyterLab command starts, serves the notebooks, and points at the hub.

The command is taken from the Makefile itself (``make -n lab``), so the test runs exactly what
an analyst runs, only on a free port and with a known token.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lab_command(hub: Path) -> str:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    bin_dir = Path(sys.executable).parent
    out = subprocess.run(["make", "-n", "lab", f"HUB={hub}", f"BIN={bin_dir}"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    lines = [ln for ln in out.splitlines() if "jupyter lab" in ln]
    assert len(lines) == 1, out
    return lines[0]


def _get(url: str, timeout: float = 5.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, json.loads(r.read().decode())


@pytest.mark.slow
def test_make_lab_serves_the_notebooks_against_the_hub(demo_hub, tmp_path):
    command = _lab_command(demo_hub)
    assert f"WORKBENCH_HUB={demo_hub}" in command and "--ip 127.0.0.1" in command
    port, token = _free_port(), "lab-test-token"
    env = dict(os.environ, JUPYTER_PORT=str(port), JUPYTER_TOKEN=token,
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_DATA_DIR=str(tmp_path / "data"), HOME=str(tmp_path))
    proc = subprocess.Popen(["bash", "-c", command], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 90
        while True:
            try:
                status, info = _get(f"http://127.0.0.1:{port}/api/status?token={token}")
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    out = proc.stdout.read().decode(errors="replace") if proc.poll() is not None else ""
                    pytest.fail(f"JupyterLab did not answer on port {port}: {out[-2000:]}")
                time.sleep(0.5)
        assert status == 200 and "started" in info
        status, listing = _get(f"http://127.0.0.1:{port}/api/contents?token={token}")
        names = {item["name"] for item in listing["content"]}
        assert {"01_explore_hub.ipynb", "02_hypothesis_testing.ipynb"} <= names
        # the server holds the hub's path for its kernels (they inherit its environment)
        with open(f"/proc/{proc.pid}/environ", "rb") as fh:
            environ = dict(kv.split(b"=", 1) for kv in fh.read().split(b"\0") if b"=" in kv)
        children = subprocess.run(["pgrep", "-s", str(proc.pid), "-f", "jupyter-lab|jupyter lab"],
                                  capture_output=True, text=True).stdout.split()
        envs = [environ]
        for pid in children:
            try:
                with open(f"/proc/{pid}/environ", "rb") as fh:
                    envs.append(dict(kv.split(b"=", 1) for kv in fh.read().split(b"\0") if b"=" in kv))
            except OSError:
                pass
        assert any(e.get(b"WORKBENCH_HUB") == str(demo_hub).encode() for e in envs)
        # unauthenticated requests are refused: the token is required
        with pytest.raises(urllib.error.HTTPError) as exc:
            _get(f"http://127.0.0.1:{port}/api/contents")
        assert exc.value.code == 403
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _start_lab(command: str, tmp_path: Path, port: int, token: str) -> subprocess.Popen:
    env = dict(os.environ, JUPYTER_PORT=str(port), JUPYTER_TOKEN=token,
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_DATA_DIR=str(tmp_path / "data"), HOME=str(tmp_path))
    return subprocess.Popen(["bash", "-c", command], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)


@pytest.mark.slow
def test_make_lab_never_asks_to_fetch_news_offline(tmp_path):
    """Issue 18: an offline deployment's JupyterLab must not ask "fetch Jupyter news?" nor check for
    updates: the Makefile's command disables the announcements plugin and the news feed."""
    command = _lab_command(tmp_path / "hub.duckdb")
    assert "JUPYTER_CONFIG_PATH=" in command
    port, token = _free_port(), "lab-news-token"
    proc = _start_lab(command, tmp_path, port, token)
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=5) as r:
                    page = r.read().decode()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    out = proc.stdout.read().decode(errors="replace") if proc.poll() is not None else ""
                    pytest.fail(f"JupyterLab did not answer on port {port}: {out[-2000:]}")
                time.sleep(0.5)
        start = page.index('id="jupyter-config-data"')
        config = json.loads(page[page.index(">", start) + 1:page.index("</script>", start)])
        assert "@jupyterlab/apputils-extension:announcements" in config["disabledExtensions"]
        status, news = _get(f"http://127.0.0.1:{port}/lab/api/news?token={token}")
        assert status == 200 and news == {"news": []}
        status, update = _get(f"http://127.0.0.1:{port}/lab/api/update?token={token}")
        assert status == 200 and update.get("notification") is None
    finally:
        _stop(proc)
