/*
 * test-win32-security.c - object security through the Win32 face, one
 * user: lpSecurityDescriptor honoured by Create*, GetSecurityInfo /
 * SetSecurityInfo / Get/SetKernelObjectSecurity, the rights they need,
 * the object file following a new DACL, and OpenProcessToken +
 * GetTokenInformation.  Several users: test-objsec.c.
 */
#include "harness.h"

#include <aclapi.h>
#include <sddl.h>
#include <sys/stat.h>
#include <windows.h>

#include "internal.h"

static SECURITY_ATTRIBUTES sa_of(const char *sddl, PSECURITY_DESCRIPTOR *sd)
{
    ASSERT_TRUE(
        ConvertStringSecurityDescriptorToSecurityDescriptorA(sddl, SDDL_REVISION_1, sd, NULL));
    SECURITY_ATTRIBUTES sa = {sizeof sa, *sd, FALSE};
    return sa;
}

static char *dacl_string(HANDLE h)
{
    PACL dacl = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    DWORD e = GetSecurityInfo(h, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &dacl,
                              NULL, &sd);
    ASSERT_EQ_U(e, ERROR_SUCCESS);
    ASSERT_NOT_NULL(dacl);
    char *s = NULL;
    ASSERT_TRUE(ConvertSecurityDescriptorToStringSecurityDescriptorA(
        sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &s, NULL));
    LocalFree(sd);
    return s;
}

static mode_t file_mode(const char *name)
{
    struct shmap_name nm;
    ASSERT_EQ(shmap__name_parse(name, 0, &nm), 0);
    char p[4400];
    snprintf(p, sizeof p, "%.4000s/u%u/%s", test_root(), (unsigned)geteuid(), nm.fname);
    struct stat st;
    ASSERT_EQ(stat(p, &st), 0);
    return st.st_mode & 0777;
}

TEST(create_keeps_the_descriptor_given_with_generic_rights_mapped)
{
    PSECURITY_DESCRIPTOR sd;
    SECURITY_ATTRIBUTES sa = sa_of("D:(A;;GA;;;WD)(A;;GR;;;BU)", &sd);
    HANDLE h = CreateEventA(&sa, TRUE, FALSE, "sec-ev");
    ASSERT_NOT_NULL(h);
    LocalFree(sd);
    char *s = dacl_string(h);
    ASSERT_STR_EQ(s, "D:(A;;0x1f0003;;;WD)(A;;CCRC;;;BU)");
    LocalFree(s);
    /* Everyone may write it: the file says so too (group and others) */
    ASSERT_EQ_U(file_mode("sec-ev"), 0666);
    /* a second Create* opens it and keeps the first descriptor */
    sa = sa_of("D:(A;;GA;;;SY)", &sd);
    HANDLE h2 = CreateEventA(&sa, TRUE, FALSE, "sec-ev");
    ASSERT_NOT_NULL(h2);
    ASSERT_EQ_U(GetLastError(), ERROR_ALREADY_EXISTS);
    LocalFree(sd);
    s = dacl_string(h2);
    ASSERT_STR_EQ(s, "D:(A;;0x1f0003;;;WD)(A;;CCRC;;;BU)");
    LocalFree(s);
    CloseHandle(h2);
    CloseHandle(h);
}

TEST(default_descriptor_is_the_creator_and_root)
{
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, "sec-def");
    ASSERT_NOT_NULL(h);
    PSID owner = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    ASSERT_EQ_U(GetSecurityInfo(h, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION, &owner, NULL, NULL,
                                NULL, &sd),
                ERROR_SUCCESS);
    char *os = NULL, want[64];
    ASSERT_TRUE(ConvertSidToStringSidA(owner, &os));
    snprintf(want, sizeof want, "S-1-22-1-%u", (unsigned)geteuid());
    ASSERT_STR_EQ(os, want);
    LocalFree(os);
    LocalFree(sd);
    char *s = dacl_string(h);
    char expect[256];
    snprintf(expect, sizeof expect,
             "D:(A;;CCDCLCSWRPSDRCWDWO;;;%s)(A;;CCDCLCSWRPSDRCWDWO;;;SY)"
             "(A;;CCDCLCSWRPSDRCWDWO;;;BA)",
             want);
    ASSERT_STR_EQ(s, expect);
    LocalFree(s);
    ASSERT_EQ_U(file_mode("sec-def"), 0600);
    CloseHandle(h);
}

