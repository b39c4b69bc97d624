/*
 * shmap/security.h - security descriptors, SIDs, ACLs and SDDL strings in
 * Windows' own binary formats (MS-DTYP), and the access check.  Included by
 * shmap.h; the conventions written at its top apply here too (return 0 or
 * a negative code, outputs written only on success, output pointers probed:
 * -EFAULT).
 *
 * Formats (all little-endian, byte-aligned reads, nothing depends on the
 * pointer size):
 *  - SID: revision 1, subauthority count (0..15), 6-byte big-endian
 *    identifier authority, count 32-bit subauthorities: 8 + 4 * count bytes.
 *  - ACL: revision (2..4), 0, size (16 bits, header included), ACE count,
 *    0; then the ACEs.  ACE: type, flags, size (16 bits, a multiple of 4),
 *    then per type: allowed, denied, audit, alarm, mandatory label: a 32-bit
 *    mask and a SID.
 *  - Security descriptor, self-relative: revision 1, 0, control (16 bits,
 *    SHMAP_SE_SELF_RELATIVE set), then the 32-bit offsets of owner, group,
 *    SACL, DACL (0: absent).  The native API handles this form only; the
 *    Win32 face converts absolute descriptors.
 * Linux principals are the SIDs Samba gives them: user uid S-1-22-1-<uid>,
 * group gid S-1-22-2-<gid>.  Allocated results are freed with shmap_free.
 * docs/security.md says what SDDL accepts and the order of the check.
 */
#ifndef SHMAP_SECURITY_H
#define SHMAP_SECURITY_H

#include <stddef.h>
#include "shmap/types.h"
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SECURITY_INFORMATION: which parts shmap_sd_to_sddl writes. */
#define SHMAP_OWNER_SECURITY_INFORMATION 0x1u
#define SHMAP_GROUP_SECURITY_INFORMATION 0x2u
#define SHMAP_DACL_SECURITY_INFORMATION 0x4u
#define SHMAP_SACL_SECURITY_INFORMATION 0x8u

/* Control bits of a descriptor (SE_*). */
#define SHMAP_SE_OWNER_DEFAULTED 0x0001u
#define SHMAP_SE_GROUP_DEFAULTED 0x0002u
#define SHMAP_SE_DACL_PRESENT 0x0004u
#define SHMAP_SE_DACL_DEFAULTED 0x0008u
#define SHMAP_SE_SACL_PRESENT 0x0010u
#define SHMAP_SE_SACL_DEFAULTED 0x0020u
#define SHMAP_SE_DACL_AUTO_INHERIT_REQ 0x0100u
#define SHMAP_SE_SACL_AUTO_INHERIT_REQ 0x0200u
#define SHMAP_SE_DACL_AUTO_INHERITED 0x0400u
#define SHMAP_SE_SACL_AUTO_INHERITED 0x0800u
#define SHMAP_SE_DACL_PROTECTED 0x1000u
#define SHMAP_SE_SACL_PROTECTED 0x2000u
#define SHMAP_SE_RM_CONTROL_VALID 0x4000u
#define SHMAP_SE_SELF_RELATIVE 0x8000u

/* ACE types and flags. */
#define SHMAP_ACE_ALLOWED 0x00u
#define SHMAP_ACE_DENIED 0x01u
#define SHMAP_ACE_AUDIT 0x02u
#define SHMAP_ACE_ALARM 0x03u
#define SHMAP_ACE_MANDATORY_LABEL 0x11u
#define SHMAP_ACE_OBJECT_INHERIT 0x01u
#define SHMAP_ACE_CONTAINER_INHERIT 0x02u
#define SHMAP_ACE_NO_PROPAGATE_INHERIT 0x04u
#define SHMAP_ACE_INHERIT_ONLY 0x08u
#define SHMAP_ACE_INHERITED 0x10u
#define SHMAP_ACE_VALID_INHERIT_FLAGS 0x1Fu
#define SHMAP_ACE_SUCCESSFUL_ACCESS 0x40u
#define SHMAP_ACE_FAILED_ACCESS 0x80u

#define SHMAP_ACL_REVISION 2u
#define SHMAP_ACL_REVISION_DS 4u
#define SHMAP_SID_MAX_SIZE 68u /* a SID with 15 subauthorities */

/* A Linux identity as the access check sees it: the SIDs it holds are
 * S-1-22-1-uid, S-1-22-2-gid and S-1-22-2-<each of groups>, Everyone
 * (S-1-1-0), Authenticated Users (S-1-5-11), and for uid 0 also SYSTEM
 * (S-1-5-18) and Administrators (S-1-5-32-544). */
struct shmap_token {
    uint32_t uid, gid;
    const uint32_t *groups; /* supplementary groups; may be NULL if ngroups is 0 */
    size_t ngroups;
};

