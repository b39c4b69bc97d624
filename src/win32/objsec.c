/*
 * objsec.c - the Win32 calls on the security of objects by handle
 * (GetSecurityInfo, SetSecurityInfo, Get/SetKernelObjectSecurity) and on
 * tokens (OpenProcessToken, GetTokenInformation), over shmap/security.h.
 */
#include <stdint.h>
#include <stdlib.h>

#include "aclapi.h"
#include "w32.h"

/* The part of a self-relative descriptor at the offset in field (4 owner,
 * 8 group, 12 SACL, 16 DACL), or NULL. */
static void *part(void *sd, unsigned field)
{
    uint32_t off;
    memcpy(&off, (char *)sd + field, sizeof off);
    return off ? (char *)sd + off : NULL;
}

static DWORD code_of(int r)
{
    return r == 0 ? ERROR_SUCCESS : shmap_w32__code(r);
}

WINBASEAPI DWORD WINAPI GetSecurityInfo(HANDLE handle, SE_OBJECT_TYPE type,
                                        SECURITY_INFORMATION info, PSID *owner, PSID *group,
                                        PACL *dacl, PACL *sacl, PSECURITY_DESCRIPTOR *sd)
{
    if (type != SE_KERNEL_OBJECT && type != SE_FILE_OBJECT)
        return ERROR_INVALID_PARAMETER;
    if (!sd && (owner || group || dacl || sacl)) /* the parts point into *sd */
        return ERROR_INVALID_PARAMETER;
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): the outputs are pointers to PACL */
    if (W32_BAD_OPT(owner) || W32_BAD_OPT(group) || W32_BAD_OPT(dacl) || W32_BAD_OPT(sacl) ||
        W32_BAD_OPT(sd))
        return ERROR_NOACCESS;
    void *rel;
    size_t len;
    int r = shmap_security_get(NATIVE(handle), info, &rel, &len);
    if (r)
        return code_of(r);
    if (owner)
        W32_PUT(owner, (info & OWNER_SECURITY_INFORMATION) ? part(rel, 4) : NULL);
    if (group)
        W32_PUT(group, (info & GROUP_SECURITY_INFORMATION) ? part(rel, 8) : NULL);
    if (dacl) /* NOLINTNEXTLINE(bugprone-sizeof-expression): a PACL is stored */
        W32_PUT(dacl, (info & DACL_SECURITY_INFORMATION) ? (PACL)part(rel, 16) : NULL);
    if (sacl) /* NOLINTNEXTLINE(bugprone-sizeof-expression): a PACL is stored */
        W32_PUT(sacl, (PACL)NULL);
    if (sd)
        W32_PUT(sd, (PSECURITY_DESCRIPTOR)rel); /* freed with LocalFree (free) */
    else
        shmap_free(rel);
    return ERROR_SUCCESS;
}

WINBASEAPI DWORD WINAPI SetSecurityInfo(HANDLE handle, SE_OBJECT_TYPE type,
                                        SECURITY_INFORMATION info, PSID owner, PSID group,
                                        PACL dacl, PACL sacl)
{
    if (type != SE_KERNEL_OBJECT && type != SE_FILE_OBJECT)
        return ERROR_INVALID_PARAMETER;
    SECURITY_DESCRIPTOR abs;
    InitializeSecurityDescriptor(&abs, SECURITY_DESCRIPTOR_REVISION);
    if ((info & OWNER_SECURITY_INFORMATION) && !SetSecurityDescriptorOwner(&abs, owner, FALSE))
        return GetLastError();
    if ((info & GROUP_SECURITY_INFORMATION) && !SetSecurityDescriptorGroup(&abs, group, FALSE))
        return GetLastError();
    if ((info & DACL_SECURITY_INFORMATION) && !SetSecurityDescriptorDacl(&abs, TRUE, dacl, FALSE))
        return GetLastError();
    (void)sacl;
    void *rel;
    size_t len;
    int r = shmap_w32__sd_relative(&abs, &rel, &len);
    if (r == 0) {
        r = shmap_security_set(NATIVE(handle), info, rel, len);
        free(rel);
    }
    return code_of(r);
}

WINBASEAPI BOOL WINAPI GetKernelObjectSecurity(HANDLE handle, SECURITY_INFORMATION info,
                                               PSECURITY_DESCRIPTOR sd, DWORD n, LPDWORD needed)
{
    if (W32_BAD_OUT(needed)) {
        SetLastError(ERROR_NOACCESS);
        return FALSE;
    }
    void *rel;
    size_t len;
    int r = shmap_security_get(NATIVE(handle), info, &rel, &len);
    if (r) {
        shmap_w32__fail(r);
        return FALSE;
    }
    W32_PUT(needed, (DWORD)len);
    BOOL ok = len <= n && sd && shmap__probe_out(sd, len, 1) == 0;
    if (ok)
        memcpy(sd, rel, len);
    else
        SetLastError(len <= n ? ERROR_NOACCESS : ERROR_INSUFFICIENT_BUFFER);
    shmap_free(rel);
    return ok;
}

