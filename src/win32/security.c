/*
 * security.c - the Win32 security calls over shmap/security.h: security
 * descriptors (absolute ones are converted to self-relative here, the only
 * form the core knows), ACLs, SIDs, and the SDDL and SID strings (A and W).
 * The formats and their checks live in the core (src/ns/sd.c, sddl.c,
 * sid.c); what is here converts arguments and maps errors.  Results the
 * caller frees with LocalFree are malloc'd (misc.c's LocalFree is free()).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "w32.h"
#include "sddl.h"

#define HDR_REL 20u /* sizeof(SECURITY_DESCRIPTOR_RELATIVE) */

static BOOL fail(int err)
{
    shmap_w32__fail(err);
    return FALSE;
}

static BOOL fail_code(DWORD code)
{
    SetLastError(code);
    return FALSE;
}

/* ---- security descriptors --------------------------------------------------- */

/* The header of a descriptor the caller gave: 0, -EFAULT, or
 * SHMAP_EREVISION (revision not 1). */
static int sd_head(PSECURITY_DESCRIPTOR sd, SECURITY_DESCRIPTOR_CONTROL *control)
{
    if (!sd || shmap__probe_read(sd, 4))
        return -EFAULT;
    const BYTE *b = sd;
    *control = (SECURITY_DESCRIPTOR_CONTROL)(b[2] | b[3] << 8);
    return b[0] == SECURITY_DESCRIPTOR_REVISION ? 0 : SHMAP_EREVISION;
}

static bool self_relative(SECURITY_DESCRIPTOR_CONTROL c)
{
    return (c & SE_SELF_RELATIVE) != 0;
}

/* An absolute descriptor the caller gave: probed, then copied. */
static int sd_abs(PSECURITY_DESCRIPTOR in, SECURITY_DESCRIPTOR *out)
{
    if (shmap__probe_read(in, sizeof *out))
        return -EFAULT;
    memcpy(out, in, sizeof *out);
    return 0;
}

int shmap_w32__sd_relative(PSECURITY_DESCRIPTOR in, void **out, size_t *len)
{
    SECURITY_DESCRIPTOR_CONTROL c;
    int r = sd_head(in, &c);
    if (r)
        return r;
    if (self_relative(c)) {
        size_t l;
        if ((r = shmap_sd_length(in, SIZE_MAX, &l)) || (r = shmap_sd_validate(in, l)))
            return r;
        void *p = malloc(l);
        if (!p)
            return -ENOMEM;
        memcpy(p, in, l);
        *out = p;
        *len = l;
        return 0;
    }
    SECURITY_DESCRIPTOR a;
    if ((r = sd_abs(in, &a)))
        return r;
    return shmap_sd_make(c & ~SE_SELF_RELATIVE, a.Owner, a.Group,
                         (c & SE_SACL_PRESENT) ? a.Sacl : NULL,
                         (c & SE_DACL_PRESENT) ? a.Dacl : NULL, out, len);
}

WINBASEAPI BOOL WINAPI InitializeSecurityDescriptor(PSECURITY_DESCRIPTOR sd, DWORD revision)
{
    if (revision != SECURITY_DESCRIPTOR_REVISION)
        return fail(SHMAP_EREVISION);
    if (shmap__probe_write(sd, sizeof(SECURITY_DESCRIPTOR)))
        return fail(-EFAULT);
    SECURITY_DESCRIPTOR z = {SECURITY_DESCRIPTOR_REVISION, 0, 0, NULL, NULL, NULL, NULL};
    memcpy(sd, &z, sizeof z);
    return TRUE;
}

WINBASEAPI BOOL WINAPI IsValidSecurityDescriptor(PSECURITY_DESCRIPTOR sd)
{
    void *rel;
    size_t len;
    int r = shmap_w32__sd_relative(sd, &rel, &len);
    if (r)
        return fail(r == -EFAULT || r == -ENOMEM ? r : SHMAP_EBADSD);
    free(rel);
    return TRUE;
}

WINBASEAPI DWORD WINAPI GetSecurityDescriptorLength(PSECURITY_DESCRIPTOR sd)
{
    void *rel;
    size_t len;
    if (shmap_w32__sd_relative(sd, &rel, &len))
        return 0;
    free(rel);
    return (DWORD)len;
}

