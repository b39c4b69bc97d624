"""shmap: Win32-style named shared memory and synchronization objects for Linux.

A pure-Python binding (ctypes, standard library only) over the installed
native library, libshmap.so.0 (or the file $SHMAP_LIBRARY names).  Objects
share names with C programs using shmap's native API or its Win32 face:
"NAME" (= "Local\\NAME"), "Local\\NAME", "Global\\NAME".

    import shmap
    with shmap.create_mapping("telemetry", 4096) as m:
        m.buf[0:5] = b"hello"
    ev = shmap.Event("ready", manual_reset=True)
    ev.wait(timeout=1.0)  # True if signalled, False at the timeout

Errors raise shmap.Error, an OSError subclass carrying .winerror (the Win32
code, as GetLastError() would report it), .errno (the errno, or None for
shmap's own codes) and .code (the native code).
"""

import ctypes
import errno as _errno
import math
import sys
import time

from . import _lib as _n

_dll = _n.lib

__all__ = [
    "Error", "NotFoundError", "AccessDeniedError", "AbandonedMutexError",
    "Mapping", "create_mapping", "open_mapping",
    "Event", "Mutex", "Semaphore", "wait_any", "wait_all", "INFINITE",
]

#: The library's version (shmap_version()), the project's one version.
__version__ = _dll.shmap_version().decode()

INFINITE = None


class Error(OSError):
    """A failed shmap call: .winerror (Win32 code), .errno (or None), .code (native)."""

    def __init__(self, code, what=None):
        self.code = code
        err = -code if -4096 < code < 0 else None
        msg = _dll.shmap_strerror(code).decode()
        super().__init__(err, msg)
        self.winerror = int(_dll.shmap_win32_error(code))
        self.what = what

    def __str__(self):
        where = f"{self.what}: " if self.what else ""
        return f"{where}[WinError {self.winerror}] {self.strerror}"

    def __reduce__(self):
        return (type(self), (self.code, self.what))


class NotFoundError(Error, FileNotFoundError):
    """The name does not exist (ERROR_FILE_NOT_FOUND, 2)."""


class AccessDeniedError(Error, PermissionError):
    """Access denied (ERROR_ACCESS_DENIED, 5)."""


class AbandonedMutexError(Error):
    """A mutex was acquired, but its previous owner ended without releasing it
    (WAIT_ABANDONED; ERROR_ABANDONED_WAIT_0, 735 as winerror).  The caller
    now OWNS the mutex (.mutex) and must release it; the protected data may
    be inconsistent.  .index is the position of the mutex in a wait_any/
    wait_all list (0 for Mutex.acquire)."""

    def __init__(self, mutex, index=0):
        Error.__init__(self, -_errno.EOWNERDEAD, "mutex abandoned")
        self.winerror = 735
        self.mutex = mutex
        self.index = index

    def __reduce__(self):
        return (Error, (self.code, self.what))


def _error(code, what=None):
    if code == -_errno.ENOENT:
        return NotFoundError(code, what)
    if code == -_errno.EACCES:
        return AccessDeniedError(code, what)
    return Error(code, what)


def _check(r, what):
    if r < 0:
        raise _error(r, what)
    return r


def _name(name):
    if name is None:
        return None
    if not isinstance(name, str):
        raise TypeError(f"name must be a str or None, not {type(name).__name__}")
    if "\0" in name:  # C would see a shorter name
        raise ValueError("embedded null character in name")
    return name.encode("utf-8", "surrogatepass")


