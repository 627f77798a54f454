/* The model table (index order is the tool's stable model order), name lookup and reason texts. */
#include <string.h>
#include "models.h"

const struct model msx_models[] = {
    /* name        decide               completion write  qemu D5 stateless key-table, column feed */
    {"forward-all", forward_all_decide, NULL, 0, 0, 1, forward_all_feed_keys, forward_all_feed_cols},
    {"xen-3.4", xen34_decide, NULL, 1, 0, 0, xen34_feed_keys, xen34_feed_cols},
    {"xen-4.1", xen41_decide, NULL, 1, 0, 0, xen41_feed_keys, xen41_feed_cols},
    {"xen-4.2", xen42_decide, NULL, 1, 0, 0, xen42_feed_keys, xen42_feed_cols},
    {"xen-4.4", xen44_decide, xen44_write, 1, 0, 0, xen44_feed_keys, xen44_feed_cols},
    {"xen-4.6", xen46_decide, xen46_write, 1, 0, 0, xen46_feed_keys, xen46_feed_cols},
    {"xen-4.7", xen47_decide, xen47_write, 1, 1, 0, xen47_feed_keys, xen47_feed_cols},
    {"xen-4.19", xen419_decide, xen419_write, 1, 1, 0, xen419_feed_keys, xen419_feed_cols},
    {"xen-vpci", vpci_decide, NULL, 0, 0, 1, vpci_feed_keys, vpci_feed_cols},
};
const int32_t msx_nmodels = (int32_t)(sizeof msx_models / sizeof msx_models[0]);

MSX_API int32_t msx_model_count(void) { return msx_nmodels; }

MSX_API const char *msx_model_name(int32_t model)
{
    return model >= 0 && model < msx_nmodels ? msx_models[model].name : NULL;
}

MSX_API int32_t msx_model_find(const char *name)
{
    if (!name)
        return -1;
    if (strcmp(name, "kvm") == 0)
        return 0; /* upstream KVM forwards every table access to userspace, like Xen <= 3.3 */
    for (int32_t i = 0; i < msx_nmodels; i++)
        if (strcmp(name, msx_models[i].name) == 0)
            return i;
    return -1;
}

#define MSX_REASON_TEXT(name, text) text,
static const char *const reason_texts[] = {MSX_REASON_LIST(MSX_REASON_TEXT)};
#undef MSX_REASON_TEXT

_Static_assert(MSX_REASONS <= 32, "reason codes must fit in 5 bits");
_Static_assert(sizeof(msx_device_cfg) == 32, "device record is 32 bytes");

MSX_API const char *msx_reason_text(int32_t reason)
{
    return reason >= 0 && reason < MSX_REASONS ? reason_texts[reason] : "unknown reason";
}