TEST(set_security_info_changes_the_dacl_and_the_file)
{
    HANDLE h = CreateMutexA(NULL, FALSE, "sec-mx");
    ASSERT_NOT_NULL(h);
    PSECURITY_DESCRIPTOR sd;
    sa_of("D:(A;;GX;;;WD)", &sd);
    BOOL present, defaulted;
    PACL dacl;
    ASSERT_TRUE(GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted));
    ASSERT_EQ_U(
        SetSecurityInfo(h, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, dacl, NULL),
        ERROR_SUCCESS);
    LocalFree(sd);
    char *s = dacl_string(h);
    ASSERT_STR_EQ(s, "D:(A;;0x120000;;;WD)"); /* GX: READ_CONTROL | SYNCHRONIZE */
    LocalFree(s);
    ASSERT_EQ_U(file_mode("sec-mx"), 0666); /* SYNCHRONIZE needs to write the state */
    /* and back to nobody but the owner, by SetKernelObjectSecurity */
    sa_of("D:", &sd);
    ASSERT_TRUE(SetKernelObjectSecurity(h, DACL_SECURITY_INFORMATION, sd));
    LocalFree(sd);
    ASSERT_EQ_U(file_mode("sec-mx"), 0600);
    /* the owner keeps READ_CONTROL and WRITE_DAC: it can read it back */
    DWORD need = 0;
    SetLastError(0);
    ASSERT_TRUE(!(GetKernelObjectSecurity(h, DACL_SECURITY_INFORMATION, NULL, 0, &need)));
    ASSERT_EQ_U(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
    ASSERT_EQ_U(need, 28); /* header 20 + an empty ACL 8 */
    char buf[64];
    ASSERT_TRUE(GetKernelObjectSecurity(h, DACL_SECURITY_INFORMATION, buf, sizeof buf, &need));
    ASSERT_TRUE(IsValidSecurityDescriptor(buf));
    /* an open now fails (empty DACL) */
    ASSERT_NULL(OpenMutexA(SYNCHRONIZE, FALSE, "sec-mx"));
    ASSERT_EQ_U(GetLastError(), ERROR_ACCESS_DENIED);
    CloseHandle(h);
}

TEST(security_calls_need_their_rights)
{
    HANDLE h = CreateEventA(NULL, FALSE, FALSE, "sec-r");
    ASSERT_NOT_NULL(h);
    HANDLE m = OpenEventA(EVENT_MODIFY_STATE, FALSE, "sec-r");
    ASSERT_NOT_NULL(m);
    PACL dacl;
    PSECURITY_DESCRIPTOR sd;
    ASSERT_EQ_U(GetSecurityInfo(m, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &dacl,
                                NULL, &sd),
                ERROR_ACCESS_DENIED);
    ASSERT_EQ_U(GetSecurityInfo(h, SE_KERNEL_OBJECT, SACL_SECURITY_INFORMATION, NULL, NULL, NULL,
                                NULL, &sd),
                ERROR_PRIVILEGE_NOT_HELD);
    ASSERT_EQ_U(
        SetSecurityInfo(m, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, NULL, NULL),
        ERROR_ACCESS_DENIED);
    ASSERT_EQ_U(GetSecurityInfo((HANDLE)(uintptr_t)0x12344, SE_KERNEL_OBJECT,
                                DACL_SECURITY_INFORMATION, NULL, NULL, &dacl, NULL, &sd),
                ERROR_INVALID_HANDLE);
    /* a NULL DACL set through SetSecurityInfo: everyone, and the file */
    ASSERT_EQ_U(
        SetSecurityInfo(h, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, NULL, NULL),
        ERROR_SUCCESS);
    ASSERT_EQ_U(file_mode("sec-r"), 0666);
    CloseHandle(m);
    CloseHandle(h);
}

