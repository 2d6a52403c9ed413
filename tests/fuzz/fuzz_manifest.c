/*
 * Manifest bytes -> YAML -> jansson -> typed decoders -> cfg_set, and the
 * accessors the speaker calls on what loads. Checks the all-or-nothing
 * contract (a failed load leaves the set empty) and that a peer always
 * equals itself; ASan/UBSan catch the rest, leaks included.
 *
 * The loader reads one document (or List item) at a time. The same bytes
 * go in three ways: from memory (as cfg_manifest_load_buf), through a
 * reader that hands out a few bytes at a time (the same outcome and
 * objects; the same message too when every byte is one libyaml reads,
 * since libyaml refuses a bad byte as soon as it has read it, which in
 * pieces can come after an error earlier in the text), and with each
 * document read whole (the same outcome and objects, unless a whole List
 * is too big).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config/config.h"
#include "fuzz.h"

/* spec.bfd: in the CRD's ranges once given (defaults included), all
 * zero when absent; what the BFD session refuses never gets that far. */
static bool bfd_ok(const struct cfg_bfd *b)
{
	if (!b->present)
		return !b->enabled && !b->strict && !b->receive_interval && !b->transmit_interval &&
		       !b->detect_multiplier;
	return b->receive_interval >= CFG_BFD_INTERVAL_MIN &&
	       b->receive_interval <= CFG_BFD_INTERVAL_MAX &&
	       b->transmit_interval >= CFG_BFD_INTERVAL_MIN &&
	       b->transmit_interval <= CFG_BFD_INTERVAL_MAX &&
	       b->detect_multiplier >= CFG_BFD_MULT_MIN && b->detect_multiplier <= CFG_BFD_MULT_MAX;
}

/* One BGP announcement of pool e (an Eip's spec.bgp, a BGPAdvertisement
 * attached by cfg_set_resolve): sorted sets without duplicates, lengths
 * in range and, for each family of the pool, aggregates inside every
 * range; values that print back to text the parsers read as the same
 * value. */
static bool bgp_ok(const struct cfg_eip *e, const struct cfg_eip_bgp *b)
{
	char text[48];
	const char *why;
	uint32_t v, l[3];

	if (b->aggregation_length > 32 || b->aggregation_length_v6 > 128 ||
	    b->n_communities > CFG_EIP_MAX_COMMUNITIES ||
	    b->n_large_communities > CFG_EIP_MAX_LARGE_COMMUNITIES || !cfg_eip_bgp_equal(b, b))
		return false;
	if (cfg_eip_first_of(e, AF_INET) &&
	    b->aggregation_length < cfg_eip_min_aggregation_of(e, AF_INET))
		return false;
	if (cfg_eip_first_of(e, AF_INET6) &&
	    b->aggregation_length_v6 < cfg_eip_min_aggregation_of(e, AF_INET6))
		return false;
	if (!b->present && (b->n_communities || b->n_large_communities || b->n_peers ||
	                    b->has_local_pref || b->n_node_selectors || !b->link_bandwidth ||
	                    b->aggregation_length != 32 || b->aggregation_length_v6 != 128))
		return false;
	for (size_t i = 0; i < b->n_communities; i++) {
		if (i && b->communities[i - 1] >= b->communities[i])
			return false;
		snprintf(text, sizeof(text), "%u:%u", b->communities[i] >> 16,
		         b->communities[i] & 0xffff);
		if (cfg_community_parse(text, strlen(text), &v, &why) || v != b->communities[i])
			return false;
	}
	for (size_t i = 0; i < b->n_large_communities; i++) {
		const uint32_t *t = b->large_communities + 3 * i;

		if (i && memcmp(t - 3, t, 12) == 0)
			return false;
		snprintf(text, sizeof(text), "%u:%u:%u", t[0], t[1], t[2]);
		if (cfg_large_community_parse(text, strlen(text), l, &why) || memcmp(l, t, 12))
			return false;
	}
	for (size_t i = 0; i < b->n_peers; i++)
		for (size_t j = 0; j < i; j++)
			if (!*b->peers[i] || !strcmp(b->peers[i], b->peers[j]))
				return false;
	return true;
}

