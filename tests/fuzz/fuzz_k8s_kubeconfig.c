/*
 * kubeconfig bytes through the YAML reader, merge and decode (both with
 * and without insecure allowed); the same bytes as base64, an RFC 3339
 * time, and an HTTP error body. Checks the all-or-nothing contract (a
 * failed decode leaves the config zeroed, a good one has a server);
 * ASan/UBSan catch the rest, leaks included.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "k8s/api.h"
#include "k8s/config.h"
#include "fuzz.h"

static void check(int rc, struct k8s_config *c, struct k8s_err *err)
{
	static const struct k8s_config zero;

	if (rc == 0) {
		if (!c->server || !c->ns)
			abort();
		if (strncmp(c->server, "http", 4) != 0)
			abort();
		k8s_config_fini(c);
	} else {
		if (memcmp(c, &zero, sizeof(zero)) != 0 || !err->msg[0])
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct k8s_config c;
	struct k8s_status st;
	struct k8s_err err;
	char *text, *out;
	size_t out_len;
	uint64_t ms;

	check(k8s_kubeconfig_parse(buf, size, "/base", NULL, false, &c, &err), &c, &err);
	check(k8s_kubeconfig_parse(buf, size, NULL, "ctx", true, &c, &err), &c, &err);
	if (core_b64_decode(buf, size, &out, &out_len, NULL) == 0) {
		if (out_len > size)
			abort();
		free(out);
	}
	if (k8s_status_decode(400 + (int)(size % 200), buf, size, &st) >= 0)
		abort();
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (k8s_time_parse(text, &ms) == 0) {
		char again[K8S_TIME_MAX];
		uint64_t back;

		if (k8s_time_format(ms, true, again, sizeof(again)) ||
		    k8s_time_parse(again, &back) || back != ms)
			abort();
	}
	free(text);
	return 0;
}
