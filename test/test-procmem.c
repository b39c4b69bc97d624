/*
 * test-procmem.c - another process's memory: ReadProcessMemory,
 * WriteProcessMemory, VirtualQueryEx (native and Win32), the rights each
 * needs, partial copies, protections, what /proc/PID/maps lets us report.
 * The target is a helper of this binary: it maps what it is told, prints
 * the addresses, and answers "dump" with its first buffer's bytes.
 */
#include "harness.h"

#include <sys/mman.h>
#include <windows.h>

#include "shmap.h"

#define PAGE 4096
#define ALL                                                                                        \
    (SHMAP_PROCESS_VM_READ | SHMAP_PROCESS_VM_WRITE | SHMAP_PROCESS_VM_OPERATION |                 \
     SHMAP_PROCESS_QUERY_INFORMATION)

struct target {
    proc_t proc;
    pid_t pid;
    char *rw;      /* 2 pages: rw-, then --- */
    char *ro;      /* 1 page read-only, "RO" */
    char *rx;      /* 1 page read+exec (private), "RX" */
    char *view;    /* a 64 KiB view of section "pm" (FILE_MAP_WRITE) */
    char *reserve; /* 64 KiB reserved by VirtualAlloc, first page committed */
    char *code;    /* in its program's text */
};

/* The helper: rw = "hello" + page of 'a', then a PROT_NONE page. */
HELPER(target)
{
    (void)argc;
    (void)argv;
    char *rw = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *rx = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (rw == MAP_FAILED || ro == MAP_FAILED || rx == MAP_FAILED)
        return 1;
    memset(rw, 'a', PAGE);
    memcpy(rw, "hello", 5);
    memcpy(ro, "RO", 3);
    memcpy(rx, "RX", 3);
    if (mprotect(rw + PAGE, PAGE, PROT_NONE) || mprotect(ro, PAGE, PROT_READ) ||
        mprotect(rx, PAGE, PROT_READ | PROT_EXEC))
        return 2;
    shmap_handle_t h;
    void *view, *res, *got;
    if (shmap_mapping_create(SHMAP_NULL_HANDLE, "pm", SHMAP_PAGE_READWRITE, 65536, 0, &h) < 0 ||
        shmap_view_map(h, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, &view) != 0 ||
        shmap_vm_alloc(NULL, 65536, SHMAP_MEM_RESERVE, SHMAP_PAGE_READWRITE, &res) != 0 ||
        shmap_vm_alloc(res, PAGE, SHMAP_MEM_COMMIT, SHMAP_PAGE_READWRITE, &got) != 0)
        return 3;
    printf("%p %p %p %p %p %p\n", (void *)rw, (void *)ro, (void *)rx, view, res,
           (void *)(uintptr_t)&helper_target);
    fflush(stdout);
    char line[32];
    while (fgets(line, sizeof line, stdin)) {
        if (strncmp(line, "dump", 4) == 0) {
            printf("%.8s %.2s %.2s\n", rw, ro, rx);
            fflush(stdout);
        }
    }
    return 0;
}

/* Under qemu-user a guest address is not the host's: process_vm_readv
 * and /proc/PID/maps show qemu's own memory. */
static void need_native(void)
{
    if (getenv("SHMAP_TEST_EMULATED") && *getenv("SHMAP_TEST_EMULATED"))
        SKIP("qemu-user: another process's memory is qemu's, not the guest's");
}

static struct target start(void)
{
    need_native();
    struct target t;
    char buf[256];
    t.proc = spawn_helper_piped("target", (char *)NULL);
    t.pid = t.proc.pid;
    proc_line(&t.proc, buf, sizeof buf, 10);
    void *a[6];
    ASSERT_EQ(sscanf(buf, "%p %p %p %p %p %p", &a[0], &a[1], &a[2], &a[3], &a[4], &a[5]), 6);
    t.rw = a[0];
    t.ro = a[1];
    t.rx = a[2];
    t.view = a[3];
    t.reserve = a[4];
    t.code = a[5];
    return t;
}

static shmap_handle_t open_target(const struct target *t, uint32_t access)
{
    shmap_handle_t h;
    ASSERT_EQ(shmap_process_open((uint32_t)t->pid, access, 0, &h), 0);
    return h;
}

static void stop(struct target *t)
{
    proc_end(&t->proc, 0, 10);
}