WINBASEAPI BOOL WINAPI GetSecurityDescriptorControl(PSECURITY_DESCRIPTOR sd,
                                                    PSECURITY_DESCRIPTOR_CONTROL control,
                                                    LPDWORD revision)
{
    SECURITY_DESCRIPTOR_CONTROL c;
    if (W32_BAD_OUT(control) || W32_BAD_OUT(revision))
        return fail(-EFAULT);
    int r = sd_head(sd, &c);
    if (r == -EFAULT)
        return fail(r);
    W32_PUT(revision, (DWORD)((const BYTE *)sd)[0]);
    if (r)
        return fail(r);
    W32_PUT(control, c);
    return TRUE;
}

/* A part of a descriptor: field 0 owner, 1 group, 2 SACL, 3 DACL. */
static PVOID sd_part(PSECURITY_DESCRIPTOR sd, SECURITY_DESCRIPTOR_CONTROL c, int field)
{
    if (!self_relative(c)) {
        SECURITY_DESCRIPTOR a;
        memcpy(&a, sd, sizeof a);
        PVOID parts[4] = {a.Owner, a.Group, a.Sacl, a.Dacl};
        return parts[field];
    }
    const BYTE *b = (const BYTE *)sd + 4 + 4 * (size_t)field;
    DWORD off = (DWORD)b[0] | (DWORD)b[1] << 8 | (DWORD)b[2] << 16 | (DWORD)b[3] << 24;
    return off ? (BYTE *)sd + off : NULL;
}

/* Get*: the part and its DEFAULTED bit (present: where the part has a
 * PRESENT bit, else NULL). */
static BOOL sd_get(PSECURITY_DESCRIPTOR sd, int field, WORD present_bit, WORD defaulted_bit,
                   LPBOOL present, PVOID *part, LPBOOL defaulted)
{
    SECURITY_DESCRIPTOR_CONTROL c;
    if ((present && W32_BAD_OUT(present)) || W32_BAD_OUT(part) || W32_BAD_OUT(defaulted))
        return fail(-EFAULT);
    int r = sd_head(sd, &c);
    if (!r && shmap__probe_read(sd, self_relative(c) ? HDR_REL : sizeof(SECURITY_DESCRIPTOR)))
        r = -EFAULT;
    if (r)
        return fail(r);
    if (present) {
        W32_PUT(present, (BOOL)((c & present_bit) != 0));
        if (!(c & present_bit))
            return TRUE; /* the others are left as they were */
    }
    W32_PUT(part, sd_part(sd, c, field));
    W32_PUT(defaulted, (BOOL)((c & defaulted_bit) != 0));
    return TRUE;
}

/* Set*: only on an absolute descriptor. */
static BOOL sd_set(PSECURITY_DESCRIPTOR sd, int field, WORD present_bit, BOOL present, PVOID part,
                   WORD defaulted_bit, BOOL defaulted)
{
    SECURITY_DESCRIPTOR_CONTROL c;
    SECURITY_DESCRIPTOR a;
    int r = sd_head(sd, &c);
    if (!r && self_relative(c))
        r = SHMAP_EBADSD;
    if (!r)
        r = sd_abs(sd, &a);
    if (r)
        return fail(r);
    if (present_bit && !present) {
        a.Control &= (WORD)~present_bit;
    } else {
        a.Control = (WORD)((a.Control | present_bit) & ~defaulted_bit);
        if (defaulted)
            a.Control |= defaulted_bit;
        PVOID *slot[4] = {&a.Owner, &a.Group, (PVOID *)&a.Sacl, (PVOID *)&a.Dacl};
        *slot[field] = part;
    }
    if (shmap__probe_write(sd, sizeof a))
        return fail(-EFAULT);
    memcpy(sd, &a, sizeof a);
    return TRUE;
}

WINBASEAPI BOOL WINAPI SetSecurityDescriptorDacl(PSECURITY_DESCRIPTOR sd, BOOL present, PACL dacl,
                                                 BOOL defaulted)
{
    return sd_set(sd, 3, SE_DACL_PRESENT, present, dacl, SE_DACL_DEFAULTED, defaulted);
}

