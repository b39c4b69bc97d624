/*
 * test-handle.c - the handle table (§8.1-8.3): values, close, flags,
 * and concurrent use from many threads.
 */
#include "harness.h"

#include <stdatomic.h>
#include "internal.h"

#include <pthread.h>

static shmap_handle_t mk(void)
{
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_create(SHMAP_NULL_HANDLE, NULL, SHMAP_PAGE_READWRITE, 4096, 0, &h), 0);
    return h;
}

TEST(handle_values_are_multiples_of_4_never_0_or_minus1)
{
    shmap_handle_t h[100];
    for (int i = 0; i < 100; i++) {
        h[i] = mk();
        ASSERT_EQ((uintptr_t)h[i] % 4, 0);
        ASSERT_TRUE(h[i] != NULL && h[i] != SHMAP_CURRENT_PROCESS && h[i] != SHMAP_CURRENT_THREAD);
        for (int j = 0; j < i; j++)
            ASSERT_PTR_NE(h[i], h[j]);
    }
    for (int i = 0; i < 100; i++)
        ASSERT_EQ(shmap_close(h[i]), 0);
}

TEST(handle_close_invalid_values)
{
    ASSERT_EQ(shmap_close(NULL), -EBADF);
    ASSERT_EQ(shmap_close((shmap_handle_t)(uintptr_t)0xdead0), -EBADF);
    ASSERT_EQ(shmap_close((shmap_handle_t)(uintptr_t)0x7ffffff0), -EBADF);
    shmap_handle_t h = mk();
    ASSERT_EQ(shmap_close(h), 0);
    ASSERT_EQ(shmap_close(h), -EBADF);
}

TEST(handle_close_pseudo_handles_succeeds)
{
    ASSERT_EQ(shmap_close(SHMAP_CURRENT_PROCESS), 0);
    ASSERT_EQ(shmap_close(SHMAP_CURRENT_THREAD), 0);
}

TEST(handle_low_bits_are_ignored)
{
    shmap_handle_t h = mk();
    shmap_type_t t;
    for (uintptr_t b = 0; b < 4; b++) {
        POISON(t);
        ASSERT_EQ(shmap_handle_query((shmap_handle_t)((uintptr_t)h | b), &t, NULL), 0);
        ASSERT_EQ(t, SHMAP_TYPE_MAPPING);
    }
    ASSERT_EQ(shmap_close((shmap_handle_t)((uintptr_t)h | 3)), 0);
    ASSERT_EQ(shmap_handle_query(h, &t, NULL), -EBADF);
}

TEST(handle_flags_get_set)
{
    shmap_handle_t h = mk();
    uint32_t f;
    POISON(f);
    ASSERT_EQ(shmap_handle_get_flags(h, &f), 0);
    ASSERT_EQ(f, 0);
    ASSERT_EQ(shmap_handle_set_flags(h, 0xFF, 0xFF), 0);
    ASSERT_EQ(shmap_handle_get_flags(h, &f), 0);
    ASSERT_EQ(f, 3);
    ASSERT_EQ(shmap_handle_set_flags(h, ~0u, 0), 0);
    ASSERT_EQ(shmap_handle_get_flags(h, &f), 0);
    ASSERT_EQ(f, 0);
    ASSERT_EQ(shmap_handle_set_flags(h, SHMAP_HANDLE_INHERIT, SHMAP_HANDLE_INHERIT), 0);
    ASSERT_EQ(shmap_handle_set_flags(h, SHMAP_HANDLE_PROTECT_FROM_CLOSE, 0), 0);
    ASSERT_EQ(shmap_handle_get_flags(h, &f), 0);
    ASSERT_EQ(f, SHMAP_HANDLE_INHERIT);
    ASSERT_EQ(shmap_close(h), 0);
    ASSERT_EQ(shmap_handle_get_flags(h, &f), -EBADF);
    ASSERT_EQ(shmap_handle_set_flags(h, 1, 1), -EBADF);
}

TEST(handle_pseudo_flags)
{
    uint32_t f;
    POISON(f);
    ASSERT_EQ(shmap_handle_get_flags(SHMAP_CURRENT_PROCESS, &f), 0);
    ASSERT_EQ(f, 0);
    ASSERT_EQ(shmap_handle_set_flags(SHMAP_CURRENT_PROCESS, 1, 1), -EACCES);
}