TEST(procmem_read_and_write_another_process)
{
    struct target t = start();
    shmap_handle_t h = open_target(&t, ALL);
    char buf[16] = "";
    size_t done = 99;
    ASSERT_EQ(shmap_process_read(h, t.rw, buf, 5, &done), 0);
    ASSERT_EQ(done, 5);
    ASSERT_MEM_EQ(buf, "hello", 5);
    ASSERT_EQ(shmap_process_read(h, t.rw, buf, 5, NULL), 0); /* the count is optional */
    done = 99;
    ASSERT_EQ(shmap_process_write(h, t.rw, "HELLO", 5, &done), 0);
    ASSERT_EQ(done, 5);
    /* an execute-read page is written all the same (code patching) */
    ASSERT_EQ(shmap_process_write(h, t.rx, "rx", 2, &done), 0);
    ASSERT_EQ(done, 2);
    ASSERT_EQ(write(t.proc.in, "dump\n", 5), 5);
    char line[64];
    proc_line(&t.proc, line, sizeof line, 10);
    ASSERT_STR_EQ(line, "HELLOaaa RO rx");
    /* size 0: nothing to do, whatever the address */
    done = 99;
    ASSERT_EQ(shmap_process_read(h, NULL, buf, 0, &done), 0);
    ASSERT_EQ(done, 0);
    ASSERT_EQ(shmap_process_write(h, NULL, buf, 0, &done), 0);
    ASSERT_EQ(done, 0);
    ASSERT_EQ(shmap_close(h), 0);
    stop(&t);
}

/* A range running into an unreadable page copies up to it:
 * ERROR_PARTIAL_COPY with the count of what was copied. */
TEST(procmem_partial_copy_reports_what_was_copied)
{
    struct target t = start();
    shmap_handle_t h = open_target(&t, ALL);
    char buf[2 * PAGE];
    size_t done = 99;
    ASSERT_EQ(shmap_process_read(h, t.rw + PAGE - 100, buf, 200, &done), SHMAP_EPARTIAL);
    ASSERT_EQ(done, 100);
    ASSERT_EQ(buf[99], 'a');
    done = 99;
    ASSERT_EQ(shmap_process_read(h, t.rw + PAGE, buf, 10, &done), SHMAP_EPARTIAL);
    ASSERT_EQ(done, 0);
    done = 99;
    ASSERT_EQ(shmap_process_read(h, (void *)(uintptr_t)16, buf, 10, &done), SHMAP_EPARTIAL);
    ASSERT_EQ(done, 0);
    /* a range leaving user space: an access violation (998) */
    ASSERT_EQ(shmap_process_read(h, (void *)(uintptr_t)-4096, buf, 10, &done), -EFAULT);
    ASSERT_EQ(done, 0);
    /* our own buffer not there: nothing copied, no crash */
    char *bad = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_TRUE(bad != MAP_FAILED);
    done = 99;
    ASSERT_EQ(shmap_process_read(h, t.rw, bad, 10, &done), SHMAP_EPARTIAL);
    ASSERT_EQ(done, 0);
    ASSERT_EQ(shmap_process_read(h, t.rw, NULL, 10, &done), SHMAP_EPARTIAL);
    ASSERT_EQ(shmap_process_write(h, t.rw, bad, 10, &done), SHMAP_EPARTIAL);
    ASSERT_EQ(done, 0);
    munmap(bad, PAGE);
    /* writing runs into the no-access page the same way */
    ASSERT_EQ(shmap_process_write(h, t.rw + PAGE - 10, buf, 20, &done), SHMAP_EPARTIAL);
    ASSERT_EQ(done, 10);
    ASSERT_EQ(shmap_close(h), 0);
    stop(&t);
}

/* WriteProcessMemory to a read-only or no-access first page fails with
 * ERROR_NOACCESS and writes nothing; to nothing mapped, 487. */
TEST(procmem_write_refuses_read_only_pages)
{
    struct target t = start();
    shmap_handle_t h = open_target(&t, ALL);
    size_t done = 99;
    ASSERT_EQ(shmap_process_write(h, t.ro, "ro", 2, &done), -EFAULT);
    ASSERT_EQ(done, 0);
    ASSERT_EQ(shmap_process_write(h, t.rw + PAGE, "x", 1, &done), -EFAULT);
    ASSERT_EQ(shmap_process_write(h, (void *)(uintptr_t)65536, "x", 1, &done), SHMAP_EADDR);
    ASSERT_EQ(shmap_process_write(h, (void *)(uintptr_t)-4096, "x", 10, &done), -EINVAL);
    ASSERT_EQ(write(t.proc.in, "dump\n", 5), 5);
    char line[64];
    proc_line(&t.proc, line, sizeof line, 10);
    ASSERT_STR_EQ(line, "helloaaa RO RX");
    ASSERT_EQ(shmap_close(h), 0);
    stop(&t);
}

