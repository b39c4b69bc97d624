/*
 * securitybaseapi.h - part of the Win32 face of shmap: security
 * descriptors, ACLs and SIDs in memory (absolute and self-relative
 * descriptors, MakeSelfRelativeSD, ACEs, SID helpers).  Included by
 * windows.h.  Values and errors as Windows.
 */
#ifndef SHMAP_SECURITYBASEAPI_H
#define SHMAP_SECURITYBASEAPI_H
#include "windows.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- security descriptors ---- */
WINBASEAPI BOOL WINAPI InitializeSecurityDescriptor(PSECURITY_DESCRIPTOR pSecurityDescriptor,
                                                    DWORD dwRevision);
WINBASEAPI BOOL WINAPI IsValidSecurityDescriptor(PSECURITY_DESCRIPTOR pSecurityDescriptor);
WINBASEAPI DWORD WINAPI GetSecurityDescriptorLength(PSECURITY_DESCRIPTOR pSecurityDescriptor);
WINBASEAPI BOOL WINAPI GetSecurityDescriptorControl(PSECURITY_DESCRIPTOR pSecurityDescriptor,
                                                    PSECURITY_DESCRIPTOR_CONTROL pControl,
                                                    LPDWORD lpdwRevision);
WINBASEAPI BOOL WINAPI SetSecurityDescriptorDacl(PSECURITY_DESCRIPTOR pSecurityDescriptor,
                                                 BOOL bDaclPresent, PACL pDacl,
                                                 BOOL bDaclDefaulted);
WINBASEAPI BOOL WINAPI GetSecurityDescriptorDacl(PSECURITY_DESCRIPTOR pSecurityDescriptor,
                                                 LPBOOL lpbDaclPresent, PACL *pDacl,
                                                 LPBOOL lpbDaclDefaulted);
WINBASEAPI BOOL WINAPI SetSecurityDescriptorOwner(PSECURITY_DESCRIPTOR pSecurityDescriptor,
                                                  PSID pOwner, BOOL bOwnerDefaulted);
WINBASEAPI BOOL WINAPI GetSecurityDescriptorOwner(PSECURITY_DESCRIPTOR pSecurityDescriptor,
                                                  PSID *pOwner, LPBOOL lpbOwnerDefaulted);
WINBASEAPI BOOL WINAPI SetSecurityDescriptorGroup(PSECURITY_DESCRIPTOR pSecurityDescriptor,
                                                  PSID pGroup, BOOL bGroupDefaulted);
WINBASEAPI BOOL WINAPI GetSecurityDescriptorGroup(PSECURITY_DESCRIPTOR pSecurityDescriptor,
                                                  PSID *pGroup, LPBOOL lpbGroupDefaulted);
WINBASEAPI BOOL WINAPI MakeSelfRelativeSD(PSECURITY_DESCRIPTOR pAbsoluteSecurityDescriptor,
                                          PSECURITY_DESCRIPTOR pSelfRelativeSecurityDescriptor,
                                          LPDWORD lpdwBufferLength);

/* ---- the descriptor of an object, by handle (secinfo.c) ---- */
WINBASEAPI BOOL WINAPI GetKernelObjectSecurity(HANDLE Handle,
                                               SECURITY_INFORMATION RequestedInformation,
                                               PSECURITY_DESCRIPTOR pSecurityDescriptor,
                                               DWORD nLength, LPDWORD lpnLengthNeeded);
WINBASEAPI BOOL WINAPI SetKernelObjectSecurity(HANDLE Handle,
                                               SECURITY_INFORMATION SecurityInformation,
                                               PSECURITY_DESCRIPTOR SecurityDescriptor);
/* ---- tokens (the calling process's only) ---- */
WINBASEAPI BOOL WINAPI OpenProcessToken(HANDLE ProcessHandle, DWORD DesiredAccess,
                                        PHANDLE TokenHandle);
WINBASEAPI BOOL WINAPI GetTokenInformation(HANDLE TokenHandle,
                                           TOKEN_INFORMATION_CLASS TokenInformationClass,
                                           LPVOID TokenInformation, DWORD TokenInformationLength,
                                           PDWORD ReturnLength);

/* ---- ACLs ---- */
WINBASEAPI BOOL WINAPI InitializeAcl(PACL pAcl, DWORD nAclLength, DWORD dwAclRevision);
WINBASEAPI BOOL WINAPI IsValidAcl(PACL pAcl);
WINBASEAPI BOOL WINAPI AddAccessAllowedAce(PACL pAcl, DWORD dwAceRevision, DWORD AccessMask,
                                           PSID pSid);
WINBASEAPI BOOL WINAPI AddAccessAllowedAceEx(PACL pAcl, DWORD dwAceRevision, DWORD AceFlags,
                                             DWORD AccessMask, PSID pSid);
WINBASEAPI BOOL WINAPI AddAccessDeniedAce(PACL pAcl, DWORD dwAceRevision, DWORD AccessMask,
                                          PSID pSid);
WINBASEAPI BOOL WINAPI AddAccessDeniedAceEx(PACL pAcl, DWORD dwAceRevision, DWORD AceFlags,
                                            DWORD AccessMask, PSID pSid);
WINBASEAPI BOOL WINAPI GetAce(PACL pAcl, DWORD dwAceIndex, LPVOID *pAce);
WINBASEAPI BOOL WINAPI GetAclInformation(PACL pAcl, LPVOID pAclInformation,
                                         DWORD nAclInformationLength,
                                         ACL_INFORMATION_CLASS dwAclInformationClass);

/* ---- SIDs ---- */
WINBASEAPI BOOL WINAPI AllocateAndInitializeSid(PSID_IDENTIFIER_AUTHORITY pIdentifierAuthority,
                                                BYTE nSubAuthorityCount, DWORD nSubAuthority0,
                                                DWORD nSubAuthority1, DWORD nSubAuthority2,
                                                DWORD nSubAuthority3, DWORD nSubAuthority4,
                                                DWORD nSubAuthority5, DWORD nSubAuthority6,
                                                DWORD nSubAuthority7, PSID *pSid);
WINBASEAPI PVOID WINAPI FreeSid(PSID pSid);
WINBASEAPI BOOL WINAPI EqualSid(PSID pSid1, PSID pSid2);
WINBASEAPI DWORD WINAPI GetLengthSid(PSID pSid);
WINBASEAPI BOOL WINAPI IsValidSid(PSID pSid);
WINBASEAPI BOOL WINAPI CopySid(DWORD nDestinationSidLength, PSID pDestinationSid, PSID pSourceSid);
WINBASEAPI PDWORD WINAPI GetSidSubAuthority(PSID pSid, DWORD nSubAuthority);
WINBASEAPI PUCHAR WINAPI GetSidSubAuthorityCount(PSID pSid);
WINBASEAPI BOOL WINAPI InitializeSid(PSID Sid, PSID_IDENTIFIER_AUTHORITY pIdentifierAuthority,
                                     BYTE nSubAuthorityCount);
WINBASEAPI DWORD WINAPI GetSidLengthRequired(UCHAR nSubAuthorityCount);

#ifdef __cplusplus
}
#endif
#endif
