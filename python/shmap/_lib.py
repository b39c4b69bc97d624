"""ctypes declarations of the native API (include/shmap.h) the binding uses.

The library is $SHMAP_LIBRARY if set (a path), else libshmap.so.0 from the
default library path, else from /usr/local/lib (where `cmake --install`
puts it by default, and which the loader's cache knows only after ldconfig).
Nothing is compiled: only the standard library.
"""

import ctypes
import glob
import os

handle_t = ctypes.c_void_p

# include/shmap/types.h and include/shmap.h (the Win32 values).
PAGE_READWRITE = 0x04
SECTION_QUERY = 0x0001
FILE_MAP_WRITE = 0x0002
FILE_MAP_READ = 0x0004
EVENT_MANUAL_RESET = 0x1
EVENT_INITIAL_SET = 0x2
MUTEX_INITIAL_OWNER = 0x1
EVENT_ALL_ACCESS = 0x001F0003
MUTEX_ALL_ACCESS = 0x001F0001
SEMAPHORE_ALL_ACCESS = 0x001F0003
INFINITE = 0xFFFFFFFF
MAX_WAIT_OBJECTS = 64
WAIT_ALL = 0x1
WAIT_MULTIPLE = 0x4
WAIT_OBJECT_0 = 0x0
WAIT_ABANDONED_0 = 0x80
WAIT_TIMEOUT = 0x102
EXISTED = 1
ENOTOWNER = -30815


class MappingInfo(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_uint64),
        ("attributes", ctypes.c_uint32),
        ("protect", ctypes.c_uint32),
    ]


def _open():
    path = os.environ.get("SHMAP_LIBRARY")
    if path:
        return ctypes.CDLL(path)
    tried = ["libshmap.so.0"] + sorted(glob.glob("/usr/local/lib*/**/libshmap.so.0",
                                                 recursive=True))
    for name in tried:
        try:
            return ctypes.CDLL(name)
        except OSError:
            pass
    raise OSError(f"shmap: cannot load the library (tried {', '.join(tried)}): install shmap, "
                  "run ldconfig, or set SHMAP_LIBRARY to the path of libshmap.so.0")


def _load():
    lib = _open()
    H, P = handle_t, ctypes.POINTER
    i32, u32, u64 = ctypes.c_int32, ctypes.c_uint32, ctypes.c_uint64
    sigs = {
        "shmap_version": (ctypes.c_char_p, []),
        "shmap_strerror": (ctypes.c_char_p, [ctypes.c_int]),
        "shmap_win32_error": (u32, [ctypes.c_int]),
        "shmap_close": (ctypes.c_int, [H]),
        "shmap_mapping_create": (
            ctypes.c_int, [H, ctypes.c_char_p, u32, u64, ctypes.c_uint, P(H)]),
        "shmap_mapping_open": (ctypes.c_int, [ctypes.c_char_p, u32, ctypes.c_uint, P(H)]),
        "shmap_mapping_query": (ctypes.c_int, [H, P(MappingInfo)]),
        "shmap_view_map": (
            ctypes.c_int, [H, u32, u64, ctypes.c_size_t, ctypes.c_void_p, P(ctypes.c_void_p)]),
        "shmap_view_unmap": (ctypes.c_int, [ctypes.c_void_p]),
        "shmap_event_create": (
            ctypes.c_int, [ctypes.c_char_p, u32, u32, ctypes.c_uint, P(H)]),
        "shmap_event_open": (ctypes.c_int, [ctypes.c_char_p, u32, ctypes.c_uint, P(H)]),
        "shmap_event_set": (ctypes.c_int, [H, P(ctypes.c_int)]),
        "shmap_event_reset": (ctypes.c_int, [H, P(ctypes.c_int)]),
        "shmap_mutex_create": (
            ctypes.c_int, [ctypes.c_char_p, u32, u32, ctypes.c_uint, P(H)]),
        "shmap_mutex_open": (ctypes.c_int, [ctypes.c_char_p, u32, ctypes.c_uint, P(H)]),
        "shmap_mutex_release": (ctypes.c_int, [H]),
        "shmap_semaphore_create": (
            ctypes.c_int, [ctypes.c_char_p, i32, i32, u32, ctypes.c_uint, P(H)]),
        "shmap_semaphore_open": (ctypes.c_int, [ctypes.c_char_p, u32, ctypes.c_uint, P(H)]),
        "shmap_semaphore_release": (ctypes.c_int, [H, i32, P(i32)]),
        "shmap_semaphore_query": (ctypes.c_int, [H, P(i32), P(i32)]),
        "shmap_wait": (ctypes.c_int, [u32, P(H), ctypes.c_uint, u32]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
    return lib


lib = _load()
