/* bcryptprimitives.dll for Wine < 8.13, which lacks ProcessPrng: Rust's std (>= 1.78) imports
 * it for random bytes and every Rust executable exits with code 53 before main without it.
 * Built by scripts/wine/setup.sh with mingw-w64; used only to run the tests under Wine. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length); /* advapi32's RtlGenRandom */

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