TEST(procmem_rights)
{
    struct target t = start();
    char buf[8];
    size_t done = 99;
    shmap_mem_info_t m;
    shmap_handle_t h = open_target(&t, SHMAP_PROCESS_QUERY_LIMITED_INFORMATION);
    ASSERT_EQ(shmap_process_read(h, t.rw, buf, 5, &done), -EACCES);
    ASSERT_EQ(done, 0);
    ASSERT_EQ(shmap_process_write(h, t.rw, "x", 1, &done), -EACCES);
    ASSERT_EQ(shmap_process_vm_query(h, t.rw, &m), -EACCES); /* QUERY_INFORMATION */
    ASSERT_EQ(shmap_close(h), 0);
    h = open_target(&t, SHMAP_PROCESS_VM_READ);
    ASSERT_EQ(shmap_process_read(h, t.rw, buf, 5, &done), 0);
    ASSERT_EQ(shmap_process_write(h, t.rw, "x", 1, &done), -EACCES);
    ASSERT_EQ(shmap_close(h), 0);
    h = open_target(&t, SHMAP_PROCESS_VM_WRITE); /* without VM_OPERATION */
    ASSERT_EQ(shmap_process_write(h, t.rw, "x", 1, &done), -EACCES);
    ASSERT_EQ(shmap_close(h), 0);
    h = open_target(&t, SHMAP_PROCESS_VM_WRITE | SHMAP_PROCESS_VM_OPERATION);
    ASSERT_EQ(shmap_process_write(h, t.rw, "x", 1, &done), 0);
    ASSERT_EQ(shmap_process_read(h, t.rw, buf, 1, &done), -EACCES);
    ASSERT_EQ(shmap_close(h), 0);
    /* a handle of another type, or none */
    shmap_handle_t ev;
    ASSERT_EQ(shmap_event_create(NULL, 1, 0, 0, &ev), 0);
    ASSERT_LT(shmap_process_read(ev, t.rw, buf, 1, &done), 0);
    ASSERT_NE(shmap_process_read(ev, t.rw, buf, 1, &done), -EACCES);
    ASSERT_LT(shmap_process_vm_query(ev, t.rw, &m), 0);
    ASSERT_EQ(shmap_close(ev), 0);
    ASSERT_LT(shmap_process_read(SHMAP_NULL_HANDLE, t.rw, buf, 1, &done), 0);
    stop(&t);
}

static shmap_mem_info_t query(shmap_handle_t h, const void *a)
{
    shmap_mem_info_t m;
    POISON(m);
    ASSERT_EQ(shmap_process_vm_query(h, a, &m), 0);
    return m;
}