TEST(process_token_holds_our_ids)
{
    HANDLE t;
    ASSERT_TRUE(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &t));
    DWORD need = 0;
    ASSERT_TRUE(!(GetTokenInformation(t, TokenUser, NULL, 0, &need)));
    ASSERT_EQ_U(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
    ASSERT_GT(need, sizeof(TOKEN_USER));
    char buf[4096];
    ASSERT_TRUE(GetTokenInformation(t, TokenUser, buf, sizeof buf, &need));
    char *s = NULL, want[64];
    ASSERT_TRUE(ConvertSidToStringSidA(((TOKEN_USER *)buf)->User.Sid, &s));
    snprintf(want, sizeof want, "S-1-22-1-%u", (unsigned)geteuid());
    ASSERT_STR_EQ(s, want);
    LocalFree(s);
    ASSERT_TRUE(GetTokenInformation(t, TokenPrimaryGroup, buf, sizeof buf, &need));
    ASSERT_TRUE(ConvertSidToStringSidA(((TOKEN_PRIMARY_GROUP *)buf)->PrimaryGroup, &s));
    snprintf(want, sizeof want, "S-1-22-2-%u", (unsigned)getegid());
    ASSERT_STR_EQ(s, want);
    LocalFree(s);
    ASSERT_TRUE(GetTokenInformation(t, TokenGroups, buf, sizeof buf, &need));
    TOKEN_GROUPS *g = (TOKEN_GROUPS *)buf;
    ASSERT_GE(g->GroupCount, 3); /* the primary group, Everyone, Authenticated Users */
    bool everyone = false;
    for (DWORD i = 0; i < g->GroupCount; i++) {
        ASSERT_TRUE(ConvertSidToStringSidA(g->Groups[i].Sid, &s));
        everyone |= strcmp(s, "S-1-1-0") == 0;
        ASSERT_EQ_U(g->Groups[i].Attributes & SE_GROUP_ENABLED, SE_GROUP_ENABLED);
        LocalFree(s);
    }
    ASSERT_TRUE(everyone);
    CloseHandle(t);
    /* without TOKEN_QUERY */
    ASSERT_TRUE(OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_DEFAULT, &t));
    ASSERT_TRUE(!(GetTokenInformation(t, TokenUser, buf, sizeof buf, &need)));
    ASSERT_EQ_U(GetLastError(), ERROR_ACCESS_DENIED);
    CloseHandle(t);
    /* a token is not waitable */
    ASSERT_TRUE(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &t));
    ASSERT_EQ_U(WaitForSingleObject(t, 0), WAIT_FAILED);
    CloseHandle(t);
}