WINBASEAPI BOOL WINAPI SetKernelObjectSecurity(HANDLE handle, SECURITY_INFORMATION info,
                                               PSECURITY_DESCRIPTOR sd)
{
    void *rel;
    size_t len;
    int r = shmap_w32__sd_relative(sd, &rel, &len);
    if (r == 0) {
        r = shmap_security_set(NATIVE(handle), info, rel, len);
        free(rel);
    }
    if (r) {
        shmap_w32__fail(r);
        return FALSE;
    }
    return TRUE;
}

/* ---- tokens ---------------------------------------------------------------- */

WINBASEAPI BOOL WINAPI OpenProcessToken(HANDLE process, DWORD access, PHANDLE token)
{
    shmap_handle_t h;
    int r = W32_BAD_OUT(token) ? -EFAULT : shmap_token_open(NATIVE(process), access, &h);
    if (r) {
        shmap_w32__fail(r);
        return FALSE;
    }
    W32_PUT(token, WIN(h));
    return TRUE;
}

/* Lay out SID_AND_ATTRIBUTES entries (count of them, first = index of the
 * first SID used) and their SIDs after them in out; returns the size. */
static size_t lay_out(const uint8_t *sids, size_t nsids, size_t first, size_t count, size_t head,
                      DWORD attrs, uint8_t *out, size_t cap)
{
    size_t need = head + count * sizeof(SID_AND_ATTRIBUTES), off = 0;
    for (size_t i = 0; i < nsids; i++) {
        size_t l = 8u + 4u * sids[off + 1];
        if (i >= first && i < first + count) {
            if (out && need + l <= cap) {
                SID_AND_ATTRIBUTES sa = {(PSID)(out + need), attrs};
                memcpy(out + head + (i - first) * sizeof sa, &sa, sizeof sa);
                memcpy(out + need, sids + off, l);
            }
            need += l;
        }
        off += l;
    }
    return need;
}

WINBASEAPI BOOL WINAPI GetTokenInformation(HANDLE token, TOKEN_INFORMATION_CLASS cls, LPVOID info,
                                           DWORD len, PDWORD ret)
{
    if (W32_BAD_OUT(ret)) {
        SetLastError(ERROR_NOACCESS);
        return FALSE;
    }
    if (cls != TokenUser && cls != TokenGroups && cls != TokenOwner && cls != TokenPrimaryGroup) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    void *sids;
    size_t slen, n;
    int r = shmap_token_query(NATIVE(token), &sids, &slen, &n);
    if (r) {
        shmap_w32__fail(r);
        return FALSE;
    }
    const DWORD group_attrs = SE_GROUP_MANDATORY | SE_GROUP_ENABLED_BY_DEFAULT | SE_GROUP_ENABLED;
    size_t head = 0, first = 0, count = 1;
    DWORD attrs = 0;
    if (cls == TokenGroups) { /* every SID after the user's */
        head = offsetof(TOKEN_GROUPS, Groups);
        first = 1;
        count = n - 1;
        attrs = group_attrs;
    } else if (cls == TokenPrimaryGroup) {
        first = 1; /* TOKEN_PRIMARY_GROUP / TOKEN_OWNER: a PSID, then the SID */
    }
    size_t need;
    if (cls == TokenOwner || cls == TokenPrimaryGroup) {
        need =
            lay_out(sids, n, first, 1, 0, 0, NULL, 0) - sizeof(SID_AND_ATTRIBUTES) + sizeof(PSID);
    } else {
        need = lay_out(sids, n, first, count, head, attrs, NULL, 0);
    }
    W32_PUT(ret, (DWORD)need);
    if (!info || len < need) {
        shmap_free(sids);
        SetLastError(ERROR_INSUFFICIENT_BUFFER);
        return FALSE;
    }
    if (shmap__probe_out(info, need, 1)) {
        shmap_free(sids);
        SetLastError(ERROR_NOACCESS);
        return FALSE;
    }
    uint8_t *out = info;
    if (cls == TokenOwner || cls == TokenPrimaryGroup) {
        size_t off = 0;
        for (size_t i = 0; i < first; i++)
            off += 8u + 4u * ((uint8_t *)sids)[off + 1];
        PSID p = (PSID)(out + sizeof(PSID));
        memcpy(out, &p, sizeof p);
        memcpy(out + sizeof(PSID), (uint8_t *)sids + off, need - sizeof(PSID));
    } else {
        if (cls == TokenGroups) {
            DWORD c = (DWORD)count;
            memcpy(out, &c, sizeof c);
        }
        lay_out(sids, n, first, count, head, attrs, out, need);
    }
    shmap_free(sids);
    return TRUE;
}