class _Handle:
    """Something owning one native handle; closed by close(), `with`, or GC."""

    _h = None
    name = None

    def _handle(self):
        if self._h is None:
            raise ValueError(f"{type(self).__name__} is closed")
        return self._h

    @property
    def closed(self):
        return self._h is None

    def close(self):
        h, self._h = self._h, None
        if h is not None:
            _dll.shmap_close(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # pragma: no cover - interpreter shutdown, live exports
            pass

    def __repr__(self):
        state = "closed" if self.closed else "open"
        return f"<shmap.{type(self).__name__} {self.name!r} {state}>"


# ---- file mappings ---------------------------------------------------------


class Mapping(_Handle):
    """A view of a named file mapping: .buf (memoryview of bytes), .size,
    .name, .writable, .existed (create found the name taken and opened it).

    close() unmaps the view and closes the handle; like mmap.close() it
    raises BufferError while a memoryview taken from .buf (a slice, a
    numpy array...) is still alive, since the memory would vanish under it."""

    def __init__(self, h, name, size, writable, existed=False):
        self._h = h
        self.name = name
        self.size = size
        self.writable = writable
        self.existed = existed
        addr = ctypes.c_void_p()
        r = _dll.shmap_view_map(
            h, _n.FILE_MAP_WRITE if writable else _n.FILE_MAP_READ, 0, 0, None,
            ctypes.byref(addr))
        if r < 0:
            _dll.shmap_close(h)
            self._h = None
            raise _error(r, "shmap_view_map")
        self._addr = addr.value
        self._arr = (ctypes.c_ubyte * size).from_address(self._addr)
        mv = memoryview(self._arr).cast("B")
        self._buf = mv if writable else mv.toreadonly()
        self._mvs = (mv, self._buf)

    @property
    def buf(self):
        if self._h is None:
            raise ValueError("Mapping is closed")
        return self._buf

    def close(self):
        if self._h is None:
            return
        for mv in reversed(self._mvs):
            mv.release()  # BufferError if something holds .buf itself
        # A slice of .buf keeps the array exported after the release.
        if sys.getrefcount(self._arr) > 2:
            self._buf = memoryview(self._arr).cast("B")
            if not self.writable:
                self._buf = self._buf.toreadonly()
            self._mvs = (self._buf,)
            raise BufferError("cannot close a Mapping: a view of .buf is still alive")
        self._arr = self._buf = self._mvs = None
        _dll.shmap_view_unmap(ctypes.c_void_p(self._addr))
        super().close()


def create_mapping(name, size, *, flags=0):
    """Create a pagefile-backed read-write mapping of size bytes (or open the
    existing one of that name: .existed is then True and .size is its size).
    name None makes an unnamed mapping."""
    if not isinstance(size, int) or size <= 0:
        raise ValueError("size must be a positive int")
    h = _n.handle_t()
    r = _check(_dll.shmap_mapping_create(None, _name(name), _n.PAGE_READWRITE, size, flags,
                                         ctypes.byref(h)), "shmap_mapping_create")
    existed = r == _n.EXISTED
    if existed:
        size = _query_size(h)
    return Mapping(h, name, size, True, existed)


def _query_size(h):
    info = _n.MappingInfo()
    r = _dll.shmap_mapping_query(h, ctypes.byref(info))
    if r < 0:
        _dll.shmap_close(h)
        raise _error(r, "shmap_mapping_query")
    return info.size


def open_mapping(name, access="read"):
    """Open an existing named mapping, access "read" (a read-only .buf) or
    "write"; .size is the section's size."""
    if access not in ("read", "write"):
        raise ValueError('access must be "read" or "write"')
    writable = access == "write"
    h = _n.handle_t()
    want = (_n.FILE_MAP_WRITE if writable else _n.FILE_MAP_READ) | _n.SECTION_QUERY
    _check(_dll.shmap_mapping_open(_name(name), want, 0, ctypes.byref(h)), "shmap_mapping_open")
    return Mapping(h, name, _query_size(h), writable)


# ---- waiting ---------------------------------------------------------------

# Waits are made of slices so that Ctrl-C (KeyboardInterrupt) and other
# Python signal handlers run during a long wait; an object is acquired only
# by the slice that succeeds, so slicing changes nothing else.
_SLICE_MS = 200


def _timeout_ms(timeout):
    if timeout is None:
        return None
    if timeout < 0:
        raise ValueError("timeout must be >= 0 or None")
    return min(math.ceil(timeout * 1000), _n.INFINITE - 1)


def _wait(objs, flags, timeout):
    if not objs:
        raise ValueError("no objects to wait for")
    if len(objs) > _n.MAX_WAIT_OBJECTS:
        raise ValueError(f"at most {_n.MAX_WAIT_OBJECTS} objects")
    for o in objs:
        if not isinstance(o, _Waitable):
            raise TypeError(f"cannot wait for {type(o).__name__}")
    arr = (_n.handle_t * len(objs))(*[o._handle() for o in objs])
    ms = _timeout_ms(timeout)
    deadline = None if ms is None else time.monotonic() + ms / 1000
    while True:
        if deadline is None:
            chunk = _SLICE_MS
        else:  # never early: the last slice ends at or after the deadline
            left = math.ceil((deadline - time.monotonic()) * 1000)
            chunk = max(0, min(_SLICE_MS, left))
        r = _check(_dll.shmap_wait(len(objs), arr, flags, chunk), "shmap_wait")
        if r != _n.WAIT_TIMEOUT or (deadline is not None and time.monotonic() >= deadline):
            return r


def _result(objs, r):
    """Index of the object acquired, None at the timeout; abandonment raises."""
    if r == _n.WAIT_TIMEOUT:
        return None
    if _n.WAIT_ABANDONED_0 <= r < _n.WAIT_ABANDONED_0 + len(objs):
        i = r - _n.WAIT_ABANDONED_0
        raise AbandonedMutexError(objs[i] if isinstance(objs[i], Mutex) else None, i)
    return r - _n.WAIT_OBJECT_0


def wait_any(objects, timeout=None):
    """Wait until one of the objects (Event, Mutex, Semaphore; up to 64) is
    signalled and acquire it: returns its index (the lowest signalled), or
    None at the timeout (seconds; None waits forever).  An abandoned mutex
    raises AbandonedMutexError (.index, .mutex: acquired, to release)."""
    objs = list(objects)
    return _result(objs, _wait(objs, _n.WAIT_MULTIPLE, timeout))


def wait_all(objects, timeout=None):
    """Wait until all the objects are signalled at once and acquire them all
    in one step: True, or False at the timeout.  If a mutex among them was
    abandoned, all are acquired and AbandonedMutexError is raised (.index 0:
    WaitForMultipleObjects does not say which)."""
    objs = list(objects)
    r = _wait(objs, _n.WAIT_ALL | _n.WAIT_MULTIPLE, timeout)
    if r == _n.WAIT_TIMEOUT:
        return False
    if r == _n.WAIT_ABANDONED_0:
        raise AbandonedMutexError(next((o for o in objs if isinstance(o, Mutex)), None), 0)
    return True


# ---- synchronization objects -----------------------------------------------


class _Waitable(_Handle):
    def _open_or_create(self, name, create, make, opener, access):
        h = _n.handle_t()
        if create:
            r = _check(make(h), f"shmap_{self._kind}_create")
            self.existed = r == _n.EXISTED
        else:
            if name is None:
                raise ValueError("create=False needs a name")
            _check(opener(_name(name), access, 0, ctypes.byref(h)), f"shmap_{self._kind}_open")
            self.existed = True
        self._h = h
        self.name = name

    def wait(self, timeout=None):
        """Wait until signalled (and acquire): True, or False at the timeout
        (seconds; None: forever)."""
        return _result([self], _wait([self], 0, timeout)) is not None


class Event(_Waitable):
    """A named (or unnamed, name None) event.  create=True creates it or
    opens the existing one (.existed; its state is kept); create=False only
    opens.  Auto-reset events release one waiter per set()."""

    _kind = "event"

    def __init__(self, name=None, manual_reset=False, initial=False, create=True):
        fl = (_n.EVENT_MANUAL_RESET if manual_reset else 0) | (
            _n.EVENT_INITIAL_SET if initial else 0)
        self._open_or_create(
            name, create,
            lambda h: _dll.shmap_event_create(_name(name), fl, _n.EVENT_ALL_ACCESS, 0,
                                              ctypes.byref(h)),
            _dll.shmap_event_open, _n.EVENT_ALL_ACCESS)

    def set(self):
        _check(_dll.shmap_event_set(self._handle(), None), "shmap_event_set")

    def reset(self):
        _check(_dll.shmap_event_reset(self._handle(), None), "shmap_event_reset")


class Mutex(_Waitable):
    """A named (or unnamed) mutex, owned by a thread and recursive.  `with
    mutex:` acquires and releases.  If the previous owner ended holding it,
    acquire() raises AbandonedMutexError and the caller owns the mutex (the
    `with` body does not run; release it yourself)."""

    _kind = "mutex"

    def __init__(self, name=None, initial_owner=False, create=True):
        fl = _n.MUTEX_INITIAL_OWNER if initial_owner else 0
        self._open_or_create(
            name, create,
            lambda h: _dll.shmap_mutex_create(_name(name), fl, _n.MUTEX_ALL_ACCESS, 0,
                                              ctypes.byref(h)),
            _dll.shmap_mutex_open, _n.MUTEX_ALL_ACCESS)

    def acquire(self, timeout=None):
        return self.wait(timeout)

    def release(self):
        _check(_dll.shmap_mutex_release(self._handle()), "shmap_mutex_release")

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()


def _int32(*vals):
    """ctypes would wrap an out-of-range count: refuse it as Windows refuses
    a count it cannot take (ERROR_INVALID_PARAMETER)."""
    for v in vals:
        if not isinstance(v, int):
            raise TypeError(f"a count must be an int, not {type(v).__name__}")
        if not -2**31 <= v < 2**31:
            raise Error(-_errno.EINVAL, "count out of range")


class Semaphore(_Waitable):
    """A named (or unnamed) counting semaphore, 0 <= initial <= maximum.
    acquire() takes one unit; release(n) adds n and returns the count
    before.  `with sem:` acquires and releases one."""

    _kind = "semaphore"

    def __init__(self, name=None, initial=0, maximum=1, create=True):
        _int32(initial, maximum)
        self._open_or_create(
            name, create,
            lambda h: _dll.shmap_semaphore_create(_name(name), initial, maximum,
                                                  _n.SEMAPHORE_ALL_ACCESS, 0, ctypes.byref(h)),
            _dll.shmap_semaphore_open, _n.SEMAPHORE_ALL_ACCESS)

    def acquire(self, timeout=None):
        return self.wait(timeout)

    def release(self, n=1):
        _int32(n)
        prev = ctypes.c_int32()
        _check(_dll.shmap_semaphore_release(self._handle(), n, ctypes.byref(prev)),
               "shmap_semaphore_release")
        return prev.value

    @property
    def count(self):
        c = ctypes.c_int32()
        _check(_dll.shmap_semaphore_query(self._handle(), ctypes.byref(c), None),
               "shmap_semaphore_query")
        return c.value

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
