"""Events, mutexes (abandonment), semaphores, wait_any and wait_all."""

import subprocess
import sys
import threading
import time

import pytest

import shmap


def test_auto_reset_event(name):
    with shmap.Event(name) as ev:
        assert not ev.existed
        assert ev.wait(0) is False
        ev.set()
        with shmap.Event(name, create=False) as other:
            assert other.wait(0) is True  # one waiter released, reset
            assert other.wait(0) is False


def test_manual_reset_event_and_initial_state(name):
    ev = shmap.Event(name, manual_reset=True, initial=True)
    assert ev.wait(0) and ev.wait(0)  # stays set
    ev.reset()
    assert not ev.wait(0.01)
    again = shmap.Event(name, manual_reset=False)  # existed: its kind and state kept
    assert again.existed
    ev.set()
    assert again.wait(0) and ev.wait(0)
    again.close()
    ev.close()


def test_event_wakes_a_waiting_thread(name):
    ev = shmap.Event(name)
    got = []
    t = threading.Thread(target=lambda: got.append(ev.wait(30)))
    t.start()
    ev.set()
    t.join(60)
    assert got == [True]
    ev.close()


def test_open_missing_and_closed_objects(name):
    with pytest.raises(shmap.NotFoundError):
        shmap.Event(name, create=False)
    with pytest.raises(ValueError):
        shmap.Mutex(None, create=False)
    ev = shmap.Event()
    ev.close()
    with pytest.raises(ValueError):
        ev.set()
    with pytest.raises(ValueError):
        ev.wait(0)
    with pytest.raises(TypeError):
        shmap.Event(123)


def test_mutex_context_manager_and_not_owner(name):
    m = shmap.Mutex(name)
    with m:
        with m:  # recursive
            pass
    with pytest.raises(shmap.Error) as e:
        m.release()
    assert e.value.winerror == 288  # ERROR_NOT_OWNER
    assert m.acquire(0)
    res = []
    t = threading.Thread(target=lambda: res.append(m.acquire(0)))
    t.start()
    t.join(60)
    assert res == [False]  # owned by another thread
    m.release()
    m.close()


ABANDON = """
import shmap, sys
m = shmap.Mutex(sys.argv[1], create=False)
assert m.acquire(10)
print("owned", flush=True)
sys.stdin.read()
import os
os._exit(0)  # ends holding it
"""


def test_abandoned_mutex_raises_and_holds(name):
    m = shmap.Mutex(name)
    child = subprocess.Popen([sys.executable, "-c", ABANDON, name], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline() == "owned\n"
    child.stdin.close()
    assert child.wait(60) == 0
    with pytest.raises(shmap.AbandonedMutexError) as e:
        with m:
            pytest.fail("the body runs only for a clean acquire")
    assert isinstance(e.value, shmap.Error) and e.value.winerror == 735
    assert e.value.mutex is m and e.value.index == 0
    m.release()  # we held it
    with pytest.raises(shmap.Error):
        m.release()
    with m:  # not abandoned any more
        pass
    m.close()


def test_wait_any_reports_the_abandoned_index(name):
    ev, m = shmap.Event(), shmap.Mutex(name)
    child = subprocess.Popen([sys.executable, "-c", ABANDON, name], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline() == "owned\n"
    child.stdin.close()
    assert child.wait(60) == 0
    with pytest.raises(shmap.AbandonedMutexError) as e:
        shmap.wait_any([ev, m], 30)
    assert e.value.index == 1 and e.value.mutex is m
    assert shmap.wait_any([ev, m], 0) == 1  # owned: recursive, and clean now
    m.release()
    m.release()
    ev.close()
    m.close()


INTERRUPT = """
import os, shmap, signal, sys
ev = shmap.Event()
try:
    print("waiting", flush=True)
    ev.wait()
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(0)
sys.exit(1)
"""


def _in_futex_wait(pid):
    """The process's main thread sleeps in the kernel in a futex wait."""
    try:
        with open(f"/proc/{pid}/wchan") as f:
            return "futex" in f.read()
    except OSError:
        return False


def test_ctrl_c_interrupts_an_endless_wait():
    child = subprocess.Popen([sys.executable, "-c", INTERRUPT], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline() == "waiting\n"
    for _ in range(3000):  # until it sleeps in the wait (at most 30 s)
        if _in_futex_wait(child.pid):
            break
        time.sleep(0.01)
    child.send_signal(subprocess.signal.SIGINT)
    assert child.wait(60) == 0
    assert child.stdout.read() == "interrupted\n"


def test_semaphore(name):
    s = shmap.Semaphore(name, initial=2, maximum=3)
    assert s.count == 2
    assert s.acquire(0) and s.acquire(0) and not s.acquire(0)
    assert s.release(3) == 0
    with pytest.raises(shmap.Error) as e:
        s.release()
    assert e.value.winerror == 298  # ERROR_TOO_MANY_POSTS
    with s:
        assert s.count == 2
    assert s.count == 3
    s.close()
    for bad in ((0, 0), (2, 1), (-1, 1)):
        with pytest.raises(shmap.Error) as e:
            shmap.Semaphore(None, *bad)
        assert e.value.winerror == 87
    with pytest.raises(shmap.Error) as e:
        shmap.Semaphore(None, 0, 2**32 + 1)  # not wrapped to 1 by ctypes
    assert e.value.winerror == 87
    with pytest.raises(TypeError):
        shmap.Semaphore(None, 0.5, 1)


def test_wait_any(name):
    a, b, c = shmap.Event(), shmap.Event(), shmap.Semaphore(None, 0, 5)
    assert shmap.wait_any([a, b, c], 0) is None
    assert shmap.wait_any([a, b, c], 0.02) is None
    c.release(2)
    b.set()
    assert shmap.wait_any([a, b, c]) == 1  # the lowest signalled
    assert shmap.wait_any([a, b, c], 0) == 2
    assert c.count == 1
    for o in (a, b, c):
        o.close()


def test_wait_all_is_all_or_nothing(name):
    ev, sem = shmap.Event(initial=True), shmap.Semaphore(None, 0, 1)
    assert shmap.wait_all([ev, sem], 0) is False
    assert ev.wait(0)  # not consumed by the failed wait-all
    ev.set()
    sem.release()
    assert shmap.wait_all([ev, sem], 10) is True
    assert not ev.wait(0) and sem.count == 0
    with pytest.raises(shmap.Error) as e:
        shmap.wait_all([ev, ev], 0)  # the same object twice
    assert e.value.winerror == 87
    ev.close()
    sem.close()


def test_wait_arguments():
    ev = shmap.Event()
    with pytest.raises(ValueError):
        shmap.wait_any([])
    with pytest.raises(ValueError):
        shmap.wait_any([ev] * 65)
    with pytest.raises(ValueError):
        ev.wait(-1)
    with pytest.raises(TypeError):
        shmap.wait_any([ev, object()])
    with pytest.raises(TypeError):  # a mapping is not waitable
        with shmap.create_mapping(None, 4096) as m:
            shmap.wait_any([m])
    ev.close()