/* Free what a call of this header allocated (NULL: nothing). */
SHMAP_EXTERN void shmap_free(void *p);

/* ---- SIDs -------------------------------------------------------------- */

/* Parse "S-1-5-32-544" (authority decimal below 2^32, or 0x and at most
 * 12 hex digits; 1..15 subauthorities, each at most 4294967295) or a two-letter
 * SDDL alias ("WD", "SY"...; ConvertStringSidToSid takes them too) into a
 * malloc'd SID (*len bytes; len may be NULL).  Nothing may follow.
 * Errors: -EINVAL (s NULL), SHMAP_EBADSID, -ENOMEM. */
SHMAP_EXTERN int shmap_sid_from_string(const char *s, void **sid, size_t *len);

/* "S-1-..." of the SID at sid (at most len bytes read), never an alias;
 * the authority in decimal below 2^32, else 0x and 12 hex digits.  Errors:
 * SHMAP_EBADSID, -ENOMEM. */
SHMAP_EXTERN int shmap_sid_to_string(const void *sid, size_t len, char **out);

/* 0 if a valid SID starts at sid within len bytes (*sidlen: its length;
 * may be NULL), else SHMAP_EBADSID. */
SHMAP_EXTERN int shmap_sid_validate(const void *sid, size_t len, size_t *sidlen);

/* The SID of Linux user uid (S-1-22-1-uid) or, group != 0, of group
 * gid (S-1-22-2-gid) into out[SHMAP_SID_MAX_SIZE]; *len its length. */
SHMAP_EXTERN int shmap_sid_from_unix(int group, uint32_t id, void *out, size_t *len);

/* ---- ACLs -------------------------------------------------------------- */

/* Make an empty ACL at acl of size bytes (rounded down to a multiple of
 * 4).  revision: SHMAP_ACL_REVISION (2), 3 or SHMAP_ACL_REVISION_DS (4).
 * Errors: SHMAP_ESMALL (size < 8), -EINVAL (size > 65535, revision). */
SHMAP_EXTERN int shmap_acl_init(void *acl, size_t size, uint32_t revision);

/* Append an ACE of type (SHMAP_ACE_ALLOWED, _DENIED, _AUDIT, _ALARM) with
 * flags (inheritance flags; audit ACEs also SUCCESSFUL/FAILED_ACCESS),
 * mask and a copy of sid to the ACL at acl (kept within its size).
 * Errors: SHMAP_EBADACL, SHMAP_EBADSID, -EINVAL (type or flags),
 * SHMAP_EACLFULL (no room left). */
SHMAP_EXTERN int shmap_acl_add_ace(void *acl, unsigned type, unsigned flags, uint32_t mask,
                                   const void *sid);

/* 0 if a valid ACL starts at acl within len bytes, else SHMAP_EBADACL. */
SHMAP_EXTERN int shmap_acl_validate(const void *acl, size_t len);

/* ---- security descriptors ------------------------------------------------ */

/* 0 if sd (len bytes) is a valid self-relative descriptor: revision 1,
 * SE_SELF_RELATIVE, every offset and length inside len, valid SIDs and
 * ACLs.  Errors: SHMAP_EBADSD, SHMAP_EBADSID, SHMAP_EBADACL,
 * SHMAP_EREVISION (revision not 1). */
SHMAP_EXTERN int shmap_sd_validate(const void *sd, size_t len);

/* The bytes the self-relative descriptor at sd spans (header and the end
 * of its farthest part), reading no more than max bytes and only headers
 * (the Win32 face's GetSecurityDescriptorLength, where no length is
 * known: pass SIZE_MAX, every read is probed).  Errors: SHMAP_EBADSD,
 * -EFAULT. */
SHMAP_EXTERN int shmap_sd_length(const void *sd, size_t max, size_t *len);

/* A self-relative descriptor (malloc'd) of parts: control (SE_*; the
 * PRESENT bits follow the parts, SE_DACL_PRESENT may be given with dacl
 * NULL for a NULL DACL, likewise for the SACL), owner and group SIDs,
 * SACL and DACL, each NULL if absent and read within its own length.
 * Errors: SHMAP_EBADSID, SHMAP_EBADACL, -ENOMEM, -EFAULT. */
SHMAP_EXTERN int shmap_sd_make(uint32_t control, const void *owner, const void *group,
                               const void *sacl, const void *dacl, void **sd, size_t *len);

/* Parse an SDDL string ("O:BAG:SYD:P(A;;GA;;;WD)") into a malloc'd self-
 * relative descriptor.  Errors: -EINVAL (s NULL, unknown or repeated
 * component, text outside a component), SHMAP_EBADACL (anything wrong
 * inside D: or S:, an unknown SID alias in an ACE included), SHMAP_EBADSID
 * (owner or group), -ENOMEM. */
