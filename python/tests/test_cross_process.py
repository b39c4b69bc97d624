"""A C program (c_writer.c, native API) writes into a mapping and signals an
event; this Python process waits on the event and reads, COUNT times."""

import os
import shutil
import subprocess

import pytest

import shmap

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope="module")
def c_writer(tmp_path_factory):
    cc = os.environ.get("CC") or shutil.which("cc")
    if not cc:
        pytest.skip("no C compiler")
    out = str(tmp_path_factory.mktemp("cw") / "c_writer")
    lib = os.environ.get("SHMAP_LIBRARY")
    link = [lib, "-Wl,-rpath," + os.path.dirname(os.path.abspath(lib))] if lib else ["-lshmap"]
    # the headers of the source tree, and the generated shmap/version.h of
    # the build tree the library comes from (its include/)
    incs = [os.path.join(HERE, "..", "..", "include")]
    if lib:
        incs.append(os.path.join(os.path.dirname(os.path.abspath(lib)), "include"))
    flags = [f for inc in incs for f in ("-I", inc)]
    subprocess.run([cc, "-O1", *flags, os.path.join(HERE, "c_writer.c"), "-o", out, *link],
                   check=True)
    return out


def test_c_writes_python_waits_and_reads(c_writer, name):
    count = 50
    w = subprocess.Popen([c_writer, name, str(count)], stdout=subprocess.PIPE, text=True)
    try:
        assert w.stdout.readline() == "ready\n"
        m = shmap.open_mapping(name)
        ready = shmap.Event(name + ".ready", create=False)
        ack = shmap.Event(name + ".ack", create=False)
        for i in range(1, count + 1):
            assert ready.wait(30)
            text = bytes(m.buf[:64]).split(b"\0", 1)[0]
            assert text == b"tick %d" % i
            ack.set()
        assert w.wait(60) == 0
        m.close()
        ready.close()
        ack.close()
    finally:
        if w.poll() is None:
            w.kill()
            w.wait()
