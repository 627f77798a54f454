/* forward-all (variant A, Xen <= 3.3; also upstream KVM): no interception at all. */
#include "models.h"

uint8_t forward_all_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a)
{
    (void)c, (void)d, (void)a;
    return FORWARD(MSX_R_FORWARD_ALL);
}
