/*
 * router: ACL matching (first match, counted).
 */
#include "acl.h"

#include "wire.h"

void rt_acl_init(struct rt_acl *acl, const struct rt_acl_rule *rules, unsigned n)
{
    acl->n = n;
    acl->rule = rules;
    for (unsigned i = 0; i < RT_MAX_ACL; i++)
        acl->hits[i] = 0;
    acl->no_match = 0;
}

static bool in_prefix(uint32_t a, const struct rt_prefix *p)
{
    return (a & rt_mask(p->len)) == p->addr;
}

static bool matches(const struct rt_acl_rule *r, const struct rt_flow *f)
{
    if (r->nic >= 0 && (unsigned)r->nic != f->nic)
        return false;
    if (r->proto >= 0 && r->proto != f->proto)
        return false;
    if (!in_prefix(f->src, &r->src) || !in_prefix(f->dst, &r->dst))
        return false;
    if (r->has_sport && (!f->ports || f->sport < r->sport_lo || f->sport > r->sport_hi))
        return false;
    if (r->has_dport && (!f->ports || f->dport < r->dport_lo || f->dport > r->dport_hi))
        return false;
    return true;
}

bool rt_acl_allows(struct rt_acl *acl, const struct rt_flow *f)
{
    for (unsigned i = 0; i < acl->n; i++) {
        if (matches(&acl->rule[i], f)) {
            acl->hits[i]++;
            return acl->rule[i].allow;
        }
    }
    acl->no_match++;
    return true;
}