TEST(handle_protected_from_close_stays_valid)
{
    shmap_handle_t h = mk();
    ASSERT_EQ(
        shmap_handle_set_flags(h, SHMAP_HANDLE_PROTECT_FROM_CLOSE, SHMAP_HANDLE_PROTECT_FROM_CLOSE),
        0);
    ASSERT_EQ(shmap_close(h), -EBADF);
    shmap_type_t t;
    ASSERT_EQ(shmap_handle_query(h, &t, NULL), 0);
    ASSERT_EQ(shmap_handle_set_flags(h, SHMAP_HANDLE_PROTECT_FROM_CLOSE, 0), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(handle_values_are_reused_after_close)
{
    shmap_handle_t a = mk();
    ASSERT_EQ(shmap_close(a), 0);
    shmap_handle_t b = mk();
    ASSERT_PTR_EQ(a, b);
    ASSERT_EQ(shmap_close(b), 0);
}

TEST(handle_many_handles_to_one_named_object_share_one_fd)
{
    int fds = count_fds();
    shmap_handle_t h[200];
    for (int i = 0; i < 200; i++)
        ASSERT_GE(
            shmap_mapping_create(SHMAP_NULL_HANDLE, "shared", SHMAP_PAGE_READWRITE, 4096, 0, &h[i]),
            0);
    ASSERT_EQ(count_fds(), fds + 2); /* the object file and its data file (DESIGN.md §6) */
    for (int i = 0; i < 200; i++)
        ASSERT_EQ(shmap_close(h[i]), 0);
    ASSERT_EQ(count_fds(), fds);
}

static void *churn(void *arg)
{
    const char *name = arg;
    for (int i = 0; i < 2000; i++) {
        shmap_handle_t h, o;
        int r = shmap_mapping_create(SHMAP_NULL_HANDLE, name, SHMAP_PAGE_READWRITE, 4096, 0, &h);
        if (r < 0)
            return (void *)(intptr_t)r;
        r = shmap_mapping_open(name, SHMAP_FILE_MAP_READ, 0, &o);
        if (r < 0)
            return (void *)(intptr_t)(r - 1000);
        shmap_type_t t;
        if (shmap_handle_query(o, &t, NULL) || t != SHMAP_TYPE_MAPPING)
            return (void *)(intptr_t)-2000;
        if (shmap_close(o) || shmap_close(h))
            return (void *)(intptr_t)-3000;
    }
    return NULL;
}

TEST(handle_table_and_cache_survive_thread_churn)
{
    pthread_t t[8];
    const char *names[] = {"a", "b", "a", "b", "c", "a", "c", "b"};
    for (int i = 0; i < 8; i++)
        ASSERT_EQ(pthread_create(&t[i], NULL, churn, (void *)names[i]), 0);
    for (int i = 0; i < 8; i++) {
        void *r;
        ASSERT_EQ(pthread_join(t[i], &r), 0);
        ASSERT_EQ((intptr_t)r, 0);
    }
    ASSERT_EQ(shmap__handle_count(), 0);
}

static _Atomic(shmap_handle_t) shared_h;
static _Atomic int stop_flag;

static void *reader(void *arg)
{
    long bad = 0;
    while (!atomic_load(&stop_flag)) {
        shmap_type_t t;
        int r = shmap_handle_query(shared_h, &t, NULL);
        if (r == 0 && t != SHMAP_TYPE_MAPPING)
            bad++;
        if (r != 0 && r != -EBADF)
            bad++;
    }
    return (void *)bad;
}

TEST(handle_lookup_races_close_safely)
{
    pthread_t t[3];
    shared_h = mk();
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(pthread_create(&t[i], NULL, reader, NULL), 0);
    for (int i = 0; i < 20000; i++) {
        ASSERT_EQ(shmap_close(shared_h), 0);
        shmap_handle_t h = mk(); /* usually reuses the value just closed */
        shared_h = h;
    }
    atomic_store(&stop_flag, 1);
    for (int i = 0; i < 3; i++) {
        void *r;
        pthread_join(t[i], &r);
        ASSERT_EQ((intptr_t)r, 0);
    }
    ASSERT_EQ(shmap_close(shared_h), 0);
}
