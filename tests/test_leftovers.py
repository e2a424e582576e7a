"""Nothing left behind: a killed writer's temporary is removed by the next command that writes in its folder,
before the disk is measured; a disk that fills while `realise` writes is one line and leaves nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from connectome.atomic import temporary_name
from conftest import EXAMPLE, ROOT, assert_one_line_error, tmpfs

PD14 = ROOT / "examples" / "potjans_diesmann_2014.json"
HOST = temporary_name("x").split(".tmp-")[1].split("-")[0]


def _name(target: str, pid: int, started: float) -> str:
    return f".{target}.tmp-{HOST}-{pid}-{int(started)}-140000000001"


@pytest.fixture
def gone_pid():
    """The id of a process that has exited (and been reaped)."""
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    assert done.wait(timeout=30) == 0 and not psutil.pid_exists(done.pid)
    return done.pid


@pytest.fixture
def sleeper():
    child = subprocess.Popen(["sleep", "60"])
    try:
        yield child.pid, psutil.Process(child.pid).create_time()
    finally:
        child.kill()
        child.wait(timeout=10)


def _plant(folder, gone_pid, sleeper):
    """Temporaries of every kind in `folder`; returns (names the next writer must remove, names it must keep)."""
    me = psutil.Process().create_time()
    old = me - 3600
    gone = {_name("c", gone_pid, me): "dir", _name("out.npz", gone_pid, me): "file",
            _name("c", os.getpid(), me - 1000): "dir",  # our id, but another process's start: the id was reused
            f".c.tmp-{gone_pid}-140000000000": "dir"}  # the name before start times: its process has gone
    kept = {_name("c", os.getpid(), me): "dir", _name("c", sleeper[0], sleeper[1]): "dir",
            f".c.tmp-{'ffffffff' if HOST != 'ffffffff' else '00000000'}-{gone_pid}-{int(me)}-140000000001": "dir",
            f".c.tmp-{os.getpid()}-140000000001": "dir",  # the name before start times, younger than this process
            ".c.tmp-notapid": "file", ".hidden": "file", "visible.tmp-1-140000000001": "file",
            f".notes.tmp-{gone_pid}-01": "file"}  # a user's own hidden file: too few digits for a thread id
    for name, kind in {**gone, **kept}.items():
        if kind == "dir":
            (folder / name).mkdir()
            (folder / name / "edges.h5").write_bytes(b"\0" * 1000)
        else:
            (folder / name).write_bytes(b"\0" * 1000)
    older = f".c.tmp-{os.getpid()}-140000000002"  # the name before start times, older than this process: reused
    (folder / older).mkdir()
    os.utime(folder / older, (old, old))
    return {*gone, older}, set(kept)


WRITERS = {
    "realise": ["realise", "--topology", "multi_region", "--neurons", "200", "--seed", "1", "-o", "{out}/circuit"],
    "simulate --output": ["simulate", "--topology", "multi_region", "--neurons", "1e4", "--duration", "20",
                          "--seed", "1", "--output", "{out}/run.npz"],
    "topology export": ["topology", "export", "multi_region", "-o", "{out}/copy.json"],
    "plot": ["plot", "matrix", "multi_region", "-o", "{out}/matrix.png"],
}


@pytest.mark.parametrize("command", list(WRITERS))
def test_the_next_writer_removes_only_temporaries_whose_process_has_gone(run, tmp_path, gone_pid, sleeper, command):
    assert run("topology", "import", EXAMPLE).exit_code == 0
    out = tmp_path / "out"
    out.mkdir()
    gone, kept = _plant(out, gone_pid, sleeper)
    done = run(*[a.format(out=out) for a in WRITERS[command]])
    assert done.exit_code == 0, done.stderr
    produced = {p.name for p in out.iterdir()} - kept
    assert not produced & gone
    assert len(produced) == 1 and not next(iter(produced)).startswith(".")  # the output, and no temporary of its own
    assert kept <= {p.name for p in out.iterdir()}


def test_the_free_space_check_does_not_count_an_abandoned_temporary(run, tmp_path, gone_pid):
    assert run("topology", "import", EXAMPLE).exit_code == 0
    with tmpfs(tmp_path / "small", "40m") as folder:
        left = folder / _name("pd", gone_pid, psutil.Process().create_time())
        left.mkdir()
        (left / "edges.h5").write_bytes(b"\1" * (30 << 20))  # a killed realise's 30 MB
        done = run("realise", "--topology", "multi_region", "--neurons", "200", "--seed", "1",
                   "-o", folder / "pd")  # needs 16 MB of slack and a few kB
        assert done.exit_code == 0, done.stderr
        assert sorted(p.name for p in folder.iterdir()) == ["pd"]


def _cli(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "cli.py"), *map(str, args)]


def test_a_killed_realise_leaves_a_folder_that_the_next_realise_removes(tmp_path):
    db = tmp_path / "store.db"
    assert subprocess.run(_cli("--db", db, "topology", "import", PD14), capture_output=True).returncode == 0
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen(_cli("--db", db, "realise", "--topology", "potjans_diesmann_2014", "--neurons", "1e5",
                                 "--seed", "1", "--chunk-size", "1000", "-o", out / "big"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not list(out.glob(".big.tmp-*/edges.h5")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    zombie = psutil.Process(proc.pid)  # killed, not yet reaped by this parent: its id is still taken
    deadline = time.monotonic() + 10
    while zombie.status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:
        time.sleep(0.005)
    (left,) = out.iterdir()
    assert left.name.startswith(".big.tmp-") and (left / "nodes.h5").exists()
    again = subprocess.run(_cli("--db", db, "realise", "--topology", "potjans_diesmann_2014", "--neurons", "100",
                                "--seed", "1", "-o", out / "small"), capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert [p.name for p in out.iterdir()] == ["small"]
    assert proc.wait(timeout=10) == -signal.SIGKILL


FILL_WHILE_WRITING = textwrap.dedent("""
    import shutil, sys, threading, time
    from pathlib import Path
    from connectome.cli import main

    folder = Path(sys.argv[1])

    def fill():  # as soon as realise, past its size check, starts writing its edges
        while not list(folder.glob(".c.tmp-*/edges.h5")):
            time.sleep(0.001)
        with open(folder / "filler", "wb") as fh:
            try:
                fh.write(b"\\0" * shutil.disk_usage(folder).free)
            except OSError:
                pass

    threading.Thread(target=fill, daemon=True).start()
    main(sys.argv[2:])