TEST(create_file_gives_a_new_file_its_dacl)
{
    char path[4400];
    snprintf(path, sizeof path, "%.4000s/file-sd", test_root());
    PSECURITY_DESCRIPTOR sd;
    SECURITY_ATTRIBUTES sa = sa_of("D:(A;;FA;;;OW)(A;;FR;;;WD)", &sd);
    HANDLE f = CreateFileA(path, GENERIC_WRITE, 0, &sa, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    ASSERT_TRUE(f != INVALID_HANDLE_VALUE);
    CloseHandle(f);
    struct stat st;
    ASSERT_EQ(stat(path, &st), 0);
    ASSERT_EQ_U(st.st_mode & 0777, 0644); /* everyone reads, the owner writes */
    /* an existing file keeps its mode, whatever the descriptor says */
    LocalFree(sd);
    sa = sa_of("D:(A;;FA;;;WD)", &sd);
    f = CreateFileA(path, GENERIC_READ, 0, &sa, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    ASSERT_TRUE(f != INVALID_HANDLE_VALUE);
    ASSERT_EQ_U(GetLastError(), ERROR_ALREADY_EXISTS);
    CloseHandle(f);
    ASSERT_EQ(stat(path, &st), 0);
    ASSERT_EQ_U(st.st_mode & 0777, 0644);
    LocalFree(sd);
    /* an empty DACL: the owner only */
    ASSERT_EQ(unlink(path), 0);
    sa = sa_of("D:", &sd);
    f = CreateFileA(path, GENERIC_WRITE, 0, &sa, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    ASSERT_TRUE(f != INVALID_HANDLE_VALUE);
    CloseHandle(f);
    LocalFree(sd);
    ASSERT_EQ(stat(path, &st), 0);
    ASSERT_EQ_U(st.st_mode & 0777, 0600);
    ASSERT_EQ(unlink(path), 0);
}

/* The mask an ACE of the object's DACL holds. */
static DWORD ace_mask(HANDLE h, DWORD i)
{
    PACL dacl = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    ASSERT_EQ_U(GetSecurityInfo(h, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &dacl,
                                NULL, &sd),
                ERROR_SUCCESS);
    void *ace = NULL;
    ASSERT_TRUE(GetAce(dacl, i, &ace));
    DWORD m = ((ACCESS_ALLOWED_ACE *)ace)->Mask;
    LocalFree(sd);
    return m;
}

/* §10.2: GENERIC_READ, _WRITE, _EXECUTE, _ALL of each type, as a Create*
 * stores them. */
TEST(generic_rights_are_mapped_per_type)
{
    static const struct {
        int type;
        DWORD r, w, x, a;
    } want[] = {
        {0, 0x20005, 0x20002, 0x20008, 0xF001F},   /* section */
        {1, 0x20001, 0x20002, 0x120000, 0x1F0003}, /* event */
        {2, 0x20001, 0x20000, 0x120000, 0x1F0001}, /* mutex */
        {3, 0x20001, 0x20002, 0x120000, 0x1F0003}, /* semaphore */
        {4, 0x20001, 0x20002, 0x120000, 0x1F0003}, /* timer */
        {5, 0x20004, 0x2000B, 0x120000, 0x1F003F}, /* job */
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        PSECURITY_DESCRIPTOR sd;
        SECURITY_ATTRIBUTES sa = sa_of("D:(A;;GR;;;WD)(A;;GW;;;AU)(A;;GX;;;BU)(A;;GA;;;OW)", &sd);
        HANDLE h = want[i].type == 0 ? CreateFileMappingA(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE,
                                                          0, 4096, NULL)
                   : want[i].type == 1 ? CreateEventA(&sa, FALSE, FALSE, NULL)
                   : want[i].type == 2 ? CreateMutexA(&sa, FALSE, NULL)
                   : want[i].type == 3 ? CreateSemaphoreA(&sa, 0, 1, NULL)
                   : want[i].type == 4 ? CreateWaitableTimerA(&sa, FALSE, NULL)
                                       : CreateJobObjectA(&sa, NULL);
        ASSERT_NOT_NULL(h);
        LocalFree(sd);
        ASSERT_EQ_U(ace_mask(h, 0), want[i].r);
        ASSERT_EQ_U(ace_mask(h, 1), want[i].w);
        ASSERT_EQ_U(ace_mask(h, 2), want[i].x);
        ASSERT_EQ_U(ace_mask(h, 3), want[i].a);
        CloseHandle(h);
    }
}

/* An OWNER RIGHTS ACE replaces the owner's implicit READ_CONTROL and
 * WRITE_DAC. */
TEST(owner_rights_ace_replaces_the_owner_s_implicit_rights)
{
    PSECURITY_DESCRIPTOR sd;
    SECURITY_ATTRIBUTES sa = sa_of("D:(A;;GR;;;OW)", &sd);
    HANDLE h = CreateEventA(&sa, FALSE, FALSE, "sec-ow");
    ASSERT_NOT_NULL(h);
    LocalFree(sd);
    HANDLE o = OpenEventA(READ_CONTROL, FALSE, "sec-ow");
    ASSERT_NOT_NULL(o); /* GR holds READ_CONTROL */
    CloseHandle(o);
    ASSERT_NULL(OpenEventA(WRITE_DAC, FALSE, "sec-ow"));
    ASSERT_EQ_U(GetLastError(), ERROR_ACCESS_DENIED);
    /* without OW the owner keeps WRITE_DAC even with an empty DACL */
    sa = sa_of("D:", &sd);
    HANDLE e = CreateEventA(&sa, FALSE, FALSE, "sec-ow2");
    ASSERT_NOT_NULL(e);
    LocalFree(sd);
    o = OpenEventA(WRITE_DAC, FALSE, "sec-ow2");
    ASSERT_NOT_NULL(o);
    CloseHandle(o);
    CloseHandle(e);
    CloseHandle(h);
}