/* A pool: ranges of one family each, in order, none overlapping; an
 * Eip's announcement as its protocol says; every announcement sound. */
static bool eip_bgp_ok(const struct cfg_eip *e)
{
	if (!e->n_ranges)
		return false;
	for (size_t i = 0; i < e->n_ranges; i++) {
		const struct cfg_range *r = &e->ranges[i];

		if (!r->text || r->first.family != r->last.family ||
		    core_addr_cmp(&r->first, &r->last) > 0 || cfg_eip_range_of(e, &r->first) != r ||
		    cfg_eip_range_of(e, &r->last) != r)
			return false;
	}
	if (e->api == CFG_API_OPENELB &&
	    (e->n_ranges != 1 || e->n_bgp != (e->protocol == CFG_EIP_BGP) ||
	     e->n_l2 != (e->protocol == CFG_EIP_LAYER2) ||
	     (e->n_l2 && (e->l2[0].n_interfaces != 1 || !*e->l2[0].interfaces[0]))))
		return false;
	for (size_t k = 0; k < e->n_bgp; k++)
		if (!bgp_ok(e, &e->bgp[k]))
			return false;
	return true;
}

/* BgpPeer issue 14 fields: a reference has both parts, never beside a
 * password; a peer's routes equal its own. */
static bool peer_i14_ok(const struct cfg_bgp_peer *p)
{
	const struct cfg_secret_ref *r = &p->conf.auth_password_secret_ref;

	if (!r->name != !r->key || (r->name && p->conf.auth_password && *p->conf.auth_password))
		return false;
	return cfg_bgp_peer_routes_equal(p, p);
}

/* A Secret as the API server would store it: valid keys, none twice,
 * values NUL-terminated past their length, at most 1 MiB in all. */
