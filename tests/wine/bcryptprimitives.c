/* A stand-in for Windows' bcryptprimitives.dll, which Rust's standard
 * library imports (ProcessPrng, its source of random bytes) and Wine 8
 * (Debian 12's) lacks: the same bytes from RtlGenRandom, which Wine has.
 * The tests put it in their own Wine prefix (tests/e2e/hosts.rs). */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG n = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        length -= n;
    }
    return TRUE;
}
