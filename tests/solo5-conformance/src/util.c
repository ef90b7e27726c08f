/* Helpers for the conformance programs (see util.h). */
#include "util.h"

int verdict(const char *name, const char *failure)
{
    put(name);
    if (failure == NULL) {
        put(": SUCCESS\n");
        return SOLO5_EXIT_SUCCESS;
    }
    put(": FAILURE (");
    put(failure);
    put(")\n");
    return SOLO5_EXIT_FAILURE;
}
