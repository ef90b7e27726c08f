/*
 * Network device handles: a handle is the NIC's index in the manifest (and
 * boot info), valid once acquired.
 */
#include "skiff/rt.h"

#include "bindings.h"

struct gnic *skiff_nic_get(solo5_handle_t handle)
{
    if (skiff_boot == NULL || handle >= skiff_boot->nic_count)
        return NULL;
    struct gnic *n = &skiff_nics[handle];
    return n->acquired ? n : NULL;
}

solo5_result_t solo5_net_acquire(const char *name, solo5_handle_t *handle,
                                 struct solo5_net_info *info)
{
    if (name == NULL || handle == NULL || info == NULL)
        return SOLO5_R_EINVAL;
    for (unsigned i = 0; i < skiff_boot->nic_count; i++) {
        struct gnic *n = &skiff_nics[i];
        if (strncmp(n->boot->name, name, SKIFF_NAME_MAX) != 0)
            continue;
        if (n->acquired)
            return SOLO5_R_EINVAL; /* Solo5: one acquire per device */
        n->acquired = true;
        *handle = i;
        memcpy(info->mac_address, n->boot->mac, SOLO5_NET_ALEN);
        info->mtu = n->boot->mtu;
        return SOLO5_R_OK;
    }
    return SOLO5_R_EINVAL;
}

uint32_t solo5_net_features(solo5_handle_t handle)
{
    struct gnic *n = skiff_nic_get(handle);
    return n != NULL && n->vnet ? SOLO5_NET_F_VNET : 0;
}