static bool secret_ok(const struct cfg_secret *sec)
{
	size_t total = 0;

	if (!sec->meta.name || !sec->meta.ns)
		return false;
	for (size_t i = 0; i < sec->n_data; i++) {
		const struct cfg_secret_item *it = &sec->data[i];
		size_t n = strlen(it->key);

		if (!n || n > 253 || !strcmp(it->key, ".") || !strncmp(it->key, "..", 2) ||
		    strspn(it->key,
		           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._") !=
		        n ||
		    it->value[it->len] || cfg_secret_get(sec, it->key) != it)
			return false;
		total += it->len;
	}
	return total <= CFG_SECRET_MAX_BYTES;
}

static bool conf_i14_ok(const struct cfg_bgp_conf *c)
{
	return c->link_bw_per_endpoint >= 1 && c->link_bw_per_endpoint <= BGP_LINK_BW_MAX;
}

/* Every decoder on every document, whatever its kind says. */
static void decode_all(const char *buf, size_t len)
{
	struct cfg_yaml y;
	struct cfg_error err;

	cfg_error_init(&err, "fuzz.yaml", NULL);
	if (cfg_yaml_parse(buf, len, &y, &err) < 0)
		return;
	err.lines = y.lines;
	for (size_t i = 0; i < y.n_docs; i++) {
		json_t *o = json_is_object(y.docs[i].root) ? json_copy(y.docs[i].root) : NULL;
		struct cfg_bgp_conf c;
		struct cfg_bgp_peer p;
		struct cfg_eip e;
		struct cfg_service s;
		struct cfg_node n;
		struct cfg_secret sec;
		struct cfg_mlb_bgp_adv ba;
		struct cfg_mlb_l2_adv la;
		struct cfg_mlb_bfd bf;
		struct cfg_mlb_community co;

		if (!o)
			continue;
		json_object_del(o, "kind");
		json_object_del(o, "apiVersion");
		if (cfg_bgp_conf_decode(o, &c, &err) == 0) {
			if (!conf_i14_ok(&c))
				abort();
			cfg_bgp_conf_fini(&c);
		}
		if (cfg_bgp_peer_decode(o, &p, &err) == 0) {
			if (!cfg_bgp_peer_session_equal(&p, &p) || !bfd_ok(&p.bfd) ||
			    !peer_i14_ok(&p))
				abort();
			cfg_bgp_peer_fini(&p);
		}
		if (cfg_eip_decode(o, &e, &err) == 0) {
			if (!eip_bgp_ok(&e))
				abort();
			cfg_eip_fini(&e);
		}
		if (cfg_ip_address_pool_decode(o, &e, &err) == 0) {
			if (!eip_bgp_ok(&e) || e.api != CFG_API_METALLB)
				abort();
			cfg_eip_fini(&e);
		}
		if (cfg_metallb_peer_decode(o, &p, &err) >= 0) {
			if (!cfg_bgp_peer_session_equal(&p, &p) || !peer_i14_ok(&p))
				abort();
			cfg_bgp_peer_fini(&p);
		}
		if (cfg_bgp_adv_decode(o, &ba, &err) == 0)
			cfg_mlb_bgp_adv_fini(&ba);
		if (cfg_l2_adv_decode(o, &la, &err) == 0)
			cfg_mlb_l2_adv_fini(&la);
		if (cfg_bfd_profile_decode(o, &bf, &err) == 0) {
			if (!bfd_ok(&bf.bfd))
				abort();
			cfg_mlb_bfd_fini(&bf);
		}
		if (cfg_mlb_community_decode(o, &co, &err) == 0)
			cfg_mlb_community_fini(&co);
		if (cfg_service_decode(o, &s, &err) == 0)
			cfg_service_fini(&s);
		if (cfg_node_decode(o, &n, &err) == 0)
			cfg_node_fini(&n);
		if (cfg_secret_decode(o, &sec, &err) == 0) {
			if (!secret_ok(&sec))
				abort();
			cfg_secret_fini(&sec);
		}
		json_decref(o);
	}
	cfg_yaml_fini(&y);
}

static bool has_metallb(const struct cfg_set *s)
{
	for (size_t i = 0; i < s->n_eips; i++)
		if (s->eips[i].api == CFG_API_METALLB)
			return true;
	for (size_t i = 0; i < s->n_peers; i++)
		if (s->peers[i].api == CFG_API_METALLB)
			return true;
	return s->n_bgp_advs || s->n_l2_advs || s->n_bfds || s->n_communities || s->n_ignored;
}

/* OpenELB's objects, which the converted text may name but not hold. */
static bool has_openelb(const struct cfg_set *s)
{
	for (size_t i = 0; i < s->n_eips; i++)
		if (s->eips[i].api == CFG_API_OPENELB)
			return true;
	for (size_t i = 0; i < s->n_peers; i++)
		if (s->peers[i].api == CFG_API_OPENELB)
			return true;
	return s->bgp_conf && s->bgp_conf->api == CFG_API_OPENELB;
}

static void note_ok(const struct cfg_note *n, void *arg)
{
	size_t *count = arg;

	if (!n->kind || !n->api_version || !n->meta || !n->meta->name || !n->msg[0] ||
	    strchr(n->msg, '\n'))
		abort();
	(*count)++;
}

/* cfg_set_resolve: MetalLB's objects onto the pools and peers, the same
 * twice over, and every announcement it attaches sound. */
static void resolve_set(struct cfg_set *s)
{
	size_t n_bgp = 0, n_l2 = 0, again = 0, notes = 0;

	if (cfg_set_resolve(s) < 0)
		return;
	for (size_t i = 0; i < s->n_eips; i++) {
		n_bgp += s->eips[i].n_bgp;
		n_l2 += s->eips[i].n_l2;
	}
	cfg_set_notes(s, note_ok, &notes);
	if (cfg_set_resolve(s) < 0)
		return;
	for (size_t i = 0; i < s->n_eips; i++)
		again += s->eips[i].n_bgp + s->eips[i].n_l2;
	if (again != n_bgp + n_l2)
		abort();
	for (size_t i = 0; i < s->n_peers; i++)
		if (s->peers[i].api == CFG_API_METALLB && s->peers[i].bfd_profile &&
		    s->peers[i].bfd.present && !bfd_ok(&s->peers[i].bfd))
			abort();
	/* berth convert: once the set validates, objects that load and
	 * validate (unless a range's Eip repeats a name the set has) */
	{
		struct cfg_error err;
		struct cfg_set c;
		char *text = NULL;
		int rc;

		cfg_error_init(&err, NULL, NULL);
		if (cfg_set_validate(s, &err) == 0 && !has_openelb(s) &&
		    cfg_convert_metallb(s, &text) == 0) {
			cfg_set_init(&c);
			rc = cfg_manifest_load_buf("c.yaml", text, strlen(text), &c, &err);
			if (rc == 0) {
				cfg_error_init(&err, NULL, NULL);
				rc = cfg_set_validate(&c, &err);
			}
			if (rc == -EINVAL && !strstr(err.msg, "duplicate object"))
				abort();
			cfg_set_fini(&c);
			free(text);
		}
	}
	/* a BgpConf for MetalLB's peers when there is none */
	for (size_t i = 0; i < s->n_peers; i++)
		if (s->peers[i].api == CFG_API_METALLB && !s->bgp_conf)
			abort();
}

static void use_set(const struct cfg_set *s)
{
	struct cfg_lb_iter it = {0};
	const struct cfg_service *svc;
	const struct core_addr *addr;
	uint32_t id;

	for (size_t i = 0; i < s->n_nodes; i++) {
		const struct cfg_map *labels = &s->nodes[i].meta.labels;
		size_t pit = 0;

		while (cfg_set_next_peer(s, labels, &pit))
			;
		if (s->bgp_conf) {
			(void)cfg_bgp_conf_node_as(s->bgp_conf, labels);
			(void)cfg_bgp_conf_node_router_id(s->bgp_conf, labels, &id);
		}
		(void)cfg_node_ip(&s->nodes[i], "InternalIP", 0);
	}
	for (size_t i = 0; i < s->n_peers; i++)
		if (!cfg_bgp_peer_session_equal(&s->peers[i], &s->peers[i]) ||
		    !bfd_ok(&s->peers[i].bfd) || !peer_i14_ok(&s->peers[i]))
			abort();
	if (s->bgp_conf &&
	    (!cfg_bgp_conf_session_equal(s->bgp_conf, s->bgp_conf) || !conf_i14_ok(s->bgp_conf)))
		abort();
	for (size_t i = 0; i < s->n_eips; i++)
		if (!eip_bgp_ok(&s->eips[i]))
			abort();
	for (size_t i = 0; i < s->n_secrets; i++)
		if (!secret_ok(&s->secrets[i]) ||
		    cfg_set_secret(s, s->secrets[i].meta.ns, s->secrets[i].meta.name) !=
		        &s->secrets[i])
			abort();
	/* Eip peer names across the set: 0 exactly when every name is a
	 * peer (and, with MetalLB's objects, only when it is) */
	{
		struct cfg_error err;
		bool all_known = true;
		int rc;

		for (size_t i = 0; i < s->n_eips; i++) {
			const struct cfg_eip *e = &s->eips[i];

			if (e->api != CFG_API_OPENELB || !e->n_bgp)
				continue;
			for (size_t j = 0; j < e->bgp[0].n_peers; j++)
				all_known = all_known && cfg_set_peer(s, e->bgp[0].peers[j]);
		}
		cfg_error_init(&err, NULL, NULL);
		rc = cfg_set_validate(s, &err);
		if ((rc && (rc != -EINVAL || !err.msg[0])) || (rc == 0 && !all_known) ||
		    (!has_metallb(s) && (rc == 0) != all_known))
			abort();
	}
	while (cfg_set_next_lb_addr(s, &it, &svc, &addr))
		if (addr->family == 0)
			abort();
}

/* Hands out 1..step bytes at a time. */
struct pieces {
	const uint8_t *data;
	size_t len, pos, n, step;
};

static int read_pieces(void *arg, unsigned char *buf, size_t size, size_t *got,
                       struct cfg_error *err)
{
	struct pieces *p = arg;
	size_t want = 1 + p->n++ % p->step;

	(void)err;
	if (want > size)
		want = size;
	if (want > p->len - p->pos)
		want = p->len - p->pos;
	memcpy(buf, p->data + p->pos, want);
	p->pos += want;
	*got = want;
	return 0;
}

/* Valid UTF-8 of YAML's printable characters (YAML 1.2.2 section 5.1),
 * which libyaml's reader accepts whichever way it is cut. */
static bool printable_utf8(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t c = d[i];
		size_t len = c < 0x80             ? 1
		             : (c & 0xe0) == 0xc0 ? 2
		             : (c & 0xf0) == 0xe0 ? 3
		             : (c & 0xf8) == 0xf0 ? 4
		                                  : 0;

		if (!len || i + len > n)
			return false;
		if (len > 1)
			c &= 0xff >> (len + 1);
		for (size_t k = 1; k < len; k++) {
			if ((d[i + k] & 0xc0) != 0x80)
				return false;
			c = c << 6 | (d[i + k] & 0x3f);
		}
		/* shortest form only, no surrogates, YAML's printable set */
		if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
		    (len == 4 && c < 0x10000) || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff ||
		    c == 0xfffe || c == 0xffff ||
		    (c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
		    (c >= 0x7f && c < 0xa0 && c != 0x85))
			return false;
		i += len;
	}
	return true;
}

