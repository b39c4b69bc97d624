"""Mappings: create/open, .buf, sizes, errors with their Win32 codes, close."""

import errno
import os
import re

import pytest

import shmap


def test_version_is_the_projects():
    cmake = os.path.join(os.path.dirname(__file__), "..", "..", "CMakeLists.txt")
    with open(cmake, encoding="utf-8") as f:
        want = re.search(r"project\s*\(\s*shmap\b[^)]*?\bVERSION\s+([0-9.]+)", f.read()).group(1)
    assert shmap.__version__ == want


def test_create_write_open_read(name):
    with shmap.create_mapping(name, 10000) as m:
        assert m.size == 10000 and m.name == name and not m.existed
        assert len(m.buf) == 10000 and not m.buf.readonly
        assert bytes(m.buf[:8]) == bytes(8)  # zero-filled
        m.buf[100:105] = b"hello"
        with shmap.open_mapping(name) as r:
            assert r.buf.readonly
            assert r.size >= 10000  # a pagefile section's size is page-rounded
            assert bytes(r.buf[100:105]) == b"hello"
            with pytest.raises(TypeError):
                r.buf[0] = 1
        with shmap.open_mapping(name, access="write") as w:
            w.buf[0] = 42
        assert m.buf[0] == 42
        again = shmap.create_mapping(name, 64)
        assert again.existed and again.size >= 10000
        again.close()
    assert m.closed
    with pytest.raises(ValueError):
        m.buf
    m.close()  # twice is fine
    with pytest.raises(shmap.NotFoundError):  # the last close removed the name
        shmap.open_mapping(name)


def test_unnamed_mapping():
    with shmap.create_mapping(None, 4096) as m:
        m.buf[4095] = 7
        assert m.buf[4095] == 7


def test_missing_name_is_file_not_found(name):
    with pytest.raises(shmap.NotFoundError) as e:
        shmap.open_mapping(name)
    assert isinstance(e.value, OSError) and isinstance(e.value, FileNotFoundError)
    assert e.value.winerror == 2 and e.value.errno == errno.ENOENT
    assert e.value.code == -errno.ENOENT
    assert "[WinError 2]" in str(e.value)


def test_shmap_codes_carry_their_win32_code(name):
    with pytest.raises(shmap.Error) as e:
        shmap.open_mapping("\\" + name)
    assert e.value.winerror == 161 and e.value.errno is None  # ERROR_BAD_PATHNAME
    with pytest.raises(shmap.Error) as e:
        shmap.open_mapping("nosuchdir\\" + name)
    assert e.value.winerror == 3  # ERROR_PATH_NOT_FOUND
    with shmap.Event(name):
        with pytest.raises(shmap.Error) as e:  # a name of another type
            shmap.open_mapping(name)
        assert e.value.winerror == 6  # ERROR_INVALID_HANDLE


def test_hostile_arguments(name):
    for size in (0, -1, 1.5, "1"):
        with pytest.raises(ValueError):
            shmap.create_mapping(name, size)
    with pytest.raises(shmap.Error) as e:  # past what a section may hold
        shmap.create_mapping(name, 1 << 60)
    assert e.value.winerror in (8, 1455)
    with pytest.raises(ValueError):
        shmap.open_mapping(name, access="rw")
    with pytest.raises(TypeError):
        shmap.create_mapping(b"bytes", 4096)
    with pytest.raises(ValueError):
        shmap.create_mapping(name + "\0tail", 4096)
    with pytest.raises(shmap.Error) as e:
        shmap.create_mapping("x" * 300, 4096)
    assert e.value.winerror == 206  # ERROR_FILENAME_EXCED_RANGE
    with pytest.raises(shmap.Error) as e:
        shmap.create_mapping("Local\\", 4096)
    assert e.value.winerror == 123  # ERROR_INVALID_NAME


def test_close_refuses_while_a_slice_is_alive(name):
    m = shmap.create_mapping(name, 4096)
    part = m.buf[10:20]
    part[0] = 5
    with pytest.raises(BufferError):
        m.close()
    assert not m.closed and m.buf[10] == 5 and part[0] == 5
    del part
    m.close()
    assert m.closed
