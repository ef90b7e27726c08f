/*
 * spt --io=direct packet capture, guest side (capture_spt.h): one lossless
 * SHMStream writer per captured NIC. A frame is stamped with the wall
 * clock (the vDSO: no system call), copied into the next free slot behind
 * a struct skiff_cap_hdr and published at once; the tender's capture
 * writer polls the channel, so no notification is ever sent.
 */
#include "capture_spt.h"

#include "skiff/rt.h"

#include "../bindings.h"
#include "../hc.h"

_Static_assert(sizeof(((struct skiff_cap_area *)0)->ctrl) == sizeof(struct shms_ctrl),
               "the capture area holds one shms_ctrl");

uint32_t gcap_nics;

static struct {
    struct shms_writer w;
    struct skiff_cap_area *area;
    uint32_t skip; /* bytes of virtio-net header before each frame */
} cap[SKIFF_MAX_NICS];

void gcap_init(const struct skiff_boot_info *bi)
{
    unsigned count = bi->nic_count <= SKIFF_MAX_NICS ? bi->nic_count : 0;
    for (unsigned i = 0; i < count; i++) {
        const struct skiff_boot_nic *b = &bi->nics[i];
        if (b->cap_area == 0)
            continue;
        struct skiff_cap_area *a = (struct skiff_cap_area *)(uintptr_t)b->cap_area;
        const struct shms_geometry g = {
            .protocol = SKIFF_CAP_PROTOCOL,
            .size = a->slot_size,
            .elements = a->slot_count,
        };
        uint64_t need = shms_channel_bytes(&g);
        if (need == 0 || need > a->chan_bytes ||
            shms_slot_capacity(g.size) <= sizeof(struct skiff_cap_hdr) ||
            shms_writer_init(&cap[i].w, (void *)(uintptr_t)a->chan, a->chan_bytes,
                             (struct shms_ctrl *)(void *)a->ctrl, &g, 1,
                             SHMS_MODE_LOSSLESS) != SHMS_OK)
            hc_exit(SOLO5_EXIT_ABORT, "skiff: boot info: bad capture channel");
        cap[i].area = a;
        cap[i].skip = (b->flags & SKIFF_NIC_F_VNET) ? SOLO5_NET_VNET_HLEN : 0;
        gcap_nics |= 1u << i;
    }
}

void gcap_put(unsigned nic, uint32_t dir, const void *buf, size_t len)
{
    struct shms_wslot ws;
    if (len <= cap[nic].skip)
        return;
    buf = (const uint8_t *)buf + cap[nic].skip;
    len -= cap[nic].skip;
    if (shms_writer_reserve(&cap[nic].w, &ws) != SHMS_OK) {
        /* Never wait: the frame goes on, the capture counts it missed. */
        __atomic_store_n(&cap[nic].area->not_captured, cap[nic].area->not_captured + 1,
                         __ATOMIC_RELAXED);
        return;
    }
    uint32_t room = ws.cap - (uint32_t)sizeof(struct skiff_cap_hdr);
    uint32_t keep = len < room ? (uint32_t)len : room;
    struct skiff_cap_hdr h = {
        .ts_ns = hc_clock_wall(),
        .origlen = (uint32_t)len,
        .dir = dir,
    };
    memcpy(ws.data, &h, sizeof h);
    memcpy((uint8_t *)ws.data + sizeof h, buf, keep);
    shms_writer_commit(&cap[nic].w, &ws, (uint32_t)sizeof h + keep, 0);
    shms_writer_publish(&cap[nic].w);
}