static bool same_counts(const struct cfg_set *a, const struct cfg_set *b)
{
	return !a->bgp_conf == !b->bgp_conf && a->n_peers == b->n_peers && a->n_eips == b->n_eips &&
	       a->n_services == b->n_services && a->n_nodes == b->n_nodes &&
	       a->n_slices == b->n_slices && a->n_secrets == b->n_secrets &&
	       a->n_skipped == b->n_skipped && a->n_bgp_advs == b->n_bgp_advs &&
	       a->n_l2_advs == b->n_l2_advs && a->n_bfds == b->n_bfds &&
	       a->n_communities == b->n_communities && a->n_ignored == b->n_ignored;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pieces p = {.data = data, .len = size, .step = size ? 1 + data[0] % 16 : 1};
	struct cfg_yaml_input in = {.read = read_pieces, .arg = &p, .items = true};
	struct cfg_set s, s2;
	struct cfg_error err, err2;
	int rc, rc2;

	cfg_set_init(&s);
	rc = cfg_manifest_load_buf("fuzz.yaml", (const char *)data, size, &s, &err);
	if (rc < 0) {
		/* all or nothing, and always a message */
		if (s.bgp_conf || s.n_peers || s.n_eips || s.n_services || s.n_nodes ||
		    s.n_secrets || s.n_bgp_advs || s.n_l2_advs || s.n_bfds || s.n_communities ||
		    s.n_ignored || !err.msg[0])
			abort();
	} else {
		use_set(&s);
	}

	/* read piece by piece */
	cfg_set_init(&s2);
	rc2 = cfg_manifest_load_stream("fuzz.yaml", &in, &s2, &err2);
	if ((rc < 0) != (rc2 < 0) || !same_counts(&s, &s2))
		abort();
	if (printable_utf8(data, size) && (rc != rc2 || strcmp(err.msg, err2.msg) != 0))
		abort();
	cfg_set_fini(&s2);

	/* each document whole: Lists are not read item by item */
	in = (struct cfg_yaml_input){.buf = (const char *)data, .len = size};
	cfg_set_init(&s2);
	rc2 = cfg_manifest_load_stream("fuzz.yaml", &in, &s2, &err2);
	if (rc2 != -E2BIG && (rc < 0) != (rc2 < 0))
		abort();
	if (rc == 0 && rc2 == 0 && !same_counts(&s, &s2))
		abort();
	cfg_set_fini(&s2);
	/* MetalLB's objects lowered (a BgpConf may appear: after the counts) */
	if (rc == 0) {
		resolve_set(&s);
		use_set(&s);
	}
	cfg_set_fini(&s);
	decode_all((const char *)data, size);
	return 0;
}
