#!/usr/bin/env bash
# Make this machine run i386 (-m32) programs.  Its kernel refuses 32-bit
# ELF binaries (the VM has no 32-bit compat mode), so 32-bit programs run
# under qemu-user: a real i386-ABI process whose system calls go to this
# kernel, so it shares memory, futexes and file locks with native 64-bit
# processes.  binfmt_misc makes exec() of an i386 binary go through qemu, so
# tests can start 32-bit helpers like any other program.
set -euo pipefail
printf 'int main(void){return 0;}\n' >/tmp/shmap-i386-probe.c
gcc -m32 -o /tmp/shmap-i386-probe /tmp/shmap-i386-probe.c
if /tmp/shmap-i386-probe 2>/dev/null; then
    echo "enable-i386: the kernel runs i386 binaries natively"
    exit 0
fi
command -v qemu-i386 >/dev/null || apt-get install -y -qq qemu-user >/dev/null
[ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-i386 ]; then
    printf '%s' ':qemu-i386:M::\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x03\x00:\xff\xff\xff\xff\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-i386:F' \
        >/proc/sys/fs/binfmt_misc/register
fi
/tmp/shmap-i386-probe
echo "enable-i386: i386 binaries run under qemu-user"
