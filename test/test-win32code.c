/*
 * test-win32code.c - shmap_win32_error: the Win32 code of a native code,
 * the one table the Win32 face's GetLastError() and the Python binding
 * both read.
 */
#include "harness.h"

#include <shmap.h>
#include <windows.h>

TEST(win32_error_maps_errno_and_shmap_codes)
{
    ASSERT_EQ(shmap_win32_error(0), 0u);
    ASSERT_EQ(shmap_win32_error(SHMAP_EXISTED), 0u);
    ASSERT_EQ(shmap_win32_error(-ENOENT), 2u);
    ASSERT_EQ(shmap_win32_error(-EACCES), 5u);
    ASSERT_EQ(shmap_win32_error(-EBADF), 6u);
    ASSERT_EQ(shmap_win32_error(-EINVAL), 87u);
    ASSERT_EQ(shmap_win32_error(SHMAP_ETYPE), 6u);
    ASSERT_EQ(shmap_win32_error(SHMAP_ECOMMIT), 1455u);
    ASSERT_EQ(shmap_win32_error(SHMAP_ENOTOWNER), 288u);
    ASSERT_EQ(shmap_win32_error(SHMAP_EUNSAFE), 5u);
    ASSERT_EQ(shmap_win32_error(-EXDEV), 1u); /* unknown: ERROR_INVALID_FUNCTION */
    ASSERT_EQ(shmap_win32_error(SHMAP_ELAST - 1), 1u);
}

/* The face reports what the table says, for the same failure. */
TEST(win32_error_agrees_with_get_last_error)
{
    shmap_handle_t h;
    int r = shmap_mapping_open("w32code/missing", SHMAP_FILE_MAP_READ, 0, &h);
    ASSERT_EQ(r, -ENOENT);
    ASSERT_NULL(OpenFileMappingA(FILE_MAP_READ, FALSE, "w32code/missing"));
    ASSERT_EQ(GetLastError(), shmap_win32_error(r));
    r = shmap_mapping_create(SHMAP_NULL_HANDLE, "\\w32code", SHMAP_PAGE_READWRITE, 4096, 0, &h);
    ASSERT_EQ(r, SHMAP_EBADPATH);
    ASSERT_NULL(
        CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, "\\w32code"));
    ASSERT_EQ(GetLastError(), shmap_win32_error(r));
    ASSERT_EQ(GetLastError(), 161u);
}