WINBASEAPI BOOL WINAPI GetSecurityDescriptorDacl(PSECURITY_DESCRIPTOR sd, LPBOOL present,
                                                 PACL *dacl, LPBOOL defaulted)
{
    return sd_get(sd, 3, SE_DACL_PRESENT, SE_DACL_DEFAULTED, present, (PVOID *)dacl, defaulted);
}

WINBASEAPI BOOL WINAPI SetSecurityDescriptorOwner(PSECURITY_DESCRIPTOR sd, PSID owner,
                                                  BOOL defaulted)
{
    return sd_set(sd, 0, 0, TRUE, owner, SE_OWNER_DEFAULTED, defaulted);
}

WINBASEAPI BOOL WINAPI GetSecurityDescriptorOwner(PSECURITY_DESCRIPTOR sd, PSID *owner,
                                                  LPBOOL defaulted)
{
    return sd_get(sd, 0, 0, SE_OWNER_DEFAULTED, NULL, owner, defaulted);
}

WINBASEAPI BOOL WINAPI SetSecurityDescriptorGroup(PSECURITY_DESCRIPTOR sd, PSID group,
                                                  BOOL defaulted)
{
    return sd_set(sd, 1, 0, TRUE, group, SE_GROUP_DEFAULTED, defaulted);
}

WINBASEAPI BOOL WINAPI GetSecurityDescriptorGroup(PSECURITY_DESCRIPTOR sd, PSID *group,
                                                  LPBOOL defaulted)
{
    return sd_get(sd, 1, 0, SE_GROUP_DEFAULTED, NULL, group, defaulted);
}

WINBASEAPI BOOL WINAPI MakeSelfRelativeSD(PSECURITY_DESCRIPTOR abs, PSECURITY_DESCRIPTOR rel,
                                          LPDWORD len)
{
    SECURITY_DESCRIPTOR_CONTROL c;
    int r = sd_head(abs, &c);
    if (r)
        return fail(r);
    if (self_relative(c))
        return fail_code(ERROR_BAD_DESCRIPTOR_FORMAT);
    if (W32_BAD_OUT(len))
        return fail(-EFAULT);
    void *p;
    size_t need;
    if ((r = shmap_w32__sd_relative(abs, &p, &need)))
        return fail(r);
    DWORD have;
    memcpy(&have, len, sizeof have);
    if (have < need) {
        free(p);
        W32_PUT(len, (DWORD)need);
        return fail(SHMAP_ESMALL);
    }
    if (shmap__probe_write(rel, need)) {
        free(p);
        return fail(-EFAULT);
    }
    memcpy(rel, p, need);
    free(p);
    return TRUE;
}

/* ---- SDDL ------------------------------------------------------------------------- */

static BOOL from_sddl(const char *s, DWORD revision, PSECURITY_DESCRIPTOR *sd, PULONG size)
{
    if (!sd || !s)
        return fail(-EINVAL);
    if (revision != SDDL_REVISION_1)
        return fail(SHMAP_EREVISION);
    if (W32_BAD_OUT(sd) || W32_BAD_OPT(size))
        return fail(-EFAULT);
    void *p;
    size_t len;
    int r = shmap_sd_from_sddl(s, &p, &len);
    if (r)
        return fail(r);
    W32_PUT(sd, (PSECURITY_DESCRIPTOR)p);
    if (size)
        W32_PUT(size, (ULONG)len);
    return TRUE;
}

WINBASEAPI BOOL WINAPI ConvertStringSecurityDescriptorToSecurityDescriptorA(
    LPCSTR s, DWORD revision, PSECURITY_DESCRIPTOR *sd, PULONG size)
{
    return from_sddl(s, revision, sd, size);
}

WINBASEAPI BOOL WINAPI ConvertStringSecurityDescriptorToSecurityDescriptorW(
    LPCWSTR s, DWORD revision, PSECURITY_DESCRIPTOR *sd, PULONG size)
{
    char *u = NULL;
    if (s && shmap_w32__utf8(s, &u))
        return fail(-ENOMEM);
    BOOL ok = from_sddl(u, revision, sd, size);
    free(u);
    return ok;
}

/* The SDDL string of sd (UTF-8, malloc'd) or an error. */
static int to_sddl(PSECURITY_DESCRIPTOR sd, DWORD revision, SECURITY_INFORMATION info, char **out)
{
    if (revision != SDDL_REVISION_1)
        return SHMAP_EREVISION;
    if (!sd)
        return -EINVAL;
    void *rel;
    size_t len;
    int r = shmap_w32__sd_relative(sd, &rel, &len);
    if (r)
        return r;
    r = shmap_sd_to_sddl(rel, len, info, out);
    free(rel);
    return r;
}