""")


def test_a_disk_that_fills_while_realise_writes_is_one_line_and_leaves_nothing(tmp_path):
    db = tmp_path / "store.db"
    assert subprocess.run(_cli("--db", db, "topology", "import", PD14), capture_output=True).returncode == 0
    with tmpfs(tmp_path / "small", "120m") as folder:
        done = subprocess.run([sys.executable, "-c", FILL_WHILE_WRITING, str(folder), "--db", str(db), "realise",
                               "--topology", "potjans_diesmann_2014", "--neurons", "1000", "--seed", "1",
                               "-o", str(folder / "c")], capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert done.returncode == 2, done.stderr
        assert done.stderr == f"error: {folder / 'c'}: cannot write: the disk is full (No space left on device); " \
                              "nothing was written\n"
        assert [p.name for p in folder.iterdir()] == ["filler"]


@pytest.mark.parametrize(("output", "message"), [("", "error: -o/--output: an empty path; name a new folder"),
                                               (".", "error: '.': not a file or folder name"),
                                               ("..", "error: '..': not a file or folder name"),
                                               ("/", "error: '/': not a file or folder name"),
                                               ("nowhere/c", "error: nowhere/c: folder 'nowhere' does not exist"),
                                               ("store.db/c", "error: store.db/c: folder 'store.db' does not exist")])
def test_realise_refuses_an_output_that_names_no_new_folder(run, tmp_path, output, message):
    assert run("topology", "import", EXAMPLE).exit_code == 0
    before = sorted(tmp_path.iterdir())
    done = run("realise", "--topology", "multi_region", "--neurons", "200", "-o", output)
    assert_one_line_error(done, message)
    assert sorted(tmp_path.iterdir()) == before


CLOSE_FAILS = textwrap.dedent("""
    import sys
    from pathlib import Path
    from connectome.errors import InputError
    from connectome.atomic import staged_folder
    from connectome.realise.sonata import _hdf5

    folder = Path(sys.argv[1])
    with open(folder / "filler", "wb") as fh:  # 8 KiB left: the file is made, its metadata cannot be flushed
        fh.write(b"\\0" * ((1 << 20) - (8 << 10)))
    try:
        with staged_folder(folder / "c") as tmp, _hdf5(tmp / "nodes.h5") as f:
            for i in range(300):
                f.create_group(f"g{i}").attrs["a"] = i
    except InputError as exc:
        print(exc)
""")


def test_an_hdf5_file_whose_last_flush_fails_is_the_disk_full_error_and_exits_quietly(tmp_path):
    """h5py raises RuntimeError when the flush at close fails, and again from its destructors at exit."""
    with tmpfs(tmp_path / "small", "1m") as folder:
        done = subprocess.run([sys.executable, "-c", CLOSE_FAILS, str(folder)], capture_output=True, text=True,
                              timeout=60, cwd=ROOT)
        assert (done.returncode, done.stderr) == (0, "")
        assert done.stdout == f"{folder / 'c'}: cannot write: the disk is full (No space left on device); " \
                              "nothing was written\n"
        assert [p.name for p in folder.iterdir()] == ["filler"]


def test_a_killed_upgrades_backup_temporary_is_removed_by_the_next_backup(tmp_path, gone_pid, sleeper):
    """`db upgrade` copies the store under a temporary name first: a killed upgrade's copy goes with the next one."""
    import sqlite3

    from connectome.store.migrate import backup

    db = tmp_path / "store.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x)")
    me = psutil.Process().create_time()
    stale, live = _name("store.db.bak", gone_pid, me), _name("store.db.bak", sleeper[0], sleeper[1])
    for name in (stale, live):
        (tmp_path / name).write_bytes(b"\0" * 4096)
    saved = backup(f"sqlite:///{db}", "0005")
    assert saved == tmp_path / "store.db.bak-0005"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live, "store.db", "store.db.bak-0005"])
