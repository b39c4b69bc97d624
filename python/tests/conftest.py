"""pytest set-up: a private namespace ($SHMAP_ROOT) unless one is given, and
unique object names per test.  .ci/python.sh sets SHMAP_LIBRARY to the built
library and SHMAP_ROOT to a temporary directory."""

import os
import shutil
import tempfile
import uuid

import pytest

if not os.environ.get("SHMAP_ROOT"):
    _root = tempfile.mkdtemp(prefix="shmap-pytest-", dir="/dev/shm")
    os.environ["SHMAP_ROOT"] = _root

    def pytest_unconfigure(config):
        shutil.rmtree(_root, ignore_errors=True)


@pytest.fixture
def name():
    return "pytest-" + uuid.uuid4().hex[:12]