WINBASEAPI BOOL WINAPI ConvertSecurityDescriptorToStringSecurityDescriptorA(
    PSECURITY_DESCRIPTOR sd, DWORD revision, SECURITY_INFORMATION info, LPSTR *str, PULONG len)
{
    char *s;
    if (!str)
        return fail(-EINVAL);
    if (W32_BAD_OUT(str) || W32_BAD_OPT(len))
        return fail(-EFAULT);
    int r = to_sddl(sd, revision, info, &s);
    if (r)
        return fail(r);
    W32_PUT(str, s);
    if (len)
        W32_PUT(len, (ULONG)(strlen(s) + 1));
    return TRUE;
}

WINBASEAPI BOOL WINAPI ConvertSecurityDescriptorToStringSecurityDescriptorW(
    PSECURITY_DESCRIPTOR sd, DWORD revision, SECURITY_INFORMATION info, LPWSTR *str, PULONG len)
{
    char *s;
    if (!str)
        return fail(-EINVAL);
    if (W32_BAD_OUT(str) || W32_BAD_OPT(len))
        return fail(-EFAULT);
    int r = to_sddl(sd, revision, info, &s);
    if (r)
        return fail(r);
    wchar_t *w = shmap_w32__wide(s);
    free(s);
    if (!w)
        return fail(-ENOMEM);
    W32_PUT(str, w);
    if (len)
        W32_PUT(len, (ULONG)(wcslen(w) + 1));
    return TRUE;
}

/* ---- SID strings -------------------------------------------------------------------- */

/* The length of the SID the caller gave, or 0 if it is not a valid one. */
static size_t sid_len(PSID sid)
{
    size_t l = 0;
    if (!sid || shmap__probe_read(sid, 8))
        return 0;
    const BYTE *b = sid;
    if (b[0] != SID_REVISION || b[1] > SID_MAX_SUB_AUTHORITIES)
        return 0;
    if (shmap_sid_validate(sid, 8u + 4u * b[1], &l))
        return 0;
    return l;
}

static BOOL sid_string(PSID sid, char **out)
{
    size_t l = sid_len(sid);
    if (!l)
        return fail(SHMAP_EBADSID);
    int r = shmap_sid_to_string(sid, l, out);
    return r ? fail(r) : TRUE;
}

WINBASEAPI BOOL WINAPI ConvertSidToStringSidA(PSID sid, LPSTR *str)
{
    char *s;
    if (!str)
        return fail(-EINVAL);
    if (W32_BAD_OUT(str))
        return fail(-EFAULT);
    if (!sid_string(sid, &s))
        return FALSE;
    W32_PUT(str, s);
    return TRUE;
}

WINBASEAPI BOOL WINAPI ConvertSidToStringSidW(PSID sid, LPWSTR *str)
{
    char *s;
    if (!str)
        return fail(-EINVAL);
    if (W32_BAD_OUT(str))
        return fail(-EFAULT);
    if (!sid_string(sid, &s))
        return FALSE;
    wchar_t *w = shmap_w32__wide(s);
    free(s);
    if (!w)
        return fail(-ENOMEM);
    W32_PUT(str, w);
    return TRUE;
}

WINBASEAPI BOOL WINAPI ConvertStringSidToSidA(LPCSTR str, PSID *sid)
{
    void *p;
    if (!str || !sid)
        return fail(-EINVAL);
    if (W32_BAD_OUT(sid))
        return fail(-EFAULT);
    int r = shmap_sid_from_string(str, &p, NULL);
    if (r)
        return fail(r);
    W32_PUT(sid, (PSID)p);
    return TRUE;
}

WINBASEAPI BOOL WINAPI ConvertStringSidToSidW(LPCWSTR str, PSID *sid)
{
    char *u = NULL;
    if (str && shmap_w32__utf8(str, &u))
        return fail(SHMAP_EBADSID);
    BOOL ok = ConvertStringSidToSidA(u, sid);
    free(u);
    return ok;
}