TEST(procmem_query_another_process)
{
    struct target t = start();
    shmap_handle_t h = open_target(&t, SHMAP_PROCESS_QUERY_INFORMATION);
    shmap_mem_info_t m = query(h, t.rw + 10);
    ASSERT_PTR_EQ(m.base, t.rw);
    ASSERT_PTR_EQ(m.allocation_base, t.rw);
    ASSERT_EQ(m.region_size, PAGE);
    ASSERT_EQ_U(m.state, SHMAP_MEM_COMMIT);
    ASSERT_EQ_U(m.protect, SHMAP_PAGE_READWRITE);
    ASSERT_EQ_U(m.type, SHMAP_MEM_PRIVATE);
    m = query(h, t.ro);
    ASSERT_EQ_U(m.protect, SHMAP_PAGE_READONLY);
    m = query(h, t.rx);
    ASSERT_EQ_U(m.protect, SHMAP_PAGE_EXECUTE_READ);
    m = query(h, t.view + PAGE);
    ASSERT_PTR_EQ(m.base, t.view + PAGE);
    ASSERT_PTR_EQ(m.allocation_base, t.view);
    ASSERT_EQ(m.region_size, 65536 - PAGE);
    ASSERT_EQ_U(m.state, SHMAP_MEM_COMMIT);
    ASSERT_EQ_U(m.protect, SHMAP_PAGE_READWRITE);
    ASSERT_EQ_U(m.type, SHMAP_MEM_MAPPED);
    m = query(h, t.reserve);
    ASSERT_EQ_U(m.state, SHMAP_MEM_COMMIT);
    ASSERT_EQ(m.region_size, PAGE);
    m = query(h, t.reserve + PAGE);
    ASSERT_EQ_U(m.state, SHMAP_MEM_RESERVE);
    ASSERT_EQ_U(m.protect, 0);
    ASSERT_PTR_EQ(m.allocation_base, t.reserve);
    ASSERT_EQ(m.region_size, 65536 - PAGE);
    ASSERT_EQ_U(m.type, SHMAP_MEM_PRIVATE);
    /* its program is an image, based at its first mapping */
    m = query(h, t.code);
    ASSERT_EQ_U(m.type, SHMAP_MEM_IMAGE);
    ASSERT_EQ_U(m.protect, SHMAP_PAGE_EXECUTE_READ);
    ASSERT_TRUE((uintptr_t)m.allocation_base <= (uintptr_t)m.base);
    shmap_mem_info_t base = query(h, m.allocation_base);
    ASSERT_PTR_EQ(base.allocation_base, m.allocation_base);
    ASSERT_EQ_U(base.type, SHMAP_MEM_IMAGE);
    /* free memory, up to the next mapping */
    m = query(h, (void *)(uintptr_t)4096);
    ASSERT_EQ_U(m.state, SHMAP_MEM_FREE);
    ASSERT_EQ_U(m.protect, SHMAP_PAGE_NOACCESS);
    ASSERT_NULL(m.allocation_base);
    ASSERT_EQ_U(m.type, 0);
    ASSERT_EQ(shmap_process_vm_query(h, (void *)(uintptr_t)-4096, &m), -EINVAL);
    ASSERT_EQ(shmap_process_vm_query(h, t.rw, NULL), -EFAULT);
    ASSERT_EQ(shmap_close(h), 0);
    stop(&t);
}

/* This process: VirtualQuery's answer, exact for shmap's views. */
TEST(procmem_current_process)
{
    need_native();
    shmap_handle_t s;
    void *v;
    ASSERT_GE(shmap_mapping_create(SHMAP_NULL_HANDLE, NULL, SHMAP_PAGE_READWRITE, 65536, 0, &s), 0);
    ASSERT_EQ(shmap_view_map(s, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, &v), 0);
    uint32_t old;
    ASSERT_EQ(shmap_vm_protect(v, PAGE, SHMAP_PAGE_WRITECOPY, &old), 0);
    shmap_mem_info_t a, b;
    ASSERT_EQ(shmap_vm_query(v, &a), 0);
    ASSERT_EQ(shmap_process_vm_query(SHMAP_CURRENT_PROCESS, v, &b), 0);
    ASSERT_PTR_EQ(a.base, b.base);
    ASSERT_PTR_EQ(a.allocation_base, b.allocation_base);
    ASSERT_EQ_U(a.allocation_protect, b.allocation_protect);
    ASSERT_EQ(a.region_size, b.region_size);
    ASSERT_EQ_U(a.state, b.state);
    ASSERT_EQ_U(a.type, b.type);
    ASSERT_EQ_U(b.protect, SHMAP_PAGE_WRITECOPY);
    char buf[4];
    size_t done;
    ASSERT_EQ(shmap_process_write(SHMAP_CURRENT_PROCESS, (char *)v + PAGE, "abc", 4, &done), 0);
    ASSERT_EQ(shmap_process_read(SHMAP_CURRENT_PROCESS, (char *)v + PAGE, buf, 4, &done), 0);
    ASSERT_STR_EQ(buf, "abc");
    shmap_handle_t self;
    ASSERT_EQ(shmap_process_open((uint32_t)getpid(), SHMAP_PROCESS_VM_READ, 0, &self), 0);
    ASSERT_EQ(shmap_process_read(self, (char *)v + PAGE, buf, 4, &done), 0);
    ASSERT_EQ(shmap_process_vm_query(self, v, &b), -EACCES);
    ASSERT_EQ(shmap_close(self), 0);
    ASSERT_EQ(shmap_view_unmap(v), 0);
    ASSERT_EQ(shmap_close(s), 0);
}

