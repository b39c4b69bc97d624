/*
 * aclapi.h - part of the Win32 face of shmap: the security descriptor of
 * an object by handle (GetSecurityInfo, SetSecurityInfo).  Kernel objects
 * (SE_KERNEL_OBJECT) of the named types: file mappings, events, mutexes,
 * semaphores, waitable timers and jobs.  They return the error code.
 */
#ifndef SHMAP_ACLAPI_H
#define SHMAP_ACLAPI_H
#include "accctrl.h"
#include "windows.h"

#ifdef __cplusplus
extern "C" {
#endif

WINBASEAPI DWORD WINAPI GetSecurityInfo(HANDLE handle, SE_OBJECT_TYPE ObjectType,
                                        SECURITY_INFORMATION SecurityInfo, PSID *ppsidOwner,
                                        PSID *ppsidGroup, PACL *ppDacl, PACL *ppSacl,
                                        PSECURITY_DESCRIPTOR *ppSecurityDescriptor);
WINBASEAPI DWORD WINAPI SetSecurityInfo(HANDLE handle, SE_OBJECT_TYPE ObjectType,
                                        SECURITY_INFORMATION SecurityInfo, PSID psidOwner,
                                        PSID psidGroup, PACL pDacl, PACL pSacl);

#ifdef __cplusplus
}
#endif
#endif
