/*
 * bgp_md5_keys: the TCP-MD5 key set of a socket and the operations that
 * turn the installed keys into the configured ones (a key removed with
 * its peer or password, replaced when the password changes, added for a
 * new peer), checked case by case and against a model over random sets.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "bgp/md5_keys.h"

static struct core_addr addr(const char *s)
{
	struct core_addr a;

	assert_int_equal(core_addr_parse(s, &a), 0);
	return a;
}

static void put(struct bgp_md5_keys *k, const char *a, const char *key)
{
	struct core_addr x = addr(a);

	assert_int_equal(bgp_md5_keys_set(k, &x, key), 0);
}

static const char *key_of(const struct bgp_md5_keys *k, const char *a)
{
	struct core_addr x = addr(a);
	const struct bgp_md5_key *e = bgp_md5_keys_find(k, &x);

	return e ? e->key : NULL;
}

/* The operation for address a in ops: its key ("" = removal), or NULL. */
static const char *op_of(const struct bgp_md5_key *ops, size_t n, const char *a)
{
	struct core_addr x = addr(a);

	for (size_t i = 0; i < n; i++)
		if (core_addr_equal(&ops[i].addr, &x))
			return ops[i].key;
	return NULL;
}

static void test_set(void **state)
{
	struct bgp_md5_keys k;
	struct core_addr a = addr("192.0.2.1"), bad = {.family = 0};
	char big[TCP_MD5SIG_MAXKEYLEN + 2];

	(void)state;
	bgp_md5_keys_init(&k);
	put(&k, "192.0.2.1", "A");
	put(&k, "2001:db8::1", "six");
	assert_int_equal(k.n, 2);
	assert_string_equal(key_of(&k, "192.0.2.1"), "A");
	put(&k, "192.0.2.1", "B"); /* replaced, not added */
	assert_int_equal(k.n, 2);
	assert_string_equal(key_of(&k, "192.0.2.1"), "B");
	assert_null(key_of(&k, "192.0.2.2"));
	/* Same four bytes, other family: another address. */
	assert_null(key_of(&k, "c000:201::"));
	/* An IPv4 address is its first four bytes, whatever follows. */
	a.bytes[4] = 0xff;
	assert_non_null(bgp_md5_keys_find(&k, &a));
	put(&k, "192.0.2.1", ""); /* removed */
	assert_int_equal(k.n, 1);
	assert_null(key_of(&k, "192.0.2.1"));
	assert_int_equal(bgp_md5_keys_set(&k, &a, NULL), 0); /* absent: nothing */
	assert_int_equal(k.n, 1);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(bgp_md5_keys_set(&k, &a, big), -EINVAL);
	big[TCP_MD5SIG_MAXKEYLEN] = 0; /* exactly the maximum */
	assert_int_equal(bgp_md5_keys_set(&k, &a, big), 0);
	assert_int_equal(strlen(bgp_md5_keys_find(&k, &a)->key), TCP_MD5SIG_MAXKEYLEN);
	assert_int_equal(bgp_md5_keys_set(&k, &bad, "A"), -EINVAL);
	assert_int_equal(k.n, 2);
	bgp_md5_keys_fini(&k);
	assert_int_equal(k.n, 0);
}