/* ---- ACLs ------------------------------------------------------------------------------- */

WINBASEAPI BOOL WINAPI InitializeAcl(PACL acl, DWORD len, DWORD revision)
{
    int r = shmap_acl_init(acl, len, revision);
    return r ? fail(r) : TRUE;
}

/* The size an ACL the caller gave says it has, or 0 if it is not there. */
static size_t acl_len(PACL acl)
{
    if (!acl || shmap__probe_read(acl, sizeof(ACL)))
        return 0;
    WORD size;
    memcpy(&size, &acl->AclSize, sizeof size);
    return size;
}

WINBASEAPI BOOL WINAPI IsValidAcl(PACL acl)
{
    size_t l = acl_len(acl);
    int r = l ? shmap_acl_validate(acl, l) : SHMAP_EBADACL;
    return r ? fail(r) : TRUE;
}

/* Windows' order: the SID, the revisions (the ACE's and the ACL's at most
 * 4), then the core's checks (flags, the ACL, the room). */
static BOOL add_ace(PACL acl, DWORD revision, unsigned type, DWORD flags, DWORD mask, PSID sid)
{
    if (!sid_len(sid))
        return fail(SHMAP_EBADSID);
    if (!acl_len(acl))
        return fail(SHMAP_EBADACL);
    if (revision > MAX_ACL_REVISION || acl->AclRevision > MAX_ACL_REVISION)
        return fail_code(ERROR_REVISION_MISMATCH);
    int r = shmap_acl_add_ace(acl, type, flags, mask, sid);
    if (r)
        return fail(r);
    if (acl->AclRevision < revision) /* the ACL takes the higher revision */
        acl->AclRevision = (BYTE)revision;
    return TRUE;
}

WINBASEAPI BOOL WINAPI AddAccessAllowedAce(PACL acl, DWORD revision, DWORD mask, PSID sid)
{
    return add_ace(acl, revision, ACCESS_ALLOWED_ACE_TYPE, 0, mask, sid);
}

WINBASEAPI BOOL WINAPI AddAccessAllowedAceEx(PACL acl, DWORD revision, DWORD flags, DWORD mask,
                                             PSID sid)
{
    return add_ace(acl, revision, ACCESS_ALLOWED_ACE_TYPE, flags, mask, sid);
}

WINBASEAPI BOOL WINAPI AddAccessDeniedAce(PACL acl, DWORD revision, DWORD mask, PSID sid)
{
    return add_ace(acl, revision, ACCESS_DENIED_ACE_TYPE, 0, mask, sid);
}

WINBASEAPI BOOL WINAPI AddAccessDeniedAceEx(PACL acl, DWORD revision, DWORD flags, DWORD mask,
                                            PSID sid)
{
    return add_ace(acl, revision, ACCESS_DENIED_ACE_TYPE, flags, mask, sid);
}

/* The offset of ACE index (index == AceCount: the end of the ACEs) of a
 * valid ACL. */
static size_t ace_offset(PACL acl, DWORD index)
{
    const BYTE *b = (const BYTE *)acl;
    size_t off = sizeof(ACL);
    for (DWORD i = 0; i < index; i++)
        off += (size_t)(b[off + 2] | b[off + 3] << 8);
    return off;
}

WINBASEAPI BOOL WINAPI GetAce(PACL acl, DWORD index, LPVOID *ace)
{
    size_t l = acl_len(acl);
    if (!l || shmap_acl_validate(acl, l))
        return fail(SHMAP_EBADACL);
    if (index >= acl->AceCount)
        return fail(-EINVAL);
    if (W32_BAD_OUT(ace))
        return fail(-EFAULT);
    W32_PUT(ace, (LPVOID)((BYTE *)acl + ace_offset(acl, index)));
    return TRUE;
}

