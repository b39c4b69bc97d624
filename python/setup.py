"""Install the shmap Python binding: pip install ./python (see README.md).

Pure Python (ctypes); it needs the native library libshmap.so.0 installed
(or $SHMAP_LIBRARY) at run time, nothing at build time.  The version is the
project's one version, read from ../CMakeLists.txt (project(... VERSION)).
"""

import os
import re

from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))


def version():
    with open(os.path.join(HERE, "..", "CMakeLists.txt"), encoding="utf-8") as f:
        m = re.search(r"project\s*\(\s*shmap\b[^)]*?\bVERSION\s+([0-9][0-9.]*)", f.read())
    if not m:
        raise RuntimeError("no project(shmap VERSION x.y.z) in ../CMakeLists.txt")
    return m.group(1)


setup(
    name="shmap",
    version=version(),
    description="Win32-style named shared memory and synchronization objects for Linux "
    "(ctypes binding of libshmap)",
    packages=["shmap"],
    python_requires=">=3.8",
    license="see the shmap source tree",
)