static void test_diff_cases(void **state)
{
	struct bgp_md5_keys want, have;
	struct bgp_md5_key *ops;
	size_t n;

	(void)state;
	bgp_md5_keys_init(&want);
	bgp_md5_keys_init(&have);
	assert_int_equal(bgp_md5_keys_diff(&want, &have, &ops, &n), 0);
	assert_int_equal(n, 0);
	assert_null(ops);

	/* A new peer with a password: added. */
	put(&want, "192.0.2.1", "A");
	assert_int_equal(bgp_md5_keys_diff(&want, &have, &ops, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(op_of(ops, n, "192.0.2.1"), "A");
	free(ops);

	/* Installed as wanted: nothing to do. */
	put(&have, "192.0.2.1", "A");
	assert_int_equal(bgp_md5_keys_diff(&want, &have, &ops, &n), 0);
	assert_int_equal(n, 0);
	assert_null(ops);

	/* Password changed: one set that replaces the key, no removal. */
	put(&want, "192.0.2.1", "B");
	assert_int_equal(bgp_md5_keys_diff(&want, &have, &ops, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ops[0].key, "B");
	free(ops);

	/* Password (or peer) gone: removed. */
	put(&want, "192.0.2.1", NULL);
	assert_int_equal(bgp_md5_keys_diff(&want, &have, &ops, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(op_of(ops, n, "192.0.2.1"), "");
	free(ops);

	/* All at once: removals come first. */
	put(&have, "2001:db8::1", "six");
	put(&have, "192.0.2.3", "same");
	put(&want, "192.0.2.3", "same");
	put(&want, "2001:db8::1", "six-new");
	put(&want, "192.0.2.2", "C");
	assert_int_equal(bgp_md5_keys_diff(&want, &have, &ops, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(ops[0].key, "");
	assert_string_equal(op_of(ops, n, "192.0.2.1"), "");
	assert_string_equal(op_of(ops, n, "2001:db8::1"), "six-new");
	assert_string_equal(op_of(ops, n, "192.0.2.2"), "C");
	assert_null(op_of(ops, n, "192.0.2.3"));
	free(ops);
	bgp_md5_keys_fini(&want);
	bgp_md5_keys_fini(&have);
}

/* Random sets over 8 addresses (4 of each family, the IPv6 ones sharing
 * their first four bytes with the IPv4 ones) and 3 keys: applying the
 * operations to have gives want, with one operation per address that
 * differs and none for the others. */
#define N_ADDR 8
#define ROUNDS 2000

static const char *const addrs[N_ADDR] = {
    "192.0.2.1",  "192.0.2.2",  "198.51.100.1", "203.0.113.9",
    "c000:201::", "c000:202::", "2001:db8::1",  "2001:db8::2"};
static const char *const keys[] = {"", "A", "B", "a-longer-key"};

static void random_set(struct bgp_md5_keys *k, int *model)
{
	for (int i = 0; i < N_ADDR; i++) {
		model[i] = rand() % 4; /* 0: no key */
		put(k, addrs[i], keys[model[i]]);
	}
}

static void test_diff_model(void **state)
{
	(void)state;
	srand(2385);
	for (int round = 0; round < ROUNDS; round++) {
		struct bgp_md5_keys want, have;
		int mw[N_ADDR], mh[N_ADDR];
		struct bgp_md5_key *ops;
		size_t n, expect = 0;
		bool removing = true;

		bgp_md5_keys_init(&want);
		bgp_md5_keys_init(&have);
		random_set(&want, mw);
		random_set(&have, mh);
		assert_int_equal(bgp_md5_keys_diff(&want, &have, &ops, &n), 0);
		for (int i = 0; i < N_ADDR; i++)
			expect += mw[i] != mh[i];
		assert_int_equal(n, expect);
		for (size_t i = 0; i < n; i++) {
			/* Each address once, removals first. */
			for (size_t j = 0; j < i; j++)
				assert_false(core_addr_equal(&ops[i].addr, &ops[j].addr));
			if (*ops[i].key)
				removing = false;
			else
				assert_true(removing);
			assert_int_equal(bgp_md5_keys_set(&have, &ops[i].addr, ops[i].key), 0);
		}
		assert_int_equal(have.n, want.n);
		for (int i = 0; i < N_ADDR; i++) {
			const char *k = key_of(&have, addrs[i]);

			if (mw[i])
				assert_string_equal(k, keys[mw[i]]);
			else
				assert_null(k);
		}
		free(ops);
		bgp_md5_keys_fini(&want);
		bgp_md5_keys_fini(&have);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_set),
	    cmocka_unit_test(test_diff_cases),
	    cmocka_unit_test(test_diff_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
