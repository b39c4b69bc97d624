/*
 * test-win32-headers.c - names a Win32 program expects from <windows.h>
 * alone (the SDK has them in winnt.h, ntstatus.h, basetsd.h, winuser.h):
 * present, with Windows' values and types; each sub-header also compiles
 * on its own (the second part of the file includes them first).
 */
#include "harness.h"

#include <winuser.h> /* first: a sub-header must bring what it needs itself */
#include <basetsd.h>
#include <ntstatus.h>
#include <winnt.h>
#include <windows.h>

/* compile-time: a name missing fails the build, a wrong value the static assert */
_Static_assert(sizeof(NTSTATUS) == 4 && (NTSTATUS)-1 < 0, "NTSTATUS is a signed 32-bit LONG");
_Static_assert(STATUS_SUCCESS == 0, "STATUS_SUCCESS");
_Static_assert(STATUS_WAIT_0 == 0, "STATUS_WAIT_0");
_Static_assert(STATUS_ABANDONED_WAIT_0 == 0x80, "STATUS_ABANDONED_WAIT_0");
_Static_assert(STATUS_USER_APC == 0xC0, "STATUS_USER_APC");
_Static_assert(STATUS_TIMEOUT == 0x102, "STATUS_TIMEOUT");
_Static_assert(STATUS_PENDING == 0x103, "STATUS_PENDING");
_Static_assert((DWORD)STATUS_END_OF_FILE == 0xC0000011u, "STATUS_END_OF_FILE");
_Static_assert(STATUS_ACCESS_VIOLATION == 0xC0000005u, "STATUS_ACCESS_VIOLATION");
_Static_assert(STATUS_INVALID_HANDLE == 0xC0000008u, "STATUS_INVALID_HANDLE");
_Static_assert((DWORD)STATUS_CANCELLED == 0xC0000120u, "STATUS_CANCELLED");
_Static_assert(WAIT_OBJECT_0 == STATUS_WAIT_0 && WAIT_ABANDONED_0 == STATUS_ABANDONED_WAIT_0 &&
                   WAIT_IO_COMPLETION == STATUS_USER_APC && WAIT_TIMEOUT == STATUS_TIMEOUT,
               "WAIT_* and STATUS_* agree");
_Static_assert(FILE_DELETE_CHILD == 0x40, "FILE_DELETE_CHILD");
_Static_assert((FILE_ALL_ACCESS & FILE_DELETE_CHILD) != 0, "FILE_ALL_ACCESS has it");
_Static_assert(AT_ROUND_TO_PAGE == 0x40000000, "AT_ROUND_TO_PAGE");
_Static_assert(SW_HIDE == 0 && SW_SHOWNORMAL == 1 && SW_NORMAL == 1 && SW_SHOWMINIMIZED == 2 &&
                   SW_SHOWMAXIMIZED == 3 && SW_MAXIMIZE == 3 && SW_SHOWNOACTIVATE == 4 &&
                   SW_SHOW == 5 && SW_MINIMIZE == 6 && SW_SHOWMINNOACTIVE == 7 && SW_SHOWNA == 8 &&
                   SW_RESTORE == 9 && SW_SHOWDEFAULT == 10 && SW_FORCEMINIMIZE == 11,
               "SW_*");

typedef struct {
    char c;
    DWORD d;
    HANDLE h;
} three;
_Static_assert(FIELD_OFFSET(three, d) == 4, "FIELD_OFFSET");
/* c, 3 bytes of padding, d: h is at 8 on ILP32 and LP64 alike */
_Static_assert(FIELD_OFFSET(three, h) == 8, "FIELD_OFFSET");

TEST(w32_headers_status_values_and_types)
{
    NTSTATUS s = STATUS_END_OF_FILE;
    ASSERT_TRUE(s < 0); /* an error status is negative as an NTSTATUS */
    ASSERT_TRUE(!NT_SUCCESS(s));
    ASSERT_TRUE(NT_ERROR(s));
    ASSERT_TRUE(NT_SUCCESS(STATUS_SUCCESS) && NT_SUCCESS(STATUS_PENDING));
    OVERLAPPED ov = {0};
    ov.Internal = (ULONG_PTR)STATUS_PENDING; /* what OVERLAPPED users compare with */
    ASSERT_EQ_U(ov.Internal, 0x103);
    ASSERT_EQ(FIELD_OFFSET(OVERLAPPED, hEvent), offsetof(OVERLAPPED, hEvent));
    ASSERT_EQ(sizeof(FIELD_OFFSET(OVERLAPPED, hEvent)), sizeof(LONG));
}

TEST(w32_headers_handle_and_pointer_conversions)
{
    HANDLE h = CreateEventA(NULL, TRUE, FALSE, NULL);
    ASSERT_NOT_NULL(h);
    ULONG u = HandleToULong(h); /* handles fit 32 bits, as on Windows */
    ASSERT_PTR_EQ(ULongToHandle(u), h);
    ASSERT_PTR_EQ(UlongToHandle(HandleToUlong(h)), h);
    ASSERT_EQ(HandleToLong(h), (LONG)u);
    ASSERT_PTR_EQ(LongToHandle(HandleToLong(h)), h);
    ASSERT_TRUE(SetEvent(ULongToHandle(u)));
    ASSERT_EQ_U(WaitForSingleObject(h, 0), WAIT_OBJECT_0);
    ASSERT_TRUE(CloseHandle(h));
    /* INVALID_HANDLE_VALUE: -1 as LONG, 0xFFFFFFFF as ULONG, back sign-extended */
    ASSERT_EQ(HandleToLong(INVALID_HANDLE_VALUE), -1);
    ASSERT_EQ_U(HandleToULong(INVALID_HANDLE_VALUE), 0xFFFFFFFFu);
    ASSERT_PTR_EQ(LongToHandle(-1), INVALID_HANDLE_VALUE);
    ASSERT_EQ_U((ULONG_PTR)ULongToHandle(0xFFFFFFFFu), 0xFFFFFFFFu); /* zero-extended */
    ASSERT_EQ_U(PtrToUlong((void *)(ULONG_PTR)0x12345678u), 0x12345678u);
    ASSERT_EQ(PtrToLong((void *)(LONG_PTR)-5), -5);
    ASSERT_EQ(PtrToInt(IntToPtr(-7)), -7);
    ASSERT_EQ_U(PtrToUint(UIntToPtr(7u)), 7u);
    ASSERT_EQ(PtrToShort(LongToPtr(-3)), -3);
    ASSERT_EQ_U(PtrToUshort(ULongToPtr(0xFFFFu)), 0xFFFFu);
}

TEST(w32_headers_startupinfo_show_window)
{
    STARTUPINFOA si = {0};
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESHOWWINDOW;
    si.wShowWindow = SW_SHOWNORMAL;
    ASSERT_EQ(si.wShowWindow, 1);
}
