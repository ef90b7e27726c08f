/* Backend lookup: the image's ABI note names its target, the target names
 * the backend. */
#include "core/backend.h"

#include "skiff/abi.h"

const struct skiff_backend *skiff_backend_for(uint32_t target)
{
    switch (target) {
    case SKIFF_TARGET_SPT: return &skiff_backend_spt;
#ifdef SKIFF_HAVE_HVT
    case SKIFF_TARGET_HVT: return &skiff_backend_hvt;
#endif
    default: return NULL;
    }
}
