/*
 * driver.c - one libFuzzer program per target of targets.h: built once per
 * target with FUZZ_FN naming its function (fuzz/CMakeLists.txt).
 */
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return FUZZ_FN(data, size);
}