SHMAP_EXTERN int shmap_sd_from_sddl(const char *s, void **sd, size_t *len);

/* The SDDL string of the parts of sd selected by info (the
 * SHMAP_*_SECURITY_INFORMATION bits), as Windows writes it.  Errors: those
 * of shmap_sd_validate, -ENOMEM. */
SHMAP_EXTERN int shmap_sd_to_sddl(const void *sd, size_t len, uint32_t info, char **out);

/* Check access: may token tok (NULL: the calling process) have desired
 * (GENERIC_* bits are mapped with generic_map = {read, write, execute,
 * all}; SHMAP_MAXIMUM_ALLOWED: whatever the DACL gives) to an object with
 * descriptor sd?  *granted: the rights granted.  No DACL or a NULL DACL
 * grants everything; the owner always has READ_CONTROL and WRITE_DAC
 * unless the DACL has an OWNER RIGHTS (S-1-3-4) ACE.  Errors: -EACCES
 * (denied, or desired 0), SHMAP_EPRIV (ACCESS_SYSTEM_SECURITY), the errors
 * of shmap_sd_validate, -ENOMEM. */
SHMAP_EXTERN int shmap_sd_access_check(const void *sd, size_t len, const struct shmap_token *tok,
                                       uint32_t desired, const uint32_t generic_map[4],
                                       uint32_t *granted);

/* ---- tokens ---------------------------------------------------------------- */

/* The calling process's token SIDs (see struct shmap_token) as one
 * malloc'd buffer of *count SIDs back to back (*len bytes), in this order:
 * user, primary group, supplementary groups, Everyone, Authenticated
 * Users, then SYSTEM and Administrators for root.  So the first is
 * TokenUser and TokenOwner, the second TokenPrimaryGroup, and the rest
 * TokenGroups.  Errors: -ENOMEM, -errno of getgroups. */
SHMAP_EXTERN int shmap_token_sids(void **sids, size_t *len, size_t *count);

/* ---- objects' security ------------------------------------------------------ */

/* The security descriptor (self-relative, validated here: else its
 * error) that the calling thread's next Create* of a named type gives its
 * new object (docs/security.md): its owner and group, missing ones
 * filled with the caller's; GENERIC_* rights mapped to the type's;
 * CREATOR OWNER / GROUP replaced.  The next Create* consumes it, whether
 * it creates, opens an existing object (whose descriptor stays) or fails.
 * NULL: forget a descriptor given and not consumed.  Without one an object
 * gets the default: its creator, root (SY, BA) full access, nobody else.
 * The DACL is also carried to the object file's mode and POSIX ACL, so
 * that the kernel refuses what the DACL refuses (see docs/security.md for
 * exactly which rights).  0, -EFAULT, -ENOMEM, SHMAP_EBADSD... */
SHMAP_EXTERN int shmap_security_next(const void *sd, size_t len);

/* The parts (info: SHMAP_*_SECURITY_INFORMATION) of the security descriptor
 * of the object of handle h, as a fresh self-relative descriptor
 * (shmap_free).  Owner, group and DACL need READ_CONTROL on the handle
 * (-EACCES); the SACL needs a privilege (SHMAP_EPRIV).  Named types only:
 * files, processes and threads give SHMAP_ENOTSUP. */
SHMAP_EXTERN int shmap_security_get(shmap_handle_t h, uint32_t info, void **sd, size_t *len);
/* Replace the parts info of the object's descriptor with those of sd
 * (self-relative): the DACL needs WRITE_DAC, owner and group WRITE_OWNER.
 * The new DACL is normalized as at creation and carried to the object
 * file's permissions first: a caller who is not the file's owner cannot
 * change them and gets -EACCES, nothing changed. */
SHMAP_EXTERN int shmap_security_set(shmap_handle_t h, uint32_t info, const void *sd, size_t len);

/* A token of process (SHMAP_CURRENT_PROCESS, or a handle with
 * PROCESS_QUERY_LIMITED_INFORMATION): a handle of type SHMAP_TYPE_TOKEN
 * with access (TOKEN_*, or MAXIMUM_ALLOWED), holding the process's
 * effective uid, gid and groups as they are now. */
SHMAP_EXTERN int shmap_token_open(shmap_handle_t process, uint32_t access, shmap_handle_t *out);
/* The token's SIDs (TOKEN_QUERY needed), as shmap_token_sids gives the
 * calling process's: one malloc'd buffer of *count SIDs, *len bytes. */
SHMAP_EXTERN int shmap_token_query(shmap_handle_t token, void **sids, size_t *len, size_t *count);

#ifdef __cplusplus
}
#endif

#endif
