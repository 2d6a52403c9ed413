/*
 * What the route-attribute tests of the speaker's announcements share: a
 * manifest loaded as the speaker loads it (decoded, validated, resolved
 * onto the one pool model), the routes of one node computed with a table
 * of route attributes, and their lookup; unload checks that every
 * reference the routes held came back.
 */
#ifndef BERTH_TEST_LB_ANNOUNCE_UTIL_H
#define BERTH_TEST_LB_ANNOUNCE_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "speaker/announce.h"

#define SVC(name, etp, ip)                                                                         \
	"apiVersion: v1\nkind: Service\nmetadata: {name: " name ", namespace: ns}\n"               \
	"spec: {type: LoadBalancer, externalTrafficPolicy: " etp "}\n"                             \
	"status: {loadBalancer: {ingress: [{ip: '" ip "'}]}}\n---\n"

#define NODE(name, labels)                                                                         \
	"apiVersion: v1\nkind: Node\nmetadata: {name: " name ", labels: {" labels "}}\n---\n"

#define NODES NODE("n1", "rack: r1") NODE("n2", "rack: r2")

struct world {
	struct cfg_set set;
	struct bgp_route_attrs_tab *tab; /* owned */
	struct lb_announce_opts o;
	struct prefix_set out;
};

static inline void load(struct world *w, const char *yaml)
{
	struct cfg_error err;

	memset(w, 0, sizeof(*w));
	cfg_set_init(&w->set);
	cfg_error_init(&err, "t.yaml", NULL);
	if (cfg_manifest_load_buf("t.yaml", yaml, strlen(yaml), &w->set, &err) < 0)
		fail_msg("load: %s", err.msg);
	cfg_error_init(&err, NULL, NULL);
	if (cfg_set_validate(&w->set, &err) < 0)
		fail_msg("validate: %s", err.msg);
	assert_int_equal(cfg_set_resolve(&w->set), 0);
	w->tab = bgp_route_attrs_tab_new();
	assert_non_null(w->tab);
	w->o.endpoints_known = true;
	w->o.attrs = w->tab;
	prefix_set_init(&w->out);
}

static inline void compute(struct world *w, const char *node)
{
	assert_int_equal(lb_announce_compute_opts(&w->set, node, &w->o, &w->out), 0);
}

static inline void unload(struct world *w)
{
	struct bgp_route_attrs_stats st;

	lb_announce_routes_clear(&w->o, &w->out);
	bgp_route_attrs_reclaim(w->tab, NULL, NULL);
	bgp_route_attrs_stats(w->tab, &st);
	/* every reference the routes held came back */
	assert_int_equal(st.live, 0);
	prefix_set_fini(&w->out);
	bgp_route_attrs_tab_free(w->tab);
	cfg_set_fini(&w->set);
}

/* The route attributes id of prefix s in w->out, or -1 when absent. */
static inline long route(const struct world *w, const char *s)
{
	struct bgp_prefix p;
	long at;

	assert_int_equal(bgp_prefix_parse(s, &p), 0);
	at = prefix_set_find(&w->out, &p);
	return at < 0 ? -1 : (long)prefix_set_val(&w->out, (size_t)at);
}

/* The attributes of prefix s in w->out, which must be there. */
static inline const struct bgp_route_attrs *attrs(const struct world *w, const char *s)
{
	long id = route(w, s);

	if (id < 0)
		fail_msg("no route %s", s);
	return bgp_route_attrs_get(w->tab, (uint32_t)id);
}

#endif