TEST(procmem_ended_process_has_no_memory)
{
    struct target t = start();
    shmap_handle_t h = open_target(&t, ALL);
    void *addr = t.rw;
    stop(&t);
    char buf[4];
    size_t done = 99;
    ASSERT_EQ(shmap_process_read(h, addr, buf, 4, &done), SHMAP_EPARTIAL);
    ASSERT_EQ(done, 0);
    ASSERT_EQ(shmap_process_write(h, addr, "x", 1, &done), SHMAP_EPARTIAL);
    ASSERT_EQ(shmap_close(h), 0);
}

/* The Win32 face: the codes and the counts. */
TEST(procmem_win32_codes)
{
    struct target t = start();
    HANDLE h = OpenProcess(PROCESS_VM_READ | PROCESS_VM_WRITE | PROCESS_VM_OPERATION |
                               PROCESS_QUERY_INFORMATION,
                           FALSE, (DWORD)t.pid);
    ASSERT_NOT_NULL(h);
    char buf[256];
    SIZE_T n = 99;
    ASSERT_TRUE(ReadProcessMemory(h, t.rw, buf, 5, &n));
    ASSERT_EQ(n, 5);
    n = 99;
    SetLastError(0);
    ASSERT_TRUE(!ReadProcessMemory(h, t.rw + PAGE - 8, buf, 16, &n));
    ASSERT_EQ(GetLastError(), ERROR_PARTIAL_COPY);
    ASSERT_EQ(n, 8);
    ASSERT_TRUE(ReadProcessMemory(h, t.rw, buf, 5, NULL));
    ASSERT_TRUE(!ReadProcessMemory(h, t.rw, buf, 5, (SIZE_T *)(uintptr_t)16));
    ASSERT_EQ(GetLastError(), ERROR_NOACCESS);
    ASSERT_TRUE(!WriteProcessMemory(h, t.rw, buf, 5, (SIZE_T *)(uintptr_t)16));
    ASSERT_EQ(GetLastError(), ERROR_NOACCESS);
    ASSERT_EQ(VirtualQueryEx(h, t.rw, (PMEMORY_BASIC_INFORMATION)(uintptr_t)16,
                             sizeof(MEMORY_BASIC_INFORMATION)),
              0);
    ASSERT_EQ(GetLastError(), ERROR_NOACCESS);
    n = 99;
    ASSERT_TRUE(!WriteProcessMemory(h, t.ro, "x", 1, &n));
    ASSERT_EQ(GetLastError(), ERROR_NOACCESS);
    ASSERT_EQ(n, 0);
    MEMORY_BASIC_INFORMATION mbi;
    ASSERT_EQ(VirtualQueryEx(h, t.view, &mbi, sizeof mbi), sizeof mbi);
    ASSERT_EQ_U(mbi.Type, MEM_MAPPED);
    ASSERT_EQ(VirtualQueryEx(h, t.view, &mbi, sizeof mbi - 1), 0);
    ASSERT_EQ(GetLastError(), ERROR_BAD_LENGTH);
    ASSERT_EQ(VirtualQueryEx(GetCurrentProcess(), &mbi, &mbi, sizeof mbi), sizeof mbi);
    ASSERT_EQ_U(mbi.State, MEM_COMMIT);
    ASSERT_TRUE(CloseHandle(h));
    h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)t.pid);
    ASSERT_TRUE(!ReadProcessMemory(h, t.rw, buf, 5, &n));
    ASSERT_EQ(GetLastError(), ERROR_ACCESS_DENIED);
    ASSERT_TRUE(!WriteProcessMemory(h, t.rw, buf, 5, &n));
    ASSERT_EQ(GetLastError(), ERROR_ACCESS_DENIED);
    ASSERT_EQ(VirtualQueryEx(h, t.rw, &mbi, sizeof mbi), 0);
    ASSERT_EQ(GetLastError(), ERROR_ACCESS_DENIED);
    ASSERT_TRUE(CloseHandle(h));
    HANDLE ev = CreateEventA(NULL, TRUE, FALSE, NULL);
    ASSERT_TRUE(!ReadProcessMemory(ev, t.rw, buf, 5, &n));
    ASSERT_EQ(GetLastError(), ERROR_INVALID_HANDLE);
    ASSERT_EQ(VirtualQueryEx(ev, t.rw, &mbi, sizeof mbi), 0);
    ASSERT_EQ(GetLastError(), ERROR_INVALID_HANDLE);
    ASSERT_TRUE(CloseHandle(ev));
    ASSERT_TRUE(FlushInstructionCache(GetCurrentProcess(), NULL, 0));
    stop(&t);
}