WINBASEAPI BOOL WINAPI GetAclInformation(PACL acl, LPVOID info, DWORD len,
                                         ACL_INFORMATION_CLASS cls)
{
    size_t l = acl_len(acl);
    if (!l || shmap_acl_validate(acl, l))
        return fail(SHMAP_EBADACL);
    if (cls == AclRevisionInformation) {
        if (len < sizeof(ACL_REVISION_INFORMATION))
            return fail(SHMAP_ESMALL);
        if (shmap__probe_write(info, sizeof(ACL_REVISION_INFORMATION)))
            return fail(-EFAULT);
        ACL_REVISION_INFORMATION ri = {acl->AclRevision};
        memcpy(info, &ri, sizeof ri);
        return TRUE;
    }
    if (cls != AclSizeInformation)
        return fail(-EINVAL);
    if (len < sizeof(ACL_SIZE_INFORMATION))
        return fail(SHMAP_ESMALL);
    if (shmap__probe_write(info, sizeof(ACL_SIZE_INFORMATION)))
        return fail(-EFAULT);
    size_t used = ace_offset(acl, acl->AceCount);
    ACL_SIZE_INFORMATION si = {acl->AceCount, (DWORD)used, (DWORD)(l - used)};
    memcpy(info, &si, sizeof si);
    return TRUE;
}

/* ---- SIDs ---------------------------------------------------------------------------------- */

WINBASEAPI BOOL WINAPI AllocateAndInitializeSid(PSID_IDENTIFIER_AUTHORITY auth, BYTE n, DWORD s0,
                                                DWORD s1, DWORD s2, DWORD s3, DWORD s4, DWORD s5,
                                                DWORD s6, DWORD s7, PSID *sid)
{
    if (n > 8) /* at most 8 here, whatever SIDs may hold */
        return fail(SHMAP_EBADSID);
    if (!sid)
        return fail(-EINVAL);
    if (!auth || shmap__probe_read(auth, sizeof *auth) || W32_BAD_OUT(sid))
        return fail(-EFAULT);
    SID *p = malloc(GetSidLengthRequired(n));
    if (!p)
        return fail(-ENOMEM);
    const DWORD sub[8] = {s0, s1, s2, s3, s4, s5, s6, s7};
    p->Revision = SID_REVISION;
    p->SubAuthorityCount = n;
    memcpy(&p->IdentifierAuthority, auth, sizeof *auth);
    memcpy(p->SubAuthority, sub, n * sizeof(DWORD));
    W32_PUT(sid, (PSID)p);
    return TRUE;
}

WINBASEAPI PVOID WINAPI FreeSid(PSID sid)
{
    free(sid);
    return NULL;
}

WINBASEAPI BOOL WINAPI EqualSid(PSID a, PSID b)
{
    size_t la = sid_len(a), lb = sid_len(b);
    SetLastError(ERROR_SUCCESS);
    return la && la == lb && memcmp(a, b, la) == 0;
}

WINBASEAPI DWORD WINAPI GetLengthSid(PSID sid)
{
    return GetSidLengthRequired(((SID *)sid)->SubAuthorityCount);
}

WINBASEAPI BOOL WINAPI IsValidSid(PSID sid)
{
    return sid_len(sid) != 0;
}

WINBASEAPI BOOL WINAPI CopySid(DWORD len, PSID dst, PSID src)
{
    size_t l = sid_len(src);
    if (!l)
        return fail(SHMAP_EBADSID);
    if (len < l)
        return fail(SHMAP_ESMALL);
    if (shmap__probe_write(dst, l))
        return fail(-EFAULT);
    memmove(dst, src, l);
    return TRUE;
}

WINBASEAPI PDWORD WINAPI GetSidSubAuthority(PSID sid, DWORD n)
{
    SetLastError(ERROR_SUCCESS);
    return &((SID *)sid)->SubAuthority[n];
}

WINBASEAPI PUCHAR WINAPI GetSidSubAuthorityCount(PSID sid)
{
    SetLastError(ERROR_SUCCESS);
    return &((SID *)sid)->SubAuthorityCount;
}

WINBASEAPI BOOL WINAPI InitializeSid(PSID sid, PSID_IDENTIFIER_AUTHORITY auth, BYTE n)
{
    if (n > SID_MAX_SUB_AUTHORITIES)
        return fail(-EINVAL);
    if (!auth || shmap__probe_read(auth, sizeof *auth) || shmap__probe_write(sid, 8))
        return fail(-EFAULT);
    SID *p = sid;
    p->Revision = SID_REVISION;
    p->SubAuthorityCount = n;
    memcpy(&p->IdentifierAuthority, auth, sizeof *auth);
    return TRUE;
}

WINBASEAPI DWORD WINAPI GetSidLengthRequired(UCHAR n)
{
    return 8u + 4u * n;
}
