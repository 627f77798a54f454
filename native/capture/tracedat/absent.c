/* Built instead of tracedat.c where libtracecmd's headers are missing at install time: capture then
 * says how to get them (or to run `trace-cmd report`) instead of reading trace.dat itself. */
#include <stdint.h>

__attribute__((visibility("default"))) int32_t msx_tracedat_available(void)
{
    return 0;
}
