/*
 * Base64 as Kubernetes carries bytes in JSON (a Secret's data, a
 * kubeconfig's *-data): Go's encoding/json reads []byte with
 * base64.StdEncoding, RFC 4648 section 4, padded, CR and LF skipped
 * anywhere. Used by the kubeconfig loader (k8s/) and the Secret decoder
 * (config/), so that both refuse what the API server refuses. Pure.
 */
#ifndef BERTH_CORE_B64_H
#define BERTH_CORE_B64_H

#include <stddef.h>

/*
 * Decodes in[0..len). *out (owned by the caller, free()) holds *out_len
 * bytes and a NUL after them; NULL on failure. Refused (-EINVAL): a
 * character outside the alphabet, data after padding, a length that is
 * not a multiple of 4 once CR and LF are skipped. Like Go's StdEncoding
 * (not Strict), non-zero bits in the last character before padding are
 * accepted. *bad_at (may be NULL) is then the offset of the first
 * character that cannot be, or len when the text ends too soon. Returns
 * 0, -EINVAL or -ENOMEM.
 */
int core_b64_decode(const char *in, size_t len, char **out, size_t *out_len, size_t *bad_at);

#endif
